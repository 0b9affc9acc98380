"""Looking people up by full ID number, without an existence oracle.

Every place a caller hands in full ID numbers (eligibility checks, roster
imports) finds people only through the caller's scope, so a number outside
the scope and a number nobody has get the same answer by the same query.
Each lookup is recorded (`IdLookup`, hence audited) and limited per login
per calendar day: rows, files, and not-found rows. Crossing the not-found
threshold raises one `LookupAlert` for the association and stops the
login's lookups until the next day."""
from __future__ import annotations

from typing import Iterable

from flask import current_app
from flask_babel import gettext
from sqlalchemy import Row, case, func, select

from ..extensions import db
from ..formatting import local_now
from ..models import IdLookup, LookupAlert, Person
from ..security import scope as scopes
from ..security.scope import Scope
from . import messages
from .errors import BusinessError

CHUNK = 1000  # numbers per IN (…), well under every database's parameter limit
FILE_KINDS = ("bulk_check", "roster")


def visible_by_id_number(scope: Scope, numbers: Iterable[str]) -> dict[str, Row]:
    """The people with these ID numbers that `scope` may see, by number, as rows
    of what a check or a roster reads (id, id_number, name, title: no ORM
    object per applicant). A number outside the scope is absent exactly as
    one nobody has."""
    wanted = sorted({n for n in numbers if n})
    found: dict[str, Row] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        for person in db.session.execute(
                select(Person.id, Person.id_number, Person.name, Person.series, Person.title_level,
                       Person.is_enterprise_manager).where(
                    Person.id_number.in_(chunk), scopes.clause(Person, scope))):
            found[person.id_number] = person
    return found


def _today():
    return local_now().date()


def _limit(name: str) -> int:
    return int(current_app.config[name])


def _used(scope: Scope) -> tuple[int, int, int]:
    """(rows, files, not found) of the login today."""
    rows, files, missing = db.session.execute(
        select(func.coalesce(func.sum(IdLookup.rows), 0),
               func.coalesce(func.sum(case((IdLookup.kind.in_(FILE_KINDS), 1), else_=0)), 0),
               func.coalesce(func.sum(IdLookup.not_found), 0))
        .where(IdLookup.user_id == scope.user_id, IdLookup.day == _today())).one()
    return int(rows), int(files), int(missing)


def allow(scope: Scope, kind: str, rows: int) -> None:
    """Refuse (429) a lookup of `rows` numbers that would pass one of the
    login's limits for today, or any lookup once its checks are stopped."""
    used_rows, used_files, missing = _used(scope)
    if missing >= _limit("XUESHI_LOOKUP_NOT_FOUND_PER_DAY"):
        raise BusinessError(gettext(
            "Too many ID numbers you looked up today were not found: your checks are stopped "
            "until tomorrow and the association has been told."), status=429)
    if kind in FILE_KINDS and used_files >= _limit("XUESHI_LOOKUP_FILES_PER_DAY"):
        raise BusinessError(gettext(
            "You have uploaded today's maximum of %(n)d lists; try again tomorrow.",
            n=_limit("XUESHI_LOOKUP_FILES_PER_DAY")), field="file", status=429)
    left = _limit("XUESHI_LOOKUP_ROWS_PER_DAY") - used_rows
    if rows > left:
        raise BusinessError(gettext(
            "You may look up %(n)d more ID numbers today; this would look up %(rows)d.",
            n=max(left, 0), rows=rows), status=429)


def record(scope: Scope, kind: str, rows: int, not_found: int) -> None:
    """Note a lookup in the current transaction (the caller commits); raise
    the association's alert when it crosses today's not-found threshold."""
    before = _used(scope)[2]
    threshold = _limit("XUESHI_LOOKUP_NOT_FOUND_PER_DAY")
    day = _today()
    db.session.add(IdLookup(day=day, user_id=scope.user_id, username=scope.username, kind=kind,
                            rows=rows, not_found=not_found))
    if before < threshold <= before + not_found:
        used_rows = _used(scope)[0] + rows
        alert = LookupAlert(day=day, user_id=scope.user_id, username=scope.username,
                            rows=used_rows, not_found=before + not_found)
        db.session.add(alert)
        db.session.flush()
        _tell_the_association(alert)
    db.session.flush()


def _tell_the_association(alert: LookupAlert) -> None:
    """Each association login hears of the alert in its messages (and e-mail)."""
    subject = gettext("ID-number checks of %(user)s are stopped for today",
                      user=alert.username)[:200]
    body = gettext("%(n)d of the ID numbers %(user)s looked up today were not found or did not "
                   "match (of %(rows)d rows).", n=alert.not_found, user=alert.username, rows=alert.rows)
    ids = db.session.execute(messages.role_logins("association_admin")).scalars().all()
    messages.write(ids, subject, body, messages.path("LookupAlertView.list"), "LookupAlert",
                   alert.id, "threshold")


def record_apart(scope: Scope, kind: str, rows: int, not_found: int) -> None:
    """record() in a transaction of its own, after a step that rolled back (a
    refused roster is still counted)."""
    db.session.rollback()
    record(scope, kind, rows, not_found)
    db.session.commit()
