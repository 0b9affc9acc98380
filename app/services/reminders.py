"""Reminders before title season: on the year's reminder date (default 1
September, `XUESHI_REMINDER_DATES` per year) every person still short gets a
message with their shortfall, and every unit reviewer the number of their
staff still short with the list behind it. Each login is reminded once per
year and stage (the message itself is the record), so a second run sends
nothing; a dry run only counts. Runs in chunks, never one query per person."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import gettext
from sqlalchemy import and_, func, select

from ..extensions import db
from ..formatting import hours
from ..models import Ledger, Message, UserScope
from . import home, messages

RESOURCE = "Reminder"
DEFAULT_DATE = "09-01"
CHUNK = 2000


@dataclass
class Counts:
    people: int = 0
    reviewers: int = 0


def reminder_date(year: int) -> date:
    dates = current_app.config.get("XUESHI_REMINDER_DATES") or {}
    month_day = dates.get(str(year)) or dates.get(year) or DEFAULT_DATE
    try:
        month, day = (int(x) for x in month_day.split("-"))
        return date(year, month, day)
    except ValueError:  # a mistyped setting falls back to the default, not to no reminder
        month, day = (int(x) for x in DEFAULT_DATE.split("-"))
        return date(year, month, day)


def _not_reminded(stage: str, year: int):
    """Logins without this year's reminder of `stage`."""
    return ~select(Message.id).where(
        Message.user_id == UserScope.user_id, Message.resource == RESOURCE,
        Message.record_id == year, Message.step == stage).exists()


def _short(year: int):
    return and_(Ledger.year == year, Ledger.in_scope.is_(True), Ledger.compliant.is_(False))


def run(year: int, *, dry_run: bool = False, stage: str = "title_season") -> Counts:
    counts = Counts()
    people = (select(UserScope.user_id, Ledger.shortfall_public, Ledger.shortfall_professional)
              .join(Ledger, Ledger.person_id == UserScope.person_id)
              .where(_short(year), _not_reminded(stage, year)).order_by(UserScope.user_id))
    reviewers = (select(UserScope.user_id, func.count(Ledger.id))
                 .join(Ledger, Ledger.unit_id == UserScope.unit_id)
                 .where(_short(year), _not_reminded(f"{stage}:staff", year))
                 .group_by(UserScope.user_id).order_by(UserScope.user_id))
    if dry_run:
        counts.people = db.session.execute(select(func.count()).select_from(people.subquery())).scalar()
        counts.reviewers = db.session.execute(
            select(func.count()).select_from(reviewers.subquery())).scalar()
        return counts
    subject = gettext("Reminder: your %(year)d hours are not complete yet", year=year)
    url = messages.path("HomeView.index", year=year)
    after = 0
    while True:  # keyset chunks; each chunk one transaction
        rows = db.session.execute(people.where(UserScope.user_id > after).limit(CHUNK)).all()
        if not rows:
            break
        for user_id, public, professional in rows:
            messages.write([user_id], subject, gettext(
                "Still short: %(public)s public and %(professional)s professional hours. Your home "
                "page shows what would close the gap.", public=hours(public),
                professional=hours(professional)), url, RESOURCE, year, stage)
        db.session.commit()
        counts.people += len(rows)
        after = rows[-1][0]
    staff_subject = gettext("Reminder: staff short of %(year)d hours", year=year)
    staff_url = home.ledger_url(year, False)
    for user_id, short in db.session.execute(reviewers).all():
        messages.write([user_id], staff_subject, gettext(
            "%(n)d of your staff are still short of hours; the list and its Excel download are on "
            "your home page.", n=short), staff_url, RESOURCE, year, f"{stage}:staff")
        counts.reviewers += 1
    db.session.commit()
    return counts


def run_due(today: date | None = None) -> dict[int, Counts]:
    """The scheduled job's body: remind for every year whose date has come."""
    from ..rules import registry

    today = today or date.today()
    return {year: run(year) for year in registry.years()
            if reminder_date(year) <= today <= date(year, 12, 31)}
