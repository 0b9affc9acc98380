"""The audit log: every insert, update and delete, in the same transaction,
and every security event (`security_event`).

A SQLAlchemy `after_flush` hook turns the flush's changes into entries.
Entries form a chain: each stores the previous entry's MAC, an HMAC
(SHA-256, or SM3 with `XUESHI_AUDIT_HASH=hmac-sm3`) whose key is not in the
database (`audit_key.py`), so a database writer cannot rehash a rewritten
history. The single `audit_head` row stores the last one. An append first
UPDATEs the head row, which locks it until commit, so concurrent writers queue
instead of forking the chain (PostgreSQL row lock; SQLite's database write lock).
`verify()` walks the chain from the last archive (`audit_store.py`) and checks
it against the latest signed anchor written outside the database, so a
deleted tail, a rewritten-and-rehashed history and an emptied log all fail.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from typing import Iterator

from flask import g, has_app_context
from flask_babel import gettext
from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import Session

from ..models.audit import GENESIS_HASH, AuditEntry, AuditHead
from ..security.masking import LOG_MASKS, for_log

# Tables never audited: the log itself, FAB's permission bookkeeping, and
# derived data (recomputed from audited sources).
SKIP_TABLES = {
    "audit_entry",
    "audit_head",
    "ab_permission",
    "ab_view_menu",
    "ab_permission_view",
    "ab_permission_view_role",
    "ab_register_user",
    "alembic_version",
}
# Columns never written to the log (secrets, login counters).
SKIP_COLUMNS = {
    "password",
    "last_login",
    "login_count",
    "fail_login_count",
    "changed_on",
    "created_on",
    "token",
    "key_hash",
    "lookup_hash",
    "password_hash",
    "code_hash",
}
# Collections whose changes are security-relevant: a login's roles and groups.
COLLECTIONS = ("roles", "groups")

_actor: ContextVar[str | None] = ContextVar("xueshi_audit_actor", default=None)
_system: ContextVar[str | None] = ContextVar("xueshi_audit_system", default=None)


@contextmanager
def acting_as(name: str) -> Iterator[None]:
    """Name the actor for changes made outside a request (CLI, batch jobs)."""
    token = _actor.set(name)
    try:
        yield
    finally:
        _actor.reset(token)


@contextmanager
def system_write(name: str) -> Iterator[None]:
    """Changes the system makes while someone reads (a certificate written on
    its first download): the entries name `name`, never the reader, who gets
    their own download entry instead. Reads do not write."""
    token = _system.set(name)
    try:
        yield
    finally:
        _system.reset(token)


def _who() -> tuple[int | None, str, str]:
    if _system.get() is not None:
        return None, _system.get(), ""
    user = g.get("user") if has_app_context() else None
    if user is not None and getattr(user, "is_authenticated", False):
        roles = ",".join(sorted(r.name for r in user.roles))
        return user.id, user.username, roles
    return None, _actor.get() or "system", ""


def _plain(key: str, value):
    if value is None:
        return None
    if key in LOG_MASKS:
        return for_log(key, str(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, (int, float, bool, str)):
        return value
    return str(value)


_AS_IS = frozenset({int, float, bool, str, type(None)})  # what _plain keeps as it is (unmasked)


def _columns(obj) -> list[str]:
    return [a.key for a in inspect(obj).mapper.column_attrs if a.key not in SKIP_COLUMNS]


def _names(items) -> list[str]:
    return sorted(str(item) for item in items)


def _snapshot(obj) -> dict:
    state = inspect(obj)
    data = {k: _plain(k, state.dict.get(k)) for k in _columns(obj) if k in state.dict}
    for key in COLLECTIONS:
        if key in state.mapper.relationships and state.dict.get(key):
            data[key] = _names(state.dict[key])
    return data


def _changes(obj) -> tuple[dict, dict]:
    state = inspect(obj)
    before, after = {}, {}
    for key in COLLECTIONS:
        if key not in state.mapper.relationships:
            continue
        hist = state.attrs[key].history
        if hist.added or hist.deleted:
            kept = list(hist.unchanged or ())
            before[key] = _names(kept + list(hist.deleted or ()))
            after[key] = _names(kept + list(hist.added or ()))
    for key in _columns(obj):
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old == new:
            continue
        before[key] = _plain(key, old)
        after[key] = _plain(key, new)
    return before, after


def _audited(obj) -> bool:
    table = getattr(obj, "__tablename__", None)
    return table is not None and table not in SKIP_TABLES and getattr(obj, "__audit__", True)


def _record_id(obj) -> str:
    identity = inspect(obj).identity
    if identity:
        return ",".join(str(v) for v in identity)
    return str(getattr(obj, "id", ""))


# One encoder each, made once: json.dumps with options builds a new encoder per call.
_DATA_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_PAYLOAD_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _dump(data: dict | None) -> str | None:
    if data is None:
        return None
    return _DATA_JSON(data)


def _at_text(at: datetime) -> str:
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def entry_hash(row: dict, sign=None) -> str:
    """The entry's MAC over every field and the previous MAC (`sign`: an
    `audit_key.signer()` to reuse over many entries)."""
    from . import audit_key

    return (sign or audit_key.signer())(_payload(row))


def redaction_seal(row: dict) -> str:
    """The MAC of a redacted entry: its new content bound to its original MAC,
    which stays in `hash` and keeps the chain (and every anchor) as it was."""
    from . import audit_key

    return audit_key.mac(_payload(row) + b"\0" + row["hash"].encode(), "redaction")


def entry_verifies(row: dict) -> bool:
    """Whether the entry's content is what was written (or what `audit_redaction`
    left of it, sealed with the audit key)."""
    from . import audit_key

    if row.get("redacted"):
        return audit_key.same(redaction_seal(row), row["redacted"])
    return audit_key.same(entry_hash(row), row["hash"])


def _payload(row: dict, at_text: str | None = None) -> bytes:
    """What an entry's MAC covers; `at_text`: `_at_text(row["at"])` when the
    caller has it already (every entry of one append shares its time)."""
    payload = [
        row["seq"],
        at_text or _at_text(row["at"]),
        row["user_id"],
        row["username"],
        row["roles"],
        row["action"],
        row["table_name"],
        row["record_id"],
        row["before"],
        row["after"],
        row["prev_hash"],
    ]
    return _PAYLOAD_JSON(payload).encode("utf-8")


def _collect(session: Session) -> list[tuple[str, object, dict | None, dict | None]]:
    found = []
    for obj in session.new:
        if _audited(obj):
            found.append(("insert", obj, None, _snapshot(obj)))
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj, include_collections=True):
            before, after = _changes(obj)
            if before or after:
                found.append(("update", obj, before, after))
    for obj in session.deleted:
        if _audited(obj):
            found.append(("delete", obj, _snapshot(obj), None))
    return found


def _append(conn, entries: list[dict]) -> None:
    """Append entries (action, table_name, record_id, before, after) to the chain."""
    head = AuditHead.__table__
    # Lock the chain head first, then read it: appends are serialised.
    locked = conn.execute(
        update(head).where(head.c.id == 1).values(seq=head.c.seq + len(entries))
    )
    if locked.rowcount == 0:
        conn.execute(insert(head).values(id=1, seq=len(entries), hash=GENESIS_HASH))
    last_seq, prev = conn.execute(select(head.c.seq, head.c.hash).where(head.c.id == 1)).one()
    user_id, username, roles = _who()
    at = datetime.now(timezone.utc)
    from . import audit_key

    sign = audit_key.signer()
    at_text = _at_text(at)
    rows = []
    for seq, entry in enumerate(entries, start=last_seq - len(entries) + 1):
        row = {
            "seq": seq,
            "at": at,
            "user_id": entry.get("user_id", user_id),
            "username": entry.get("username", username),
            "roles": entry.get("roles", roles),
            "action": entry["action"],
            "table_name": entry["table_name"],
            "record_id": entry["record_id"],
            "before": _dump(entry.get("before")),
            "after": _dump(entry.get("after")),
            "prev_hash": prev,
        }
        row["hash"] = prev = sign(_payload(row, at_text))
        rows.append(row)
    _driver_insert_many(conn, AuditEntry.__table__, rows)
    conn.execute(update(head).where(head.c.id == 1).values(hash=prev))


def _driver_insert_many(conn, table, rows: list[dict]) -> None:
    """Rows of the same columns, one driver executemany, each value bound by its
    column's bind processor."""
    columns = [table.c[name] for name in rows[0]]
    head, one = _insert_text(conn.dialect, table, columns)
    conn.exec_driver_sql(head + one, [tuple(values) for values in _bound(conn.dialect, columns, rows)])


def insert_rows(session: Session, model, rows: list[dict]) -> list[dict]:
    """Insert `rows` into `model`'s table, a chunk of rows per statement, and audit
    each row as its own insert entry (what a flush of the same objects writes), in
    the session's transaction. Returns the rows as stored (the values given, the
    columns' Python defaults, the key and any server default), in order.

    Written by the driver (`_driver_insert`): a roster's 2,000 rows cost
    SQLAlchemy's per-row parameter handling 20 ms more than the statement itself."""
    table = model.__table__
    stored, keys = _driver_insert(session.connection(), table, rows)
    if stored:
        _append(session.connection(), [
            {"action": "insert", "table_name": table.name, "record_id": record_id, "before": None,
             "after": after} for record_id, after in _inserted(table, keys, stored)])
    return stored


def _python_defaults(table, given: set[str]) -> dict:
    """The Python-side defaults of the columns no row gives, each evaluated once
    (a scalar, or a function of nothing such as the time). A default that reads
    the statement's own parameters (a row's placement from its person) or runs
    in SQL is the caller's to give (placement.fill)."""
    out = {}
    for col in table.columns:
        default = col.default
        if col.key in given or default is None or col is table.autoincrement_column:
            continue
        if default.is_scalar:
            out[col.key] = default.arg
        elif default.is_callable and hasattr(default.arg, "__wrapped__"):  # SQLAlchemy's wrapper of a fn()
            out[col.key] = default.arg(None)
        else:
            raise ValueError(f"{table.name}.{col.key}: give its value (its default reads the statement)")
    return out


def _bound(dialect, columns, rows) -> list[list]:
    """Each row's values of `columns`, as the driver takes them: through the
    column's bind processor for `dialect`, where it has one (a value shared by
    consecutive rows, such as the time of an append, bound once)."""
    processors = [(i, p) for i, c in enumerate(columns)
                  if (p := c.type.dialect_impl(dialect).bind_processor(dialect)) is not None]
    take = itemgetter(*(c.key for c in columns)) if len(columns) > 1 else (lambda row: (row[columns[0].key],))
    last: dict[int, tuple] = {}
    out = []
    for row in rows:
        values = list(take(row))
        for i, process in processors:
            value, seen = values[i], last.get(i)
            if seen is not None and seen[0] is value:
                values[i] = seen[1]
            else:
                values[i] = bound = process(value)
                last[i] = (value, bound)
        out.append(values)
    return out


def _insert_text(dialect, table, columns) -> tuple[str, str]:
    """("INSERT INTO t (a, b) VALUES ", "(?, ?)"): the statement's head and one row's
    placeholders, in the driver's positional style."""
    quote, mark = dialect.identifier_preparer.quote, "?" if dialect.paramstyle == "qmark" else "%s"
    return (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
            f"({', '.join(quote(c.name) for c in columns)}) VALUES ",
            "(" + ", ".join([mark] * len(columns)) + ")")


# bound values per statement: under SQLite's 32,766 and PostgreSQL's 65,535
_MAX_PARAMETERS = 30_000


def _driver_insert(conn, table, rows: list[dict]) -> tuple[list[dict], list[str]]:
    """INSERT … VALUES (…), (…) … RETURNING the key (and any server default), bound
    by the columns' own bind processors, as many rows per statement as fit the
    drivers' parameter limits. Each row of a statement gets the next key in the
    order of its VALUES (SQLite's rowid; PostgreSQL's sequence, called row by row
    as the list is scanned), so the returned keys sorted are the rows' in order."""
    if not rows:
        return [], []
    dialect = conn.dialect
    key = table.autoincrement_column
    if key is None:
        raise ValueError(f"{table.name}: rows are returned by their integer key")
    given = {name for row in rows for name in row}
    defaults = _python_defaults(table, given)
    columns = [c for c in table.columns if c.key in given or c.key in defaults]
    returned = [key] + [c for c in table.columns if c.server_default is not None and c not in columns]
    results = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in returned]
    head, one = _insert_text(dialect, table, columns)
    tail = f" RETURNING {', '.join(dialect.identifier_preparer.quote(c.name) for c in returned)}"
    empty = dict.fromkeys(c.key for c in table.columns)  # every column, as a RETURNING * would give
    per_statement = max(1, _MAX_PARAMETERS // len(columns))
    stored = []
    for start in range(0, len(rows), per_statement):
        part = [{**empty, **defaults, **row} for row in rows[start:start + per_statement]]
        params = tuple(chain.from_iterable(_bound(dialect, columns, part)))
        found = sorted(conn.exec_driver_sql(head + ", ".join([one] * len(part)) + tail, params))
        stored += [{**row, **{c.key: v if p is None else p(v) for c, p, v in zip(returned, results, got)}}
                   for row, got in zip(part, found)]
    return stored, list(empty)


def _inserted(table, keys: list[str], stored: list[dict]):
    """(record id, logged columns) of each stored row: `_plain` of every column
    not in SKIP_COLUMNS, the common values (numbers, texts, None) kept inline."""
    kept = [k for k in keys if k not in SKIP_COLUMNS]
    masked = [k for k in kept if k in LOG_MASKS]
    primary = [c.name for c in table.primary_key]
    as_is = _AS_IS
    last: dict[str, tuple] = {}  # a value every row shares (their time) is made plain once
    for row in stored:
        after = {}
        for k in kept:
            v = row[k]
            if type(v) in as_is:
                after[k] = v
            elif (seen := last.get(k)) is not None and seen[0] is v:
                after[k] = seen[1]
            else:
                after[k] = plain = _plain(k, v)
                last[k] = (v, plain)
        for k in masked:
            after[k] = _plain(k, row[k])
        yield (str(row[primary[0]]) if len(primary) == 1
               else ",".join(str(row[k]) for k in primary)), after


def _unaudited_tables(obj) -> set[str]:
    return {m.class_.__tablename__ for m in inspect(obj).mapper.registry.mappers
            if not getattr(m.class_, "__audit__", True)}


def _cascaded(session: Session, obj) -> list[dict]:
    """The rows the database removes with `obj` (ON DELETE CASCADE, and the
    link rows of its collections) as delete entries, read before they go."""
    table = getattr(obj, "__table__", None)
    identity = inspect(obj).identity
    if table is None or not identity or len(identity) != 1:
        return []
    skipped = SKIP_TABLES | _unaudited_tables(obj)
    found = []
    for other in table.metadata.sorted_tables:
        if other.name in skipped:
            continue
        for fk in other.foreign_keys:
            if fk.column.table is not table or (fk.ondelete or "").upper() != "CASCADE":
                continue
            rows = session.connection().execute(
                select(other).where(fk.parent == identity[0])).mappings().all()
            for row in rows:
                before = {k: _plain(k, v) for k, v in row.items() if k not in SKIP_COLUMNS}
                before["cascade"] = f"{table.name}:{identity[0]}"
                found.append({"action": "delete", "table_name": other.name,
                              "record_id": ",".join(str(row[c.name]) for c in other.primary_key),
                              "before": before, "after": None})
    return found


def _before_flush(session: Session, flush_context, instances) -> None:
    pending = session.info.setdefault("xueshi_cascaded", [])
    for obj in session.deleted:
        if _audited(obj):
            pending.extend(_cascaded(session, obj))


# Logins: what an administrator (or the CLI) does to a login, its roles or its
# scope is also an `admin.action` event naming the act, beside the row's entry.
def _admin_action(action: str, obj, before: dict | None, after: dict | None) -> dict | None:
    table = obj.__tablename__
    if table not in ("ab_user", "user_scope"):
        return None
    subject_id = obj.id if table == "ab_user" else obj.user_id
    actor_id = _who()[0]
    if actor_id is not None and actor_id == subject_id:
        return None  # a login editing its own profile is no administrator action
    if table == "user_scope":
        act = "scope.delete" if action == "delete" else "scope.set"
    elif action == "insert":
        act = "user.create"
    elif action == "delete":
        act = "user.delete"
    elif "active" in (after or {}):
        act = "user.activate" if after["active"] else "user.deactivate"
    elif "roles" in (after or {}):
        act = "user.roles"
    else:
        act = "user.edit"
    data = {"act": act, "fields": sorted(set(before or {}) | set(after or {}) - {"cascade"})}
    if "roles" in (after or {}) or "roles" in (before or {}):
        data.update(roles_before=(before or {}).get("roles"), roles_after=(after or {}).get("roles"))
    return {"action": "event", "table_name": "admin.action", "record_id": str(subject_id),
            "after": data}


def _after_flush(session: Session, flush_context) -> None:
    changes = _collect(session)
    cascaded = session.info.pop("xueshi_cascaded", [])
    if not changes and not cascaded:
        return
    entries = [
        {"action": action, "table_name": obj.__tablename__, "record_id": _record_id(obj),
         "before": before, "after": after}
        for action, obj, before, after in changes
    ] + cascaded
    entries += [e for e in (_admin_action(*change) for change in changes) if e is not None]
    _append(session.connection(), entries)


# Security events: action "event", table_name the event type, record_id the login.
SECURITY_EVENTS = {
    "login.success", "login.failure", "login.locked", "logout", "lockout",
    "password.change", "password.reset", "password.expired",
    "mfa.enrol", "mfa.success", "mfa.failure", "mfa.reset", "mfa.recovery_code",
    "token.refresh", "token.reuse",
    "role.proposed", "role.approved", "role.refused", "role.grant_refused",
    "session.revoked", "export.personal_data", "download.personal_data",
    "check.bulk", "verify.lookups", "admin.action", "audit.anchor", "audit.archive",
    "audit.redact",
}


def client_address() -> str | None:
    from flask import has_request_context, request

    return request.remote_addr if has_request_context() else None


def security_event(kind: str, *, session: Session | None = None, user=None,
                   username: str | None = None, record: str | None = None,
                   commit: bool = False, **details) -> None:
    """Write one security event to the chain, in the caller's transaction
    (`commit=True` commits it at once, e.g. a failed login that changes nothing else).

    `user` is the login the event is about (the actor comes from the request or
    `acting_as`), or `record` what it concerns ("certificate:12"); `details` are
    stored as the entry's JSON, with the client address."""
    if kind not in SECURITY_EVENTS:
        raise ValueError(f"unknown security event {kind}")
    if session is None:
        from ..extensions import db

        session = db.session
    subject = username or (user.username if user is not None else "")
    data = {k: _plain(k, v) for k, v in details.items() if v is not None}
    address = client_address()
    if address:
        data.setdefault("client", address)
    entry = {"action": "event", "table_name": kind, "record_id": str(record or subject)[:64],
             "after": data}
    actor_id, actor, _roles = _who()
    if actor_id is None and actor == "system" and user is not None:
        # before login the actor is the login itself (or the name it typed)
        entry.update(user_id=user.id, username=user.username,
                     roles=",".join(sorted(r.name for r in user.roles)))
    elif actor_id is None and actor == "system" and username:
        entry.update(username="anonymous")
    _append(session.connection(), [entry])
    if commit:
        session.commit()


def install() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    problem: str = ""


def verify(session: Session, chunk: int = 5000, *, archives: bool = False) -> VerifyResult:
    """Recompute the chain; the first mismatch, gap or missing tail fails it,
    and so does a chain shorter than (or different from) the latest anchor.
    `archives=True` also checks every archive file and its links."""
    from . import audit_store

    try:
        start_seq, prev, archived = audit_store.chain_start(check_files=archives)
        anchor = audit_store.latest_anchor()
    except audit_store.StoreError as exc:
        return VerifyResult(False, 0, str(exc))
    table = AuditEntry.__table__
    expected_seq, checked = start_seq, 0
    last_seq = start_seq - 1
    anchor_seen = anchor is None or anchor["seq"] <= last_seq
    while True:
        rows = session.execute(
            select(table).where(table.c.seq >= expected_seq).order_by(table.c.seq).limit(chunk)
        ).mappings().all()
        if not rows:
            break
        for row in rows:
            if row["seq"] != expected_seq:
                return VerifyResult(False, checked, gettext("Audit entry #%(seq)d is missing.", seq=expected_seq))
            if row["prev_hash"] != prev:
                return VerifyResult(False, checked, gettext("Audit entry #%(seq)d does not follow the one before it.", seq=row["seq"]))
            if not entry_verifies(dict(row)):
                return VerifyResult(False, checked, gettext("Audit entry #%(seq)d was altered.", seq=row["seq"]))
            if anchor is not None and row["seq"] == anchor["seq"]:
                if row["hash"] != anchor["hash"]:
                    return VerifyResult(False, checked, gettext(
                        "Audit entry #%(seq)d differs from the anchor of %(at)s.",
                        seq=row["seq"], at=anchor["at"]))
                anchor_seen = True
            prev, expected_seq, checked = row["hash"], expected_seq + 1, checked + 1
            last_seq = row["seq"]
    if not anchor_seen:
        return VerifyResult(False, checked, gettext(
            "The audit log ends at #%(last)d but the anchor of %(at)s names #%(seq)d: entries were removed.",
            last=last_seq, at=anchor["at"], seq=anchor["seq"]))
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if head_seq != last_seq or head_hash != prev:
        return VerifyResult(False, checked, gettext(
            "Audit entries after #%(last)d are missing (the chain head is #%(head)d).",
            last=last_seq,
            head=head_seq,
        ))
    return VerifyResult(True, checked + archived)
