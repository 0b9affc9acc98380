"""The fields each kind of record needs, and their cleaning.

Which fields a kind takes comes from the year's rule set (app/rules), so a
new year's kinds need no change here. `clean()` turns form, API or
spreadsheet input into typed values, or raises BusinessError naming the
field in the user's language."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext, lazy_gettext as _l

from ..formatting import hours_value
from ..rules import model as rm
from ..rules import registry
from .errors import BusinessError
from .ledgers import years_of

FIELD_LABELS = {
    "title": _l("Title"),
    "category": _l("Category"),
    "date": _l("Date"),
    "hours": _l("Hours"),
    "days": _l("Days and hours"),
    "passed": _l("Exam passed"),
    "registration": _l("Registration exam"),
    "courses": _l("Courses passed"),
    "project": _l("Project or result"),
    "channel": _l("Channel"),
    "start": _l("Start date"),
    "end": _l("End date"),
    "reason": _l("Reason"),
}
CATEGORIES = {"public": _l("Public subjects"), "professional": _l("Professional subjects")}
REASONS = {
    "overseas": _l("Work abroad on assignment"),
    "illness": _l("Sick leave after injury or serious illness"),
    "maternity": _l("Maternity leave"),
}
DAY_MAX = Decimal(24)


def rule_for(kind: str, year: int) -> rm.KindRule:
    rule_set = registry.get(year)
    rule = rule_set.kind(kind) if rule_set else None
    if rule is None:
        raise BusinessError(gettext("Unknown kind of record: %(kind)s", kind=kind), field="kind")
    return rule


def fields_for(kind: str, year: int) -> list[str]:
    """The fields (besides title) a record of `kind` takes in `year`, in form order
    (`courses` only for a registration exam)."""
    rule = rule_for(kind, year)
    fields = ["category"] if rule.category == rm.GIVEN else []
    fields += {
        rm.HOURS: ["date", "hours"],
        rm.UNIT: ["date"],
        rm.POOL: ["days"],
        rm.MONTHS: ["start", "end"],
    }[rule.credit]
    for extra in rule.extra_fields:
        fields += ["registration", "courses"] if extra == rm.COURSES else [extra]
    return fields


def _fail(field: str, message: str):
    raise BusinessError(message, field=field)


def parse_date(value, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        text = str(value).strip()
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        _fail(field, gettext("%(field)s must be a date like 2026-03-01.", field=FIELD_LABELS[field]))


def parse_hours(value, field: str, maximum: Decimal | None = None) -> Decimal:
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        _fail(field, gettext("%(field)s must be a number of hours.", field=FIELD_LABELS[field]))
    if not hours.is_finite() or hours <= 0 or (hours * 10) % 1 != 0:
        _fail(field, gettext("Hours must be above 0 with at most one decimal place."))
    if maximum is not None and hours > maximum:
        _fail(field, gettext("At most %(max)s hours a day.", max=maximum))
    return hours


def parse_days(value) -> list[dict]:
    """A list of {"date", "hours"}, or text with one "2026-04-01 8" per line."""
    if isinstance(value, str):
        entries = []
        for line in value.replace(",", " ").replace(",", " ").splitlines():
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2:
                _fail("days", gettext("Write one day per line: a date and its hours, e.g. 2026-04-01 8."))
            entries.append({"date": parts[0], "hours": parts[1]})
        value = entries
    if not isinstance(value, list) or not value:
        _fail("days", gettext("Give at least one day with its hours."))
    days = []
    for entry in value:
        if not isinstance(entry, dict) or "date" not in entry or "hours" not in entry:
            _fail("days", gettext("Write one day per line: a date and its hours, e.g. 2026-04-01 8."))
        day = parse_date(entry["date"], "days")
        hours = parse_hours(entry["hours"], "days", DAY_MAX)
        days.append({"date": day.isoformat(), "hours": hours_value(hours)})
    return days


def parse_bool(value, field: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "y", "yes", "on", "是", "合格"):
        return True
    if text in ("0", "false", "n", "no", "off", "否", "不合格"):
        return False
    _fail(field, gettext("%(field)s must be yes or no.", field=FIELD_LABELS[field]))


def clean(kind: str, data: dict, *, year: int) -> dict:
    """Typed values of a record of `kind` under the rule set of `year`, plus
    `first_year`/`last_year`. A field the kind does not take is None."""
    rule_set = registry.get(year)
    wanted = fields_for(kind, year)
    out: dict = {}
    for field in wanted:
        value = data.get(field)
        if field == "courses" and not out.get("registration"):
            continue  # counted per item: the number of courses does not matter
        if value is None or (isinstance(value, str) and not value.strip()):
            _fail(field, gettext("%(field)s is required.", field=FIELD_LABELS[field]))
        if field == "category":
            if value not in CATEGORIES:
                _fail(field, gettext("The category must be public or professional."))
            out[field] = value
        elif field in ("date", "start", "end"):
            out[field] = parse_date(value, field)
        elif field == "hours":
            out[field] = parse_hours(value, field)
        elif field == "days":
            out[field] = parse_days(value)
        elif field in ("passed", "registration"):
            out[field] = parse_bool(value, field)
        elif field == "courses":
            try:
                courses = int(str(value).strip())
            except ValueError:
                courses = 0
            if courses < 1:
                _fail(field, gettext("Courses must be a whole number of at least 1."))
            out[field] = courses
        elif field == "project":
            if not str(value).strip():
                _fail(field, gettext("%(field)s is required.", field=FIELD_LABELS[field]))
            out[field] = str(value).strip()
        elif field == "channel":
            if value not in rule_set.channels:
                _fail(field, gettext("Unknown channel."))
            out[field] = value
        elif field == "reason":
            if value not in rule_set.months.reasons:
                _fail(field, gettext("Unknown reason."))
            out[field] = value
    if "start" in out and out["end"] < out["start"]:
        _fail("end", gettext("The end date is before the start date."))
    first, last = years_of(kind, date_=out.get("date"), days=out.get("days"),
                           start=out.get("start"), end=out.get("end"))
    out["first_year"], out["last_year"] = first, last
    return out


def when(record, sep: str = " – ") -> str:
    """The date, the first and last day, or the period of a record, as text."""
    if record is None:
        return ""
    if record.date:
        return record.date.isoformat()
    if record.days:
        days = sorted(d["date"] for d in record.days)
        return days[0] if len(days) == 1 else f"{days[0]}{sep}{days[-1]}"
    if record.start:
        return f"{record.start.isoformat()}{sep}{record.end.isoformat()}"
    return ""
