"""Query plans of recorded statements: which of them read a whole table.

Shared by tests/test_home.py and bench/home_bench.py; `statements()` records
what a block runs, for the tests that compare or bound statements. SQLite: EXPLAIN QUERY
PLAN, where a SCAN (of the table or of a whole index) reads every row; a
SEARCH is bounded by its index. PostgreSQL: EXPLAIN with sequential scans
priced out (test tables are tiny), so a Seq Scan left is one no index serves."""
from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from app.extensions import db

# tables whose rows grow with the city
CITY_TABLES = ("person", "activity", "ledger", "claim", "message", "audit_entry", "unit", "enrolment",
               "certificate", "training_class", "roster_link", "ab_user", "user_scope", "login_state")


@contextmanager
def statements(app):
    """The statements the app runs inside the block, parameters left out (an
    IN list keeps its length: the same number of placeholders either way)."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(re.sub(r"\s+", " ", statement).strip())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _table(name: str) -> str:
    return re.sub(r"_\d+$", "", name)  # SQLAlchemy's aliases: person_1


def plans(engine, seen: list[tuple[str, object]]) -> list[tuple[str, list[str]]]:
    """(SQL, its plan's lines) of each SELECT of `seen` ((SQL, DB-API parameters)
    as the cursor got them)."""
    found = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        postgres = engine.dialect.name == "postgresql"
        if postgres:
            # scans and sorts priced out: test tables are tiny, and their statistics turn with
            # when autovacuum last analysed them; a scan or sort left is one no index serves
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("SET enable_sort = off")
        for statement, parameters in seen:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + statement, parameters)
            found.append((statement, [str(row[0] if postgres else row[-1]) for row in cursor.fetchall()]))
    finally:
        raw.rollback()
        raw.close()
    return found


def scans(engine, seen: list[tuple[str, object]], tables=CITY_TABLES) -> list[str]:
    """The statements of `seen` whose plan reads the whole of one of `tables`."""
    found = []
    for statement, lines in plans(engine, seen):
        for detail in lines:
            match = (re.search(r"Seq Scan on (\w+)", detail) if engine.dialect.name == "postgresql"
                     else re.match(r"\s*SCAN (\w+)", detail))
            if match and _table(match.group(1)) in tables:
                found.append(f"{detail.strip()}: {' '.join(statement.split())[:160]}")
    return found
