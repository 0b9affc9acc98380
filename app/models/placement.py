"""Where a row's person works, carried on the row itself (claims, participants,
certificates, like the ledger): a district's or a unit's list reads its own
composite index instead of a subquery over every person of the district.

The row's unit and district are its person's, kept in step when the person
changes unit or the unit changes district (app/services/placement.py). On
insert they are filled from the person when not given (one lookup per row:
bulk writers pass them, `placement.fill`)."""
from __future__ import annotations

from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def person_place(connection, person_id) -> tuple[int | None, int | None]:
    """(unit id, district id) of the person, as the database holds them now."""
    from .person import Person
    from .unit import Unit

    row = connection.execute(select(Person.unit_id, Unit.district_id)
                             .outerjoin(Unit, Unit.id == Person.unit_id)
                             .where(Person.id == person_id)).first()
    return (row[0], row[1]) if row else (None, None)


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


class PersonPlaced:
    """The person's unit and district (scope and list filters of a district
    officer and a unit reviewer)."""

    @declared_attr
    def unit_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("unit.id"), default=_from_person(0))

    @declared_attr
    def district_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("district.id"), default=_from_person(1))
