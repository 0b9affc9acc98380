"""No timing oracle on full ID numbers (issue 14, item 1): a number outside
the caller's scope and a number nobody has run the same statements, the
same number of them in the same order and shape, on every path that takes
a full number — the bulk eligibility check, the roster import, person
create and update, and the API filter on `id_number`. Time differs only
with what the database does; the statements are what the code decides."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Person
from tests import factories
from tests.plans import statements
from tests.samples import post_file, xlsx
from tests.test_classes import ROSTER, accepted_class, upload


def outsider(app, world) -> str:
    """A fresh person of unit B (outside unit A's and base A's scope)."""
    with app.app_context():
        person = Person(id_number=factories.id_number("370203"), name="外单位人员", unit_id=world.unit["B"],
                        series="engineering", title_level="intermediate")
        db.session.add(person)
        db.session.commit()
        number = person.id_number
        db.session.remove()
    return number


def same_statements(app, attempt, numbers):
    """Run `attempt(number)` for each number; the statements and the answer of each."""
    tokens = app.config.get("TEST_TOKENS")
    if tokens is not None:  # no token renewal (a login) inside a measured call
        tokens.renew_older_than(60)
    attempt(factories.id_number("370203"))  # a first call may log in, warm caches
    runs = []
    for number in numbers:
        with statements(app) as seen:
            answer = attempt(number)
        runs.append((answer, seen))
    return runs


def _shape(statement: str) -> str:
    """A statement as the number decides it: the messages a write sends go to the
    logins of a unit, as many rows as it has reviewers, whoever the number is."""
    return statement.split(" VALUES ")[0] if statement.startswith("INSERT INTO message ") else statement


def assert_alike(runs):
    import difflib

    (first_answer, first), *rest = runs
    first = [_shape(s) for s in first]
    for answer, seen in rest:
        seen = [_shape(s) for s in seen]
        assert answer == first_answer
        assert len(seen) == len(first), "\n".join(difflib.unified_diff(first, seen, lineterm=""))
        assert seen == first


def test_bulk_check_runs_the_same_statements(app, api, world):
    def attempt(number):
        resp = post_file(api, "unit_reviewer", "/api/v1/eligibility/bulk",
                         xlsx(["身份证号", "姓名"], [[number, "外单位人员"]]), "a.xlsx", year="2026")
        return resp.status_code

    assert_alike(same_statements(app, attempt, [outsider(app, world), factories.id_number("370203")]))


def _roster_runs(app, api, world, role, unit):
    def attempt(number):
        class_id = attempt.classes.pop()
        resp = upload(api, role, f"/api/v1/training_class/{class_id}/roster", xlsx(ROSTER, [
            ["外单位人员", number, world.credit_code[unit], "", "engineering", "intermediate"]]))
        return resp.status_code, resp.json

    attempt.classes = [accepted_class(api, role) for _ in range(3)]
    return same_statements(app, attempt, [outsider(app, world), factories.id_number("370203")])


@pytest.mark.parametrize("role, unit", [("base_staff", "B"), ("unit_reviewer", "A")])
def test_roster_import_runs_the_same_statements(app, api, world, role, unit):
    """A base rostering into another unit, and a unit into its own: the
    registered number leaves its link for the person's unit, the unknown one
    a link carrying the new person (created only when the unit confirms):
    the same statements, the same answer."""
    assert_alike(_roster_runs(app, api, world, role, unit))


def test_person_update_runs_the_same_statements(app, api, world):
    """Changing one's own person to a number registered elsewhere or to a free
    one: the same statements, the same answer."""
    with app.app_context():
        person_id = db.session.execute(select(Person.id).where(
            Person.id_number == world.id_number["A"])).scalar_one()
        db.session.remove()

    def attempt(number):
        resp = api("unit_reviewer", "PUT", f"/api/v1/person/{person_id}", json={"id_number": number,
                                                                               "unit": world.unit["B"]})
        return resp.status_code, resp.json

    assert_alike(same_statements(app, attempt, [outsider(app, world), factories.id_number("370203")]))


def test_person_create_runs_the_same_statements(app, api, world):
    def attempt(number):
        resp = api("unit_reviewer", "POST", "/api/v1/person/", json={
            "id_number": number, "name": "查重", "unit": world.unit["B"], "series": "engineering",
            "title_level": "junior", "is_enterprise_manager": False})
        return resp.status_code, resp.json

    assert_alike(same_statements(app, attempt, [outsider(app, world), factories.id_number("370203")]))


@pytest.mark.parametrize("opr", ["eq", "sw", "ct"])
def test_api_id_number_filter_runs_the_same_statements(app, api, world, opr):
    def attempt(number):
        resp = api("unit_reviewer", "GET",
                   f"/api/v1/person/?q=(filters:!((col:id_number,opr:{opr},value:'{number}')))")
        return resp.status_code, resp.json.get("count")

    assert_alike(same_statements(app, attempt, [outsider(app, world), factories.id_number("370203")]))
