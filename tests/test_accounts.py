"""The system administrator creates a login, its role and its scope on one
form: roles by their Chinese names (no FAB Public), the scope chosen from a
list searched as you type, refused when it does not fit the role, e-mail
optional, no surname field; the login works at once and the act is audited."""
from __future__ import annotations

import itertools
import re

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, UserScope
from tests.conftest import PASSWORD

_n = itertools.count(1)
TEMPORARY = "Temp-Word-2026!x"


def new_name(prefix="acct") -> str:
    return f"{prefix}{next(_n)}"


def create(client, **fields):
    data = {"full_name": "新账号", "password": TEMPORARY, "conf_password": TEMPORARY, **fields}
    return client.post("/userscopeview/new", data=data)


def wrong_check_digit(number: str) -> str:
    return number[:17] + ("1" if number[17] != "1" else "2")


def errors(resp) -> dict[str, str]:
    """The form's errors, by field."""
    return dict(re.findall(r'role="alert" data-field="(\w+)">([^<]*)<', resp.get_data(as_text=True)))


def scope_of(app, username):
    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)
        if user is None:
            db.session.remove()
            return None
        link = db.session.execute(select(UserScope).where(UserScope.user_id == user.id)).scalar_one()
        found = ([r.name for r in user.roles], link.unit_id, link.base_id, link.district_id,
                 link.department_id, link.person_id, user.email)
        db.session.remove()
        return found


def test_the_form_offers_chinese_roles_and_no_surname_or_required_e_mail(clients):
    page = clients("Admin").get("/userscopeview/new").get_data(as_text=True)
    roles = dict(re.findall(r'<option[^>]*value="(\w*)"[^>]*>([^<]*)</option>', page))
    assert "Public" not in roles and "Public" not in page
    assert roles["unit_reviewer"] == "用人单位审核员"
    assert "第二名管理员" in roles["auditor"]  # 三员分立 said on the choice
    assert "备注" not in page and "姓氏" not in page
    assert 'name="email"' in page and not re.search(r'name="email"[^>]*required', page)
    # units and bases are searched as you type, through the lookup endpoint
    for kind in ("district", "department", "unit", "base"):
        assert f'data-endpoint="/lookup/{kind}/"' in page
    # FAB's own add page leads to this form
    resp = clients("Admin").get("/users/add")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/userscopeview/new")


def test_the_administrator_finds_units_bases_districts_and_departments_but_no_people(clients, world):
    admin = clients("Admin")
    found = admin.get("/lookup/unit/", query_string={"q": "测试用人单位"}).json["results"]
    assert {r["id"] for r in found} == {world.unit["A"], world.unit["B"]}
    assert [r["id"] for r in admin.get("/lookup/base/", query_string={"q": "TB-A"}).json["results"]] \
        == [world.base["A"]]
    assert [r["id"] for r in admin.get("/lookup/district/", query_string={"q": "370203"}).json["results"]] \
        == [world.district["B"]]
    assert [r["id"] for r in admin.get("/lookup/department/", query_string={"q": "主管部门A"}).json[
        "results"]] == [world.department["A"]]
    assert admin.get("/lookup/person/", query_string={"q": world.id_number["A"]}).json["results"] == []
    # and still no screen of units or people
    assert admin.get("/unitview/list/").status_code == 403
    assert admin.get("/personview/list/").status_code == 403


def test_a_unit_reviewer_created_on_the_form_signs_in_at_once_and_sees_its_unit(app, clients, world):
    username = new_name("danwei")
    resp = create(clients("Admin"), username=username, role="unit_reviewer", unit=world.unit["A"])
    assert resp.status_code == 302, resp.get_data(as_text=True)
    roles, unit_id, *_rest, email = scope_of(app, username)
    assert roles == ["unit_reviewer"] and unit_id == world.unit["A"]
    assert email.endswith("@users.xueshi.invalid")  # no e-mail given
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(  # newest: SQLite reuses a deleted login's id
            AuditEntry.table_name == "ab_user", AuditEntry.action == "insert", AuditEntry.record_id == str(
                app.appbuilder.sm.find_user(username=username).id)).order_by(AuditEntry.seq.desc())).scalars().first()
        assert entry is not None and entry.username == "Admin"
        db.session.remove()
    client = app.test_client()
    resp = client.post("/login/", data={"username": username, "password": TEMPORARY})
    assert resp.status_code == 302 and "/login/" not in resp.headers["Location"]
    client.post("/resetmypassword/form", data={"password": PASSWORD, "conf_password": PASSWORD})
    home = client.get("/")
    assert home.status_code == 200
    people = client.get("/personview/list/").get_data(as_text=True)
    assert "测试人员A" in people and "测试人员B" not in people


def test_the_scope_must_fit_the_role_and_says_so_in_chinese(app, clients, world):
    admin = clients("Admin")
    cases = [
        ({"role": "unit_reviewer", "district": world.district["A"]}, "district", "须选择一个用人单位"),
        ({"role": "unit_reviewer"}, "unit", "「用人单位审核员」账号须选择一个用人单位"),
        ({"role": "base_staff", "unit": world.unit["A"]}, "unit", "须选择一个继续教育基地"),
        ({"role": "district_officer", "base": world.base["A"]}, "base", "须选择一个区(市)"),
        ({"role": "authority_staff"}, "department", "须选择一个行业主管部门"),
        ({"role": "professional", "person": wrong_check_digit(world.id_number["A"])}, "person", "校验"),
        ({"role": "professional", "person": "110101199003077774"}, "person", "没有与 110101199003077774"),
        ({"role": "association_admin", "unit": world.unit["A"]}, "unit", "无需选择"),
        ({"role": "unit_reviewer", "unit": "999999999"}, "unit", "请从列表中选择"),
        ({"role": ""}, "role", ""),
    ]
    for fields, field, words in cases:
        username = new_name("misfit")
        page = create(admin, username=username, **fields)
        assert page.status_code == 200, fields
        found = errors(page)
        assert list(found) == [field] and words in found[field], (fields, found)
        assert "--" not in found[field] and not re.search(r"[a-z]{3}", found[field]), found
        assert scope_of(app, username) is None, fields


def test_each_role_gets_the_scope_it_needs(app, clients, world):
    admin = clients("Admin")
    cases = [
        ({"role": "base_staff", "base": world.base["B"]}, 2, world.base["B"]),
        ({"role": "district_officer", "district": world.district["B"]}, 3, world.district["B"]),
        ({"role": "authority_staff", "department": world.department["A"]}, 4, world.department["A"]),
        ({"role": "professional", "person": world.id_number["B"].lower()}, 5, world.person["B"]),
    ]
    for fields, column, expected in cases:
        username = new_name("fit")
        resp = create(admin, username=username, email=f"{username}@example.cn", **fields)
        assert resp.status_code == 302, (fields, resp.get_data(as_text=True))
        found = scope_of(app, username)
        assert found[0] == [fields["role"]] and found[column] == expected, fields
        assert found[-1] == f"{username}@example.cn"


def test_a_duplicate_username_a_weak_or_mistyped_password_are_refused_on_their_field(app, clients, world):
    admin = clients("Admin")
    body = create(admin, username="unit_reviewer", role="unit_reviewer", unit=world.unit["A"]).get_data(
        as_text=True)
    assert "已存在" in body
    username = new_name()
    body = create(admin, username=username, role="unit_reviewer", unit=world.unit["A"],
                  conf_password="Other-Word-2026!").get_data(as_text=True)
    assert "两次" in body and scope_of(app, username) is None
    body = create(admin, username=username, role="unit_reviewer", unit=world.unit["A"],
                  email="not-an-address").get_data(as_text=True)
    assert "邮箱" in body and scope_of(app, username) is None


def test_the_scope_list_shows_usernames_and_only_the_administrator_creates_logins(clients):
    page = clients("Admin").get("/userscopeview/list/").get_data(as_text=True)
    assert "unit_reviewer_b" in page and "用户编号" not in page
    for key in ("association_admin", "auditor", "unit_reviewer"):
        assert clients(key).get("/userscopeview/new").status_code in (302, 403), key
        assert clients(key).post("/userscopeview/new", data={"username": "x"}).status_code in (302, 403)


def test_the_login_edit_form_offers_roles_by_their_chinese_names(app, clients, world):
    with app.app_context():
        user_id = app.appbuilder.sm.find_user(username="unit_reviewer").id
    page = clients("Admin").get(f"/users/edit/{user_id}").get_data(as_text=True)
    options = re.findall(r"<option[^>]*>([^<]*)</option>", page)
    assert "用人单位审核员" in options
    assert not set(options) & {"unit_reviewer", "association_admin", "Public", "Admin"}


def test_a_login_without_an_e_mail_shows_none_and_its_edit_form_needs_none(app, clients, world):
    """The placeholder address of a login created without an e-mail is never
    shown (未填写 instead), and FAB's edit form saves without an e-mail."""
    username = new_name("noemail")
    assert create(clients("Admin"), username=username, role="unit_reviewer",
                  unit=world.unit["A"]).status_code == 302
    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)
        user_id, role_id = user.id, user.roles[0].id
        db.session.remove()
    own = clients("unit_reviewer").get("/users/userinfo/").get_data(as_text=True)
    assert "未填写" in own and ".invalid" not in own
    admin = clients("Admin")
    shown = admin.get(f"/users/show/{user_id}").get_data(as_text=True)
    assert "未填写" in shown and ".invalid" not in shown
    page = admin.get(f"/users/edit/{user_id}").get_data(as_text=True)
    email = re.search(r"<input[^>]*name=\"email\"[^>]*>", page).group()
    assert ".invalid" not in page and "required" not in email and 'value=""' in email
    resp = admin.post(f"/users/edit/{user_id}", data={
        "first_name": "新名字", "username": username, "active": "y", "email": "", "roles": str(role_id)})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    *_rest, email = scope_of(app, username)
    assert email.endswith("@users.xueshi.invalid")
    with app.app_context():
        assert app.appbuilder.sm.find_user(username=username).first_name == "新名字"
        db.session.remove()
    bad = admin.post(f"/users/edit/{user_id}", data={
        "first_name": "新名字", "username": username, "active": "y", "email": "nope", "roles": str(role_id)})
    assert bad.status_code == 200 and "不是有效的电子邮箱地址" in bad.get_data(as_text=True)
    assert admin.post(f"/users/edit/{user_id}", data={
        "first_name": "新名字", "username": username, "active": "y", "email": f"{username}@example.cn",
        "roles": str(role_id)}).status_code == 302
    assert f"{username}@example.cn" in admin.get(f"/users/show/{user_id}").get_data(as_text=True)
    # the audit log names no placeholder either
    log = clients("auditor").get("/auditentryview/list/", query_string={
        "table": "ab_user", "record": str(user_id)}).get_data(as_text=True)
    assert "未填写" in log and ".invalid" not in log
