"""Dashboard figures for a year: compliance by district and department, hours
by source and month, classes by state, bases by evaluation result.

Everything is computed for a scope: the whole city (the association) or one
district (its officers). Compliance counts the people whose hours are
recognised here (notice 二); people without a ledger have not complied."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, select

from ..extensions import db
from ..models import (
    Activity, BaseEvaluation, Department, District, Enrolment, Ledger, Person, TrainingBase,
    TrainingClass, Unit,
)
from ..models.choices import OUT_OF_SCOPE_SERIES
from .ledgers import stored_items

SOURCES = ("platform", "class", "claim")


@dataclass
class Rate:
    label: str
    people: int
    compliant: int

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
    by_unit: list[Rate] = field(default_factory=list)
    hours_by_source: dict[str, Decimal] = field(default_factory=dict)
    hours_by_month: dict[int, Decimal] = field(default_factory=dict)
    classes_by_state: dict[str, int] = field(default_factory=dict)
    bases_by_result: dict[str, int] = field(default_factory=dict)


def _rates(year: int, group_column, label_column, district_id: int | None) -> list[Rate]:
    compliant = func.sum(case((Ledger.compliant.is_(True), 1), else_=0))
    stmt = (
        select(label_column, func.count(Person.id), compliant)
        .select_from(Person)
        .join(Unit, Unit.id == Person.unit_id)
        .outerjoin(Ledger, and_(Ledger.person_id == Person.id, Ledger.year == year))
        .where(Person.series.not_in(list(OUT_OF_SCOPE_SERIES)))
        .group_by(group_column, label_column)
        .order_by(label_column)
    )
    if group_column is Department.id:
        stmt = stmt.join(Department, Department.id == Unit.department_id)
    elif group_column is District.id:
        stmt = stmt.join(District, District.id == Unit.district_id)
    if district_id is not None:
        stmt = stmt.where(Unit.district_id == district_id)
    return [Rate(str(label), people, int(done or 0)) for label, people, done in db.session.execute(stmt)]


def _month_in_year(activity: Activity, year: int) -> int | None:
    """The month of the activity's first day within the year."""
    if activity.date is not None:
        return activity.date.month
    if activity.days:
        days = sorted(d["date"] for d in activity.days if d["date"].startswith(f"{year}-"))
        return int(days[0][5:7]) if days else None
    if activity.start is not None:
        return max(activity.start, date(year, 1, 1)).month
    return None


def _hours(year: int, district_id: int | None, figures: Figures) -> None:
    """Credited hours (from ledgers) by the activity's source and month."""
    by_source = defaultdict(Decimal)
    by_month = defaultdict(Decimal)
    stmt = select(Ledger).where(Ledger.year == year).order_by(Ledger.id)
    if district_id is not None:
        stmt = stmt.where(Ledger.person_id.in_(
            select(Person.id).join(Unit, Unit.id == Person.unit_id).where(Unit.district_id == district_id)))
    for ledger in db.session.execute(stmt).scalars().yield_per(1000):
        credited = [(it.activity_id, Decimal(it.public) + Decimal(it.professional))
                    for it in stored_items(ledger)]
        credited = [(aid, hours) for aid, hours in credited if hours]
        if not credited:
            continue
        activities = {a.id: a for a in db.session.execute(
            select(Activity).where(Activity.id.in_([aid for aid, _ in credited]))).scalars()}
        for aid, hours in credited:
            activity = activities[aid]
            by_source[activity.source] += hours
            month = _month_in_year(activity, year)
            if month is not None:
                by_month[month] += hours
    figures.hours_by_source = {s: by_source.get(s, Decimal(0)) for s in SOURCES}
    figures.hours_by_month = {m: by_month.get(m, Decimal(0)) for m in range(1, 13)}


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


def figures(year: int, district_id: int | None = None) -> Figures:
    district = db.session.get(District, district_id) if district_id else None
    out = Figures(year=year, district=district.name if district else None)
    if district_id is None:
        out.by_district = _rates(year, District.id, District.name, None)
        out.by_department = _rates(year, Department.id, Department.name, None)
        out.bases_by_result = _bases(year)
    else:
        out.by_unit = _rates(year, Unit.id, Unit.name, district_id)
    _hours(year, district_id, out)
    out.classes_by_state = _classes(year, district_id)
    return out
