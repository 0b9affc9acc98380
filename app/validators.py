"""Checks for national identifiers, shared by forms, the REST API and imports.

Each check returns the normalised value or raises InvalidValue with a
message in the user's language."""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from flask_babel import gettext
from marshmallow import ValidationError as MarshmallowValidationError
from stdnum import exceptions as stdnum_errors
from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.util import isdigits
from wtforms import ValidationError as WTFormsValidationError

class InvalidValue(ValueError):
    pass

def normalize_id_number(value: str) -> str:
    """身份证号 (GB 11643): 18 characters, check digit, a real birth date and a
    known region code. stdnum's own `ric.validate` also requires the region
    code to have existed in the birth year, but numbers issued since 1984
    carry the code of the region at issue: a person born in 1965 in 市南区
    (code since 1983) holds 370202 1965…. So a known region code is accepted
    whatever its years. The checks are stdnum's, in its order; the region
    look-up is cached (a list of 10,000 numbers has a few dozen regions)."""
    raw = (value or "").strip()
    if not raw:
        raise InvalidValue(gettext("The ID number is required."))
    # the common case, 18 plain characters, is already compact (stdnum's compact
    # maps other dashes and spaces, which such a number does not have)
    number = raw.upper() if _PLAIN.fullmatch(raw) else ric.compact(raw)
    if len(number) != 18:
        raise InvalidValue(gettext("The ID number must have 18 characters."))
    if not isdigits(number[:-1]):
        raise InvalidValue(gettext("The ID number is not a valid resident ID number."))
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidValue(gettext("The ID number's check digit is wrong."))
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))  # ric.get_birth_date
    except ValueError:
        raise InvalidValue(gettext("The birth date in the ID number is not a real date."))
    if not _known_region(number[:6]):
        raise InvalidValue(gettext("The region code of the ID number is unknown."))
    return number


_PLAIN = re.compile(r"[0-9]{17}[0-9Xx]")


@lru_cache(maxsize=4096)
def _known_region(code: str) -> bool:
    return any(props for _part, props in numdb.get("cn/loc").info(code))

def normalize_credit_code(value: str) -> str:
    """统一社会信用代码 (GB 32100): 18 characters with check character."""
    raw = (value or "").strip().upper()
    if not raw:
        raise InvalidValue(gettext("The unified social credit code is required."))
    try:
        return uscc.validate(raw)
    except stdnum_errors.InvalidChecksum:
        raise InvalidValue(gettext("The credit code's check character is wrong."))
    except stdnum_errors.InvalidLength:
        raise InvalidValue(gettext("The credit code must have 18 characters."))
    except stdnum_errors.ValidationError:
        raise InvalidValue(gettext("The credit code is not a valid unified social credit code."))

def mask_id_number(number: str | None) -> str:
    """370203********1234: the region code and the last four stay visible."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]

def mask_phone(number: str | None) -> str:
    """138****0001: like an ID number, only the first three and last four digits stay."""
    if not number:
        return ""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_name(name: str | None) -> str:
    """张*三 / 李*: keep the first and (for 3+ characters) the last character."""
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]

class FormCheck:
    """WTForms adapter: runs a normaliser and reports its message on the field."""

    def __init__(self, normalizer):
        self.normalizer = normalizer

    def __call__(self, form, field):
        if field.data in (None, ""):
            return
        try:
            field.data = self.normalizer(field.data)
        except InvalidValue as exc:
            raise WTFormsValidationError(str(exc))

def api_check(normalizer):
    """marshmallow adapter for ModelRestApi.validators_columns."""

    def validate(value):
        try:
            normalizer(value)
        except InvalidValue as exc:
            raise MarshmallowValidationError(str(exc))

    return validate
