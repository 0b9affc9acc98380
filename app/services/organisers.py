"""Who organises classes, plans and seminars: a training base, a department
or a unit — the target of the actor's scope, never a role name."""
from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import false, or_

from ..security.scope import Scope
from .errors import BusinessError
from .workflow import Guard

ORGANISER_COLUMNS = ("base_id", "department_id", "unit_id")


def organiser(scope: Scope, columns=ORGANISER_COLUMNS, refusal=None) -> dict:
    """The organiser a scope acts for: its base, department or unit."""
    for column in columns:
        if getattr(scope, column):
            return {column: getattr(scope, column)}
    raise BusinessError(str(refusal or gettext("Only bases, departments and units file classes.")),
                        status=403)


def organised_by(model, message) -> Guard:
    """Only the row's own organiser (a department sees its bases' rows, but does not run them)."""

    def test(scope: Scope, row) -> bool:
        return any(getattr(scope, c) and getattr(row, c) == getattr(scope, c)
                   for c in ORGANISER_COLUMNS if hasattr(model, c))

    def where(scope: Scope):
        return or_(false(), *[getattr(model, c) == getattr(scope, c)
                              for c in ORGANISER_COLUMNS if hasattr(model, c) and getattr(scope, c)])

    return Guard(message, test, where)


