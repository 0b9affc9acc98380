"""Checks for free-text inputs that every workflow shares."""
from __future__ import annotations

from flask_babel import gettext

from .errors import BusinessError


def required(value, field: str, label) -> str:
    """The stripped text, or a refusal naming the field."""
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if not text:
        raise BusinessError(gettext("%(field)s is required.", field=label), field=field)
    return text


def reason(value) -> str:
    """A reason is required wherever something is refused, returned or revoked."""
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if not text:
        raise BusinessError(gettext("Give the reason."), field="reason")
    return text
