"""Where a row's person works, carried on the row itself (claims, participants,
certificates, like the ledger): a district's or a unit's list reads its own
composite index instead of a subquery over every person of the district.

The row's unit and district are its person's, kept in step when the person
changes unit or the unit changes district (app/services/placement.py). On
insert they are filled from the person when not given (one lookup per row:
bulk writers pass them, `placement.fill`). The person carries their unit's
district too (person.district_id, filled from the unit on insert)."""
from __future__ import annotations

from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def places(connection, person_ids) -> dict[int, tuple[int | None, int | None]]:
    """{person id: (unit id, district id)} of the people, as the database holds
    them now (the person carries the unit's district: no join). The one lookup of
    a person's place: `person_place` (a row's default) and `placement.fill`."""
    from .person import Person

    return {pid: (unit_id, district_id) for pid, unit_id, district_id in connection.execute(
        select(Person.id, Person.unit_id, Person.district_id).where(Person.id.in_(list(person_ids))))}


def person_place(connection, person_id) -> tuple[int | None, int | None]:
    """(unit id, district id) of the person, as the database holds them now."""
    return places(connection, [person_id]).get(person_id, (None, None))


def unit_district(context):
    """A new person's district: their unit's (the person column's default; one
    lookup per unit of the statement)."""
    from .unit import Unit

    unit_id = context.get_current_parameters().get("unit_id")
    if unit_id is None:
        return None
    seen = context.__dict__.setdefault("_xueshi_districts", {})
    if unit_id not in seen:
        seen[unit_id] = context.connection.execute(
            select(Unit.district_id).where(Unit.id == unit_id)).scalar()
    return seen[unit_id]


def _from_person(index: int):
    def default(context):
        person_id = context.get_current_parameters().get("person_id")
        if person_id is None:
            return None
        seen = context.__dict__.setdefault("_xueshi_places", {})
        if person_id not in seen:
            seen[person_id] = person_place(context.connection, person_id)
        return seen[person_id][index]
    return default


# What a district's (a unit's) index of placed rows carries after its own columns: the
# 待确认 check of a row (visibility.placed_member) reads its person and unit, so a
# district's count is read from the index alone (migration 0032).
DISTRICT_PLACED = ("person_id", "unit_id")
UNIT_PLACED = ("person_id",)


class PersonPlaced:
    """The person's unit and district (scope and list filters of a district
    officer and a unit reviewer)."""

    @declared_attr
    def unit_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("unit.id"), default=_from_person(0))

    @declared_attr
    def district_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("district.id"), default=_from_person(1))
