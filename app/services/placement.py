"""The one place that keeps a person's rows where the person works.

Ledgers, claims, participants (enrolments) and certificates carry their
person's unit and district (app/models/placement.py, Ledger): the scope and
list filters of a district officer and a unit reviewer read them through
composite indexes. They follow the person here: when a person changes unit,
every row of theirs takes the new unit and its district; when a unit moves to
another district, every row of the unit takes the new district; a row whose
person is changed takes the new person's place. Inserts fill them from the
person (the columns' default; bulk writers call `fill` for the whole batch).
The person carries their unit's district too (the district officer's persons
list): filled from the unit on insert, taken here when the person changes unit
or the unit changes district."""
from __future__ import annotations

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import object_session

from ..models import Certificate, Claim, Enrolment, Ledger, Person, Unit
from ..models.placement import person_place, places
from . import dashboard

PLACED = (Ledger, Claim, Enrolment, Certificate)


def fill(session, rows: list[dict], chunk: int = 5000) -> list[dict]:
    """Give each row (a dict with person_id) its person's unit_id and district_id,
    one query per chunk of people, for an insert of many rows at once."""
    wanted = sorted({row["person_id"] for row in rows if row.get("person_id") is not None})
    found = {}
    connection = session.connection()
    for start in range(0, len(wanted), chunk):
        found.update(places(connection, wanted[start:start + chunk]))
    for row in rows:
        row["unit_id"], row["district_id"] = found.get(row.get("person_id"), (None, None))
    return rows


def _unit_changed(person: Person) -> bool:
    return inspect(person).attrs.unit_id.history.has_changes()


@event.listens_for(Person, "before_update")
def _take_unit_district(mapper, connection, person: Person) -> None:
    """A person who changes unit takes the new unit's district (their own scope column)."""
    if _unit_changed(person):
        person.district_id = connection.execute(
            select(Unit.district_id).where(Unit.id == person.unit_id)).scalar()


@event.listens_for(Person, "after_update")
def _follow_unit_change(mapper, connection, person: Person) -> None:
    """A person who changes unit takes their rows along (scope and list filters),
    and changes the figures of both units (the dashboards' cache is dropped)."""
    if not _unit_changed(person):
        return
    for model in PLACED:
        table = model.__table__
        connection.execute(update(table).where(table.c.person_id == person.id)
                           .values(unit_id=person.unit_id, district_id=person.district_id))
    dashboard.ledgers_changed(object_session(person))


@event.listens_for(Unit, "after_update")
def _follow_district_change(mapper, connection, unit: Unit) -> None:
    """A unit that moves to another district takes its people and their rows along
    (the district officer's scope and list filters read the row's own district)."""
    if not inspect(unit).attrs.district_id.history.has_changes():
        return
    for model in (Person, *PLACED):
        table = model.__table__
        connection.execute(update(table).where(table.c.unit_id == unit.id)
                           .values(district_id=unit.district_id))


def _follow_person(mapper, connection, row) -> None:
    """A row given to another person is placed where that person works."""
    if inspect(row).attrs.person_id.history.has_changes():
        row.unit_id, row.district_id = person_place(connection, row.person_id)


for _model in (Claim, Enrolment, Certificate):
    event.listen(_model, "before_update", _follow_person)
