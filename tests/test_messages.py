"""消息中心: a step that concerns someone writes them a message in its transaction;
e-mail goes out afterwards through a real (local) SMTP server when configured."""
from __future__ import annotations

import smtplib
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Message
from tests import serving
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


@pytest.fixture()
def smtp(app):
    with serving.smtp_server() as (inbox, url):
        with set_email(app, "professional", "zhou.ying@example.com"):
            yield inbox, url
    app.config["XUESHI_SMTP_URL"] = None


@contextmanager
def set_email(app, key, address):
    """Give a login a real e-mail address for the test; the old one after."""
    with app.app_context():
        user = app.appbuilder.sm.find_user(username=key)
        old, user.email = user.email, address
        db.session.commit()
        db.session.remove()
    try:
        yield old
    finally:
        with app.app_context():
            app.appbuilder.sm.find_user(username=key).email = old
            db.session.commit()
            db.session.remove()


def subject_of(content: str) -> str:
    from email import message_from_string
    from email.header import decode_header, make_header

    return str(make_header(decode_header(message_from_string(content)["Subject"])))


def test_the_approval_email_arrives_only_when_smtp_is_configured(app, api, smtp, monkeypatch):
    inbox, url = smtp
    attempts = []
    real_smtp = smtplib.SMTP
    monkeypatch.setattr(smtplib, "SMTP", lambda *a, **k: attempts.append(a) or real_smtp(*a, **k))
    off = submitted(api, "不发邮件的申报")
    assert api("unit_reviewer", "POST", f"/api/v1/claim/{off}/step/approve").status_code == 200
    assert inbox.mails == [] and attempts == []  # SMTP off: no connection is even tried

    app.config["XUESHI_SMTP_URL"] = url
    on = submitted(api, "发邮件的申报")
    assert api("unit_reviewer", "POST", f"/api/v1/claim/{on}/step/approve").status_code == 200
    # the queue runs inline here (immediate mode): the task has sent it by now
    mails = inbox.to("zhou.ying@example.com")
    assert len(mails) == 1 and "发邮件的申报" in subject_of(mails[0])
    assert "To: zhou.ying@example.com" in mails[0]
    (message_id, *_), = messages_of(app, "professional", on)
    with app.app_context():
        from app.services import messages

        assert db.session.get(Message, message_id).emailed_at is not None
        assert messages.send([message_id]) == 0  # once each: a repeated task sends nothing
        db.session.remove()
    assert len(inbox.to("zhou.ying@example.com")) == 1


def test_the_request_only_queues_the_email(app, api, smtp):
    """Off immediate mode the step's request sends nothing: the queue holds one
    e-mail task, and the mail arrives when a consumer runs it."""
    from app.jobs import queue

    inbox, url = smtp
    app.config["XUESHI_SMTP_URL"] = url
    claim_id = submitted(api, "排队发邮件的申报")
    queue.huey.immediate = False
    try:
        queue.huey.storage.flush_queue()
        assert api("unit_reviewer", "POST", f"/api/v1/claim/{claim_id}/step/approve").status_code == 200
        assert inbox.mails == [] and queue.huey.pending_count() == 1
        task = queue.huey.dequeue()
        assert task.name.endswith("send_email")
        with app.app_context():
            queue.huey.execute(task)
    finally:
        queue.huey.immediate = True
    mails = inbox.to("zhou.ying@example.com")
    assert len(mails) == 1 and "排队发邮件的申报" in subject_of(mails[0])
