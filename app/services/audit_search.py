"""The audit log as an auditor reads it (issue 13 item 6): filters by person,
record, user, action and date range, and each entry in words — the table and
action in Chinese, the record's title with a link to its history, every
changed field with its label, before and after, in Asia/Shanghai time.

Every filter is an indexed equality or range on `audit_entry` (or a bounded
lookup of at most MATCHES ids first), pages are fetched as PAGE + 1 rows and
go no deeper than `lists.MAX_ROWS`: nothing grows with the city or the log.
Phone numbers are masked like ID numbers (also in entries written before
they were masked at write time); secrets and keyed dedupe keys never show."""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app, url_for
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import and_, inspect, or_, select
from sqlalchemy.orm import MANYTOONE, joinedload

from ..extensions import db
from ..formatting import LOCAL_TIME, local_time, shown_email
from ..models import (
    AuditEntry, Certificate, Claim, Enrolment, Ledger, Person, TrainingClass, Unit, YearCertificate,
)
from ..security.masking import for_log
from ..validators import InvalidValue, normalize_id_number
from . import audit, records
from .errors import BusinessError

PAGE = 50
MATCHES = 50  # records a title or a person may stand for
ACTIONS = {
    "insert": _l("Record added"),
    "update": _l("Record changed"),
    "delete": _l("Record deleted"),
    "event": _l("Security event"),
}
EVENTS = {
    "login.success": _l("Signed in"),
    "login.failure": _l("Failed sign-in"),
    "login.locked": _l("Sign-in while locked"),
    "logout": _l("Signed out"),
    "lockout": _l("Login locked"),
    "password.change": _l("Password changed"),
    "password.reset": _l("Password reset by an administrator"),
    "password.expired": _l("Password expired"),
    "mfa.enrol": _l("Second factor enrolled"),
    "mfa.success": _l("Second factor accepted"),
    "mfa.failure": _l("Second factor refused"),
    "mfa.reset": _l("Second factor reset"),
    "mfa.recovery_code": _l("Recovery code used"),
    "token.refresh": _l("API token renewed"),
    "token.reuse": _l("Used API token presented again"),
    "role.proposed": _l("Role grant proposed"),
    "role.approved": _l("Role grant approved"),
    "role.refused": _l("Role grant refused"),
    "role.grant_refused": _l("Role grant by one administrator refused"),
    "session.revoked": _l("Sessions and tokens ended"),
    "export.personal_data": _l("Personal data exported"),
    "download.personal_data": _l("Personal data downloaded"),
    "check.bulk": _l("Hours check of a list"),
    "verify.lookups": _l("Verify-page lookups (per hour)"),
    "admin.action": _l("Administrator action"),
    "audit.anchor": _l("Audit anchor written"),
    "audit.archive": _l("Audit entries archived"),
    "audit.redact": _l("Old dedupe keys redacted in the audit log"),
}
# Tables without a screen of their own (the others take their screen's title).
TABLES = {
    "ab_user": _l("Login"),
    "ab_user_role": _l("Role of a login"),
    "ab_role": _l("Role (permissions)"),
    "plan_publication": _l("Publication of the annual plan"),
    "activity": _l("Hours activity"),
    "evidence": _l("Evidence file"),
    "job": _l("Job"),
    "message": _l("Message"),
    "role_grant": _l("Role grant"),
    "year_certificate": _l("Year certificate"),
    "id_lookup": _l("ID number lookup"),
    "enrolment": _l("Participant"),
}
UNLISTED = {"ab_api_key", "ab_group", "ab_user_group"}  # FAB tables Xueshi does not use
DETAIL_LABELS = {
    "cascade": _l("Removed with"),
    "client": _l("Client address"),
    "method": _l("Method"),
    "channel": _l("Channel"),
    "reason": _l("Reason"),
    "endpoint": _l("File"),
    "file": _l("File name"),
    "bytes": _l("Bytes"),
    "rows": _l("Rows"),
    "checked": _l("ID numbers checked"),
    "not_found": _l("Not found"),
    "problems": _l("Rows with problems"),
    "lookups": _l("Lookups"),
    "hour": _l("Hour from"),
    "until": _l("Hour to"),
    "act": _l("Action"),
    "fields": _l("Fields"),
    "roles": _l("Roles"),
    "roles_before": _l("Roles before"),
    "roles_after": _l("Roles after"),
    "year": _l("Year"),
    "coverage": _l("Coverage"),
    "batch": _l("Batch number"),
    "format": _l("Format"),
    "minutes": _l("Minutes"),
    "seq": _l("Sequence"),
    "entries": _l("Entries"),
    "evidence_id": _l("Evidence file"),
    "family": _l("Token family"),
    "reviewed_by": _l("Reviewed by"),
    "submitted_by": _l("Submitted by"),
    "filed_by": _l("Filed by"),
    "proposed_by": _l("Proposed by"),
    "decided_by": _l("Decided by"),
    "created_by": _l("Created by"),
    "revoked_by": _l("Revoked by"),
    "created_by_fk": _l("Created by"),
    "changed_by_fk": _l("Changed by"),
    "user_id": _l("Login"),
    "by": _l("Done by"),
    "role": _l("Role"),
    "stage": _l("Stage"),
    "recovery_codes": _l("Recovery codes issued"),
    "left": _l("Recovery codes left"),
    "grant": _l("Role grant number"),
    "field": _l("Field"),
}
# The codes security events store in their details, in words: (event, field) ->
# code -> label; an event of None stands for every event. The stored codes stay
# as they are written (tests/test_audit_codes.py finds every code the code base writes).
_SIGN_IN_REFUSED = {
    "password": _l("Wrong password"),
    "unknown": _l("No such login"),
    "inactive": _l("The login is deactivated"),
    "locked": _l("The login is locked"),
    "captcha": _l("Picture characters typed wrongly"),
}
DETAIL_VALUES = {
    ("login.failure", "reason"): _SIGN_IN_REFUSED,
    ("login.locked", "reason"): _SIGN_IN_REFUSED,
    ("mfa.failure", "reason"): {
        "code": _l("Wrong code"),
        "replayed": _l("Code already used"),
        "locked": _l("The login is locked"),
        "not enrolled": _l("No second factor set up"),
    },
    ("mfa.failure", "stage"): {"enrolment": _l("Setting up the second factor")},
    ("session.revoked", "reason"): {
        "scope": _l("The data scope was changed"),
        "roles": _l("The roles were changed"),
        "active": _l("The login was activated or deactivated"),
        "logout": _l("The login signed out"),
        "refresh token reuse": _l("A used API token was presented again"),
        "lockout": _l("The login was locked"),
        "second factor reset": _l("The second factor was reset"),
        "password": _l("The password was changed"),
    },
    ("role.grant_refused", "reason"): {
        "needs a second administrator": _l("Needs a second administrator's approval"),
        "decided by the proposer or the login itself":
            _l("The proposer or the login itself may not decide"),
    },
    ("audit.redact", "field"): {"dedupe_key": _l("Dedupe key")},
    (None, "channel"): {"form": _l("Web page"), "api": _l("API")},
    (None, "method"): {"totp": _l("Authenticator app code (TOTP)")},
}


def detail_value(event: str, column: str, value) -> str | None:
    """The words for a code a security event stored, or None if it is no such code."""
    if not isinstance(value, str):
        return None
    for key in ((event, column), (None, column)):
        if key in DETAIL_VALUES and value in DETAIL_VALUES[key]:
            return str(DETAIL_VALUES[key][value])
    if column == "endpoint":  # the file a download was of
        from .access_log import FILES

        return str(FILES[value][0]) if value in FILES else None
    if column == "coverage":  # of a provincial export
        from .provincial import COVERAGE

        return str(COVERAGE[value]) if value in COVERAGE else None
    return None
# Columns no screen labels, or that FAB would only name in made-up English
# ("Stored Name" from stored_name): by table, then (None) in any table.
COLUMN_LABELS = {
    None: {
        "created_at": _l("Created"),
        "updated_at": _l("Updated"),
        "district_id": _l("District"),
        "unit_id": _l("Unit"),
        "person_id": _l("Professional"),
        "enrolment_id": _l("Participant"),
        "inspection_id": _l("Inspection"),
        "stored_name": _l("Stored file name"),
        "sha256": _l("File SHA-256"),
        "status_index": _l("Position in the certificate status list"),
        "applied_by": _l("Applied by"),
        "closed_by": _l("Closed by"),
        "uploaded_by": _l("Uploaded by"),
        "published_by": _l("Published by"),
    },
    "activity": {
        **records.FIELD_LABELS,
        "kind": _l("Kind"),
        "first_year": _l("First year counted"),
        "last_year": _l("Last year counted"),
        "source": _l("Source"),
        "source_id": _l("Number of the source record"),
    },
    "year_certificate": {"serial": _l("Serial number of the year"),
                         "ledger_digest": _l("Digest of the year's hours")},
    "plan_publication": {"published_on": _l("Published on"), "published_at": _l("Published at"),
                         "late": _l("Published late")},
    "dishonesty_record": {"announced": _l("Announced")},
    "roster_link": {"is_enterprise_manager": _l("Enterprise manager")},
    "evidence": {"owner_type": _l("Belongs to"), "owner_id": _l("Number of the record it belongs to"),
                 "purpose": _l("Purpose"), "original_name": _l("File name"),
                 "content_type": _l("File type"), "size": _l("Size"), "digest": _l("Fingerprint of the file"),
                 "uploaded_at": _l("Uploaded at")},
    "id_lookup": {"at": _l("Time"), "day": _l("Day"), "username": _l("Login name"), "kind": _l("Kind")},
    "job": {"kind": _l("Kind"), "state": _l("State"), "params": _l("Parameters"),
            "username": _l("Login name"), "scope_key": _l("Data scope"), "started_at": _l("Started at"),
            "finished_at": _l("Finished at"), "touched_at": _l("Last sign of life"),
            "attempts": _l("Attempts"), "done": _l("Rows done"), "total": _l("Rows in all"),
            "message": _l("Message"), "error": _l("Error"), "result_name": _l("Stored file name"),
            "result_filename": _l("File name"), "result_mimetype": _l("File type"),
            "result_sha256": _l("File SHA-256")},
    "base_evaluation": {"expert_scores": _l("Expert scores"), "returned_from": _l("Returned from")},
}
# Codes stored in table columns no screen formats, in words: (table, column) -> code -> label.
COLUMN_VALUES = {
    ("activity", "category"): records.CATEGORIES,
    ("activity", "reason"): records.REASONS,
    ("activity", "source"): {"platform": _l("Platform courses"), "class": _l("Filed classes"),
                             "claim": _l("Claims")},
}
_CONTENT_DISPOSITION = re.compile(r"filename\*=UTF-8''([^;]+)|filename=\"?([^\";]+)\"?", re.IGNORECASE)


def _file_name(header: str) -> str:
    """The file name of a stored `Content-Disposition` (attachment; filename="a.pdf")."""
    from urllib.parse import unquote

    found = _CONTENT_DISPOSITION.findall(header)
    encoded = next((e for e, _ in found if e), None)
    if encoded:
        return unquote(encoded)
    return next((plain for _, plain in found if plain), header)


# Who wrote an entry when no login did (audit.acting_as / system_write names).
ACTORS = {
    "cli": _l("Command line"),
    "job": _l("Background job"),
    "schedule": _l("Scheduled upkeep"),
    "system": _l("System"),
    "anonymous": _l("Visitor not signed in"),
}
ADMIN_ACTS = {
    "user.create": _l("Login created"),
    "user.edit": _l("Login changed"),
    "user.activate": _l("Login activated"),
    "user.deactivate": _l("Login deactivated"),
    "user.delete": _l("Login deleted"),
    "user.roles": _l("Roles changed"),
    "scope.set": _l("Scope set"),
    "scope.delete": _l("Scope removed"),
}
# Tables whose records can be found by their title (an indexed column).
TITLES = {"claim": Claim.title, "training_class": TrainingClass.name, "unit": Unit.name}
# Never on screen: secrets, and keyed digests of personal data (logged as HMACs
# so that no ID number can be recovered from them, but meaningless to a reader).
HIDDEN = audit.SKIP_COLUMNS | {"dedupe_key"}
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_USER_COLUMNS = ("user_id", "reviewed_by", "proposed_by", "decided_by", "created_by_fk",
                 "changed_by_fk", "filed_by", "submitted_by", "created_by", "revoked_by")


# -- what the screens say about tables, columns and values --------------------

def _views() -> dict[str, object]:
    """The first screen of each table (its title, field labels and formatters)."""
    cache = current_app.extensions.setdefault("xueshi_audit_views", {})
    if not cache:
        for view in current_app.appbuilder.baseviews:
            model = getattr(getattr(view, "datamodel", None), "obj", None)
            table = getattr(model, "__tablename__", None)
            if table and table not in cache and getattr(view, "route_base", ""):
                cache[table] = view
    return cache


@functools.cache
def _models() -> dict[str, type]:
    return {m.class_.__tablename__: m.class_ for m in AuditEntry.registry.mappers
            if hasattr(m.class_, "__tablename__")}


def table_label(table: str) -> str:
    if table in TABLES:
        return str(TABLES[table])
    view = _views().get(table)
    title = view and (getattr(view, "show_title", None) or getattr(view, "list_title", None))
    return str(title) if title else table


def tables() -> list[tuple[str, str]]:
    """(table, label) of every audited table, by label."""
    names = {t for t, model in _models().items() if getattr(model, "__audit__", True)
             and t not in audit.SKIP_TABLES and t not in UNLISTED} | set(TABLES)
    return sorted(((t, table_label(t)) for t in names), key=lambda x: x[1])


def _made_up(column: str, label) -> bool:
    """Whether a screen's label is FAB's own English from the column name ("Stored Name")."""
    return str(label) == re.sub(r"[._]", " ", column).title()


def column_label(table: str, column: str) -> str:
    """The field's label on its screen; a reference is named by what it refers to."""
    view = _views().get(table)
    labels = {c: label for c, label in (getattr(view, "label_columns", None) or {}).items()
              if not _made_up(c, label)}
    if column in DETAIL_LABELS:
        return str(DETAIL_LABELS[column])
    if column == "id":
        return gettext("Record number")
    if column.endswith("_id") and column[:-3] in labels:
        return str(labels[column[:-3]])
    model = _models().get(table)
    target = model is not None and column in model.__table__.c and next(
        iter(model.__table__.c[column].foreign_keys), None)
    if target:
        return table_label(target.column.table.name)
    if column in labels:
        return str(labels[column])
    words = COLUMN_LABELS.get(table, {}).get(column) or COLUMN_LABELS[None].get(column)
    return str(words) if words else column


def action_label(entry: AuditEntry) -> str:
    if entry.action == "event":
        return str(EVENTS.get(entry.table_name, entry.table_name))
    return str(ACTIONS.get(entry.action, entry.action))


def roles_label(roles: str | list | None) -> str:
    from ..security.roles import role_label

    names = roles.split(",") if isinstance(roles, str) else list(roles or [])
    return "、".join(role_label(r) for r in names if r)


def actor_label(name: str) -> str:
    """A login's name, or in words the command, job or upkeep that acted."""
    from ..jobs import KINDS

    kind, _, detail = (name or "").partition(":")
    if kind not in ACTORS:
        return name
    job = KINDS.get(detail) if kind == "job" else None
    return f"{ACTORS[kind]}：{job.label}" if job else str(ACTORS[kind])


# What an event's record names when it is no table's row (audit.security_event `record`/`username`).
EVENT_RECORDS = {"audit": _l("Audit log"), "eligibility": _l("Hours check")}


def event_record_label(record_id: str) -> str:
    """"eligibility:2026" as 学时核验 2026, "audit" as 审计日志, a file's endpoint by the file."""
    from .access_log import FILES

    if record_id in FILES:
        return str(FILES[record_id][0])
    kind, _, rest = record_id.partition(":")
    if kind in EVENT_RECORDS:
        return f"{EVENT_RECORDS[kind]} {rest}".strip()
    return record_id


def login_label(user_id: int | None, username: str) -> str:
    """Who did something, as the menu bar names a login (its display name), or
    in words the command, job or upkeep that did it (actor_label)."""
    user = current_app.appbuilder.sm.get_user_by_id(user_id) if user_id else None
    if user is not None:
        return user.first_name or user.username
    return actor_label(username)


def _value(table: str, column: str, value, users: dict[int, str], event: str = "") -> str:
    if value is None or value == "":
        return "—"
    if event:
        words = detail_value(event, column, value)
        if words is not None:
            return words
    if column in ("roles", "roles_before", "roles_after", "role"):
        return roles_label(value)
    if column == "fields" and isinstance(value, list):  # of an administrator action
        return "、".join(column_label(table, str(name)) for name in value)
    if column == "by" and isinstance(value, str):
        return actor_label(value)
    if column == "act":
        return str(ADMIN_ACTS.get(value, value))
    if column == "cascade" and isinstance(value, str):  # "ab_user:5": the record it went with
        owner, _, pk = value.partition(":")
        return f"{table_label(owner)} #{pk}" if pk else table_label(owner)
    if column == "file" and isinstance(value, str):  # a download's Content-Disposition
        return _file_name(value)
    if table == "evidence" and column == "owner_type" and isinstance(value, str):
        return table_label(value)
    if (table, column) in COLUMN_VALUES and isinstance(value, str):
        return str(COLUMN_VALUES[(table, column)].get(value, value))
    if table == "activity" and column in ("kind", "channel") and isinstance(value, str):
        from .. import rules
        from ..formatting import locale

        words = rules.kinds(locale()) if column == "kind" else rules.channels(locale())
        return words.get(value, value)
    if column == "email" and table == "ab_user":
        return shown_email(value)  # never the placeholder of a login without one
    if column in _USER_COLUMNS and isinstance(value, int) and value in users:
        return users[value]
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    value = for_log(column, value)
    if isinstance(value, str) and _ISO_TIME.match(value):
        try:
            return local_time(datetime.fromisoformat(value), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return value
    view = _views().get(table)
    formatter = (getattr(view, "formatters_columns", None) or {}).get(column)
    if formatter is not None and not isinstance(value, (list, dict)):
        try:
            return str(formatter(value))
        except Exception:  # a formatter written for a row, not a stored value
            pass
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# -- entries in words -----------------------------------------------------------

@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Shown:
    entry: AuditEntry
    when: str
    actor: str
    action: str
    table: str
    title: str
    link: str | None
    roles: str
    changes: list[Change] = field(default_factory=list)


def _target(entry: AuditEntry) -> tuple[str, str]:
    """The (table, id) an entry is about: its own, or what an event names."""
    if entry.action == "event":
        table, _, pk = entry.record_id.partition(":")
        if pk and table in _models():
            return table, pk
        return "", ""
    return entry.table_name, entry.record_id


def _records(targets: set[tuple[str, str]]) -> dict[tuple[str, str], object]:
    """Each record still there, one query per table (a page's worth), with what
    it refers to joined in (str() of a scope names its target)."""
    models, found = _models(), {}
    by_table: dict[str, set[int]] = {}
    for table, pk in targets:
        if table in models and pk.isdigit() and hasattr(models[table], "id"):
            by_table.setdefault(table, set()).add(int(pk))
    for table, ids in by_table.items():
        model = models[table]
        joined = [joinedload(r.class_attribute) for r in inspect(model).relationships
                  if r.direction is MANYTOONE and r.lazy == "select"]
        rows = db.session.execute(select(model).options(*joined).where(model.id.in_(ids))).unique()
        for row in rows.scalars():
            found[(table, str(row.id))] = row
    return found


def _data(text: str | None) -> dict:
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {"value": data}


def describe(entries: list[AuditEntry]) -> list[Shown]:
    data = [(_data(e.before), _data(e.after)) for e in entries]
    user_ids = set()
    for sides in data:
        for side in sides:
            user_ids |= {v for k, v in side.items() if k in _USER_COLUMNS and isinstance(v, int)}
    # the logins named in the changes come with the records' query of ab_user
    records = _records({_target(e) for e in entries} | {("ab_user", str(i)) for i in user_ids})
    titles = {key: str(row) for key, row in records.items()}
    users = {int(pk): row.username for (table, pk), row in records.items() if table == "ab_user"}
    labels: dict[tuple[str, str], str] = {}  # column_label of this page's columns, once each

    def label(table: str, column: str) -> str:
        if (table, column) not in labels:
            labels[(table, column)] = column_label(table, column)
        return labels[(table, column)]

    shown = []
    for e, (before, after) in zip(entries, data):
        table, pk = _target(e)
        title = titles.get((table, pk)) or next(
            (str(s[k]) for s in (before, after) for k in ("title", "name", "username") if s.get(k)), "")
        if e.action == "event" and not table:
            title = event_record_label(e.record_id)
        if table == "ab_role":  # a role by its Chinese name (FAB's title is its code)
            title = roles_label(title)
        label_table = table or e.table_name
        if e.table_name == "admin.action":  # about a login, or its scope
            label_table = "user_scope" if str(after.get("act", "")).startswith("scope.") else "ab_user"
        event = e.table_name if e.action == "event" else ""
        changes = [
            Change(label(label_table if e.action != "event" else "", column),
                   _value(label_table, column, before.get(column), users, event),
                   _value(label_table, column, after.get(column), users, event))
            for column in sorted(set(before) | set(after), key=lambda c: label(label_table, c))
            if column not in HIDDEN
        ]
        shown.append(Shown(
            entry=e, when=local_time(e.at, "%Y-%m-%d %H:%M:%S"),
            actor=e.username if e.user_id else actor_label(e.username), action=action_label(e),
            table=table_label(table) if table else table_label(e.table_name) if e.action != "event" else "",
            title=title or (f"#{pk}" if pk else ""),
            link=url_for("AuditEntryView.list", table=table, record=pk) if table and pk else None,
            roles=roles_label(e.roles), changes=changes))
    return shown


# -- the search -----------------------------------------------------------------

@dataclass
class Search:
    user: str = ""
    table: str = ""
    record: str = ""
    title: str = ""
    person: str = ""
    action: str = ""
    since: str = ""
    until: str = ""
    page: int = 0

    @classmethod
    def from_args(cls, args) -> "Search":
        page = args.get("page", "0")
        return cls(**{k: (args.get(k) or "").strip()[:300] for k in (
            "user", "table", "record", "title", "person", "action", "since", "until")},
            page=int(page) if page.isdigit() and len(page) < 6 else 0)

    def args(self, **changes) -> dict:
        values = {**self.__dict__, **changes}
        return {k: v for k, v in values.items() if v not in ("", 0)}


def _day(text: str, what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BusinessError(gettext("%(field)s must be a date like %(example)s.", field=what,
                                    example=records.example_date()))


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL_TIME).astimezone(timezone.utc)


def _person_records(text: str):
    """The entries about a person: their own row, and their claims,
    certificates, year certificates, ledgers and enrolments (each bounded)."""
    try:
        number = normalize_id_number(text)
    except InvalidValue as exc:
        raise BusinessError(str(exc), field="person")
    person_id = db.session.execute(select(Person.id).where(Person.id_number == number)).scalar()
    if person_id is None:
        return None
    conditions = [and_(AuditEntry.table_name == "person", AuditEntry.record_id == str(person_id))]
    for model in (Claim, Certificate, YearCertificate, Ledger, Enrolment):
        ids = db.session.execute(select(model.id).where(model.person_id == person_id)
                                 .order_by(model.id.desc()).limit(MATCHES)).scalars().all()
        if ids:
            table = model.__tablename__
            conditions.append(and_(AuditEntry.table_name == table,
                                   AuditEntry.record_id.in_([str(i) for i in ids])))
            conditions.append(AuditEntry.record_id.in_([f"{table}:{i}" for i in ids]))
    return or_(*conditions)


def _titled(table: str, text: str) -> list[str]:
    """Ids of the table's records whose title starts with `text` (indexed range)."""
    column = TITLES.get(table)
    if column is None:
        raise BusinessError(gettext("Records of this table cannot be found by title; "
                                    "give the record number instead."), field="title")
    model = _models()[table]
    ids = db.session.execute(select(model.id).where(column >= text, column < text + "\U0010ffff")
                             .order_by(column).limit(MATCHES)).scalars().all()
    return [str(i) for i in ids]


def run(search: Search) -> tuple[list[Shown], bool]:
    """One page of entries matching `search`, newest first, and whether more follow."""
    from ..views.lists import MAX_ROWS

    query = select(AuditEntry)
    if search.user:
        query = query.where(AuditEntry.username == search.user)
    if search.action:
        if search.action in ACTIONS:
            query = query.where(AuditEntry.action == search.action)
        else:  # an event type
            query = query.where(AuditEntry.action == "event", AuditEntry.table_name == search.action)
    if search.table:
        records = [search.record] if search.record else (
            _titled(search.table, search.title) if search.title else None)
        if records == []:
            return [], False
        if records is None:
            query = query.where(AuditEntry.table_name == search.table)
        else:
            query = query.where(or_(
                and_(AuditEntry.table_name == search.table, AuditEntry.record_id.in_(records)),
                AuditEntry.record_id.in_([f"{search.table}:{r}" for r in records])))
    elif search.record or search.title:
        raise BusinessError(gettext("Choose the table of the record first."), field="table")
    if search.person:
        about = _person_records(search.person)
        if about is None:
            return [], False
        query = query.where(about)
    since = _day(search.since, gettext("From"))
    until = _day(search.until, gettext("To"))
    if since and until and until < since:
        raise BusinessError(gettext("The end of the date range is before its start."), field="until")
    if since:
        query = query.where(AuditEntry.at >= _utc(since))
    if until:
        query = query.where(AuditEntry.at < _utc(until + timedelta(days=1)))
    if (search.page + 1) * PAGE > MAX_ROWS:
        raise BusinessError(gettext(
            "Only the first %(n)s rows can be paged through; narrow the search with a filter.",
            n=MAX_ROWS))
    rows = db.session.execute(query.order_by(AuditEntry.seq.desc())
                              .offset(search.page * PAGE).limit(PAGE + 1)).scalars().all()
    return describe(rows[:PAGE]), len(rows) > PAGE
