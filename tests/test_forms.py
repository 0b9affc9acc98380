"""The hand-written forms (xueshi/form.html): one frame for every form but the
claim form — a star on each required field, the field's description under it,
and a field asked only for some choices of another hidden until they are made."""
from __future__ import annotations

import re

STAR = '<span class="text-danger" title="必填">*</span>'


FORM_GROUP = r'<div class="form-group[^"]*".*?</div>\s*</div>'  # the hand-written forms
FAB_ROW = r"<tr>.*?</tr>"  # FAB's own add/edit form: a table row per field


def groups(html: str, block: str = FORM_GROUP) -> dict[str, str]:
    """Each field's block of the form's HTML (`block`: its pattern), by the field's name."""
    found = {}
    for group in re.findall(block, html, flags=re.S):
        name = re.search(r'name="([^"]+)"', group)
        if name:
            found[name.group(1)] = group
    return found


def label(group: str) -> str:
    return re.search(r"<label.*?</label>", group, flags=re.S).group()


def test_a_step_form_stars_its_required_fields_and_not_its_optional_ones(clients):
    page = clients("association_admin").get("/dishonestyrecordview/new").get_data(as_text=True)
    fields = groups(page)
    assert STAR in label(fields["reason"]) and STAR in label(fields["start_date"])
    assert STAR not in label(fields["person_id"]) and STAR not in label(fields["end_date"])


def test_the_account_form_is_the_same_form_with_its_descriptions_and_role_bound_scope(clients):
    page = clients("Admin").get("/userscopeview/new").get_data(as_text=True)
    assert 'id="account-form"' in page
    fields = groups(page)
    assert list(fields)[:4] == ["username", "full_name", "email", "role"]
    assert STAR in label(fields["username"]) and STAR not in label(fields["email"])
    assert '<span class="help-block">登录时输入的名称</span>' in fields["username"]
    unit = re.search(r"<select[^>]*>", fields["unit"]).group()
    assert 'data-shown-when="role=unit_reviewer"' in unit


def test_the_scope_field_a_role_requires_is_starred_on_the_account_form_only(clients):
    """Shown only for its roles, a scope field is then required: its label says so.
    On the scope form one of them is chosen, so none is starred there."""
    admin = clients("Admin")
    fields = groups(admin.get("/userscopeview/new").get_data(as_text=True))
    for target in ("district", "department", "unit", "base", "person"):
        assert STAR in label(fields[target]), target
    assert re.search(r'<input[^>]*name="person"[^>]*required', fields["person"])  # hidden, it is disabled
    fields = groups(admin.get("/userscopeview/link").get_data(as_text=True))
    for target in ("district", "department", "unit", "base", "person"):
        assert STAR not in label(fields[target]), target


def test_a_professional_who_is_no_enterprise_manager_is_saved_with_the_box_unticked(app, clients, world):
    """企业经营管理人员 is a yes/no: neither starred nor required (a required box must be ticked)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Person
    from tests import factories

    client = clients("association_admin")
    box = groups(client.get("/personview/add").get_data(as_text=True), FAB_ROW)["is_enterprise_manager"]
    assert "required" not in re.search(r"<input[^>]*>", box).group() and "*" not in box
    number = factories.id_number("370202")
    resp = client.post("/personview/add", data={"id_number": number, "name": "非经营管理人员",
                                                "unit": str(world.unit["A"]), "series": "engineering",
                                                "title_level": "junior"}, follow_redirects=True)
    assert "记录已添加" in resp.get_data(as_text=True)  # (the flash is read, not left for the next page)
    with app.app_context():
        person = db.session.execute(select(Person).where(Person.id_number == number)).scalar_one()
        assert person.is_enterprise_manager is False
        db.session.remove()


def test_a_list_offers_its_own_new_form_to_whoever_may_create(clients):
    """Inspections, dishonesty records, plan projects, seminars and base evaluations are
    created on their own /new form: their list links it (no menu entry does)."""
    button = re.compile(r'<a href="(/\w+/new)" class="btn btn-sm btn-primary list-new">')
    for key, view in (("association_admin", "inspectionview"), ("association_admin", "dishonestyrecordview"),
                      ("base_staff", "planprojectview"), ("base_staff", "seminarview"),
                      ("base_staff", "baseevaluationview"), ("Admin", "userscopeview")):
        page = clients(key).get(f"/{view}/list/").get_data(as_text=True)
        assert button.findall(page) == [f"/{view}/new"], (key, view)
    # no button for whoever may not create (the district officer reads these lists)
    assert not button.search(clients("district_officer").get("/dishonestyrecordview/list/").get_data(as_text=True))
    assert not button.search(clients("association_admin").get("/unitview/list/").get_data(as_text=True))


def test_the_class_filing_form_and_the_step_forms_star_what_they_need(clients):
    fields = groups(clients("base_staff").get("/trainingclassview/new").get_data(as_text=True))
    needed = {"name", "mode", "channel", "category", "start_date", "end_date", "hours_per_day", "venue",
              "capacity"}
    assert {name for name, group in fields.items() if STAR in label(group)} == needed
    propose = groups(clients("Admin").get("/rolegrantview/propose").get_data(as_text=True))
    assert STAR in label(propose["role"])
    record = groups(clients("association_admin").get("/dishonestyrecordview/new").get_data(as_text=True))
    assert STAR in label(record["unit_id"]) and STAR in label(record["case_id"])


def test_the_login_edit_form_speaks_of_xueshi_not_of_ldap_or_oid(clients):
    page = clients("Admin").get("/users/edit/1").get_data(as_text=True)
    assert "LDAP" not in page and "OID" not in page
    assert "登录时输入的名称" in page and "显示在页面顶部菜单栏" in page


def test_a_step_form_on_a_record_page_stars_its_required_reason(api, clients):
    from tests.test_classes import material, new_class

    class_id = new_class(api, "base_staff", name="退回原因必填班次")
    material(api, "base_staff", class_id, "approval_form")
    assert api("base_staff", "POST", f"/api/v1/training_class/{class_id}/step/file").status_code == 200
    page = clients("association_admin").get(f"/trainingclassview/show/{class_id}").get_data(as_text=True)
    reason = re.search(r'<label[^>]*for="reason-reject"[^>]*>.*?</label>', page, flags=re.S).group()
    assert STAR in reason


def test_the_dishonesty_form_finds_the_person_by_name_or_id_number_as_one_types(app, clients, world):
    """No record number to know: the person is searched in scope and chosen from the list."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import DishonestyRecord, Person

    admin = clients("association_admin")
    field = groups(admin.get("/dishonestyrecordview/new").get_data(as_text=True))["person_id"]
    assert 'data-endpoint="/lookup/person/"' in field and "记录编号" not in field
    by_name = admin.get("/lookup/person/", query_string={"q": "测试人员A"}).json["results"]
    by_number = admin.get("/lookup/person/", query_string={"q": world.id_number["A"]}).json["results"]
    assert by_name and [r["id"] for r in by_name] == [r["id"] for r in by_number]
    assert "测试人员A" in by_name[0]["text"]
    form = {"reason": "伪造证明", "start_date": "2026-01-05"}
    refused = admin.post("/dishonestyrecordview/new", data={**form, "person_id": "99999999"})
    assert refused.status_code == 200 and "请从列表中选择" in refused.get_data(as_text=True)
    assert admin.post("/dishonestyrecordview/new", data={**form, "person_id": by_name[0]["id"]}).status_code == 302
    with app.app_context():
        person = db.session.get(Person, by_name[0]["id"])
        made = db.session.execute(select(DishonestyRecord).where(
            DishonestyRecord.person_id == person.id, DishonestyRecord.reason == "伪造证明")).scalars().all()
        assert person.name == "测试人员A" and made
        for record in made:  # the shared person is nobody's dishonesty case in later tests
            db.session.delete(record)
        db.session.commit()
        db.session.remove()
