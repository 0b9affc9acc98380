"""The second factor as an assessor checks it: a privileged login without one
reaches nothing but the enrolment page; a wrong code fails and counts toward
lockout; a code and a recovery code are good once; the API asks for it too;
secrets and recovery codes are never stored in plain text."""
from __future__ import annotations

import html
import itertools
import json
import re

import pyotp
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, LoginState, RecoveryCode
from app.security import identity, mfa
from app.security.roles import ROLE_FLAGS, second_factor_required
from tests.conftest import PASSWORD, TOTP_SECRET, api_login, totp_code

_n = itertools.count(1)


def new_login(app, role="association_admin", *, secret: str | None = None) -> str:
    from app.services import accounts

    username = f"mfa{next(_n)}"
    with app.app_context():
        targets = {"district": "370202"} if role == "district_officer" else {}
        user = accounts.create_user(app.appbuilder, username=username, password=PASSWORD, role=role,
                                    targets=targets)
        if secret:
            mfa.enrol_with_secret(user, secret)
            db.session.commit()
        db.session.remove()
    return username


def password_step(client, username, password=PASSWORD):
    return client.post("/login/", data={"username": username, "password": password})


def events(app, kind, subject) -> list[dict]:
    with app.app_context():
        rows = db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "event", AuditEntry.table_name == kind,
            AuditEntry.record_id == subject)).scalars().all()
        found = [json.loads(e.after or "{}") for e in rows]
        db.session.remove()
        return found


def state(app, username) -> LoginState:
    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)
        row = identity.state_of(user.id)
        db.session.expunge(row)
        db.session.remove()
        return row


def enrol_on_screen(app, client, username) -> tuple[str, list[str]]:
    """Read the key off the enrolment page, confirm it with a code: (secret, recovery codes)."""
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    # the QR code (segno, inline) is the otpauth URI of that key
    qr = re.search(r'id="totp-qr" src="([^"]+)"', page).group(1)
    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)
        uri = mfa.provisioning_uri(user, secret)
        assert uri.startswith("otpauth://totp/Xueshi:") and html.unescape(qr) == mfa.qr_data_uri(uri)
        db.session.remove()
    done = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li>([A-Z0-9]{5}-[A-Z0-9]{5})</li>", done.get_data(as_text=True))
    return secret, codes


def reaches_work(client) -> bool:
    return client.get("/personview/list/").status_code == 200


def test_the_flag_is_per_role_in_roles_py():
    assert {r for r, f in ROLE_FLAGS.items() if f.second_factor} == {"association_admin", "Admin", "auditor"}
    assert second_factor_required(["auditor"]) and not second_factor_required(["professional"])


def test_a_totp_less_association_login_reaches_nothing_but_enrolment(app):
    username = new_login(app)
    client = app.test_client()
    resp = password_step(client, username)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login/enrol")
    assert username not in client.get("/").get_data(as_text=True)  # the anonymous start page
    for path in ("/personview/list/", "/api/v1/person/", "/users/list/", "/ledgerview/list/"):
        answer = client.get(path)
        assert answer.status_code in (302, 401), path
        if answer.status_code == 302:
            assert "/login/" in answer.headers["Location"], path
    # nor does the API give it a token
    refused = api_login(app, app.test_client(), username)
    assert refused.status_code == 403 and "第二" in refused.json["message"]
    secret, codes = enrol_on_screen(app, client, username)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert reaches_work(client)
    assert events(app, "mfa.enrol", username)
    # the secret is stored encrypted and the recovery codes as keyed digests only
    saved = state(app, username)
    assert saved.totp_secret and secret not in saved.totp_secret
    with app.app_context():
        hashes = db.session.execute(select(RecoveryCode.code_hash)).scalars().all()
        db.session.remove()
    assert not any(c.replace("-", "") in h or c in h for c in codes for h in hashes)


def test_login_asks_for_the_code_after_the_password(app):
    username = new_login(app, secret=TOTP_SECRET)
    client = app.test_client()
    resp = password_step(client, username)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login/code")
    assert not reaches_work(client)  # a right password alone signs nothing in
    resp = client.post("/login/code", data={"code": totp_code(app, username)})
    assert resp.status_code == 302 and "/login/" not in resp.headers["Location"]
    assert reaches_work(client)
    assert events(app, "mfa.success", username) and events(app, "login.success", username)


def test_a_code_is_good_once(app):
    username = new_login(app, secret=TOTP_SECRET)
    code = totp_code(app, username)
    first = app.test_client()
    password_step(first, username)
    assert first.post("/login/code", data={"code": code}).headers["Location"].endswith("/")
    second = app.test_client()
    password_step(second, username)
    assert second.post("/login/code", data={"code": code}).headers["Location"].endswith("/login/code")
    assert not reaches_work(second)
    assert any(e.get("reason") == "replayed" for e in events(app, "mfa.failure", username))


def test_a_wrong_code_fails_and_counts_toward_lockout(app):
    username = new_login(app, secret=TOTP_SECRET)
    client = app.test_client()
    for attempt in range(5):
        # the right password each time: it must not clear the failures the codes make
        assert password_step(client, username).headers["Location"].endswith("/login/code"), attempt
        resp = client.post("/login/code", data={"code": "000000" if attempt % 2 else "12345x"})
        assert not reaches_work(client)
    assert len(events(app, "mfa.failure", username)) == 5
    assert events(app, "lockout", username)
    # locked: the right password and the right code no longer work
    assert not password_step(client, username).headers["Location"].endswith("/login/code")
    resp = client.post("/login/code", data={"code": totp_code(app, username)})
    assert not reaches_work(client)
    assert identity.locked(state(app, username))


def test_a_recovery_code_works_once(app):
    username = new_login(app)
    client = app.test_client()
    password_step(client, username)
    _secret, codes = enrol_on_screen(app, client, username)
    client.get("/logout/")
    for attempt, expect_in in ((1, True), (2, False)):
        other = app.test_client()
        password_step(other, username)
        other.post("/login/code", data={"code": codes[0].lower()})
        assert reaches_work(other) is expect_in, attempt
    assert events(app, "mfa.recovery_code", username)[0]["left"] == 9
    # another unused one still works
    third = app.test_client()
    password_step(third, username)
    third.post("/login/code", data={"code": codes[1]})
    assert reaches_work(third)


def test_the_api_token_needs_the_code_for_an_enrolled_login(app):
    username = new_login(app, secret=TOTP_SECRET)
    client = app.test_client()
    body = {"username": username, "password": PASSWORD, "provider": "db"}
    missing = client.post("/api/v1/security/login", json=body)
    assert missing.status_code == 401 and "totp" in missing.json["message"]
    wrong = client.post("/api/v1/security/login", json=dict(body, totp="000000"))
    assert wrong.status_code == 401
    assert state(app, username).failed_logins == 1
    right = client.post("/api/v1/security/login", json=dict(body, totp=totp_code(app, username)))
    assert right.status_code == 200 and "access_token" in right.json
    assert state(app, username).failed_logins == 0


def test_others_may_enrol_and_are_then_asked_for_a_code(app):
    username = new_login(app, role="district_officer")
    client = app.test_client()
    assert password_step(client, username).headers["Location"].endswith("/")  # optional: no code
    assert reaches_work(client)
    assert 'href="/login/enrol"' in client.get("/").get_data(as_text=True)  # the user menu offers it
    secret, codes = enrol_on_screen(app, client, username)
    assert codes and reaches_work(client)  # the session goes on
    other = app.test_client()
    assert password_step(other, username).headers["Location"].endswith("/login/code")
    assert api_login(app, app.test_client(), username, totp="").status_code == 401


def test_a_reset_ends_the_sessions_and_asks_for_a_new_enrolment(app):
    username = new_login(app, secret=TOTP_SECRET)
    client = app.test_client()
    password_step(client, username)
    client.post("/login/code", data={"code": totp_code(app, username)})
    assert reaches_work(client)
    with app.app_context():
        mfa.reset(app.appbuilder.sm.find_user(username=username), by="tests")
        db.session.commit()
        db.session.remove()
    assert not reaches_work(client)
    again = app.test_client()
    assert password_step(again, username).headers["Location"].endswith("/login/enrol")
    assert events(app, "mfa.reset", username)


def test_an_unfinished_sign_in_expires(app):
    from app.security import manager

    username = new_login(app, secret=TOTP_SECRET)
    client = app.test_client()
    password_step(client, username)
    with client.session_transaction() as s:
        s[manager.PENDING] = dict(s[manager.PENDING], exp=0)
    resp = client.post("/login/code", data={"code": totp_code(app, username)})
    assert resp.headers["Location"].endswith("/login/")
    assert not reaches_work(client)


@pytest.mark.parametrize("path", ["/login/code", "/login/enrol"])
def test_the_second_factor_pages_without_a_pending_login_send_to_the_login(app, path):
    resp = app.test_client().get(path)
    assert resp.status_code == 302 and "/login/" in resp.headers["Location"]
