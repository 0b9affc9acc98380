"""三员分立 as an assessor checks it: the system administrator cannot grant
association_admin, Admin or auditor alone (refused and audited, turned into a
proposal that another administrator decides); no administrator reads business
data and the auditor reads only the audit log (the declared permissions)."""
from __future__ import annotations

import itertools
import json
import re

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry
from app.models.identity import RoleGrant
from app.security import mfa
from app.security.roles import ROLE_FLAGS, ROLE_PERMISSIONS, SELF_SERVICE
from tests.conftest import PASSWORD, TOTP_SECRET, login_client

_n = itertools.count(1)


def new_login(app, role="district_officer", username=None) -> str:
    from app.services import accounts

    username = username or f"grant{next(_n)}"
    with app.app_context():
        user = accounts.create_user(app.appbuilder, username=username, password=PASSWORD, role=role,
                                    targets={"district": "370202"} if role == "district_officer" else {})
        if mfa.required(user):
            mfa.enrol_with_secret(user, TOTP_SECRET)
            db.session.commit()
        db.session.remove()
    return username


def user_info(app, username):
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.find_user(username=username)
        found = (user.id, [r.name for r in user.roles])
        db.session.remove()
        return found


def role_id(app, name):
    with app.app_context():
        found = app.appbuilder.sm.find_role(name).id
        db.session.remove()
        return found


def events(app, kind, subject) -> list[dict]:
    with app.app_context():
        rows = db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "event", AuditEntry.table_name == kind,
            AuditEntry.record_id == subject)).scalars().all()
        found = [dict(json.loads(e.after or "{}"), _actor=e.username) for e in rows]
        db.session.remove()
        return found


def grants_of(app, username) -> list[RoleGrant]:
    uid, _roles = user_info(app, username)
    with app.app_context():
        rows = db.session.execute(select(RoleGrant).where(RoleGrant.user_id == uid)).scalars().all()
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
        return rows


def edit_roles(client, app, username, role):
    uid, _ = user_info(app, username)
    return client.post(f"/users/edit/{uid}", data={
        "first_name": username, "last_name": "-", "username": username, "active": "y",
        "email": f"{username}@users.xueshi.invalid", "roles": [str(role_id(app, role))]},
        follow_redirects=True)


def decide(client, pk, decision):
    return client.post(f"/rolegrantview/decide/{pk}", data={"decision": decision}, follow_redirects=True)


def test_the_privileged_roles_are_flagged_in_roles_py():
    assert {r for r, f in ROLE_FLAGS.items() if f.dual_control} == {"association_admin", "Admin", "auditor"}


def test_an_admin_granting_association_admin_alone_is_refused_and_audited(app, clients):
    username = new_login(app)
    resp = edit_roles(clients("Admin"), app, username, "association_admin")
    assert "另一位管理员" in resp.get_data(as_text=True)
    assert user_info(app, username)[1] == ["district_officer"]  # unchanged
    refused = events(app, "role.grant_refused", username)
    assert refused and refused[0]["role"] == "association_admin" and refused[0]["_actor"] == "Admin"
    [grant] = grants_of(app, username)
    assert (grant.role_name, grant.state) == ("association_admin", "proposed")
    assert events(app, "role.proposed", username)
    # the proposer cannot approve it either
    resp = decide(clients("Admin"), grant.id, "approve")
    assert "另一位管理员" in resp.get_data(as_text=True)
    assert user_info(app, username)[1] == ["district_officer"]
    assert len(events(app, "role.grant_refused", username)) == 2
    # a second administrator approves: the login has the role, its sessions ended
    officer = login_client(app, username)
    second_name = f"admin2nd{next(_n)}"
    new_login(app, role="Admin", username=second_name)
    second = login_client(app, second_name)
    resp = decide(second, grant.id, "approve")
    assert resp.status_code == 200
    assert user_info(app, username)[1] == ["association_admin"]
    approved = events(app, "role.approved", username)
    assert approved and approved[0]["by"] == second_name and approved[0]["_actor"] == second_name
    assert officer.get("/personview/list/").status_code == 302  # signed out
    # decided once only
    assert "已" in decide(second, grant.id, "refuse").get_data(as_text=True)
    # and the new association login must now set up its second factor
    fresh = app.test_client()
    resp = fresh.post("/login/", data={"username": username, "password": PASSWORD})
    assert resp.headers["Location"].endswith("/login/enrol")


def test_a_login_created_with_a_privileged_role_gets_it_only_after_approval(app, clients):
    name = f"newaud{next(_n)}"
    resp = clients("Admin").post("/userscopeview/new", data={
        "full_name": name, "username": name, "role": "auditor",
        "password": "Aud1tor-Pass-2026!", "conf_password": "Aud1tor-Pass-2026!"}, follow_redirects=True)
    assert resp.status_code == 200 and "第二名管理员" in resp.get_data(as_text=True)
    assert user_info(app, name)[1] == []  # no role until a second administrator approves
    [grant] = grants_of(app, name)
    assert grant.role_name == "auditor" and grant.state == "proposed"
    second_name = f"admin2nd{next(_n)}"
    new_login(app, role="Admin", username=second_name)
    assert "已" in decide(login_client(app, second_name), grant.id, "refuse").get_data(as_text=True)
    assert user_info(app, name)[1] == []
    assert events(app, "role.refused", name)


def test_an_ordinary_role_is_granted_directly(app, clients):
    username = new_login(app)
    edit_roles(clients("Admin"), app, username, "professional")
    assert user_info(app, username)[1] == ["professional"]
    assert not grants_of(app, username)


def test_role_grants_are_the_administrators_only(clients):
    for key in ("association_admin", "auditor", "district_officer"):
        assert clients(key).get("/rolegrantview/list/").status_code == 403, key
        assert clients(key).post("/rolegrantview/decide/1", data={"decision": "approve"}).status_code == 403
    assert clients("Admin").get("/rolegrantview/decide/999999").status_code == 404


def test_the_propose_form_takes_only_privileged_roles(app, clients):
    username = new_login(app)
    page = clients("Admin").get("/rolegrantview/propose").get_data(as_text=True)
    options = set(re.findall(r'<option[^>]*value="(\w+)"', page))
    assert options == {"association_admin", "auditor", "Admin"}
    clients("Admin").post("/rolegrantview/propose", data={"username": username, "role": "auditor"})
    [grant] = grants_of(app, username)
    assert grant.role_name == "auditor"
    resp = clients("Admin").post("/rolegrantview/propose", data={"username": "nobody-x", "role": "auditor"})
    assert resp.status_code == 200 and "nobody-x" in resp.get_data(as_text=True)


ADMIN_VIEWS = {"UserDBModelView", "ResetPasswordView", "RoleModelView", "UserScopeView",
               "RoleGrantView", "User", "Role"}
ADMIN_MENUS = {"Security", "New login", "List Users", "List Roles", "Login scopes", "Set a login's scope",
               "Role grants", "Propose a role"}


def test_no_administrator_reads_business_data_and_the_auditor_only_the_log():
    own = set(SELF_SERVICE)
    admin = {(p, v) for p, v in ROLE_PERMISSIONS["Admin"] if (p, v) not in own}
    assert {v for p, v in admin if p != "menu_access"} <= ADMIN_VIEWS
    assert {v for p, v in admin if p == "menu_access"} <= ADMIN_MENUS
    auditor = {(p, v) for p, v in ROLE_PERMISSIONS["auditor"] if (p, v) not in own}
    assert {v for p, v in auditor if p != "menu_access"} == {"AuditEntryView", "AuditEntryApi"}
    assert {v for p, v in auditor if p == "menu_access"} == {"Audit", "Audit log"}
    # and nobody else manages logins or reads the log
    for role, pairs in ROLE_PERMISSIONS.items():
        views = {v for _p, v in pairs}
        if role != "Admin":
            assert not views & (ADMIN_VIEWS - {"UserDBModelView"}), role
        if role != "auditor":
            assert not views & {"AuditEntryView", "AuditEntryApi"}, role


def test_the_menus_say_the_same(clients):
    admin = clients("Admin").get("/users/list/").get_data(as_text=True)
    assert 'href="/rolegrantview/list/' in admin
    for link in ("/personview/", "/auditentryview/", "/ledgerview/", "/claimview/"):
        assert f'href="{link}' not in admin, link
    auditor = clients("auditor").get("/auditentryview/list/").get_data(as_text=True)
    assert 'href="/auditentryview/list/' in auditor
    for link in ("/personview/", "/plans/published", "/seminarview/", "/users/list/", "/ledgerview/"):
        assert f'href="{link}' not in auditor, link
