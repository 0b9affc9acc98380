"""Ledgers: each person's year, recomputed through app/rules.

`recompute_person()` runs inside the transaction of the change that touched
the person (approve, revoke, import, review): it locks the person row first,
so two changes to one person queue instead of overwriting each other.
`recompute_year()` is the bulk path: keyset chunks of people, one commit
per chunk, a progress bar; it is safe to interrupt and run again.
"""
from __future__ import annotations

import gc
import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Callable, Iterable, NamedTuple

from flask_babel import gettext
from sqlalchemy import func, select, true, union
from sqlalchemy.dialects import postgresql, sqlite

from .. import rules
from ..extensions import db
from ..formatting import hours, locale as _locale
from ..models import Activity, Ledger, Person, Unit
from ..models.base import utcnow
from ..rules import model as rules_model
from ..rules import registry
from . import dashboard, placement  # noqa: F401 (placement: a person's rows follow their unit)
from .locks import for_update

ENGINE_FIELDS = ("category", "date", "hours", "days", "passed", "registration", "courses",
                 "project", "channel", "start", "end", "reason")
_ACTIVITY_COLUMNS = [Activity.person_id, Activity.id, Activity.kind] + [
    getattr(Activity, f) for f in ENGINE_FIELDS
]


def compliance_text(compliant: bool | None, series: str | None, year: int) -> str:
    """是 / 否; for an out-of-scope person (no verdict) 不适用 and who recognises
    their hours (the year's rule set, 二)."""
    if compliant is not None:
        return gettext("Yes") if compliant else gettext("No")
    who = rules.handler(series, _locale(), year) if has_rules(year) else None
    if who:
        return gettext("Not applicable (hours recognised by %(handler)s)", handler=who)
    return gettext("Not applicable")


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


def engine_item(activity: Activity) -> dict:
    """An activity as an engine input item."""
    item = {"id": str(activity.id), "kind": activity.kind}
    for field in ENGINE_FIELDS:
        value = getattr(activity, field)
        if value is not None:
            item[field] = value
    return item


def _row_item(row) -> dict:
    """A row of `_ACTIVITY_COLUMNS` as an engine input item (bulk path)."""
    item = {field: value for field, value in zip(ENGINE_FIELDS, row[3:]) if value is not None}
    item["id"] = str(row[1])
    item["kind"] = row[2]
    return item


def person_year(person_id: int, series: str | None, year: int, items: list[dict],
                prior_projects: list[str] = ()) -> dict:
    """An engine input; `prior_projects`: the projects of the person's approved
    records of earlier years (四(三)3 同一项目成果,不重复计算)."""
    py = {"person": {"id": str(person_id), "series": series}, "year": year, "activities": items}
    if prior_projects:
        py["prior_projects"] = list(prior_projects)
    return py


def prior_projects(person_id: int, year: int) -> list[str]:
    """The project of every approved record of the person of a year before `year`."""
    return list(db.session.execute(
        select(Activity.project).where(Activity.person_id == person_id, Activity.first_year < year,
                                       Activity.project.is_not(None))
        .order_by(Activity.id)).scalars())


def later_years(person_id: int, kind: str, last: int) -> list[int]:
    """Years after `last` whose stored ledgers of the person a record of `kind`
    also changes: its project is a prior project there (kinds with a project)."""
    def has_project(year: int) -> bool:
        rule = registry.get(year).kind(kind) if has_rules(year) else None
        return rule is not None and rules_model.PROJECT in rule.extra_fields

    return [year for year in db.session.execute(
        select(Ledger.year).where(Ledger.person_id == person_id, Ledger.year > last)
        .order_by(Ledger.year)).scalars() if has_project(year)]


class _Text(dict):
    """Decimal -> its text, for the few distinct values hours take."""

    def __missing__(self, value):
        text = self[value] = str(value)
        return text


_TEXT = _Text()


def _ledger_values(result: dict) -> dict:
    """What a ledger stores of the engine's result (compliance and shortfall
    are None for an out-of-scope person)."""
    text = _TEXT
    items = [
        # [activity id, public, professional, notes]: compact, since every ledger
        # write carries it; notes come in the contract's order already
        [int(it["id"]), text[it["public"]], text[it["professional"]], it["notes"]]
        for it in result["items"]
    ]
    shortfall = result["shortfall"] or {}
    return {
        "in_scope": result["in_scope"],
        "public": result["public"],
        "professional": result["professional"],
        "total": result["total"],
        "compliant": result["compliant"],
        "shortfall_public": shortfall.get("public"),
        "shortfall_professional": shortfall.get("professional"),
        "items": items,
        "rule_revision": registry.get(result["year"]).revision,
    }


class StoredItem(NamedTuple):
    """One entry of `Ledger.items`."""

    activity_id: int
    public: str
    professional: str
    notes: list[str]


def stored_items(ledger: Ledger) -> list[StoredItem]:
    return [StoredItem(*it) for it in ledger.items]


def digest(values: dict) -> str:
    """A fingerprint of a ledger's content, to skip writes that change nothing."""
    return hashlib.sha1(repr([values[k] for k in _DIGESTED]).encode()).hexdigest()


def lock_person(person_id: int) -> Person:
    """Lock the person row for the rest of the transaction (PostgreSQL row lock)."""
    return db.session.execute(for_update(select(Person).where(Person.id == person_id))).scalar_one()


def _activities_for(person_id: int, year: int):
    return db.session.execute(
        select(Activity)
        .where(Activity.person_id == person_id, Activity.first_year <= year, Activity.last_year >= year)
        .order_by(Activity.id)
    ).scalars().all()


def compute(person: Person, year: int, extra: list[dict] = ()) -> dict:
    """The engine's verdict on a person's year, from the activities now stored
    (and `extra` engine items, for a preview of what a record would add)."""
    items = [engine_item(a) for a in _activities_for(person.id, year)] + list(extra)
    return rules.evaluate(person_year(person.id, person.series, year, items,
                                      prior_projects(person.id, year)))


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


def ledger_or_compute(person: Person, year: int, ledger: Ledger | None = None) -> dict:
    """A person's year as ledger values: stored (`ledger`, when the caller has read it),
    or computed now (nothing stored yet)."""
    ledger = ledger or db.session.execute(
        select(Ledger).where(Ledger.person_id == person.id, Ledger.year == year)
    ).scalar_one_or_none()
    if ledger is not None:
        return {k: getattr(ledger, k) for k in _LEDGER_FIELDS}
    return _ledger_values(compute(person, year))


def computed_values(people: list, year: int) -> dict[int, dict]:
    """Bulk read path: the ledger values of people (Person objects or rows with
    their id and series) who have no stored ledger, computed from their
    activities read in one query (not one per person)."""
    if not people:
        return {}
    grouped: dict[int, list] = {p.id: [] for p in people}
    rows = db.session.connection().execute(
        select(*_ACTIVITY_COLUMNS)
        .where(Activity.person_id.in_(list(grouped)), Activity.first_year <= year,
               Activity.last_year >= year)
        .order_by(Activity.person_id, Activity.id))
    for row in rows:
        grouped[row[0]].append(_row_item(row))
    return {p.id: _ledger_values(rules.evaluate(person_year(p.id, p.series, year, grouped[p.id])))
            for p in people}


_LEDGER_FIELDS = ("in_scope", "public", "professional", "total", "compliant",
                  "shortfall_public", "shortfall_professional", "items", "rule_revision")
_DIGESTED = _LEDGER_FIELDS + ("unit_id", "district_id")


# -- bulk --------------------------------------------------------------------

@dataclass
class BulkResult:
    people: int = 0
    written: int = 0
    unchanged: int = 0


def _in_scope_of(stmt, person_id_column, unit_id: int | None, district_id: int | None,
                 among=None):
    """`stmt` kept to the people of a unit, a district and `among` (a SELECT of
    person ids: the actor's scope, or the people chosen), each when given."""
    if among is not None:
        stmt = stmt.where(person_id_column.in_(among))
    if unit_id is not None:
        stmt = stmt.where(person_id_column.in_(select(Person.id).where(Person.unit_id == unit_id)))
    if district_id is not None:
        stmt = stmt.where(person_id_column.in_(
            select(Person.id).join(Unit, Unit.id == Person.unit_id).where(Unit.district_id == district_id)))
    return stmt


def _next_people(year: int, after: int, limit: int, unit_id: int | None,
                 district_id: int | None, among=None, before: int | None = None) -> list[int]:
    """The next `limit` ids after `after` (and below `before`) of people with
    activities in the year or a ledger for it: two index range scans, merged."""
    below = (lambda column: column < before) if before is not None else (lambda column: true())
    with_activities = _in_scope_of(
        select(Activity.person_id).where(
            Activity.person_id > after, below(Activity.person_id), Activity.first_year <= year,
            Activity.last_year >= year)
        .distinct().order_by(Activity.person_id).limit(limit),
        Activity.person_id, unit_id, district_id, among)
    with_ledgers = _in_scope_of(
        select(Ledger.person_id).where(Ledger.year == year, Ledger.person_id > after,
                                       below(Ledger.person_id))
        .order_by(Ledger.person_id).limit(limit),
        Ledger.person_id, unit_id, district_id, among)
    ids = set(db.session.execute(with_activities).scalars())
    ids.update(db.session.execute(with_ledgers).scalars())
    return sorted(ids)[:limit]


def _upsert():
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(Ledger.__table__)
    return stmt.on_conflict_do_update(
        index_elements=["person_id", "year"],
        set_={c: stmt.excluded[c]
              for c in (*_LEDGER_FIELDS, "unit_id", "district_id", "digest", "computed_at")},
    )


def recompute_chunk(person_ids: list[int], year: int) -> tuple[int, int]:
    """Recompute a chunk of people (ascending ids) in the current transaction:
    (written, unchanged). Queries go by the id range, which PostgreSQL plans
    better than a long IN list; rows of people outside the chunk are skipped.
    Rows are read as Core tuples, all at once (no ORM bookkeeping, no fetch per row)."""
    low, high = person_ids[0], person_ids[-1]
    conn = db.session.connection()
    people = {row[0]: row for row in conn.execute(for_update(
        select(Person.id, Person.series, Person.unit_id, Person.district_id)
        .where(Person.id.between(low, high)))).all()}
    # a ledger is unchanged when its content and the revision it was computed under are
    existing = {pid: (fingerprint, revision) for pid, fingerprint, revision in conn.execute(
        select(Ledger.person_id, Ledger.digest, Ledger.rule_revision)
        .where(Ledger.year == year, Ledger.person_id.between(low, high))
    ).all()}
    grouped: dict[int, list] = {pid: [] for pid in person_ids}
    for row in conn.execute(
        select(*_ACTIVITY_COLUMNS)
        .where(Activity.person_id.between(low, high), Activity.first_year <= year,
               Activity.last_year >= year)
        .order_by(Activity.person_id, Activity.id)
    ).all():
        acts = grouped.get(row[0])
        if acts is not None:
            acts.append(_row_item(row))
    prior: dict[int, list[str]] = {}
    for pid, project in conn.execute(
        select(Activity.person_id, Activity.project)
        .where(Activity.person_id.between(low, high), Activity.first_year < year,
               Activity.project.is_not(None))
        .order_by(Activity.person_id, Activity.id)
    ).all():
        prior.setdefault(pid, []).append(project)
    now = utcnow()
    changed = []
    with _no_cycle_collection():
        for pid, acts in grouped.items():
            _, series, unit_id, district_id = people[pid]
            values = _ledger_values(rules.evaluate(person_year(pid, series, year, acts,
                                                               prior.get(pid, ()))))
            values["unit_id"], values["district_id"] = unit_id, district_id
            fingerprint = digest(values)
            if existing.get(pid) == (fingerprint, values["rule_revision"]):
                continue
            changed.append({**values, "person_id": pid, "year": year, "digest": fingerprint,
                            "computed_at": now})
    if changed:
        _write(changed)
    return len(changed), len(person_ids) - len(changed)


@contextmanager
def _no_cycle_collection():
    """The cycle collector paused: a chunk allocates a few hundred thousand small
    dicts and lists (no cycles among them; reference counting frees them), and
    each collection would walk every object of the process again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_WRITTEN = ("person_id", "year", *_LEDGER_FIELDS, "unit_id", "district_id", "digest", "computed_at")


def _write(rows: list[dict]) -> None:
    """Upsert ledger rows. On PostgreSQL they are COPYed into a staging table
    and merged with one INSERT … ON CONFLICT: several times faster than
    row-by-row parameters for a city-wide recompute."""
    conn = db.session.connection()
    dashboard.ledgers_changed(db.session)
    if conn.dialect.name != "postgresql":
        conn.execute(_upsert(), rows)
        return
    columns = ", ".join(f'"{c}"' for c in _WRITTEN)
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in _WRITTEN[2:])
    with conn.connection.driver_connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS ledger_stage AS SELECT "
            f"{columns} FROM ledger WITH NO DATA")
        with cursor.copy(f"COPY ledger_stage ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c == "items" else row[c] for c in _WRITTEN])
        cursor.execute(
            f"INSERT INTO ledger ({columns}) SELECT {columns} FROM ledger_stage "
            f"ON CONFLICT (person_id, year) DO UPDATE SET {updates}")
        cursor.execute("TRUNCATE ledger_stage")


def recompute_year(year: int, *, unit_id: int | None = None, district_id: int | None = None,
                   among=None, chunk: int = 2000, progress: Callable[[int], None] | None = None,
                   result: BulkResult | None = None, workers: int = 1) -> BulkResult:
    """Recompute every ledger of `year` (optionally of one unit or district, and of
    the people `among` selects), chunk by chunk; with `workers` > 1 on PostgreSQL,
    in that many processes, each its own connection, over slices of the person ids
    (SQLite writes one at a time: there it stays one process)."""
    if not has_rules(year):
        raise ValueError(f"no rule set for {year}")
    result = result or BulkResult()
    if workers > 1 and db.engine.dialect.name == "postgresql":
        _recompute_in_processes(year, workers, chunk, dict(unit_id=unit_id, district_id=district_id,
                                                           among=among), result, progress)
        return result
    _recompute_in_chunks(year, lambda last: _next_people(year, last, chunk, unit_id, district_id,
                                                         among), result, progress)
    return result


def _slices(parts: int) -> list[tuple[int, int]]:
    """The person ids cut into `parts` ranges [low, high) of equal width."""
    low, high = db.session.execute(select(func.min(Person.id), func.max(Person.id))).one()
    if low is None:
        return []
    width = -(-(high - low + 1) // parts)
    return [(start, min(start + width, high + 1)) for start in range(low, high + 1, width)]


def _recompute_in_processes(year: int, workers: int, chunk: int, where: dict, result: BulkResult,
                            progress: Callable[[int], None] | None) -> None:
    """Forked workers take id slices from a queue (four a worker, so that they
    finish together) and report each committed chunk; a worker's error stops the
    run with it (what was committed stays: run again to finish)."""
    import multiprocessing
    import queue
    import traceback

    from flask import current_app

    app = current_app._get_current_object()
    slices = _slices(workers * 4)
    db.session.remove()
    db.engine.dispose()  # no connection crosses the fork
    ctx = multiprocessing.get_context("fork")
    todo, done = ctx.Queue(), ctx.Queue()
    processes = min(workers, len(slices))
    for part in slices + [None] * processes:  # a None for each worker: no slice left
        todo.put(part)

    def work() -> None:
        try:
            with app.app_context():
                while (part := todo.get()) is not None:
                    low, high = part
                    counted = BulkResult()
                    _recompute_in_chunks(
                        year, lambda last: _next_people(year, max(last, low - 1), chunk,
                                                        before=high, **where),
                        counted, lambda n: done.put(("chunk", n)))
                    done.put(("slice", (counted.written, counted.unchanged)))
                db.session.remove()
                db.engine.dispose()
        except BaseException:
            done.put(("error", traceback.format_exc()))
        finally:
            done.put(("end", None))

    processes = [ctx.Process(target=work, daemon=True) for _ in range(processes)]
    for process in processes:
        process.start()
    running, errors = len(processes), []
    while running:
        try:
            kind, value = done.get(timeout=5)
        except queue.Empty:
            if not any(process.is_alive() for process in processes):  # killed, said nothing
                errors.append("a worker ended without a word (killed?)")
                break
            continue
        if kind == "chunk":
            result.people += value
            if progress:
                progress(value)
        elif kind == "slice":
            result.written += value[0]
            result.unchanged += value[1]
        elif kind == "error":
            errors.append(value)
        else:
            running -= 1
    for process in processes:
        process.join()
    if errors:
        raise RuntimeError("a recompute worker failed:\n" + errors[0])


def people_among(person_ids: Iterable[int], within=None):
    """A SELECT of the ids of these people, kept to `within` (a condition on Person:
    the actor's scope); ids outside it, or of nobody, are left out."""
    stmt = select(Person.id).where(Person.id.in_(sorted({int(i) for i in person_ids})))
    return stmt if within is None else stmt.where(within)


def recompute_people(among, *, years: Iterable[int] | None = None, chunk: int = 2000,
                     progress: Callable[[int], None] | None = None) -> BulkResult:
    """Recompute the ledgers of the people `among` selects (see `people_among`), for
    `years` (default: every year with a rule set) in which they have records or a
    ledger: the same chunks as a year's recompute."""
    result = BulkResult()
    for year in sorted(set(years)) if years is not None else registry.years():
        if has_rules(year):
            recompute_year(year, among=among, chunk=chunk, progress=progress, result=result)
    return result


def ledger_years(ledger_ids: Iterable[int], within=None) -> dict[int, list[int]]:
    """{year: person ids} of these ledgers, kept to `within` (a condition on Ledger)."""
    stmt = select(Ledger.year, Ledger.person_id).where(
        Ledger.id.in_(sorted({int(i) for i in ledger_ids})))
    if within is not None:
        stmt = stmt.where(within)
    years: dict[int, list[int]] = {}
    for year, person_id in db.session.execute(stmt.order_by(Ledger.year, Ledger.person_id)):
        years.setdefault(year, []).append(person_id)
    return years


def _recompute_in_chunks(year: int, next_ids: Callable[[int], list[int]], result: BulkResult,
                         progress: Callable[[int], None] | None) -> None:
    """Recompute the people `next_ids(last id)` yields, one commit per chunk, until it yields none."""
    last = 0
    while ids := next_ids(last):
        written, unchanged = recompute_chunk(ids, year)
        db.session.commit()
        result.people += len(ids)
        result.written += written
        result.unchanged += unchanged
        last = ids[-1]
        if progress:
            progress(len(ids))


def _stale_of_year(year: int):
    """The condition of a ledger of `year` computed under an older rule-set revision."""
    return (Ledger.year == year) & (Ledger.rule_revision < registry.get(year).revision)


def is_stale(ledger: Ledger) -> bool:
    """Computed under an older revision of its year's rule set."""
    return has_rules(ledger.year) and ledger.rule_revision < registry.get(ledger.year).revision


def count_stale(unit_id: int | None = None, district_id: int | None = None,
                among=None) -> dict[int, int]:
    """{year: number of stale ledgers} for every year with a rule set (only years
    that have some), optionally of one unit or district and the people `among` selects."""
    counts = {}
    for year in registry.years():
        n = db.session.execute(_in_scope_of(
            select(func.count()).select_from(Ledger).where(_stale_of_year(year)),
            Ledger.person_id, unit_id, district_id, among)).scalar()
        if n:
            counts[year] = n
    return counts


def recompute_stale(*, chunk: int = 2000, progress: Callable[[int], None] | None = None,
                    unit_id: int | None = None, district_id: int | None = None,
                    among=None) -> BulkResult:
    """Recompute exactly the stale ledgers (optionally of one unit or district),
    year by year, in chunks of people with one commit each: safe to interrupt and
    run again (a recomputed ledger is no longer stale)."""
    result = BulkResult()
    for year in registry.years():
        _recompute_in_chunks(year, lambda last, year=year: list(db.session.execute(_in_scope_of(
            select(Ledger.person_id).where(_stale_of_year(year), Ledger.person_id > last)
            .order_by(Ledger.person_id).limit(chunk),
            Ledger.person_id, unit_id, district_id, among)).scalars()), result, progress)
    return result


def coverage(district: str | None = None, unit: str | None = None) -> dict[str, int]:
    """The unit or district a recompute of stale ledgers is kept to (neither: the
    city), from a district code or a unit's credit code; BusinessError naming the
    field when nothing matches or both are given."""
    from .accounts import TARGETS
    from .errors import BusinessError
    from ..validators import InvalidValue

    given = {option: value.strip() for option, value in (("district", district), ("unit", unit))
             if value and value.strip()}
    if len(given) > 1:
        raise BusinessError(gettext("Choose a district or a unit, not both."), field="unit")
    for option, value in given.items():
        column, name, find = TARGETS[option]
        try:
            row = find(value)
        except InvalidValue as exc:
            raise BusinessError(str(exc), field=option) from None
        if row is None:
            raise BusinessError(gettext("No %(target)s matches %(value)s.", target=name,
                                        value=value), field=option)
        return {column: row.id}
    return {}


def count_people_of_year(year: int, unit_id: int | None = None, district_id: int | None = None,
                         among=None) -> int:
    """How many people a recompute of the year will visit (for the progress bar)."""
    ids = union(
        _in_scope_of(select(Activity.person_id.label("pid")).where(
            Activity.first_year <= year, Activity.last_year >= year), Activity.person_id,
            unit_id, district_id, among),
        _in_scope_of(select(Ledger.person_id.label("pid")).where(Ledger.year == year),
                     Ledger.person_id, unit_id, district_id, among),
    ).subquery()
    return db.session.execute(select(func.count()).select_from(ids)).scalar()


# notes whose item another item (or the cap) took hours from: the ledger page says which
_REDUCED = frozenset({rules_model.DAILY_CAP, rules_model.ANNUAL_CAP,
                      rules_model.DUPLICATE_PROJECT, rules_model.MERGED_PERIOD})


def explained_items(ledger: Ledger, locale: str = "zh") -> list[dict]:
    """The ledger's items with their activity, a sentence for each note (of the
    item's own kind) and, on each reduced item, what was claimed, what was
    credited and which other items took the day or the cap (`reason`)."""
    items = stored_items(ledger)
    ids = [it.activity_id for it in items]
    activities = {a.id: a for a in db.session.execute(
        select(Activity).where(Activity.id.in_(ids))).scalars()} if ids else {}
    rule_set = registry.get(ledger.year)
    labels = rules.kinds(locale, ledger.year)
    traces = _traces(ledger) if rule_set and any(_REDUCED & set(it.notes) for it in items) else {}
    titles = {str(a.id): a.title for a in activities.values()}
    shown = []
    for it in items:
        activity = activities.get(it.activity_id)
        kind = activity.kind if activity else None
        rule = rule_set.kind(kind) if activity and rule_set else None
        credited = Decimal(it.public) + Decimal(it.professional)
        trace = traces.get(str(it.activity_id))
        shown.append({
            "activity": activity,
            "kind": labels.get(kind, kind) if activity else "",
            "clause": rule.clause if rule else "",
            "public": it.public,
            "professional": it.professional,
            "notes": [(code, rules.explain(code, locale, ledger.year, kind)) for code in it.notes],
            "reason": _reason(trace, rule, rule_set, credited, titles, locale) if trace else None,
        })
    return shown


def _traces(ledger: Ledger) -> dict[str, dict]:
    """The engine's trace of each reduced item of the person's year, as it is now
    (one person's activities: the page does not grow with the city)."""
    person = ledger.person
    items = [engine_item(a) for a in _activities_for(person.id, ledger.year)]
    result = rules.evaluate(person_year(person.id, person.series, ledger.year, items,
                                        prior_projects(person.id, ledger.year)), trace=True)
    return {it["id"]: it["trace"] for it in result["items"] if "trace" in it}


def _reason(trace: dict, rule, rule_set, credited: Decimal, titles: dict, locale: str) -> str:
    """申报x学时,认定y学时:why, naming the items that took the day or the cap."""
    sep = ", " if locale.startswith("en") else "、"

    def listed(pairs) -> str:
        return sep.join(gettext("“%(title)s” %(hours)s hours", title=titles.get(other, other),
                                hours=hours(amount)) for other, amount in pairs)

    def named(other) -> str:
        return gettext("“%(title)s”", title=titles.get(other, other))

    why = []
    for day in trace.get("days", ()):
        pool = hours(Decimal(rule_set.daily_pool_hours))
        why.append(gettext("%(date)s already has %(items)s, and the day is full at %(pool)s hours",
                           date=day["date"], items=listed(day["by"]), pool=pool) if day["by"] else
                   gettext("%(date)s: at most %(pool)s hours that day", date=day["date"], pool=pool))
    if "by" in trace:
        if rule is not None and rule.credit == rules_model.MONTHS:
            limit = gettext("at most %(months)d months a year", months=rule_set.months.max_months)
        else:
            cap = next((c for c in rule_set.caps if rule and c.name == rule.cap_group), None)
            limit = gettext("at most %(limit)s hours a year in all",
                            limit=hours(Decimal(cap.limit if cap and cap.limit is not None else 0)))
        why.append(gettext("%(items)s already count this year, %(limit)s",
                           items=listed(trace["by"]), limit=limit) if trace["by"] else limit)
    if "same_as" in trace:
        why.append(gettext("the same project was counted in an earlier year")
                   if trace["same_as"] is None else
                   gettext("the same project as %(item)s, counted once", item=named(trace["same_as"])))
    if "run_of" in trace:
        why.append(gettext("its period is counted with %(item)s", item=named(trace["run_of"])))
    if "offered" in trace:
        return gettext("Claimed %(claimed)s hours, credited %(credited)s: %(why)s",
                       claimed=hours(trace["offered"]), credited=hours(credited),
                       why=(";" if sep == "、" else "; ").join(why))
    return gettext("Credited %(credited)s hours: %(why)s", credited=hours(credited),
                   why=(";" if sep == "、" else "; ").join(why))


