"""Login hygiene: strong passwords, rate-limited logins, idle sessions
expire, CSRF on forms."""
from __future__ import annotations

import re
import time

import pytest

from app.security.passwords import generate_password, password_problem
from tests.conftest import PASSWORD, api_login, totp_code


def _token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def csrf_sign_in(app, client, username: str):
    """Both steps of the form login with their CSRF tokens; the last response."""
    resp = client.post("/login/", data={"username": username, "password": PASSWORD,
                                        "csrf_token": _token(client, "/login/")})
    if resp.status_code == 302 and resp.headers["Location"].endswith("/login/code"):
        resp = client.post("/login/code", data={"code": totp_code(app, username),
                                                "csrf_token": _token(client, "/login/code")})
    return resp


@pytest.mark.parametrize("password", ["short1A!", "alllowercaseletters", "ALLUPPER12345", "Aaaa1111bbbb!"])
def test_weak_passwords_are_refused(ctx, password):
    assert password_problem(password)


def test_generated_passwords_are_strong(ctx):
    for _ in range(20):
        assert password_problem(generate_password()) is None


def test_admin_cannot_create_a_user_with_a_weak_password(clients, app):
    resp = clients("Admin").post("/userscopeview/new", data={
        "full_name": "弱口令", "username": "weakling", "role": "auditor",
        "password": "password1", "conf_password": "password1",
    })
    assert resp.status_code == 200
    assert "密码" in resp.get_data(as_text=True)
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="weakling") is None


def test_form_login_is_rate_limited(make_app):
    limited = make_app(AUTH_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    codes = [client.post("/login/", data={"username": "nobody", "password": "x"}).status_code
             for _ in range(5)]
    assert codes[:3] == [302, 302, 302]
    assert codes[-1] == 429


def test_api_login_is_rate_limited(make_app):
    limited = make_app(AUTH_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    body = {"username": "nobody", "password": "x", "provider": "db"}
    codes = [client.post("/api/v1/security/login", json=body).status_code for _ in range(5)]
    assert codes[:3] == [401, 401, 401]
    assert codes[-1] == 429


def test_idle_sessions_expire(make_app):
    from datetime import timedelta

    short = make_app(PERMANENT_SESSION_LIFETIME=timedelta(seconds=2))
    client = short.test_client()
    assert client.post("/login/", data={"username": "district_officer", "password": PASSWORD}).status_code == 302
    assert client.get("/personview/list/").status_code == 200
    time.sleep(3)
    resp = client.get("/personview/list/")
    assert resp.status_code == 302 and "/login/" in resp.headers["Location"]


def test_the_default_idle_limit_is_30_minutes(app):
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 1800


def test_forms_need_a_csrf_token(csrf_app):
    guarded = csrf_app
    client = guarded.test_client()
    assert client.post("/login/", data={"username": "association_admin", "password": PASSWORD}).status_code != 302
    resp = csrf_sign_in(guarded, client, "association_admin")
    assert resp.status_code == 302 and "/login/" not in resp.headers["Location"]
    # a write without the token is refused and changes nothing
    resp = client.post("/departmentview/add", data={"name": "无令牌部门"})
    assert resp.status_code in (200, 400)
    with guarded.app_context():
        from sqlalchemy import select

        from app.extensions import db
        from app.models import Department
        assert db.session.execute(select(Department).where(Department.name == "无令牌部门")).first() is None


def test_deletes_and_actions_need_the_token_too(csrf_app, world):
    from app.extensions import db
    from app.models import Department

    guarded = csrf_app
    client = guarded.test_client()
    resp = csrf_sign_in(guarded, client, "association_admin")
    assert resp.status_code == 302 and "/login/" not in resp.headers["Location"]
    with guarded.app_context():
        dept = Department(name="令牌测试部门")
        db.session.add(dept)
        db.session.commit()
        pk = dept.id
    assert client.post(f"/departmentview/delete/{pk}").status_code == 400
    client.get(f"/departmentview/delete/{pk}")
    with guarded.app_context():
        assert db.session.get(Department, pk) is not None
        db.session.remove()


def test_the_api_needs_no_csrf_token(csrf_app, world):
    guarded = csrf_app
    client = guarded.test_client()
    resp = api_login(guarded, client, "association_admin")
    assert resp.status_code == 200
    headers = {"Authorization": f"Bearer {resp.json['access_token']}"}
    resp = client.post("/api/v1/department/", json={"name": "接口新建部门"}, headers=headers)
    assert resp.status_code == 201


def test_api_never_serialises_password_hashes(api):
    resp = api("Admin", "GET", "/api/v1/security/users/")
    assert resp.status_code == 200 and resp.json["count"] >= 8
    body = resp.get_data(as_text=True)
    assert "scrypt:" not in body and "pbkdf2:" not in body


def test_the_system_administrator_links_a_login_to_its_scope(app, clients, world):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import UserScope

    with app.app_context():
        user = app.appbuilder.sm.add_user(
            username="ui_officer", first_name="界面", last_name="-", email="ui@example.invalid",
            role=app.appbuilder.sm.find_role("district_officer"), password=PASSWORD)
        user_id = user.id
        db.session.remove()
    admin = clients("Admin")
    bad = admin.post("/userscopeview/link", data={"username": "ui_officer", "unit": world.unit["A"]})
    assert "区(市)" in bad.get_data(as_text=True) and "--" not in bad.get_data(as_text=True)
    resp = admin.post("/userscopeview/link", data={"username": "ui_officer", "district": world.district["B"]})
    assert resp.status_code == 302
    with app.app_context():
        link = db.session.execute(select(UserScope).where(UserScope.user_id == user_id)).scalar_one()
        assert link.district_id == world.district["B"]
        db.session.remove()
    assert clients("association_admin").get("/userscopeview/link").status_code == 403


def test_nobody_changes_their_own_roles_and_a_login_has_one_role(app, clients, api):
    from app.extensions import db

    with app.app_context():
        sm = app.appbuilder.sm
        admin = sm.find_user(username="Admin")
        admin_id, assoc_role = admin.id, sm.find_role("association_admin").id
        admin_role = sm.find_role("Admin").id
        db.session.remove()
    client = clients("Admin")
    resp = client.post(f"/users/edit/{admin_id}", data={
        "first_name": "Admin", "last_name": "-", "username": "Admin", "active": "y",
        "email": "Admin@users.xueshi.invalid", "roles": [str(admin_role), str(assoc_role)]})
    assert "每个账号只能有一个角色" in resp.get_data(as_text=True)
    resp = client.post(f"/users/edit/{admin_id}", data={
        "first_name": "Admin", "last_name": "-", "username": "Admin", "active": "y",
        "email": "Admin@users.xueshi.invalid", "roles": [str(assoc_role)]}, follow_redirects=True)
    assert "不能修改本人的角色" in resp.get_data(as_text=True)
    with app.app_context():
        assert [r.name for r in app.appbuilder.sm.find_user(username="Admin").roles] == ["Admin"]
        db.session.remove()
    # the user API is read-only: logins change on screen only
    assert api("Admin", "PUT", f"/api/v1/security/users/{admin_id}", json={"roles": [assoc_role]}).status_code == 403


def test_the_api_does_not_take_the_browser_cookie(csrf_app, world):
    """A cookie-authenticated API write would bypass CSRF: APIs want the JWT."""
    guarded = csrf_app
    client = guarded.test_client()
    csrf_sign_in(guarded, client, "association_admin")
    assert client.get("/personview/list/").status_code == 200
    assert client.post("/api/v1/department/", json={"name": "饼干部门"}).status_code == 401
    assert client.get("/api/v1/person/").status_code == 401
