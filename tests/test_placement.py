"""Claims, participants, certificates and ledgers carry their person's unit and
district (app/services/placement.py): a district officer's and a unit
reviewer's lists read them. They are filled on insert, follow a person who
changes unit and a unit that changes district; a person a roster registered in
a unit and whose link its reviewer has not confirmed (待确认) stays outside
that unit's and district's lists exactly as on the person's own screens."""
from __future__ import annotations

import json
import secrets
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models import (
    AuditEntry, Certificate, Claim, Enrolment, Ledger, Person, RosterLink, TrainingClass, Unit,
)
from app.services import placement
from tests import factories

# resource -> (model, screen base, API base)
PATHS = {
    "claim": (Claim, "/claimview", "/api/v1/claim"),
    "enrolment": (Enrolment, "/enrolmentview", "/api/v1/enrolment"),
    "certificate": (Certificate, "/certificateview", "/api/v1/certificate"),
    "ledger": (Ledger, "/ledgerview", "/api/v1/ledger"),
    "training_class": (TrainingClass, "/trainingclassview", "/api/v1/training_class"),
}


def _class(base_id: int) -> TrainingClass:
    cls = TrainingClass(name="落位测试班", base_id=base_id, mode="offline", category="professional",
                        start_date=date(2026, 5, 1), end_date=date(2026, 5, 1),
                        hours_per_day=Decimal(8), venue="青岛", capacity=10, state="reviewed")
    db.session.add(cls)
    db.session.flush()
    return cls


def _rows_of(person: Person, base_id: int) -> dict[str, int]:
    """A claim (ORM insert), a participant (bulk insert through placement.fill),
    a certificate and a ledger of `person`, in a class of their own."""
    from app.services import audit

    cls = _class(base_id)
    claim = Claim(person_id=person.id, year=2026, kind="achievement", title="落位测试申报",
                  state="submitted", category="professional", date=date(2026, 5, 1))
    db.session.add(claim)
    db.session.flush()
    enrolment_id = audit.insert_rows(db.session, Enrolment, placement.fill(db.session, [
        {"class_id": cls.id, "person_id": person.id, "attendance": {}}]))[0]["id"]
    enrolment = db.session.get(Enrolment, enrolment_id)
    number = secrets.randbelow(10**9)
    cert = Certificate(number=f"LW{number}", token=secrets.token_urlsafe(16), class_id=cls.id,
                       enrolment_id=enrolment_id, person_id=person.id, hours=Decimal(8),
                       issued_at=datetime(2026, 5, 2, tzinfo=timezone.utc), status_index=10**8 + number)
    ledger = Ledger(person_id=person.id, year=2026, unit_id=person.unit_id,
                    district_id=db.session.get(Unit, person.unit_id).district_id, in_scope=True,
                    public=0, professional=0, total=0, compliant=False, items=[], digest="x")
    db.session.add_all([cert, ledger])
    db.session.flush()
    return {"claim": claim.id, "enrolment": enrolment.id, "certificate": cert.id,
            "ledger": ledger.id, "training_class": cls.id}


def _places(rows: dict[str, int]) -> set[tuple]:
    return {tuple(db.session.execute(select(model.unit_id, model.district_id)
                                     .where(model.id == rows[name])).one())
            for name, (model, _, _) in PATHS.items() if name != "training_class"}


def _district_of(person_id: int) -> int | None:
    """The person's own district column, as the database holds it."""
    return db.session.execute(select(Person.district_id).where(Person.id == person_id)).scalar()


def _remove(rows: dict[str, int], people: list[int], units: list[int] = (), links: list[int] = ()) -> None:
    with db.engine.begin() as conn:
        conn.execute(delete(RosterLink.__table__).where(RosterLink.id.in_(list(links))))
        conn.execute(delete(Certificate.__table__).where(Certificate.person_id.in_(people)))
        conn.execute(delete(Enrolment.__table__).where(Enrolment.person_id.in_(people)))
        conn.execute(delete(Claim.__table__).where(Claim.person_id.in_(people)))
        conn.execute(delete(Ledger.__table__).where(Ledger.person_id.in_(people)))
        conn.execute(delete(TrainingClass.__table__).where(TrainingClass.id.in_(rows)))
        conn.execute(delete(Person.__table__).where(Person.id.in_(people)))
        conn.execute(delete(Unit.__table__).where(Unit.id.in_(list(units))))


def _person(unit_id: int, region: str = "370202") -> Person:
    person = Person(id_number=factories.id_number(region), name="落位测试人员", unit_id=unit_id,
                    series="engineering", title_level="intermediate")
    db.session.add(person)
    db.session.flush()
    return person


def seen(clients, api, key: str, rows: dict[str, int], names=PATHS) -> dict[str, int]:
    """The status of each row's show page for `key`, after checking that the
    edit page and REST answer alike (404 out of scope) and that the REST list
    holds the row exactly when the show page does."""
    client, out = clients(key), {}
    for name in names:
        _, screen, rest = PATHS[name]
        pk = rows[name]
        shown = client.get(f"{screen}/show/{pk}").status_code
        assert shown in (200, 404), (key, name, shown)
        assert api(key, "GET", f"{rest}/{pk}").status_code == shown, (key, name)
        if shown == 404:
            assert client.get(f"{screen}/edit/{pk}").status_code in (403, 404), (key, name)
        listed = api(key, "GET", f"{rest}/?q=(order_column:id,order_direction:desc,page_size:100)")
        assert listed.status_code == 200, (key, name, listed.status_code)
        assert (pk in listed.json["ids"]) == (shown == 200), (key, name, shown)
        out[name] = shown
    return out


def test_rows_carry_their_persons_place_and_follow_a_move(app, world, clients, api):
    with app.app_context():
        person = _person(world.unit["A"])
        rows = _rows_of(person, world.base["B"])
        db.session.commit()
        person_id = person.id
        assert _places(rows) == {(world.unit["A"], world.district["A"])}
        assert _district_of(person_id) == world.district["A"]  # filled from the unit on insert
        db.session.remove()
    try:
        assert set(seen(clients, api, "district_officer", rows).values()) == {200}
        assert set(seen(clients, api, "unit_reviewer", rows, ["claim", "enrolment", "certificate",
                                                               "ledger"]).values()) == {200}
        assert set(seen(clients, api, "unit_reviewer_b", rows, ["claim", "ledger"]).values()) == {404}
        # the person changes unit (and district): every row of theirs follows
        with app.app_context():
            db.session.get(Person, person_id).unit_id = world.unit["B"]
            db.session.commit()
            assert _places(rows) == {(world.unit["B"], world.district["B"])}
            assert _district_of(person_id) == world.district["B"]
            db.session.remove()
        assert set(seen(clients, api, "district_officer", rows).values()) == {404}
        assert set(seen(clients, api, "unit_reviewer", rows, ["claim", "enrolment", "certificate",
                                                               "ledger"]).values()) == {404}
        assert set(seen(clients, api, "unit_reviewer_b", rows, ["claim", "enrolment", "certificate",
                                                                 "ledger"]).values()) == {200}
        assert set(seen(clients, api, "association_admin", rows).values()) == {200}
    finally:
        with app.app_context():
            _remove([rows["training_class"]], [person_id])
            db.session.remove()


def test_a_unit_that_moves_district_takes_its_peoples_rows(app, world, clients, api):
    with app.app_context():
        unit = Unit(name="落位测试单位", credit_code=factories.credit_code("370202"),
                    district_id=world.district["A"], department_id=world.department["A"])
        db.session.add(unit)
        db.session.flush()
        person = _person(unit.id)
        rows = _rows_of(person, world.base["B"])
        db.session.commit()
        unit_id, person_id = unit.id, person.id
        db.session.remove()
    try:
        assert set(seen(clients, api, "district_officer", rows).values()) == {200}
        with app.app_context():
            db.session.get(Unit, unit_id).district_id = world.district["B"]
            db.session.commit()
            assert _places(rows) == {(unit_id, world.district["B"])}
            assert _district_of(person_id) == world.district["B"]
            db.session.remove()
        assert set(seen(clients, api, "district_officer", rows).values()) == {404}
    finally:
        with app.app_context():
            _remove([rows["training_class"]], [person_id], [unit_id])
            db.session.remove()


@pytest.mark.parametrize("kind", ["new"])
def test_a_person_registered_by_a_roster_and_not_yet_confirmed_is_outside_the_unit(
        app, world, clients, api, kind):
    """The 待确认 rule of rule(Person) (unit_member) holds for every row that carries
    the person's unit: neither unit A's reviewer nor district A's officer sees the
    rows of a person a roster registered in unit A until the reviewer confirms."""
    with app.app_context():
        person = _person(world.unit["A"])
        rows = _rows_of(person, world.base["B"])
        link = RosterLink(kind=kind, state="pending", class_id=rows["training_class"],
                          person_id=person.id, unit_id=world.unit["A"], name=person.name)
        db.session.add(link)
        db.session.commit()
        person_id, link_id = person.id, link.id
        assert _places(rows) == {(world.unit["A"], world.district["A"])}  # placed, yet not a member
        db.session.remove()
    try:
        for key in ("district_officer", "unit_reviewer"):
            assert api(key, "GET", f"/api/v1/person/{person_id}").status_code == 404
        assert set(seen(clients, api, "district_officer", rows).values()) == {404}
        assert set(seen(clients, api, "unit_reviewer", rows, ["claim", "enrolment", "certificate",
                                                               "ledger"]).values()) == {404}
        assert set(seen(clients, api, "association_admin", rows).values()) == {200}
        # a rejected link keeps them outside; a confirmed one brings them in, person and rows alike
        for state, status in (("rejected", 404), ("confirmed", 200)):
            with app.app_context():
                db.session.get(RosterLink, link_id).state = state
                db.session.commit()
                db.session.remove()
            for key in ("district_officer", "unit_reviewer"):
                assert api(key, "GET", f"/api/v1/person/{person_id}").status_code == status
            assert set(seen(clients, api, "district_officer", rows).values()) == {status}
            assert set(seen(clients, api, "unit_reviewer", rows, ["claim", "enrolment", "certificate",
                                                                   "ledger"]).values()) == {status}
    finally:
        with app.app_context():
            _remove([rows["training_class"]], [person_id], links=[link_id])
            db.session.remove()


def test_a_row_inserted_without_its_place_is_placed_from_its_person(app, world):
    """The columns' default: a core insert that names only the person is placed too."""
    from sqlalchemy import insert

    with app.app_context():
        person = _person(world.unit["B"], "370203")
        cls = _class(world.base["B"])
        conn = db.session.connection()
        conn.execute(insert(Enrolment), [{"class_id": cls.id, "person_id": person.id, "attendance": {}}])
        placed = db.session.execute(select(Enrolment.unit_id, Enrolment.district_id)
                                    .where(Enrolment.person_id == person.id)).one()
        assert tuple(placed) == (world.unit["B"], world.district["B"])
        db.session.rollback()
        db.session.remove()


def test_people_inserted_in_bulk_carry_their_units_district(app, world):
    """The person column's default: a core insert of several people (a roster import)
    names only the unit; each person takes that unit's district."""
    from sqlalchemy import insert

    with app.app_context():
        conn = db.session.connection()
        conn.execute(insert(Person), [
            {"id_number": factories.id_number("370202"), "name": "落位批量人员", "unit_id": world.unit[key],
             "series": "engineering", "title_level": "intermediate"} for key in ("A", "B", "A")])
        placed = db.session.execute(select(Person.unit_id, Person.district_id)
                                    .where(Person.name == "落位批量人员")).all()
        assert sorted(map(tuple, placed)) == sorted(
            [(world.unit[k], world.district[k]) for k in ("A", "B", "A")])
        db.session.rollback()
        db.session.remove()


def test_rows_inserted_in_bulk_come_back_in_order_each_with_its_audit_entry(app, world, monkeypatch):
    """audit.insert_rows (a roster's participants and 待确认 links) writes by the
    driver, several statements for a long list: each row returned in the order
    given holds the key the database gave that row, its columns' defaults, and
    one insert entry of the chain, which still verifies."""
    from app.services import audit

    monkeypatch.setattr(audit, "_MAX_PARAMETERS", 40)  # a few rows per statement
    with app.app_context():
        cls = _class(world.base["A"])
        people = [_person(world.unit["A"]) for _ in range(7)]
        rows = [{"class_id": cls.id, "person_id": p.id, "phone": f"1380000000{n}", "attendance": {"d": n}}
                for n, p in enumerate(people)]
        stored = audit.insert_rows(db.session, Enrolment, placement.fill(db.session, rows))
        assert [r["person_id"] for r in stored] == [p.id for p in people]
        held = dict(db.session.execute(select(Enrolment.id, Enrolment.phone)
                                       .where(Enrolment.class_id == cls.id)).all())
        assert {r["id"]: r["phone"] for r in stored} == held and len(held) == 7
        assert all(r["unit_id"] == world.unit["A"] and r["created_at"] is not None for r in stored)
        entries = db.session.execute(select(AuditEntry.record_id, AuditEntry.after).where(
            AuditEntry.table_name == "enrolment", AuditEntry.record_id.in_([str(i) for i in held]))).all()
        after = {record: json.loads(text) for record, text in entries}
        assert sorted(after) == sorted(str(i) for i in held)
        assert all(after[str(r["id"])]["person_id"] == r["person_id"] for r in stored)
        assert audit.verify(db.session).ok
        with pytest.raises(ValueError):  # a placement default reads its row: the caller gives it
            audit.insert_rows(db.session, Enrolment, [{"class_id": cls.id, "person_id": people[0].id}])
        db.session.rollback()
        db.session.remove()
