"""REST API: OpenAPI lists every resource, every field is described in
Chinese, bad input is a 400 naming the field, and nothing is saved."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Person, Unit
from tests import factories

RESOURCES = ["person", "unit", "training_base", "department", "district", "audit_entry"]


def test_openapi_lists_every_resource(api):
    spec = api("association_admin", "GET", "/api/v1/_openapi").json
    for resource in RESOURCES:
        assert f"/api/v1/{resource}/" in spec["paths"], resource
        assert f"/api/v1/{resource}/{{pk}}" in spec["paths"], resource


@pytest.mark.parametrize("resource,role", [
    ("person", "association_admin"), ("unit", "association_admin"),
    ("training_base", "association_admin"), ("department", "association_admin"),
    ("district", "association_admin"), ("audit_entry", "auditor"),
])
def test_every_field_is_described_in_chinese(api, resource, role):
    info = api(role, "GET", f"/api/v1/{resource}/_info?_l_=zh").json
    fields = info.get("add_columns", []) + info.get("edit_columns", [])
    for name, description in info["description_columns"].items() if "description_columns" in info else []:
        assert description and "Project-Id-Version" not in description, name
    for field in fields:
        assert field["description"], field["name"]
        assert "Project-Id-Version" not in field["description"], field["name"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in field["label"]), field


def _strings(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}/{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")
    elif isinstance(value, str):
        yield path, value


@pytest.mark.parametrize("url", ["/api/v1/security/users/_info", "/api/v1/security/roles/_info"])
def test_fab_security_apis_do_not_leak_the_catalog_header(api, url):
    info = api("Admin", "GET", url + "?_l_=zh").json
    leaks = [path for path, text in _strings(info) if "Project-Id-Version" in text]
    assert leaks == []
    labels = {field["name"]: field["label"] for field in info["add_columns"]}
    assert labels.get("username", "用户名") == "用户名" and labels.get("name", "名称") == "名称"


def test_list_and_show_expose_only_listed_columns(api, world):
    row = api("association_admin", "GET", f"/api/v1/person/{world.person['A']}").json["result"]
    assert set(row) == {"id", "id_number", "name", "unit", "series", "title_level",
                        "is_enterprise_manager", "phone"}
    assert set(row["unit"]) == {"id", "name"}


def count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar()


@pytest.mark.parametrize("payload,field,message", [
    ({"id_number": "110105194912310021"}, "id_number", "校验码"),
    ({"id_number": "12345"}, "id_number", "18"),
    ({"name": None}, "name", "不能为空"),
    ({"series": "astrology"}, "series", "必须是以下之一"),
])
def test_bad_person_is_a_400_naming_the_field(app, api, world, payload, field, message):
    body = {"id_number": factories.id_number(), "name": "测试", "unit": world.unit["A"],
            "series": "engineering", "title_level": "junior", **payload}
    with app.app_context():
        before = count(Person)
    resp = api("association_admin", "POST", "/api/v1/person/", json=body)
    assert resp.status_code == 400
    assert field in resp.json["message"], resp.json
    assert message in str(resp.json["message"][field])
    with app.app_context():
        assert count(Person) == before
        db.session.remove()


def test_missing_required_field_is_named(api, world):
    resp = api("association_admin", "POST", "/api/v1/person/", json={"name": "缺身份证号"})
    assert resp.status_code == 400
    assert "id_number" in resp.json["message"]
    assert "必填" in str(resp.json["message"]["id_number"])


def test_duplicate_id_number_is_a_400_naming_the_field(app, api, world):
    resp = api("association_admin", "POST", "/api/v1/person/", json={
        "id_number": world.id_number["B"], "name": "重复", "unit": world.unit["A"],
        "series": "engineering", "title_level": "junior",
    })
    assert resp.status_code == 400
    assert "已" in resp.json["message"]["id_number"][0]


def test_bad_credit_code_is_a_400(app, api, world):
    with app.app_context():
        before = count(Unit)
    resp = api("association_admin", "POST", "/api/v1/unit/", json={
        "name": "坏代码单位", "credit_code": "91370200163562681H", "district": world.district["A"],
    })
    assert resp.status_code == 400 and "credit_code" in resp.json["message"]
    with app.app_context():
        assert count(Unit) == before
        db.session.remove()


def test_bad_id_number_on_the_form_is_a_chinese_field_error(clients, world, app):
    with app.app_context():
        before = count(Person)
    resp = clients("association_admin").post("/personview/add", data={
        "id_number": "110105194912310021", "name": "表单测试", "unit": str(world.unit["A"]),
        "series": "engineering", "title_level": "junior",
    })
    assert resp.status_code == 200
    assert "身份证号校验码错误" in resp.get_data(as_text=True)
    with app.app_context():
        assert count(Person) == before
        db.session.remove()


def test_duplicate_on_the_form_is_refused(clients, world):
    resp = clients("association_admin").post("/personview/add", data={
        "id_number": world.id_number["A"], "name": "重复表单", "unit": str(world.unit["A"]),
        "series": "engineering", "title_level": "junior", "is_enterprise_manager": "y",
    }, follow_redirects=True)
    assert resp.status_code == 200
    assert "该值已登记" in resp.get_data(as_text=True)  # after the scope check (pre_add)


def test_every_field_of_every_api_is_described(app):
    """No `_info` field may fall back to gettext(""), which is the catalog header."""
    from flask_appbuilder import ModelRestApi

    apis = [v for v in app.appbuilder.baseviews if isinstance(v, ModelRestApi)]
    assert len(apis) >= 20
    with app.test_request_context("/?_l_=zh"):
        from flask_babel import gettext
        for api in apis:
            for col in set(api.add_columns) | set(api.edit_columns) | set(api.list_columns):
                text = gettext(api.description_columns.get(col, ""))
                assert text and "Project-Id-Version" not in text, (type(api).__name__, col)
