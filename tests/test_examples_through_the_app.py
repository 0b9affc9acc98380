"""Every shared example through the application: its records stored as a person's
approved activities (its prior projects as achievements of the year before), the
ledger computed by the app, and read back through the ledger API.

The command line and evaluate() take every example in tests/rules/test_examples.py.
Here, an item the engine finds `invalid` cannot be stored (the app's forms and
imports refuse it first), and an item wholly in another year belongs to that
year's ledger: both must credit 0 in the example, and the rest must agree to the
hour and the note."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from app.extensions import db
from app.models import Activity, Ledger, Person
from app.services import ledgers
from tests import factories

EXAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "rules" / "examples"
PAIRS = sorted(p.name[:-len(".in.json")] for p in EXAMPLES.glob("*.in.json"))


def _typed(activity: dict) -> dict:
    fields = {}
    for field in ledgers.ENGINE_FIELDS:
        if field not in activity:
            continue
        value = activity[field]
        if field in ("date", "start", "end"):
            value = date.fromisoformat(value)
        elif field == "hours":
            value = Decimal(str(value))
        fields[field] = value
    return fields


def _store(app, given: dict, unit_id: int) -> tuple[int, list[tuple[int, int]]]:
    """The example's person and records in the database: (ledger id, [(activity id,
    item position)]) for the records that fall in the year."""
    year = given["year"]
    with app.app_context():
        person = Person(id_number=factories.id_number("370202"), name="示例",
                        unit_id=unit_id, series=given["person"].get("series") or "engineering",
                        title_level="intermediate")
        db.session.add(person)
        db.session.flush()
        for n, project in enumerate(given.get("prior_projects", ())):
            db.session.add(Activity(person_id=person.id, kind="achievement", title=f"往年成果{n}",
                                    source="platform", category="professional",
                                    date=date(year - 1, 6, 1), project=project,
                                    first_year=year - 1, last_year=year - 1))
        stored = []
        for position, activity in enumerate(given["activities"]):
            if activity.get("_invalid"):
                continue
            fields = _typed(activity)
            first, last = ledgers.years_of(activity["kind"], date_=fields.get("date"),
                                           days=fields.get("days"), start=fields.get("start"),
                                           end=fields.get("end"))
            row = Activity(person_id=person.id, kind=activity["kind"], title=activity["id"],
                           source="platform", first_year=first, last_year=last, **fields)
            db.session.add(row)
            db.session.flush()
            if first <= year <= last:
                stored.append((row.id, position))
        ledgers.recompute_person(person.id, [year])
        db.session.commit()
        ledger_id = db.session.query(Ledger.id).filter_by(person_id=person.id, year=year).scalar()
        db.session.remove()
    return ledger_id, stored


def _number(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@pytest.mark.parametrize("name", PAIRS)
def test_every_shared_example_through_the_ledger_api(app, api, world, name):
    given = json.loads((EXAMPLES / f"{name}.in.json").read_text("utf-8"))
    expected = json.loads((EXAMPLES / f"{name}.out.json").read_text("utf-8"), parse_float=Decimal)
    for activity, item in zip(given["activities"], expected["items"]):
        activity["_invalid"] = "invalid" in item["notes"]
    ledger_id, stored = _store(app, given, world.unit["A"])
    shown = api("association_admin", "GET", f"/api/v1/ledger/{ledger_id}").json["result"]

    for field in ("public", "professional", "total"):
        assert _number(shown[field]) == Decimal(expected[field]), (name, field)
    assert shown["in_scope"] == expected["in_scope"]
    assert shown["compliant"] == expected["compliant"], name
    shortfall = expected["shortfall"] or {}
    assert _number(shown["shortfall_public"]) == _number(shortfall.get("public")), name
    assert _number(shown["shortfall_professional"]) == _number(shortfall.get("professional")), name

    by_activity = {it["activity_id"]: it for it in shown["items"]}
    assert set(by_activity) == {activity_id for activity_id, _ in stored}, name
    for activity_id, position in stored:
        want, got = expected["items"][position], by_activity[activity_id]
        assert (_number(got["public"]), _number(got["professional"]),
                {note["code"] for note in got["notes"]}) == (
            Decimal(want["public"]), Decimal(want["professional"]), set(want["notes"])), (
            name, want["id"])
        assert all(note["explanation"] for note in got["notes"])
    # what the app could not store, or filed under another year, credits 0 in the example
    kept = {position for _, position in stored}
    for position, item in enumerate(expected["items"]):
        if position not in kept:
            assert item["public"] == item["professional"] == 0, (name, item["id"])
