"""Every import template, downloaded by the role that uses it and uploaded
unchanged, imports cleanly (its example row writes nothing); the example's
values pass the row checks' formats; organisers find a unit's credit code by
its name while filing a roster, and learn nothing else of units."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import Activity, Enrolment, Person
from tests.test_classes import ROSTER, accepted_class, confirm_roster, people, roster_rows, upload  # noqa: F401
from tests.samples import xlsx


def sheet_rows(body: bytes) -> list[list]:
    return [list(r) for r in load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True)]


def count(app, stmt) -> int:
    with app.app_context():
        found = db.session.execute(stmt).scalar()
        db.session.remove()
    return found


def post_back(client, url, body, name="template.xlsx"):
    return client.post(url, data={"file": (io.BytesIO(body), name)}, content_type="multipart/form-data",
                       follow_redirects=True)


def test_the_examples_pass_the_field_checks(ctx):
    from app.services import classes, platform_import
    from app.services.records import parse_date
    from app.validators import normalize_credit_code, normalize_id_number

    roster = dict(zip(classes.ROSTER_TEMPLATE.headers, classes.ROSTER_TEMPLATE.example()))
    normalize_id_number(roster["身份证号"])
    normalize_credit_code(roster["单位统一社会信用代码"])
    platform = dict(zip(platform_import.TEMPLATE.headers, platform_import.TEMPLATE.example()))
    normalize_id_number(platform["身份证号"])
    assert platform["类别"] in platform_import.CATEGORY_WORDS
    parse_date(platform["日期"], "日期")


def test_the_platform_template_uploaded_unchanged_imports_cleanly(app, clients):
    client = clients("association_admin")
    template = client.get("/platform-import/template")
    assert template.status_code == 200
    assert sheet_rows(template.data)[0] == ["身份证号", "姓名", "课程名称", "类别", "日期", "学时"]
    before = count(app, select(func.count()).select_from(Activity))
    page = post_back(client, "/platform-import/", template.data).get_data(as_text=True)
    assert "alert-success" in page and "alert-danger" not in page, page[-2000:]
    assert count(app, select(func.count()).select_from(Activity)) == before


def test_the_roster_template_uploaded_unchanged_imports_cleanly_and_the_example_is_left_out(
        app, api, clients, people):  # noqa: F811
    class_id = accepted_class(api)
    client = clients("base_staff")
    template = client.get(f"/trainingclassview/roster-template/{class_id}")
    assert template.status_code == 200
    people_before = count(app, select(func.count()).select_from(Person))
    page = post_back(client, f"/trainingclassview/roster/{class_id}", template.data).get_data(as_text=True)
    assert "alert-danger" not in page and "problems/" not in page
    assert count(app, select(func.count()).select_from(Person)) == people_before
    # the example left in above real rows: the real rows join, the example does not
    rows = sheet_rows(template.data)
    filled = xlsx(rows[0], [rows[1]] + [r + ["否"] for r in roster_rows(people, [0])])
    resp = upload(api, "base_staff", f"/api/v1/training_class/{class_id}/roster", filled)
    assert resp.status_code == 200 and resp.json == {"added": 1, "unchanged": 0}
    confirm_roster(api, app, class_id)
    assert count(app, select(func.count()).select_from(Person)) == people_before
    assert count(app, select(func.count()).select_from(Enrolment).where(Enrolment.class_id == class_id)) == 1
    # the attendance sheet, prefilled with the roster, uploaded unchanged changes nothing
    sheet = client.get(f"/trainingclassview/attendance-template/{class_id}")
    assert sheet.status_code == 200
    resp = upload(api, "base_staff", f"/api/v1/training_class/{class_id}/attendance", sheet.data)
    assert resp.status_code == 200 and resp.json == {"added": 0, "unchanged": 1}, resp.json


def test_an_empty_template_is_still_refused(api):
    class_id = accepted_class(api)
    resp = upload(api, "base_staff", f"/api/v1/training_class/{class_id}/roster", xlsx(ROSTER, []))
    assert resp.status_code == 400 and "没有数据行" in str(resp.json["message"])


def test_base_staff_find_a_units_credit_code_by_name_on_the_class_page(api, clients, world):
    class_id = accepted_class(api)
    client = clients("base_staff")
    page = client.get(f"/trainingclassview/show/{class_id}").get_data(as_text=True)
    assert re.search(r'id="roster-unit"[^>]*data-endpoint="/lookup/unit-directory/"', page, re.S)
    found = client.get("/lookup/unit-directory/", query_string={"q": "测试用人单位"}).json["results"]
    assert {(r["id"], r["text"]) for r in found} == {
        (world.credit_code[side], f"测试用人单位{side} {world.credit_code[side]}") for side in "AB"}
    # the directory makes no unit the base's own: no unit list, API or scoped lookup
    assert client.get("/lookup/unit/", query_string={"q": "测试用人单位"}).json["results"] == []
    assert client.get("/unitview/list/").status_code == 403
    assert api("base_staff", "GET", "/api/v1/unit/").status_code == 403


@pytest.mark.parametrize("role", ["professional", "district_officer", "auditor"])
def test_only_organisers_use_the_unit_directory(clients, role):
    assert clients(role).get("/lookup/unit-directory/?q=测试").status_code in (302, 403)


@pytest.mark.parametrize("role", ["professional", "unit_reviewer"])
def test_the_templates_are_the_users_only(clients, role):
    assert clients(role).get("/platform-import/template").status_code in (302, 403, 404)
