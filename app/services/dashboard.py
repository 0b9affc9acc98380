"""Dashboard figures for a year: compliance by district and department, hours
by source and month, classes by state, bases by evaluation result.

Everything is computed for a scope: the whole city (the association) or one
district (its officers). Compliance counts the people whose hours are
recognised here (notice 二); people without a ledger have not complied."""
from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from flask import current_app
from sqlalchemy import and_, case, event, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import (
    BaseEvaluation, DashboardSnapshot, Department, District, Enrolment, Ledger, Person, RosterLink,
    TrainingBase, TrainingClass, Unit,
)
from ..models.base import utcnow
from ..security.visibility import unit_member
from . import years

SOURCES = ("platform", "class", "claim")
log = logging.getLogger("xueshi.dashboard")


@dataclass
class Rate:
    label: str
    people: int
    compliant: int
    short: int = 0  # people with a ledger of the year that is short (the rest have none yet)
    key: int | None = None  # the district's (department's, unit's) id

    @property
    def percent(self) -> Decimal:
        if not self.people:
            return Decimal(0)
        return (Decimal(self.compliant) * 100 / self.people).quantize(Decimal("0.1"))


@dataclass
class Figures:
    year: int
    district: str | None
    by_district: list[Rate] = field(default_factory=list)
    by_department: list[Rate] = field(default_factory=list)
    by_unit: list[Rate] = field(default_factory=list)  # the UNITS_SHOWN lowest rates
    units_counted: int = 0  # the district's units with people counted
    hours_by_source: dict[str, Decimal] = field(default_factory=dict)
    hours_by_month: dict[int, Decimal] = field(default_factory=dict)
    classes_by_state: dict[str, int] = field(default_factory=dict)
    bases_by_result: dict[str, int] = field(default_factory=dict)


def counted(year: int):
    """The people the year's compliance figures count: their series' hours are
    recognised here (notice 二) and they are their unit's staff (no roster put them
    there unconfirmed). The home pages' 人员 figure, and the person list behind it."""
    return and_(Person.series.not_in(sorted(years.out_of_scope_series(year))), unit_member())


def _rates(year: int, group_column, label_column, district_id: int | None) -> list[Rate]:
    compliant = func.sum(case((Ledger.compliant.is_(True), 1), else_=0))
    short = func.sum(case((Ledger.compliant.is_(False), 1), else_=0))
    stmt = (
        select(group_column, label_column, func.count(Person.id), compliant, short)
        .select_from(Person)
        .join(Unit, Unit.id == Person.unit_id)
        .outerjoin(Ledger, and_(Ledger.person_id == Person.id, Ledger.year == year))
        .where(counted(year))
        .group_by(group_column, label_column)
        .order_by(label_column)
    )
    if group_column is Department.id:
        stmt = stmt.join(Department, Department.id == Unit.department_id)
    elif group_column is District.id:
        stmt = stmt.join(District, District.id == Unit.district_id)
    if district_id is not None:
        stmt = stmt.where(Unit.district_id == district_id)
    return [Rate(str(label), people, int(done or 0), int(missing or 0), key)
            for key, label, people, done, missing in db.session.execute(stmt)]


# Credited hours by the activity's source and the month of its first day in
# the year (its date; its first day in the year; or its start, from January),
# summed in integer tenths by one GROUP BY over the ledgers' items.
_HOURS_SQL = {
    "postgresql": """
SELECT a.source,
       CASE WHEN a.date IS NOT NULL THEN CAST(EXTRACT(MONTH FROM a.date) AS INTEGER)
            WHEN jsonb_typeof(a.days) = 'array' AND jsonb_array_length(a.days) > 0 THEN
                 (SELECT CAST(min(substr(d->>'date', 6, 2)) AS INTEGER)
                    FROM jsonb_array_elements(a.days) AS d WHERE d->>'date' LIKE :prefix)
            WHEN a.start IS NOT NULL THEN
                 CASE WHEN a.start < :jan1 THEN 1 ELSE CAST(EXTRACT(MONTH FROM a.start) AS INTEGER) END
       END AS month,
       sum(round(CAST(it->>1 AS NUMERIC) * 10) + round(CAST(it->>2 AS NUMERIC) * 10)) AS tenths
FROM ledger AS l
CROSS JOIN LATERAL jsonb_array_elements(l.items) AS it
JOIN activity AS a ON a.id = CAST(it->>0 AS INTEGER)
WHERE l.year = :year {district}
GROUP BY 1, 2""",
    "sqlite": """
SELECT a.source,
       CASE WHEN a.date IS NOT NULL THEN CAST(strftime('%m', a.date) AS INTEGER)
            WHEN json_type(a.days) = 'array' AND json_array_length(a.days) > 0 THEN
                 (SELECT CAST(min(substr(json_extract(d.value, '$.date'), 6, 2)) AS INTEGER)
                    FROM json_each(a.days) AS d WHERE json_extract(d.value, '$.date') LIKE :prefix)
            WHEN a.start IS NOT NULL THEN
                 CASE WHEN a.start < :jan1 THEN 1 ELSE CAST(strftime('%m', a.start) AS INTEGER) END
       END AS month,
       sum(CAST(round(json_extract(it.value, '$[1]') * 10) AS INTEGER)
           + CAST(round(json_extract(it.value, '$[2]') * 10) AS INTEGER)) AS tenths
FROM ledger AS l, json_each(l.items) AS it
JOIN activity AS a ON a.id = json_extract(it.value, '$[0]')
WHERE l.year = :year {district}
GROUP BY 1, 2""",
}
_IN_DISTRICT = "AND l.district_id = :district"  # the ledger's own column, as its scope rule


def _hours(year: int, district_id: int | None, figures: Figures) -> None:
    """Credited hours (from ledgers) by the activity's source and month: one query."""
    sql = _HOURS_SQL[db.session.get_bind().dialect.name].format(
        district=_IN_DISTRICT if district_id is not None else "")
    by_source = defaultdict(int)
    by_month = defaultdict(int)
    jan1 = date(year, 1, 1)
    rows = db.session.execute(text(sql), {
        "year": year, "prefix": f"{year}-%", "district": district_id,
        "jan1": jan1 if db.session.get_bind().dialect.name == "postgresql" else jan1.isoformat()})
    for source, month, tenths in rows:
        tenths = int(tenths or 0)
        by_source[source] += tenths
        if month is not None:
            by_month[int(month)] += tenths
    figures.hours_by_source = {s: Decimal(by_source.get(s, 0)) / 10 for s in SOURCES}
    figures.hours_by_month = {m: Decimal(by_month.get(m, 0)) / 10 for m in range(1, 13)}


def _classes(year: int, district_id: int | None) -> dict[str, int]:
    stmt = (select(TrainingClass.state, func.count(TrainingClass.id))
            .where(TrainingClass.start_date >= date(year, 1, 1),
                   TrainingClass.start_date <= date(year, 12, 31))
            .group_by(TrainingClass.state))
    if district_id is not None:
        stmt = stmt.where(TrainingClass.id.in_(
            select(Enrolment.class_id).join(Person, Person.id == Enrolment.person_id)
            .join(Unit, Unit.id == Person.unit_id).where(Unit.district_id == district_id)))
    return dict(db.session.execute(stmt).all())


def _bases(year: int) -> dict[str, int]:
    results = dict(db.session.execute(
        select(BaseEvaluation.result, func.count(BaseEvaluation.id))
        .where(BaseEvaluation.year == year, BaseEvaluation.stage == "published")
        .group_by(BaseEvaluation.result)).all())
    evaluated = select(BaseEvaluation.base_id).where(
        BaseEvaluation.year == year, BaseEvaluation.stage == "published")
    results["not_evaluated"] = db.session.execute(
        select(func.count(TrainingBase.id)).where(TrainingBase.id.not_in(evaluated))).scalar()
    return results


UNITS_SHOWN = 20  # a district's units on its chart: as many for a city of a million


def lowest(rates: list[Rate]) -> list[Rate]:
    """The UNITS_SHOWN lowest compliance rates, lowest first (of two alike, the one
    with more people), for the units that need a push; all of them when there are few."""
    if len(rates) <= UNITS_SHOWN:
        return rates
    return sorted(rates, key=lambda r: (r.percent, -r.people, r.label))[:UNITS_SHOWN]


def compute(year: int, district_id: int | None = None) -> Figures:
    """The figures from the database: a fixed number of aggregate queries,
    whatever the size of the city."""
    district = db.session.get(District, district_id) if district_id else None
    out = Figures(year=year, district=district.name if district else None)
    if district_id is None:
        out.by_district = _rates(year, District.id, District.name, None)
        out.by_department = _rates(year, Department.id, Department.name, None)
        out.bases_by_result = _bases(year)
    else:
        by_unit = _rates(year, Unit.id, Unit.name, district_id)
        out.units_counted = len(by_unit)
        out.by_unit = lowest(by_unit)
    _hours(year, district_id, out)
    out.classes_by_state = _classes(year, district_id)
    return out


# The figures are kept in `dashboard_snapshot` (one row per what, year and
# district) and computed by a background job, never in a request: a city's hours
# by month read every ledger item, minutes at a million people. A page shows the
# stored figures with their time (`as_of`) and asks for new ones when they are
# older than XUESHI_DASHBOARD_TTL seconds or a ledger changed since; one refresh
# of a key at a time (`queued_at`). Each process also keeps what it read for the
# TTL (figures being refreshed for PENDING_RECHECK seconds: a page while a city's
# refresh runs reads nothing), and drops it when it commits a ledger change.
REFRESH_TIMEOUT = timedelta(minutes=30)  # a refresh asked for longer ago was lost
PENDING_RECHECK = 5  # seconds a process shows figures being refreshed before it reads them again
_CACHE: dict[str, tuple[float, object]] = {}


@dataclass
class Kept:
    """Figures (or district rates) as stored, with when they were computed;
    `figures` is None until the first refresh has run."""
    figures: object
    as_of: datetime | None
    refreshing: bool


def _key(what: str, year: int, district_id: int | None) -> str:
    return f"{what}:{year}:{district_id or 0}"


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (Figures, Rate)):
        return {k: _plain(v) for k, v in vars(value).items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _rates_of(rows: list[dict]) -> list[Rate]:
    return [Rate(**row) for row in rows]


def _figures_of(data: dict) -> Figures:
    return Figures(
        year=data["year"], district=data["district"],
        by_district=_rates_of(data["by_district"]), by_department=_rates_of(data["by_department"]),
        by_unit=_rates_of(data["by_unit"]), units_counted=data.get("units_counted", len(data["by_unit"])),
        hours_by_source={k: Decimal(v) for k, v in data["hours_by_source"].items()},
        hours_by_month={int(k): Decimal(v) for k, v in data["hours_by_month"].items()},
        classes_by_state=data["classes_by_state"], bases_by_result=data["bases_by_result"])


_WORK = {  # what: (compute it, read it back)
    "figures": (compute, _figures_of),
    "districts": (lambda year, district_id: _rates(year, District.id, District.name, district_id),
                  _rates_of),
}


def refresh(what: str, year: int, district_id: int | None) -> None:
    """Compute one key's figures and store them (the background job's body). If the
    computation fails, the key is free again at once: the next page that finds the
    figures due asks for them (not only after REFRESH_TIMEOUT)."""
    started = utcnow()
    key = _key(what, year, district_id)
    try:
        payload = json.dumps(_plain(_WORK[what][0](year, district_id)), ensure_ascii=False)
    except Exception:
        db.session.rollback()
        with db.engine.begin() as conn:
            conn.execute(update(DashboardSnapshot).where(DashboardSnapshot.key == key)
                         .values(queued_at=None))
        raise
    row = db.session.get(DashboardSnapshot, key) or DashboardSnapshot(key=key)
    row.payload, row.computed_at, row.queued_at = payload, started, None
    db.session.add(row)
    db.session.commit()


def _stored(key: str):
    return db.session.execute(
        select(DashboardSnapshot.payload, DashboardSnapshot.computed_at,
               DashboardSnapshot.changed_at, DashboardSnapshot.queued_at)
        .where(DashboardSnapshot.key == key)).first()


def _aware(moment: datetime | None) -> datetime | None:  # SQLite gives naive UTC back
    return moment.replace(tzinfo=timezone.utc) if moment and moment.tzinfo is None else moment


def _due(row) -> bool:
    if row is None or row.payload is None:
        return True
    computed, changed = _aware(row.computed_at), _aware(row.changed_at)
    ttl = timedelta(seconds=current_app.config["XUESHI_DASHBOARD_TTL"])
    return (changed is not None and changed >= computed) or computed <= utcnow() - ttl


def _claim(key: str) -> bool:
    """Mark a refresh of `key` as asked for; False when another is already pending."""
    now = utcnow()
    with db.engine.begin() as conn:  # its own short transaction, whatever the page's
        asked = conn.execute(
            update(DashboardSnapshot)
            .where(DashboardSnapshot.key == key,
                   or_(DashboardSnapshot.queued_at.is_(None),
                       DashboardSnapshot.queued_at < now - REFRESH_TIMEOUT))
            .values(queued_at=now)).rowcount
        if asked:
            return True
        if conn.execute(select(DashboardSnapshot.key).where(DashboardSnapshot.key == key)).first():
            return False
        try:
            with conn.begin_nested():
                conn.execute(insert(DashboardSnapshot).values(key=key, queued_at=now))
        except IntegrityError:  # another page asked at the same moment
            return False
        return True


def _kept(what: str, year: int, district_id: int | None) -> Kept:
    key = _key(what, year, district_id)
    now = time.monotonic()
    cached = _CACHE.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    row = _stored(key)
    if _due(row) and _claim(key):
        from ..jobs import tasks

        tasks.refresh_dashboard(what, year, district_id)  # at once in immediate mode
        row = _stored(key)
    due = _due(row)
    out = Kept(_WORK[what][1](json.loads(row.payload)) if row and row.payload else None,
               _aware(row.computed_at) if row else None, due)
    _CACHE[key] = (now + (PENDING_RECHECK if due else current_app.config["XUESHI_DASHBOARD_TTL"]), out)
    return out


def figures(year: int, district_id: int | None = None) -> Kept:
    """The dashboard's figures for the city (None) or one district, as stored."""
    return _kept("figures", year, district_id)


def district_rates(year: int, district_id: int | None = None) -> Kept:
    """People, compliant and short by district (only `district_id`'s when given),
    as a list of Rate stored like `figures` (the home pages show them)."""
    return _kept("districts", year, district_id)


def forget() -> None:
    _CACHE.clear()


def ledgers_changed(session) -> None:
    """Ledgers changed in this transaction (Core writes say so here): the figures
    are due again when it commits."""
    session.info["xueshi_ledgers_changed"] = True


@event.listens_for(Session, "after_flush")
def _ledgers_flushed(session, _context) -> None:
    """Ledgers, and who counts in a unit (people, roster links), changed: the figures are due."""
    counted = (Ledger, Person, RosterLink)
    if any(isinstance(obj, counted) for obj in (*session.new, *session.dirty, *session.deleted)):
        ledgers_changed(session)


@event.listens_for(Session, "after_commit")
def _due_on_commit(session) -> None:
    """Drop this process's figures and mark the stored ones changed (one UPDATE,
    which writes only rows not marked since their last computation)."""
    if not session.info.pop("xueshi_ledgers_changed", False):
        return
    forget()
    try:
        with session.get_bind().begin() as conn:
            conn.execute(update(DashboardSnapshot)
                         .where(DashboardSnapshot.payload.is_not(None),
                                or_(DashboardSnapshot.changed_at.is_(None),
                                    DashboardSnapshot.changed_at < DashboardSnapshot.computed_at))
                         .values(changed_at=utcnow()))
    except SQLAlchemyError:  # the change is committed; the figures then wait for their TTL
        log.warning("could not mark the dashboard figures changed", exc_info=True)
