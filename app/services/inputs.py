"""Checks for free-text inputs that every workflow shares."""
from __future__ import annotations

from flask_babel import gettext

from ..rules import registry
from .errors import BusinessError


def required(value, field: str, label) -> str:
    """The stripped text, or a refusal naming the field."""
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if not text:
        raise BusinessError(gettext("%(field)s is required.", field=label), field=field)
    return text


def year(value, field: str = "year", *, with_rules: bool = False) -> int:
    """A calendar year given as a whole number (form, JSON, query string or CLI);
    `with_rules` also asks for the year to have a rule set."""
    text = "" if value is None or isinstance(value, bool) else str(value).strip()
    try:
        number = int(text)
    except ValueError:
        number = 0
    if not 2000 <= number <= 2100:
        raise BusinessError(gettext("The year must be a four-digit number such as this year."),
                            field=field)
    if with_rules and registry.get(number) is None:
        raise BusinessError(gettext("No rules for the year %(year)d.", year=number), field=field)
    return number


def reason(value) -> str:
    """A reason is required wherever something is refused, returned or revoked."""
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if not text:
        raise BusinessError(gettext("Give the reason."), field="reason")
    return text
