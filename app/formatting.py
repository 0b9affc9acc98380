"""How numbers and times are written, everywhere: screens, charts, PDFs, exports, JSON.

One formatter for the whole app, so a Decimal never reaches a user through
`str()` (which writes `Decimal("50").normalize()` as "5E+1"). Times are stored
in UTC and always shown in Asia/Shanghai."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask_babel import get_locale

LOCAL_TIME = ZoneInfo("Asia/Shanghai")


def _decimal(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def hours(value) -> str:
    """Hours as text: "10", "22.5", "1230"; "" for None. Never scientific notation."""
    number = _decimal(value)
    if number is None:
        return ""
    if number == number.to_integral_value():
        return format(number.quantize(Decimal(1)), "f")
    return format(number.normalize(), "f")


def hours_value(value) -> int | float | None:
    """Hours for JSON and spreadsheet cells: an int when whole, else the one-decimal float."""
    if type(value) is Decimal:  # hours take few values: each is worked out once
        try:
            return _HOURS_VALUES[value]
        except (KeyError, TypeError):  # not seen yet; a signalling NaN has no hash
            pass
    number = _decimal(value)
    if number is None:
        return None
    found = int(number) if number == number.to_integral_value() else float(number)
    if type(value) is Decimal and len(_HOURS_VALUES) < 10_000:
        _HOURS_VALUES[value] = found  # equal Decimals ("10", "10.0") give the same value
    return found


_HOURS_VALUES: dict[Decimal, int | float] = {}


def count(value) -> str:
    """A count with thousands separators: "2,400,000"."""
    return f"{int(value):,}"


def percent(part, whole, places: int = 1) -> str:
    """part / whole as a percentage: "50%", "66.7%"; "—" when whole is 0."""
    part, whole = _decimal(part) or Decimal(0), _decimal(whole) or Decimal(0)
    if not whole:
        return "—"
    value = (part * 100 / whole).quantize(Decimal(1).scaleb(-places))
    return hours(value) + "%"


def local_time(value: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) timestamp in Asia/Shanghai; naive values are taken as UTC."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(LOCAL_TIME).strftime(pattern)


def local_day(value: datetime) -> date:
    """The calendar day of a stored (UTC) timestamp in Asia/Shanghai."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(LOCAL_TIME).date()


def local_date(value: datetime | date | None) -> str:
    """The calendar date in Asia/Shanghai (a date is shown as it is)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time(value, "%Y-%m-%d")
    return value.isoformat()


def local_now() -> datetime:
    return datetime.now(LOCAL_TIME)


CELL_AS_IS = frozenset({str, int, float, bool, type(None)})  # the types for_cell keeps as they are


def for_cell(value):
    """A spreadsheet or CSV cell: hours as numbers (never "5E+1"), stored times in
    Asia/Shanghai to the minute."""
    if type(value) in CELL_AS_IS:  # most cells: nothing to do (checked first, it is the hot path)
        return value
    if isinstance(value, Decimal):
        return hours_value(value)
    if isinstance(value, datetime):
        return local_time(value)
    return value


def for_template(value):
    """Jinja's `finalize`: whatever a template prints goes through this formatter,
    so no screen writes a Decimal with `str()` or a stored time in UTC."""
    if isinstance(value, Decimal):
        return hours(value)
    if isinstance(value, datetime):
        return local_time(value)
    return "" if value is None else value


def locale() -> str:
    """The viewer's language code ("zh" by default) for texts chosen from rule sets."""
    return str(get_locale() or "zh")


# A login created without an e-mail keeps a unique placeholder address (FAB's
# ab_user.email is NOT NULL and unique); no screen ever shows it.
NO_EMAIL_DOMAIN = "users.xueshi.invalid"


def placeholder_email(username: str) -> str:
    return f"{username}@{NO_EMAIL_DOMAIN}"


def real_email(email) -> bool:
    return bool(email) and isinstance(email, str) and not email.endswith(".invalid")


def shown_email(email) -> str:
    """The e-mail address, or 未填写 when the login has none (only the placeholder)."""
    from flask_babel import gettext

    return email if real_email(email) else gettext("Not given")
