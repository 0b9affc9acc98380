"""Looking people up by 身份证号 in bulk, for every spreadsheet import; and
registering a new person as a request or a roster link described them."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import Row, select

from ..extensions import db
from ..models import Person
from ..models.base import DescribedPersonMixin

CHUNK = 1000  # ids per IN (…), well under every database's parameter limit


def by_id_number(numbers: Iterable[str]) -> dict[str, Person]:
    """The registered people with these ID numbers, by number (one query per chunk)."""
    wanted = sorted({n for n in numbers if n})
    found: dict[str, Person] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        for person in db.session.execute(select(Person).where(Person.id_number.in_(chunk))).scalars():
            found[person.id_number] = person
    return found


def registered_rows(numbers: Iterable[str]) -> dict[str, Row]:
    """What a roster compares of the registered people with these numbers (id,
    number, name, unit, title), by number, as rows: no ORM object per row."""
    wanted = sorted({n for n in numbers if n})
    found: dict[str, Row] = {}
    for start in range(0, len(wanted), CHUNK):
        for person in db.session.execute(
                select(Person.id, Person.id_number, Person.name, Person.unit_id, Person.series,
                       Person.title_level).where(Person.id_number.in_(wanted[start:start + CHUNK]))):
            found[person.id_number] = person
    return found


def register(described: DescribedPersonMixin, unit_id: int) -> Person:
    """A new person in `unit_id`'s staff list, exactly as `described` (a
    registration request or a roster link: number, name, phone, series, level,
    manager), flushed. Whether the number may still be registered is the
    caller's to check first."""
    person = Person(id_number=described.id_number, name=described.name, unit_id=unit_id,
                    series=described.series, title_level=described.title_level, phone=described.phone,
                    is_enterprise_manager=bool(described.is_enterprise_manager))
    db.session.add(person)
    db.session.flush()
    return person
