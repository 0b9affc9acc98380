"""Ledgers: each person's year, recomputed through app/rules.

`recompute_person()` runs inside the transaction of the change that touched
the person (approve, revoke, import, review): it locks the person row first,
so two changes to one person queue instead of overwriting each other.
`recompute_year()` is the bulk path: keyset chunks of people, one commit
per chunk, a progress bar; it is safe to interrupt and run again.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable

from sqlalchemy import event, func, inspect, select, union, update
from sqlalchemy.dialects import postgresql, sqlite

from .. import rules
from ..extensions import db
from ..models import Activity, Ledger, Person, Unit
from ..models.base import utcnow
from ..rules import registry
from .locks import for_update

ENGINE_FIELDS = ("category", "date", "hours", "days", "passed", "courses", "project",
                 "channel", "start", "end", "reason")
_ACTIVITY_COLUMNS = [Activity.person_id, Activity.id, Activity.kind] + [
    getattr(Activity, f) for f in ENGINE_FIELDS
]


def has_rules(year: int) -> bool:
    return registry.get(year) is not None


def years_of(kind: str, *, date_=None, days=None, start=None, end=None) -> tuple[int, int]:
    """The first and last year whose ledger a record feeds."""
    if days:
        years = [date.fromisoformat(d["date"]).year for d in days]
        return min(years), max(years)
    if start is not None and end is not None:
        return start.year, end.year
    if date_ is not None:
        return date_.year, date_.year
    raise ValueError(f"{kind}: a record needs a date, days, or start and end")


def _item(row) -> dict:
    """An activity row (ORM object or Row) as an engine input item."""
    item = {"id": str(row.id), "kind": row.kind}
    for field in ENGINE_FIELDS:
        value = getattr(row, field)
        if value is not None:
            item[field] = value
    return item


def person_year(person_id: int, series: str | None, year: int, activities: Iterable) -> dict:
    return {
        "person": {"id": str(person_id), "series": series},
        "year": year,
        "activities": [_item(a) for a in activities],
    }


def _ledger_values(result: dict) -> dict:
    items = [
        {
            "activity_id": int(it["id"]),
            "public": str(it["public"]),
            "professional": str(it["professional"]),
            "notes": sorted(it["notes"]),
        }
        for it in result["items"]
    ]
    return {
        "in_scope": result["in_scope"],
        "public": result["public"],
        "professional": result["professional"],
        "total": result["total"],
        "compliant": result["compliant"],
        "shortfall_public": result["shortfall"]["public"],
        "shortfall_professional": result["shortfall"]["professional"],
        "items": items,
    }


def digest(values: dict) -> str:
    """A fingerprint of a ledger's content, to skip writes that change nothing."""
    text = json.dumps(values, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha1(text.encode()).hexdigest()


def lock_person(person_id: int) -> Person:
    """Lock the person row for the rest of the transaction (PostgreSQL row lock)."""
    return db.session.execute(for_update(select(Person).where(Person.id == person_id))).scalar_one()


def _activities_for(person_id: int, year: int):
    return db.session.execute(
        select(Activity)
        .where(Activity.person_id == person_id, Activity.first_year <= year, Activity.last_year >= year)
        .order_by(Activity.id)
    ).scalars().all()


def compute(person: Person, year: int) -> dict:
    """The engine's verdict on a person's year, from the activities now stored."""
    return rules.evaluate(person_year(person.id, person.series, year, _activities_for(person.id, year)))


def recompute_person(person_id: int, years: Iterable[int]) -> list[Ledger]:
    """Recompute the person's ledgers for `years` in the current transaction."""
    db.session.flush()
    person = lock_person(person_id)
    ledgers = []
    for year in sorted(set(years)):
        if not has_rules(year):
            continue
        values = _ledger_values(compute(person, year))
        values["unit_id"], values["district_id"] = person.unit_id, person.unit.district_id
        ledger = db.session.execute(
            select(Ledger).where(Ledger.person_id == person_id, Ledger.year == year)
        ).scalar_one_or_none()
        if ledger is None:
            ledger = Ledger(person_id=person_id, year=year)
            db.session.add(ledger)
        for key, value in values.items():
            setattr(ledger, key, value)
        ledger.digest = digest(values)
        ledger.computed_at = utcnow()
        ledgers.append(ledger)
    db.session.flush()
    return ledgers


def ledger_or_compute(person: Person, year: int) -> dict:
    """A person's year as ledger values: stored, or computed now (nothing stored yet)."""
    ledger = db.session.execute(
        select(Ledger).where(Ledger.person_id == person.id, Ledger.year == year)
    ).scalar_one_or_none()
    if ledger is not None:
        return {k: getattr(ledger, k) for k in _LEDGER_FIELDS}
    return _ledger_values(compute(person, year))


_LEDGER_FIELDS = ("in_scope", "public", "professional", "total", "compliant",
                  "shortfall_public", "shortfall_professional", "items")


# -- bulk --------------------------------------------------------------------

@dataclass
class BulkResult:
    people: int = 0
    written: int = 0
    unchanged: int = 0


def _people_of_year(year: int, unit_id: int | None, district_id: int | None):
    """Ids of people with activities in the year or a ledger for it, in scope."""
    ids = union(
        select(Activity.person_id.label("pid")).where(
            Activity.first_year <= year, Activity.last_year >= year),
        select(Ledger.person_id.label("pid")).where(Ledger.year == year),
    ).subquery()
    stmt = select(ids.c.pid)
    if unit_id is not None or district_id is not None:
        stmt = stmt.join(Person, Person.id == ids.c.pid)
        if unit_id is not None:
            stmt = stmt.where(Person.unit_id == unit_id)
        if district_id is not None:
            stmt = stmt.where(Person.unit_id.in_(select(Unit.id).where(Unit.district_id == district_id)))
    return stmt.order_by(ids.c.pid)


def _upsert():
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(Ledger.__table__)
    return stmt.on_conflict_do_update(
        index_elements=["person_id", "year"],
        set_={c: stmt.excluded[c]
              for c in (*_LEDGER_FIELDS, "unit_id", "district_id", "digest", "computed_at")},
    )


def recompute_chunk(person_ids: list[int], year: int) -> tuple[int, int]:
    """Recompute a chunk of people in the current transaction: (written, unchanged)."""
    people = {row.id: row for row in db.session.execute(for_update(
        select(Person.id, Person.series, Person.unit_id, Unit.district_id)
        .join(Unit, Unit.id == Person.unit_id).where(Person.id.in_(person_ids)), of=Person,
    ))}
    existing = dict(db.session.execute(
        select(Ledger.person_id, Ledger.digest).where(Ledger.year == year, Ledger.person_id.in_(person_ids))
    ).all())
    grouped: dict[int, list] = {pid: [] for pid in person_ids}
    rows = db.session.execute(
        select(*_ACTIVITY_COLUMNS)
        .where(Activity.person_id.in_(person_ids), Activity.first_year <= year, Activity.last_year >= year)
        .order_by(Activity.person_id, Activity.id)
    )
    for row in rows:
        grouped[row.person_id].append(row)
    now = utcnow()
    changed = []
    for pid, acts in grouped.items():
        person = people[pid]
        values = _ledger_values(rules.evaluate(person_year(pid, person.series, year, acts)))
        values["unit_id"], values["district_id"] = person.unit_id, person.district_id
        fingerprint = digest(values)
        if existing.get(pid) == fingerprint:
            continue
        changed.append({**values, "person_id": pid, "year": year, "digest": fingerprint,
                        "computed_at": now})
    if changed:
        db.session.execute(_upsert(), changed)
    return len(changed), len(person_ids) - len(changed)


def recompute_year(year: int, *, unit_id: int | None = None, district_id: int | None = None,
                   chunk: int = 2000, progress: Callable[[int], None] | None = None) -> BulkResult:
    """Recompute every ledger of `year` (optionally one unit or district), chunk by chunk."""
    if not has_rules(year):
        raise ValueError(f"no rule set for {year}")
    result = BulkResult()
    last = 0
    stmt = _people_of_year(year, unit_id, district_id)
    pid_col = stmt.selected_columns[0]
    while True:
        ids = db.session.execute(stmt.where(pid_col > last).limit(chunk)).scalars().all()
        if not ids:
            break
        written, unchanged = recompute_chunk(ids, year)
        db.session.commit()
        result.people += len(ids)
        result.written += written
        result.unchanged += unchanged
        last = ids[-1]
        if progress:
            progress(len(ids))
    return result


def count_people_of_year(year: int, unit_id: int | None = None, district_id: int | None = None) -> int:
    sub = _people_of_year(year, unit_id, district_id).subquery()
    return db.session.execute(select(func.count()).select_from(sub)).scalar()


__all__ = [
    "BulkResult", "count_people_of_year", "digest", "ledger_or_compute", "lock_person",
    "person_year", "recompute_chunk", "recompute_person", "recompute_year", "years_of",
]


def explained_items(ledger: Ledger, locale: str = "zh") -> list[dict]:
    """The ledger's items with their activity and a sentence for each note."""
    ids = [it["activity_id"] for it in ledger.items]
    activities = {a.id: a for a in db.session.execute(
        select(Activity).where(Activity.id.in_(ids))).scalars()} if ids else {}
    rule_set = registry.get(ledger.year)
    shown = []
    for it in ledger.items:
        activity = activities.get(it["activity_id"])
        rule = rule_set.kind(activity.kind) if activity and rule_set else None
        shown.append({
            "activity": activity,
            "kind": rules.kinds(locale, ledger.year).get(activity.kind, activity.kind) if activity else "",
            "clause": rule.clause if rule else "",
            "public": it["public"],
            "professional": it["professional"],
            "notes": [(code, rules.explain(code, locale, ledger.year)) for code in it["notes"]],
        })
    return shown


@event.listens_for(Person, "after_update")
def _follow_unit_change(mapper, connection, person: Person) -> None:
    """A person who changes unit takes their ledgers' list filters along."""
    history = inspect(person).attrs.unit_id.history
    if not history.has_changes():
        return
    district_id = connection.execute(
        select(Unit.district_id).where(Unit.id == person.unit_id)).scalar()
    connection.execute(
        update(Ledger.__table__).where(Ledger.__table__.c.person_id == person.id)
        .values(unit_id=person.unit_id, district_id=district_id))
