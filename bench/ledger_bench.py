"""Ledger benchmark: a city-wide recompute against the floor of reading its rows.

    python bench/ledger_bench.py [--people 100000] [--db URL] [--chunk 2000]

Seeds N people with about 8 approved activities each into an empty database
(a fresh SQLite file by default; a PostgreSQL URL must name an empty
database, or pass --reset to drop its tables), then times, in one run:

  (a) `recompute_year(2026)`: read people, activities and existing digests
      chunk by chunk, run app/rules, write every ledger (fresh ledgers);
  (b) one plain SELECT of the same activity rows, fetched to Python tuples.

Prints people per second and a / b; the last line is `ratio=R`.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, insert, inspect, select, text  # noqa: E402

KINDS = [  # (kind, weight)
    ("platform_course", 30), ("offline_training", 20), ("online_training", 15),
    ("priority_training", 5), ("academic_activity", 8), ("public_subject_exam", 5),
    ("education_or_tour", 4), ("achievement", 4), ("qualification_exam", 3),
    ("expert_service", 3), ("assignment", 2), ("leave_exemption", 1),
]


def activity(rng: random.Random, person_id: int, n: int) -> dict:
    kinds, weights = zip(*KINDS)
    kind = rng.choices(kinds, weights)[0]
    day = date(2026, 1, 1) + timedelta(days=rng.randrange(365))
    row = {"person_id": person_id, "kind": kind, "title": f"{kind}-{n}", "source": "platform",
           "first_year": 2026, "last_year": 2026, "category": rng.choice(("public", "professional")),
           "date": None, "hours": None, "days": None, "passed": None, "courses": None,
           "project": None, "channel": None, "start": None, "end": None, "reason": None}
    if kind in ("platform_course", "public_subject_exam"):
        row.update(date=day, hours=rng.choice((2, 3, 4, 6, 8, 1.5, 2.5)))
        if kind == "public_subject_exam":
            row["passed"] = rng.random() < 0.9
    elif kind in ("education_or_tour", "achievement", "qualification_exam"):
        row["date"] = day
        if kind == "achievement":
            row["project"] = f"项目{rng.randrange(5)}"
        if kind == "qualification_exam":
            row["courses"] = rng.randint(1, 4)
    elif kind in ("assignment", "leave_exemption"):
        start = day - timedelta(days=rng.randrange(200))
        row.update(start=start, end=start + timedelta(days=rng.randrange(30, 300)))
        row["first_year"], row["last_year"] = start.year, row["end"].year
        if kind == "leave_exemption":
            row["reason"] = rng.choice(("overseas", "illness", "maternity"))
    else:
        days = []
        for i in range(rng.randint(1, 3)):
            days.append({"date": (day + timedelta(days=i)).isoformat(),
                         "hours": rng.choice((4, 6, 8, 8, 3.5))})
        row["days"] = days
        if kind == "online_training":
            row["channel"] = rng.choice(("platform", "platform", "platform", "wechat"))
    return row


def seed(app, people: int, seed_value: int = 2026) -> int:
    from stdnum.cn import ric, uscc

    from app.extensions import db
    from app.models import Activity, Department, District, Person, Unit

    rng = random.Random(seed_value)
    with app.app_context():
        conn = db.session.connection()
        district_ids = db.session.execute(select(District.id)).scalars().all()
        dept = conn.execute(insert(Department).values(name="基准测试部门").returning(Department.id)).scalar()
        unit_ids = []
        for i in range(100):
            body = f"91370202MA{i:07d}"
            unit_ids.append(conn.execute(insert(Unit).values(
                name=f"基准单位{i}", credit_code=body + uscc.calc_check_digit(body),
                district_id=district_ids[i % len(district_ids)], department_id=dept,
            ).returning(Unit.id)).scalar())
        db.session.commit()
        total = 0
        batch = 5000
        next_id = 1
        print(f"seeding {people} people ...", flush=True)
        for start in range(0, people, batch):
            persons, acts = [], []
            for n in range(start, min(start + batch, people)):
                born = date(1965, 1, 1) + timedelta(days=n % 12000)
                body = f"370202{born:%Y%m%d}{(n // 12000) % 1000:03d}"
                persons.append({"id": n + 1, "id_number": body + ric.calc_check_digit(body + "0"),
                                "name": f"人员{n}", "unit_id": unit_ids[n % 100],
                                "series": "health" if n % 50 == 0 else "engineering",
                                "title_level": "intermediate", "is_enterprise_manager": False})
                for k in range(rng.randint(6, 10)):
                    acts.append({**activity(rng, n + 1, k), "id": next_id})
                    next_id += 1
            conn = db.session.connection()
            conn.execute(insert(Person), persons)
            conn.execute(insert(Activity), acts)
            db.session.commit()
            total += len(acts)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.session.remove()
    return total


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


def recompute(app, year: int, chunk: int):
    from app.extensions import db
    from app.services import ledgers

    with app.app_context():
        t0 = time.perf_counter()
        result = ledgers.recompute_year(year, chunk=chunk)
        elapsed = time.perf_counter() - t0
        db.session.remove()
    return elapsed, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--db", default=None, help="SQLAlchemy URL (default: a new SQLite file)")
    parser.add_argument("--chunk", type=int, default=2000)
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
    rows = seed(app, args.people)
    print(f"seeded {args.people} people, {rows} activities in {time.perf_counter() - t0:.1f} s "
          f"({engine.dialect.name})")

    read_s, read_rows = plain_read(app, 2026)
    full_s, result = recompute(app, 2026, args.chunk)
    again_s, again = recompute(app, 2026, args.chunk)
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
