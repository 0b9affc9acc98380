"""What would close a person's shortfall: the open items that count for the
missing category, each with the hours the rules engine would credit for it
on top of what the person already has (daily pool, multipliers and annual
caps all come from the year's rule set — nothing here knows a number).

Offered: accepted classes of the category still to run (a published project's
or an approved seminar's classes count double, 四(二)3; a seminar's classes only
to those who may attend: intermediate and senior titles, enterprise managers),
and the published plan projects of the category."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import rules
from ..extensions import db
from ..formatting import hours
from ..models import Activity, Person, PlanProject, TrainingClass
from ..models.plan import ACCEPTED as PROJECT_ACCEPTED
from ..rules import registry
from . import classes, ledgers, plans, years
from .classes import SEMINAR_LEVELS_OK

LIMIT = 5  # options of each sort
CATEGORIES = ("public", "professional")


@dataclass
class Option:
    text: str
    credit: Decimal
    category: str
    url: str | None = None


def _category_label(category: str) -> str:
    return gettext("public") if category == "public" else gettext("professional")


def _current_items(person: Person, year: int) -> list[dict]:
    acts = db.session.execute(select(Activity).where(
        Activity.person_id == person.id, Activity.first_year <= year, Activity.last_year >= year)
        .order_by(Activity.id)).scalars().all()
    return [ledgers.engine_item(a) for a in acts]


def _used_days(items: list[dict]) -> set[str]:
    return {d["date"] for it in items for d in it.get("days") or ()}


def _free_days(items: list[dict], year: int, count: int, start: date) -> list[str]:
    """`count` days of `year` from `start` on which the person has nothing yet."""
    used, found, day = _used_days(items), [], start
    while len(found) < count and day.year == year:
        if day.isoformat() not in used:
            found.append(day.isoformat())
        day += timedelta(days=1)
    return found


def credit(person: Person, year: int, items: list[dict], before: dict, extra: dict,
           category: str) -> Decimal:
    """What `extra` would add to the person's `category` hours of the year, by the engine
    (`before`: the engine's result for `items` alone)."""
    after = rules.evaluate(ledgers.person_year(person.id, person.series, year,
                                               items + [{"id": "plan", **extra}]))
    return after[category] - before[category]


def _class_item(cls: TrainingClass) -> dict:
    days, day = [], cls.start_date
    while day <= cls.end_date:
        days.append({"date": day.isoformat(), "hours": cls.hours_per_day})
        day += timedelta(days=1)
    item = {"kind": classes.activity_kind(cls), "category": cls.category, "days": days}
    if item["kind"] == "online_training" and cls.channel:
        item["channel"] = cls.channel
    return item


def _pool_days(total: Decimal, per_day: Decimal) -> int:
    whole = int(total // per_day)
    return whole + (1 if total - whole * per_day else 0)


def plan(person: Person, year: int, values: dict | None = None, today: date | None = None) -> list[Option]:
    """The options that would close the person's shortfall of `year`, best first."""
    rule_set = registry.get(year)
    values = values or ledgers.ledger_or_compute(person, year)
    if rule_set is None or not years.in_scope(person.series, year) or values["compliant"]:
        return []
    today = today or date.today()
    short = {"public": values["shortfall_public"], "professional": values["shortfall_professional"]}
    missing = [c for c in CATEGORIES if short[c] > 0]
    items = _current_items(person, year)
    before = rules.evaluate(ledgers.person_year(person.id, person.series, year, items))
    found: list[Option] = []

    def offer(category: str, extra: dict, describe) -> None:
        gained = credit(person, year, items, before, extra, category)
        if gained > 0:
            found.append(Option(describe(gained), gained, category))

    # accepted classes still to run (a seminar's only for those who may attend it)
    open_classes = select(TrainingClass).where(
        TrainingClass.state == classes.ACCEPTED, TrainingClass.category.in_(missing),
        TrainingClass.start_date > today, TrainingClass.start_date <= date(year, 12, 31))
    if not (person.title_level in SEMINAR_LEVELS_OK or person.is_enterprise_manager):
        open_classes = open_classes.where(TrainingClass.seminar_id.is_(None))
    upcoming = db.session.execute(  # with what `class_source` reads of each (no query per class)
        open_classes.options(joinedload(TrainingClass.seminar), joinedload(TrainingClass.plan_project))
        .order_by(TrainingClass.start_date, TrainingClass.id).limit(LIMIT * len(missing))).scalars().all()
    for cls in upcoming:
        item = _class_item(cls)
        double = item["kind"] == "priority_training"
        offer(cls.category, item, lambda gained, cls=cls, double=double: gettext(
            "Short of %(short)s %(category)s hours: attend “%(name)s” (%(mode)s%(double)s, "
            "from %(start)s) for %(hours)s hours.", short=hours(short[cls.category]),
            category=_category_label(cls.category), name=cls.name,
            mode=str(classes.MODE_LABELS.get(cls.mode, cls.mode)),
            double=gettext(", counted double") if double else "", start=cls.start_date.isoformat(),
            hours=hours(gained)))

    # published plan projects of the missing category (offline classes under them count double)
    per_day = rule_set.daily_pool_hours
    if plans.published(year):
        projects = db.session.execute(select(PlanProject).where(
            PlanProject.year == year, PlanProject.state == PROJECT_ACCEPTED,
            PlanProject.category.in_(missing)).order_by(PlanProject.id).limit(LIMIT)).scalars().all()
        for project in projects:
            days = _free_days(items, year, _pool_days(project.planned_hours, per_day),
                              max(today + timedelta(days=1), date(year, 1, 1)))
            extra = {"kind": "priority_training", "category": project.category,
                     "days": [{"date": d, "hours": per_day} for d in days]}
            offer(project.category, extra, lambda gained, p=project: gettext(
                "Short of %(short)s %(category)s hours: a class of the published project “%(name)s” "
                "(offline, counted double) would credit %(hours)s hours.",
                short=hours(short[p.category]), category=_category_label(p.category), name=p.name,
                hours=hours(gained)))

    found.sort(key=lambda o: -o.credit)
    return found
