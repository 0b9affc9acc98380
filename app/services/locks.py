"""Row locks for workflow steps, on PostgreSQL and on SQLite.

PostgreSQL: SELECT … FOR UPDATE locks the rows until commit. SQLite has no
row locks, and Python's driver starts a transaction only at the first write,
so two steps could both read a row before either writes. There, a step takes
the database's write lock first (a no-op UPDATE of the audit chain head,
which every audited write updates anyway) and then reads; steps queue."""
from __future__ import annotations

from sqlalchemy import text

from ..extensions import db


def for_update(stmt, of=None, skip_locked: bool = False):
    """`stmt` as a locking read that also refreshes rows already in the session."""
    if db.session.get_bind().dialect.name == "sqlite":
        serialise_writers()
    return stmt.with_for_update(of=of, skip_locked=skip_locked).execution_options(
        populate_existing=True)


def serialise_writers() -> None:
    """Queue behind every other writing transaction until commit (the audit
    chain head is the one row they all update), e.g. before numbering."""
    db.session.execute(text("UPDATE audit_head SET seq = seq WHERE id = 1"))
