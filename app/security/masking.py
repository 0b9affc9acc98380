"""Which resident ID numbers a viewer sees in full: one decision for screens,
the API and every file (exports, templates, reports, results, PDFs).

A number is shown in full only when the viewer's roles hold FULL_ID_NUMBERS
(roles.py) *and* its holder is in the viewer's scope; every other number is
masked (370203********1234). A unit reviewer organising a class sees its own
staff in full and the other participants masked."""
from __future__ import annotations

from typing import Iterable

from flask import g, has_app_context
from sqlalchemy import select

from ..extensions import db
from ..validators import mask_id_number, mask_phone
from .scope import Scope, clause, current_scope, sees_everything

CHUNK = 1000

# Columns the audit log never holds in full (written masked; older entries are
# masked again when shown): ID numbers and phone numbers.
LOG_MASKS = {"id_number": mask_id_number, "phone": mask_phone}


def for_log(column: str, value):
    """`value` of `column` as the audit log may hold it."""
    mask = LOG_MASKS.get(column)
    return mask(str(value)) if mask is not None and value else value


def _cache(scope: Scope) -> dict:
    if not has_app_context():
        return {}
    return g.setdefault("xueshi_full_numbers", {}).setdefault((scope.user_id, scope.roles), {})


def full_numbers(scope: Scope, numbers: Iterable[str]) -> set[str]:
    """The numbers among `numbers` that `scope` may see in full."""
    from ..models import Person

    wanted = {n for n in numbers if n}
    if not wanted or not scope.sees_full_id_numbers:
        return set()
    if sees_everything(Person, scope):
        return wanted
    cache = _cache(scope)
    unknown = sorted(n for n in wanted if n not in cache)
    for start in range(0, len(unknown), CHUNK):
        chunk = unknown[start:start + CHUNK]
        seen = set(db.session.execute(select(Person.id_number).where(
            Person.id_number.in_(chunk), clause(Person, scope))).scalars())
        cache.update({n: n in seen for n in chunk})
    return {n for n in wanted if cache.get(n)}


def shown(number: str | None, scope: Scope | None = None) -> str:
    """The number as `scope` (default: the current viewer) may see it."""
    if not number:
        return number or ""
    scope = scope or current_scope()
    return number if number in full_numbers(scope, [number]) else mask_id_number(number)


def shown_all(numbers: Iterable[str], scope: Scope | None = None) -> dict[str, str]:
    """{number: as shown} for many numbers at once (files)."""
    numbers = list(numbers)
    scope = scope or current_scope()
    full = full_numbers(scope, numbers)
    return {n: (n if n in full else mask_id_number(n)) for n in numbers}
