"""Ledger benchmark: a city-wide recompute against the floor of reading its rows.

    python bench/ledger_bench.py [--people 100000] [--db URL] [--chunk 2000] [--workers CORES]

Seeds N people (bench/seed.py: about 8 activities each, by COPY on PostgreSQL)
into an empty database (a fresh SQLite file by default; a PostgreSQL URL must
name an empty database, or pass --reset to drop its tables), then times, in one run:

  (a) `recompute_year(2026)`: read people, activities and existing digests
      chunk by chunk, run app/rules, write every ledger (fresh ledgers), in
      --workers processes on PostgreSQL (one on SQLite, which writes one at a time);
  (b) one plain SELECT of the same activity rows, fetched to Python tuples.

Prints people per second and a / b; the last line is `ratio=R` (goal ≤ 2).
"""
from __future__ import annotations

import argparse
import os
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import create_engine, func, inspect, select, text  # noqa: E402

import seed  # noqa: E402

def activity(rng: random.Random, person_id: int, n: int) -> dict:
    """One activity of a random kind as an ORM insert row (home_bench.py): seed.record's."""
    row = seed.record(rng, rng.choices(*zip(*seed.KINDS))[0], n)
    if row["days"]:
        row["days"] = json.loads(row["days"])
    return {**row, "person_id": person_id, "source": "platform"}


def plain_read(app, year: int) -> tuple[float, int]:
    from app.extensions import db
    from app.models import Activity
    from app.services.ledgers import _ACTIVITY_COLUMNS

    with app.app_context():
        stmt = select(*_ACTIVITY_COLUMNS).where(Activity.first_year <= year, Activity.last_year >= year)
        t0 = time.perf_counter()
        with db.engine.connect() as conn:
            rows = conn.execute(stmt).fetchall()
        elapsed = time.perf_counter() - t0
        db.session.remove()
    return elapsed, len(rows)


def recompute(app, year: int, chunk: int, workers: int):
    from app.extensions import db
    from app.services import ledgers

    with app.app_context():
        t0 = time.perf_counter()
        result = ledgers.recompute_year(year, chunk=chunk, workers=workers)
        elapsed = time.perf_counter() - t0
        db.session.remove()
    return elapsed, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--db", default=None, help="SQLAlchemy URL (default: a new SQLite file)")
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--reset", action="store_true", help="drop the database's tables first")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="xueshi-bench-")
    os.environ["XUESHI_INSTANCE_DIR"] = tmp
    url = args.db or f"sqlite:///{tmp}/bench.db"
    engine = create_engine(url)
    tables = inspect(engine).get_table_names()
    if tables:
        if not args.reset:
            sys.exit(f"{url} is not empty; pass --reset to drop its tables")
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Ledger
    from app.services import accounts

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        accounts.load_districts()
        db.session.remove()
    t0 = time.perf_counter()
    rows = seed.city(app, args.people, recompute=False, log=lambda line: None)["activity"]
    print(f"seeded {args.people} people, {rows} activities in {time.perf_counter() - t0:.1f} s "
          f"({engine.dialect.name})")

    read_s, read_rows = plain_read(app, 2026)
    full_s, result = recompute(app, 2026, args.chunk, args.workers)
    again_s, again = recompute(app, 2026, args.chunk, args.workers)
    read2_s, _ = plain_read(app, 2026)
    read_s = min(read_s, read2_s)
    with app.app_context():
        stored = db.session.execute(select(func.count()).select_from(Ledger)).scalar()
        db.session.remove()
        db.engine.dispose()
    print(f"(b) plain SELECT of {read_rows} activity rows: {read_s:.2f} s")
    print(f"(a) full recompute: {result.people} people, {result.written} ledgers written "
          f"in {full_s:.2f} s = {result.people / full_s:,.0f} people/s ({stored} ledgers stored)")
    print(f"    second recompute (nothing changed): {again.written} written, {again.unchanged} "
          f"unchanged in {again_s:.2f} s = {again.people / again_s:,.0f} people/s "
          f"(ratio {again_s / read_s:.2f})")
    print(f"ratio={full_s / read_s:.2f}")


if __name__ == "__main__":
    main()
