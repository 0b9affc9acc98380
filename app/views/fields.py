"""Form and API helpers shared by the screens: coded-value selects,
Chinese labels for codes, and validators on both the form and API sides."""
from __future__ import annotations

from flask_appbuilder.fieldwidgets import Select2Widget
from marshmallow.validate import OneOf
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from ..models.choices import choices, label


def code_select(text, table: dict, **kwargs) -> SelectField:
    """A select of coded values showing their labels."""
    return SelectField(text, choices=lambda: choices(table), widget=Select2Widget(), **kwargs)


def code_formatter(table: dict):
    return lambda code: label(table, code)


def code_validator(table: dict):
    return OneOf(list(table), error=_l("Must be one of: {choices}."))
