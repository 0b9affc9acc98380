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
from . import years
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


def rule_for(kind: str, year: int | None = None) -> rm.KindRule:
    """The row of `kind` in the rule set of `year` (default: `years.with_rules()`)."""
    rule_set = years.rule_set(year)
    rule = rule_set.kind(kind) if rule_set else None
    if rule is None:
        raise BusinessError(gettext("Unknown kind of record: %(kind)s", kind=kind), field="kind")
    return rule


def fields_for(kind: str, year: int | None = None) -> list[str]:
    """The fields (besides title) a record of `kind` takes in `year`, in form order
    (`courses` counts only for a registration exam)."""
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


def day_max(year: int | None) -> Decimal:
    """The most hours one day entry may have in `year` (default: `years.with_rules()`)."""
    return Decimal(years.rule_set(year if registry.get(year) else None).day_max_hours)


def example_date() -> str:
    """A date to show in hints and errors: the first of March of this year."""
    return f"{years.current()}-03-01"


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
        _fail(field, gettext("%(field)s must be a date like %(example)s.", field=FIELD_LABELS[field],
                             example=example_date()))


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


def _one_day_per_line():
    _fail("days", gettext("Write one day per line: a date and its hours, e.g. %(example)s 8.",
                          example=example_date()))


def parse_days(value, maximum: Decimal | None = None) -> list[dict]:
    """A list of {"date", "hours"}, or text with one "<date> <hours>" per line;
    each day's hours at most `maximum`."""
    if isinstance(value, str):
        entries = []
        for line in value.replace(",", " ").replace(",", " ").splitlines():
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2:
                _one_day_per_line()
            entries.append({"date": parts[0], "hours": parts[1]})
        value = entries
    if not isinstance(value, list) or not value:
        _fail("days", gettext("Give at least one day with its hours."))
    days = []
    for entry in value:
        if not isinstance(entry, dict) or "date" not in entry or "hours" not in entry:
            _one_day_per_line()
        day = parse_date(entry["date"], "days")
        hours = parse_hours(entry["hours"], "days", maximum)
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


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def record_year(data: dict) -> int | None:
    """The year a record's own dates name (its date, start, or earliest day), or
    None when it names none that can be read; bad dates are judged by `clean`."""
    for field in ("date", "start"):
        if not _blank(data.get(field)):
            try:
                return parse_date(data[field], field).year
            except BusinessError:
                return None
    if not _blank(data.get("days")):
        try:
            return min(date.fromisoformat(d["date"]) for d in parse_days(data["days"])).year
        except BusinessError:
            return None
    return None


def clean(kind: str, data: dict, form_year: int | None = None) -> dict:
    """Typed values of a record of `kind`, plus `first_year`/`last_year`, checked
    against the rule set of the record's own first year (its kinds, fields,
    reasons, channels, day hours); a record with no readable date is checked
    against `form_year` (the year of the form it came from), else
    `years.with_rules()`, so the error names the field to fix. A field the kind
    does not take is left out."""
    year = record_year(data) or form_year
    if year is not None and registry.get(year) is None:
        field = next((f for f in ("date", "start", "days") if not _blank(data.get(f))), "date")
        _fail(field, gettext("Hours of %(year)d cannot be claimed: no rules for that year.",
                             year=year))
    rule_set = years.rule_set(year)
    wanted = fields_for(kind, rule_set.year)
    out: dict = {}
    for field in wanted:
        value = data.get(field)
        if field == "courses" and not out.get("registration"):
            continue  # counted per item: the number of courses does not matter
        if _blank(value):
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
            out[field] = parse_days(value, day_max(rule_set.year))
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
