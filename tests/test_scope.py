"""Scope: every role gets 404 (or 403) for rows outside its scope on show,
edit, delete and REST, and nothing changes; dropdowns and search offer only
rows in scope; a district officer cannot write anywhere."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Person, TrainingBase, Unit
from tests import factories
from tests.conftest import ROLES

# resource -> (model, screen base, api base, world attribute)
RESOURCES = {
    "person": (Person, "/personview", "/api/v1/person", "person"),
    "unit": (Unit, "/unitview", "/api/v1/unit", "unit"),
    "training_base": (TrainingBase, "/trainingbaseview", "/api/v1/training_base", "base"),
}

# What of side A each role may read (side B is never in scope for them).
READS_SIDE_A = {
    "person": {"authority_staff", "unit_reviewer", "professional", "district_officer"},
    "unit": {"authority_staff", "unit_reviewer", "professional", "district_officer"},
    "training_base": {"authority_staff", "base_staff"},
}
SCOPED_ROLES = [r for r in ROLES if r not in ("association_admin", "auditor", "Admin")]


def snapshot(app, model, pk):
    with app.app_context():
        row = db.session.get(model, pk)
        data = None if row is None else {c.key: getattr(row, c.key) for c in model.__table__.columns}
        db.session.remove()
        return data


def _cases():
    for resource in RESOURCES:
        for role in ROLES:
            if role == "association_admin":  # sees every row: test_association_sees_all
                continue
            yield pytest.param(resource, role, id=f"{resource}-{role}")


@pytest.mark.parametrize("resource,role", list(_cases()))
def test_out_of_scope_rows_are_not_found_on_every_path(app, world, clients, api, resource, role):
    model, screen, rest, attr = RESOURCES[resource]
    other = getattr(world, attr)["B"]
    before = snapshot(app, model, other)
    client = clients(role)
    denied = (403, 404)
    assert client.get(f"{screen}/show/{other}").status_code in denied
    assert client.get(f"{screen}/edit/{other}").status_code in denied
    assert client.post(f"{screen}/edit/{other}", data={"name": "改名"}).status_code in denied
    assert client.post(f"{screen}/delete/{other}").status_code in denied
    assert api(role, "GET", f"{rest}/{other}").status_code in denied
    assert api(role, "PUT", f"{rest}/{other}", json={"name": "改名"}).status_code in denied
    assert api(role, "DELETE", f"{rest}/{other}").status_code in denied
    listing = api(role, "GET", f"{rest}/")
    if listing.status_code == 200:
        assert other not in listing.json["ids"]
        page = client.get(f"{screen}/list/").get_data(as_text=True)
        assert f"/show/{other}\"" not in page
    assert snapshot(app, model, other) == before


def test_association_sees_all(clients, world):
    client = clients("association_admin")
    for _model, screen, _rest, attr in RESOURCES.values():
        for side in "AB":
            assert client.get(f"{screen}/show/{getattr(world, attr)[side]}").status_code == 200


@pytest.mark.parametrize("resource", list(RESOURCES))
@pytest.mark.parametrize("role", SCOPED_ROLES)
def test_in_scope_rows_are_visible(clients, api, world, resource, role):
    model, screen, rest, attr = RESOURCES[resource]
    own = getattr(world, attr)["A"]
    expected = 200 if role in READS_SIDE_A[resource] else 403
    assert clients(role).get(f"{screen}/show/{own}").status_code == expected
    assert api(role, "GET", f"{rest}/{own}").status_code == expected


@pytest.mark.parametrize("key", ["base_staff", "base_staff_b"])
def test_base_staff_of_one_base_never_reach_the_other(clients, api, world, key):
    mine, theirs = ("A", "B") if key == "base_staff" else ("B", "A")
    client = clients(key)
    assert client.get(f"/trainingbaseview/show/{world.base[mine]}").status_code == 200
    assert client.get(f"/trainingbaseview/show/{world.base[theirs]}").status_code == 404
    assert api(key, "GET", f"/api/v1/training_base/{world.base[theirs]}").status_code == 404
    ids = api(key, "GET", "/api/v1/training_base/").json["ids"]
    assert ids == [world.base[mine]]


def test_district_officer_cannot_write_anywhere(clients, api, world, app):
    client = clients("district_officer")
    own_person = world.person["A"]
    before = snapshot(app, Person, own_person)
    for screen in ("/personview", "/unitview", "/trainingbaseview", "/departmentview", "/districtview"):
        assert client.get(f"{screen}/add").status_code == 403
        assert client.post(f"{screen}/add", data={"name": "x"}).status_code == 403
        assert client.post(f"{screen}/edit/{own_person}", data={"name": "x"}).status_code == 403
        assert client.post(f"{screen}/delete/{own_person}").status_code == 403
    for rest in ("/api/v1/person", "/api/v1/unit", "/api/v1/training_base", "/api/v1/department",
                 "/api/v1/district"):
        assert api("district_officer", "POST", f"{rest}/", json={"name": "x"}).status_code == 403
        assert api("district_officer", "PUT", f"{rest}/{own_person}", json={"name": "x"}).status_code == 403
        assert api("district_officer", "DELETE", f"{rest}/{own_person}").status_code == 403
    assert snapshot(app, Person, own_person) == before


def test_unit_reviewer_dropdowns_and_search_offer_only_their_unit(clients, api, world, app):
    client = clients("unit_reviewer")
    with app.app_context():
        names = {side: db.session.get(Unit, world.unit[side]).name for side in "AB"}
        db.session.remove()
    form = client.get("/personview/add").get_data(as_text=True)
    assert "xueshi-lookup" in form and names["B"] not in form  # units searched as you type
    found = client.get("/lookup/unit/", query_string={"q": "测试用人单位"}).json["results"]
    assert [r["id"] for r in found] == [world.unit["A"]]
    search = client.get("/personview/list/").get_data(as_text=True)
    assert names["B"] not in search
    info = api("unit_reviewer", "GET", "/api/v1/person/_info").json
    unit_field = next(f for f in info["add_columns"] if f["name"] == "unit")
    assert [v["id"] for v in unit_field["values"]] == [world.unit["A"]]


def test_unit_reviewer_cannot_add_staff_to_another_unit(api, world, app):
    number = factories.id_number("370203")
    resp = api("unit_reviewer", "POST", "/api/v1/person/", json={
        "id_number": number, "name": "越权新增", "unit": world.unit["B"],
        "series": "engineering", "title_level": "junior",
    })
    assert resp.status_code in (400, 403)
    with app.app_context():
        assert db.session.execute(select(Person).where(Person.id_number == number)).first() is None
        db.session.remove()


def test_unit_reviewer_cannot_move_staff_out_of_their_unit(api, world, app):
    before = snapshot(app, Person, world.person["A"])
    resp = api("unit_reviewer", "PUT", f"/api/v1/person/{world.person['A']}",
               json={"unit": world.unit["B"]})
    assert resp.status_code in (400, 403)
    assert snapshot(app, Person, world.person["A"]) == before


def test_unit_reviewer_adds_and_edits_own_staff(api, world, app):
    """The unit's new colleague waits for the association's confirmation
    (人员登记申请), then is the unit's to edit, and nobody else's to see."""
    number = factories.id_number("370202")
    resp = api("unit_reviewer", "POST", "/api/v1/person/", json={
        "id_number": number, "name": "新同事", "unit": world.unit["A"],
        "series": "economics", "title_level": "junior",
    })
    assert resp.status_code == 202, resp.json
    step = api("association_admin", "POST", f"/api/v1/person_request/{resp.json['id']}/step/confirm")
    assert step.status_code == 200, step.json
    with app.app_context():
        pk = db.session.execute(select(Person.id).where(Person.id_number == number)).scalar_one()
        db.session.remove()
    resp = api("unit_reviewer", "PUT", f"/api/v1/person/{pk}", json={"title_level": "intermediate"})
    assert resp.status_code == 200
    assert snapshot(app, Person, pk)["title_level"] == "intermediate"
    assert snapshot(app, Person, pk)["unit_id"] == world.unit["A"]
    assert api("unit_reviewer_b", "GET", f"/api/v1/person/{pk}").status_code == 404


@pytest.mark.parametrize("role,full", [
    ("association_admin", True), ("unit_reviewer", True), ("professional", True),
    ("district_officer", False), ("authority_staff", False),
])
def test_id_numbers_are_masked_for_roles_that_need_not_see_them(clients, api, world, role, full):
    number = world.id_number["A"]
    masked = number[:6] + "*" * 8 + number[-4:]
    page = clients(role).get(f"/personview/show/{world.person['A']}").get_data(as_text=True)
    shown = api(role, "GET", f"/api/v1/person/{world.person['A']}").json["result"]["id_number"]
    listed = api(role, "GET", "/api/v1/person/").json["result"][0]["id_number"]
    if full:
        assert number in page and shown == number
    else:
        assert number not in page and masked in page
        assert shown == masked and listed.count("*") == 8


@pytest.mark.parametrize("url", ["/trainingclassview/download/..%2F..%2Fconfig.py",
                                 "/personview/download/secret_key"])
def test_fabs_generic_file_download_is_closed(clients, url):
    assert clients("association_admin").get(url).status_code == 404


def test_masked_roles_cannot_rebuild_an_id_number_by_searching(api, clients, world):
    number = world.id_number["A"]
    prefix = number[:10]
    # a prefix search is not offered on the ID number: only the exact number
    resp = api("district_officer", "GET",
               f"/api/v1/person/?q=(filters:!((col:id_number,opr:sw,value:'{prefix}')))")
    assert resp.status_code == 400 or resp.json.get("count", 0) == 0
    info = api("district_officer", "GET", "/api/v1/person/_info").json
    assert [f["operator"] for f in info["filters"]["id_number"]] == ["eq"]
    exact = api("district_officer", "GET", f"/api/v1/person/?q=(filters:!((col:id_number,opr:eq,value:'{number}')))")
    assert exact.json["count"] == 1
    page = clients("district_officer").get(f"/personview/list/?_flt_0_id_number={prefix}")
    assert "测试人员A" not in page.get_data(as_text=True)


def test_a_person_with_records_is_not_deleted(app, api, clients, world):
    from app.models import DishonestyRecord

    with app.app_context():
        person = Person(id_number=factories.id_number("370202"), name="有记录的人", unit_id=world.unit["A"],
                        series="engineering", title_level="junior")
        db.session.add(person)
        db.session.flush()
        from datetime import date
        db.session.add(DishonestyRecord(person_id=person.id, reason="测试", start_date=date(2026, 1, 1)))
        db.session.commit()
        pk = person.id
        db.session.remove()
    resp = api("unit_reviewer", "DELETE", f"/api/v1/person/{pk}")
    assert resp.status_code == 409 and "不能删除" in resp.json["message"]
    page = clients("unit_reviewer").post(f"/personview/delete/{pk}", follow_redirects=True)
    assert "不能删除" in page.get_data(as_text=True)
    assert snapshot(app, Person, pk) is not None
    # a person with nothing attached is deleted
    with app.app_context():
        lone = Person(id_number=factories.id_number("370202"), name="无记录的人", unit_id=world.unit["A"],
                    series="engineering", title_level="junior")
        db.session.add(lone)
        db.session.commit()
        lone_id = lone.id
        db.session.remove()
    assert api("unit_reviewer", "DELETE", f"/api/v1/person/{lone_id}").status_code == 200
    assert snapshot(app, Person, lone_id) is None
