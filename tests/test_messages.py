"""消息中心: a step that concerns someone writes them a message in its transaction;
e-mail goes out afterwards through a real (local) SMTP server when configured."""
from __future__ import annotations

import socket
import time

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.extensions import db
from app.models import Message
from tests.test_claims import exam, new_claim, upload


def submitted(api, title, hours=2):
    claim_id = new_claim(api, body=exam(title=title, hours=hours))
    assert upload(api, "professional", claim_id).status_code == 200
    assert api("professional", "POST", f"/api/v1/claim/{claim_id}/step/submit").status_code == 200
    return claim_id


def messages_of(app, key, claim_id):
    with app.app_context():
        uid = app.appbuilder.sm.find_user(username=key).id
        rows = db.session.execute(select(Message).where(
            Message.user_id == uid, Message.resource == "Claim", Message.record_id == claim_id)
            .order_by(Message.id)).scalars().all()
        found = [(m.id, m.step, m.subject, m.body, m.url) for m in rows]
        db.session.remove()
        return found


def test_approval_tells_the_claimant_the_credited_hours(app, api, clients):
    claim_id = submitted(api, "消息测试考试", hours=3)
    assert api("unit_reviewer", "POST", f"/api/v1/claim/{claim_id}/step/approve").status_code == 200
    found = messages_of(app, "professional", claim_id)
    assert len(found) == 1
    _, step, subject, body, url = found[0]
    assert step == "approve" and "消息测试考试" in subject
    assert "学时" in body and url == f"/claimview/show/{claim_id}"
    assert messages_of(app, "unit_reviewer", claim_id) == []  # the actor is not told
    page = clients("professional").get("/messages/").get_data(as_text=True)
    assert "消息测试考试" in page
    assert 'class="badge"' in clients("professional").get("/").get_data(as_text=True)


def test_a_rejection_links_to_the_correction_form_and_is_private(app, api, clients):
    claim_id = submitted(api, "消息退回测试")
    resp = api("unit_reviewer", "POST", f"/api/v1/claim/{claim_id}/step/reject",
               json={"reason": "请补充考试合格证明"})
    assert resp.status_code == 200
    (message_id, _, _, body, url), = messages_of(app, "professional", claim_id)
    assert "请补充考试合格证明" in body and url == f"/claimview/change/{claim_id}"
    assert clients("unit_reviewer_b").get(f"/messages/{message_id}").status_code == 404
    assert clients("unit_reviewer").get(f"/messages/{message_id}").status_code == 404
    assert "消息退回测试" not in clients("unit_reviewer_b").get("/messages/").get_data(as_text=True)
    resp = clients("professional").get(f"/messages/{message_id}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(url)
    with app.app_context():
        assert db.session.get(Message, message_id).read_at is not None
        db.session.remove()
    # the correction form it points to opens for the claimant
    assert clients("professional").get(url).status_code == 200


class Inbox:
    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture()
def smtp(app):
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    with app.app_context():
        user = app.appbuilder.sm.find_user(username="professional")
        old_email, user.email = user.email, "zhou.ying@example.com"
        db.session.commit()
        db.session.remove()
    yield inbox, f"smtp://127.0.0.1:{port}"
    app.config["XUESHI_SMTP_URL"] = None
    controller.stop()
    with app.app_context():
        user = app.appbuilder.sm.find_user(username="professional")
        user.email = old_email
        db.session.commit()
        db.session.remove()


def wait_for(predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_the_approval_email_arrives_only_when_smtp_is_configured(app, api, smtp):
    inbox, url = smtp
    off = submitted(api, "不发邮件的申报")
    assert api("unit_reviewer", "POST", f"/api/v1/claim/{off}/step/approve").status_code == 200
    time.sleep(0.5)
    assert inbox.mails == []

    app.config["XUESHI_SMTP_URL"] = url
    on = submitted(api, "发邮件的申报")
    assert api("unit_reviewer", "POST", f"/api/v1/claim/{on}/step/approve").status_code == 200
    assert wait_for(lambda: any("zhou.ying@example.com" in to for to, _ in inbox.mails))
    to, content = next(m for m in inbox.mails if "zhou.ying@example.com" in m[0])
    from email import message_from_string
    from email.header import decode_header, make_header
    mail = message_from_string(content)
    assert "发邮件的申报" in str(make_header(decode_header(mail["Subject"])))
    assert mail["To"] == "zhou.ying@example.com"
