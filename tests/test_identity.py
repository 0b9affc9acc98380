"""Identity controls as an assessor checks them: lockout, CAPTCHA, password
policy, expiry and forced change, sessions and tokens that end, headers."""
from __future__ import annotations

import itertools
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import AuditEntry, LoginState
from app.security import identity
from app.security.passwords import password_problem
from tests.conftest import PASSWORD

_n = itertools.count(1)
_addresses = (f"10.77.0.{i}" for i in itertools.count(1))


def new_login(app, role="district_officer", **kwargs) -> str:
    from app.services import accounts

    username = f"idt{next(_n)}"
    with app.app_context():
        accounts.create_user(app.appbuilder, username=username, password=PASSWORD, role=role,
                             targets={"district": "370202"} if role == "district_officer" else {},
                             **kwargs)
        db.session.remove()
    return username


def client_from(app, address=None):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address or next(_addresses)
    return client


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post("/login/", data={"username": username, "password": password, **extra})


def signed_in(client) -> bool:
    return client.get("/personview/list/").status_code == 200


def events(app, kind, subject=None) -> list[dict]:
    with app.app_context():
        stmt = select(AuditEntry).where(AuditEntry.action == "event", AuditEntry.table_name == kind)
        if subject:
            stmt = stmt.where(AuditEntry.record_id == subject)
        rows = [dict(json.loads(e.after or "{}"), _user=e.username) for e in db.session.execute(stmt).scalars()]
        db.session.remove()
        return rows


def flashed(client) -> list[str]:
    with client.session_transaction() as s:
        return [m for _c, m in s.get("_flashes", [])]


# ---- passwords -----------------------------------------------------------------

@pytest.mark.parametrize("password", ["Password123", "Password123!", "P@ssw0rd2026", "Qwerty12345!",
                                      "Woaini1314!!", "Admin123456#"])
def test_common_passwords_are_refused(ctx, password):
    assert "常见" in password_problem(password)


def test_a_password_containing_the_username_is_refused(ctx):
    assert "用户名" in password_problem("Zhangsan-2026!", "zhangsan")
    assert password_problem("Zhangsan-2026!", "lisi") is None


def test_the_last_five_passwords_are_not_reused(app):
    username = new_login(app)
    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)
        used = [PASSWORD] + [f"Fresh-Word-{i}x!" for i in range(5)]
        for word in used[1:]:
            identity.set_password(user, word, by_administrator=False)
        db.session.commit()
        for word in used[1:]:
            assert "最近" in identity.new_password_problem(user, word)
        assert identity.new_password_problem(user, used[0]) is None  # the sixth back is allowed again
        db.session.remove()


def age_password(app, username, days=91):
    """Make the login's password `days` old (past the 90-day expiry by default)."""
    with app.app_context():
        uid = app.appbuilder.sm.find_user(username=username).id
        db.session.execute(update(LoginState).where(LoginState.user_id == uid).values(
            password_changed_at=identity.now() - timedelta(days=days)))
        db.session.commit()
        db.session.remove()


def test_an_expired_password_forces_a_change_before_anything_else(app):
    username = new_login(app)
    age_password(app, username)
    client = client_from(app)
    assert sign_in(client, username).status_code == 302
    resp = client.get("/personview/list/")
    assert resp.status_code == 302 and "/resetmypassword/" in resp.headers["Location"]
    # the API gives no token until the password is changed on screen
    api = client_from(app).post("/api/v1/security/login", json={
        "username": username, "password": PASSWORD, "provider": "db"})
    assert api.status_code == 403 and "密码" in api.json["message"]
    # the change form refuses the current password, takes a new one, and the login goes on
    page = client.post("/resetmypassword/form", data={"password": PASSWORD, "conf_password": PASSWORD})
    assert "最近" in page.get_data(as_text=True)
    new = "Another-Word-77!"
    client.post("/resetmypassword/form", data={"password": new, "conf_password": new})
    assert signed_in(client)
    assert events(app, "password.change", username)


def test_a_login_created_on_screen_or_reset_by_the_administrator_must_change_its_password(app, clients):
    username = new_login(app, must_change=True)
    client = client_from(app)
    sign_in(client, username)
    assert "/resetmypassword/" in client.get("/").headers.get("Location", "")
    # after an administrator's reset too
    other = new_login(app)
    with app.app_context():
        pk = app.appbuilder.sm.find_user(username=other).id
        db.session.remove()
    word = "Reset-By-Admin-9!"
    clients("Admin").post(f"/resetpassword/form?pk={pk}", data={"password": word, "conf_password": word})
    assert events(app, "password.reset", other)
    client = client_from(app)
    sign_in(client, other, word)
    assert "/resetmypassword/" in client.get("/personview/list/").headers.get("Location", "")


# ---- lockout -------------------------------------------------------------------

def test_the_sixth_wrong_password_locks_even_the_right_one(app):
    username = new_login(app)
    client = client_from(app)
    for _ in range(5):
        assert sign_in(client, username, "Wrong-Pass-2026!").status_code == 302
        assert not signed_in(client)
    sign_in(client, username)  # the right password, from another client too
    assert not signed_in(client)
    other = client_from(app)
    sign_in(other, username)
    assert not signed_in(other)
    locked_message = flashed(other)
    unknown = client_from(app)
    sign_in(unknown, "no-such-login-anywhere", "Wrong-Pass-2026!")
    assert flashed(unknown) == locked_message[:1]  # the answer never tells which
    assert len(events(app, "lockout", username)) == 1
    failures = events(app, "login.failure", username)
    assert len(failures) == 5 and all(f["client"].startswith("10.77.") for f in failures)
    assert events(app, "login.locked", username)
    # after the lock time the right password works again
    with app.app_context():
        uid = app.appbuilder.sm.find_user(username=username).id
        db.session.execute(update(LoginState).where(LoginState.user_id == uid).values(
            locked_until=identity.now() - timedelta(seconds=1)))
        db.session.commit()
        db.session.remove()
    sign_in(other, username)
    assert signed_in(other)
    assert events(app, "login.success", username)


def test_a_client_with_three_failures_must_solve_a_captcha(make_app, monkeypatch):
    from app.security import captcha

    strict = make_app(XUESHI_CAPTCHA_AFTER=3)
    username = new_login(strict)
    client = client_from(strict)
    for _ in range(3):
        sign_in(client, username, "Wrong-Pass-2026!")
    page = client.get("/login/").get_data(as_text=True)
    assert 'name="captcha"' in page
    # the right password without the picture's characters is not enough
    sign_in(client, username)
    assert not signed_in(client)
    monkeypatch.setattr(captcha, "new_text", lambda: "K7PM")
    image = client.get("/login/captcha.png")
    assert image.status_code == 200 and image.data[:4] == b"\x89PNG"
    sign_in(client, username, captcha="k7pm")
    assert signed_in(client)
    # another client is not asked
    assert 'name="captcha"' not in client_from(strict).get("/login/").get_data(as_text=True)


def test_logins_are_limited_per_account_from_any_client(make_app):
    limited = make_app(XUESHI_ACCOUNT_RATE_LIMIT="3 per minute")
    codes = [sign_in(client_from(limited), "target-of-a-botnet", "Wrong-Pass-2026!").status_code
             for _ in range(4)]
    assert codes[:3] == [302, 302, 302] and codes[3] == 429
    body = {"username": "target-of-a-botnet", "password": "x", "provider": "db"}
    assert client_from(limited).post("/api/v1/security/login", json=body).status_code == 429


# ---- sessions and tokens -------------------------------------------------------

def _copy_session(client, app):
    copy = client_from(app)
    copy.set_cookie("session", client.get_cookie("session").value)
    return copy


def _tokens(app, username, password=PASSWORD):
    resp = client_from(app).post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db", "refresh": True})
    assert resp.status_code == 200, resp.json
    return resp.json["access_token"], resp.json["refresh_token"]


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _api_ok(app, token) -> bool:
    return client_from(app).get("/api/v1/person/", headers=_bearer(token)).status_code == 200


def _refresh(app, token):
    return client_from(app).post("/api/v1/security/refresh", headers=_bearer(token))


def test_logout_ends_saved_cookies_and_both_tokens(app):
    username = new_login(app)
    client = client_from(app)
    sign_in(client, username)
    saved = _copy_session(client, app)
    assert signed_in(saved)
    access, refresh = _tokens(app, username)
    assert _api_ok(app, access)
    client.get("/logout/")
    assert not signed_in(saved)
    assert not _api_ok(app, access)
    assert _refresh(app, refresh).status_code == 401
    assert events(app, "logout", username)


def test_the_api_logout_ends_the_screen_session_too(app):
    username = new_login(app)
    client = client_from(app)
    sign_in(client, username)
    access, _refresh_token = _tokens(app, username)
    resp = client_from(app).post("/api/v1/security/logout", headers=_bearer(access))
    assert resp.status_code == 200
    assert not _api_ok(app, access)
    assert not signed_in(client)


def test_a_password_change_ends_every_other_session_and_token(app):
    username = new_login(app)
    client = client_from(app)
    sign_in(client, username)
    saved = _copy_session(client, app)
    access, refresh = _tokens(app, username)
    new = "Changed-Word-31!"
    client.post("/resetmypassword/form", data={"password": new, "conf_password": new})
    assert signed_in(client)  # the session that changed it goes on
    assert not signed_in(saved)
    assert not _api_ok(app, access)
    assert _refresh(app, refresh).status_code == 401


def test_refresh_tokens_are_single_use_and_a_reuse_ends_the_family(app):
    username = new_login(app)
    access, refresh = _tokens(app, username)
    first = _refresh(app, refresh)
    assert first.status_code == 200
    assert _api_ok(app, first.json["access_token"])
    newer = first.json["refresh_token"]
    # the old one again: refused, and everything issued from it ends
    assert _refresh(app, refresh).status_code == 401
    assert _refresh(app, newer).status_code == 401
    assert not _api_ok(app, first.json["access_token"])
    assert events(app, "token.reuse", username)


def test_token_lifetimes(app):
    assert app.config["JWT_ACCESS_TOKEN_EXPIRES"] <= timedelta(minutes=15)
    assert app.config["JWT_REFRESH_TOKEN_EXPIRES"] <= timedelta(hours=8)


def test_a_role_or_scope_change_and_a_deactivation_end_the_sessions(app, clients):
    from app.services import accounts

    username = new_login(app)
    client = client_from(app)
    sign_in(client, username)
    access, _r = _tokens(app, username)
    with app.app_context():
        accounts.link_scope(app.appbuilder, username=username, targets={"district": "370203"})
        db.session.remove()
    assert not signed_in(client) and not _api_ok(app, access)
    sign_in(client, username)
    assert signed_in(client)
    with app.app_context():
        pk = app.appbuilder.sm.find_user(username=username).id
        db.session.remove()
    page = clients("Admin").get(f"/users/edit/{pk}").get_data(as_text=True)
    role_id = re.search(r'<option selected value="(\d+)"', page) or re.search(r'value="(\d+)" selected', page)
    data = {"first_name": username, "last_name": "-", "username": username,
            "email": f"{username}@users.xueshi.invalid", "roles": role_id.group(1) if role_id else ""}
    clients("Admin").post(f"/users/edit/{pk}", data=data)  # active unticked
    assert not signed_in(client)
    assert events(app, "session.revoked", username)


def test_the_pre_login_csrf_secret_does_not_carry_over(csrf_app):
    guarded = csrf_app
    username = new_login(guarded)
    client = client_from(guarded)
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    with client.session_transaction() as s:
        before = s.get("csrf_token")
    assert sign_in(client, username, csrf_token=token).status_code == 302
    with client.session_transaction() as s:
        assert s.get("csrf_token") != before
    # a form posted with the pre-login token is refused
    resp = client.post("/departmentview/add", data={"name": "旧令牌部门", "csrf_token": token})
    assert resp.status_code in (302, 400)
    with guarded.app_context():
        from app.models import Department
        assert db.session.execute(select(Department).where(Department.name == "旧令牌部门")).first() is None
        db.session.remove()


# ---- headers ---------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/login/", "/api/v1/security/login", "/verify/not-a-token"])
def test_security_headers_on_screens_api_and_the_verify_page(app, path):
    client = app.test_client()
    resp = client.get(path) if not path.startswith("/api") else client.post(path, json={})
    csp = resp.headers["Content-Security-Policy"]
    for part in ("frame-ancestors 'self'", "object-src 'none'", "base-uri 'self'", "script-src 'self' 'nonce-"):
        assert part in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"]
    assert resp.headers["Permissions-Policy"]
    assert "Server" not in resp.headers
    assert "Strict-Transport-Security" not in resp.headers  # plain HTTP in tests


@pytest.mark.parametrize("key,path", [
    (None, "/login/"), ("professional", "/"), ("professional", "/claimview/list/"),
    ("unit_reviewer", "/ledgerview/list/"), ("base_staff", "/trainingclassview/list/"),
    ("association_admin", "/personview/list/"), ("auditor", "/auditentryview/list/")])
def test_scripts_carry_the_nonce_of_the_policy(app, clients, key, path):
    """Every script of a page runs under the policy: lists and their search
    widgets (FAB imports its macros without context) included."""
    resp = (clients(key) if key else app.test_client()).get(path)
    assert resp.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", resp.headers["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script[^>]*>", resp.get_data(as_text=True))
    assert scripts and all(f'nonce="{nonce}"' in s for s in scripts), \
        [s for s in scripts if f'nonce="{nonce}"' not in s]


def test_https_turns_on_hsts_and_secure_cookies(make_app):
    secure = make_app(SESSION_COOKIE_SECURE=True)
    resp = secure.test_client().get("/login/")
    assert "max-age=" in resp.headers["Strict-Transport-Security"]


@pytest.mark.parametrize("env,setting,secure", [
    ("production", None, True), ("development", None, False), ("production", "0", False),
    ("development", "1", True)])
def test_secure_cookies_and_hsts_are_on_by_default_in_production(monkeypatch, env, setting, secure):
    import config

    monkeypatch.setenv("XUESHI_ENV", env)
    if setting is None:
        monkeypatch.delenv("XUESHI_SESSION_COOKIE_SECURE", raising=False)
    else:
        monkeypatch.setenv("XUESHI_SESSION_COOKIE_SECURE", setting)
    assert config.https_only() is secure


def test_expired_refresh_tokens_are_purged(app):
    from app.models.identity import ClientFailure, RefreshToken

    username = new_login(app)
    with app.app_context():
        uid = app.appbuilder.sm.find_user(username=username).id
        db.session.add_all([
            RefreshToken(jti=f"old-{uid}", user_id=uid, family="f", used_at=identity.now(),
                         expires_at=identity.now() - timedelta(minutes=1)),
            RefreshToken(jti=f"live-{uid}", user_id=uid, family="f",
                         expires_at=identity.now() + timedelta(hours=1)),
            ClientFailure(address="10.99.0.1", count=2, last_at=identity.now() - timedelta(days=1)),
        ])
        db.session.commit()
        removed = identity.purge_expired()
        left = db.session.execute(select(RefreshToken.jti).where(RefreshToken.user_id == uid)).scalars().all()
        assert removed["refresh_tokens"] >= 1 and removed["client_failures"] >= 1
        assert left == [f"live-{uid}"] and db.session.get(ClientFailure, "10.99.0.1") is None
        db.session.remove()
