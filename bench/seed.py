"""A city of N people with the real distribution, fast: the benchmarks' seeder.

    python bench/seed.py --people 100000 [--db URL]   (default: a new SQLite file)

Into an empty, migrated database (`xueshi init` done: the 11 districts loaded)
it writes, by COPY on PostgreSQL (psycopg 3) and executemany on SQLite, with the
tables' secondary indexes and foreign-key checks off while it loads (the
indexes are built after, then ANALYZE):

- 40 departments, 200 training bases; N ÷ 50 units (20,000 for a million),
  spread over the districts, their sizes a long tail (Zipf, s = 0.7: the largest
  unit holds about 1.6 % of the city, most hold a few people);
- N people (valid ID numbers, names 人员<n>, most in engineering, some in
  out-of-scope series), each in a unit drawn from that tail;
- 6–10 activities a person (about 8), of every kind, most in 2026, and 1–4
  claims a person (about 2.4) of the claimable kinds, in every state: each
  drawn from a pool of ~20,000 random records by INSERT … SELECT in the
  database (a person's count and picks from a hash of its id), so that no
  Python runs per activity;
- a class for every 130 people (filed by a base, reviewed) with about 40
  enrolments each and a certificate for 80 % of them;
- an audit log of N entries, a valid hash chain with its head;
then the ledgers of 2026 by the project's bulk recompute (`recompute_year`).

`city(app, people)` is what bench/scale_bench.py and bench/ledger_bench.py call.
"""
from __future__ import annotations

import argparse
import bisect
import hashlib
import itertools
import json
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

YEAR = 2026
NOW = "2026-06-01 08:00:00.000000"
KINDS = [  # (kind, weight)
    ("platform_course", 30), ("offline_training", 20), ("online_training", 15),
    ("priority_training", 5), ("academic_activity", 8), ("public_subject_exam", 5),
    ("education_or_tour", 4), ("achievement", 4), ("qualification_exam", 3),
    ("expert_service", 3), ("assignment", 2), ("leave_exemption", 1),
]
SERIES = [("engineering", 60), ("economics", 8), ("health", 8), ("k12_teacher", 8),
          ("accounting", 6), ("agriculture", 4), ("research", 3), ("lawyer", 3)]
LEVELS = [("junior", 30), ("intermediate", 45), ("deputy_senior", 18), ("senior", 7)]
CLAIM_STATES = [("approved", 55), ("submitted", 20), ("draft", 10), ("rejected", 10),
                ("withdrawn", 5)]
RECORD = ("category", "date", "hours", "days", "passed", "courses", "project", "channel",
          "start", "end", "reason")
BATCH = 20_000


def record(rng: random.Random, kind: str, n: int) -> dict:
    """The engine fields, title and years of one activity or claim of `kind`."""
    day = date(YEAR, 1, 1) + timedelta(days=rng.randrange(365))
    row = dict.fromkeys(RECORD)
    row.update(kind=kind, title=f"{kind}-{n}", first_year=YEAR, last_year=YEAR,
               category=rng.choice(("public", "professional")))
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
        row["days"] = json.dumps([{"date": (day + timedelta(days=i)).isoformat(),
                                   "hours": rng.choice((4, 6, 8, 8, 3.5))}
                                  for i in range(rng.randint(1, 3))])
        if kind == "online_training":
            row["channel"] = rng.choice(("platform", "platform", "platform", "wechat"))
    return row


def _picker(rng: random.Random, table):
    values, weights = zip(*table)
    cumulative = list(itertools.accumulate(weights))
    total = cumulative[-1]
    return lambda: values[bisect.bisect(cumulative, rng.random() * total)]


def id_number(n: int) -> str:
    from stdnum.cn import ric

    born = date(1965, 1, 1) + timedelta(days=n % 12000)
    body = f"370202{born:%Y%m%d}{(n // 12000) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


POOL = 20_011  # records in each pool (a prime: the hashed picks spread over all of it)
LOADED = ["department", "training_base", "unit", "person", "activity", "claim", "training_class",
          "enrolment", "certificate", "audit_entry"]


class Loader:
    """Rows into a table: COPY on PostgreSQL, executemany on SQLite; on its own
    connection, with foreign-key checks off (the seeder writes valid references)."""

    def __init__(self, engine):
        self.raw = engine.raw_connection()
        self.pg = engine.dialect.name == "postgresql"
        cursor = self.raw.cursor()
        if self.pg:
            cursor.execute("SET session_replication_role = replica")  # no FK triggers per row
            cursor.execute("SET maintenance_work_mem = '256MB'")
        else:
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA foreign_keys = OFF")
        self.indexes: list[str] = []

    def load(self, table: str, columns: tuple[str, ...], rows) -> int:
        names = ", ".join(f'"{c}"' for c in columns)
        count = 0
        cursor = self.raw.cursor()
        if self.pg:
            with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            sql = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'
            for batch in iter(lambda: list(itertools.islice(rows, BATCH)), []):
                cursor.executemany(sql, batch)
                count += len(batch)
        self.raw.commit()
        return count

    def execute(self, sql: str) -> int:
        cursor = self.raw.cursor()
        cursor.execute(sql)
        count = cursor.rowcount
        self.raw.commit()
        return count

    def drop_indexes(self, tables: list[str]) -> None:
        """Drop the tables' secondary indexes (not those of a primary key or a
        unique constraint), keeping their definitions for `build_indexes`."""
        cursor = self.raw.cursor()
        if self.pg:
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes i WHERE tablename = ANY(%s) "
                           "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                           (tables,))
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                           f"AND tbl_name IN ({', '.join('?' * len(tables))})", tables)
        found = cursor.fetchall()
        for name, definition in found:
            cursor.execute(f'DROP INDEX "{name}"')
        self.indexes = [definition for _, definition in found]
        self.raw.commit()

    def build_indexes(self) -> None:
        cursor = self.raw.cursor()
        for definition in self.indexes:
            cursor.execute(definition)
            self.raw.commit()
        self.indexes = []

    def finish(self, tables: list[str]) -> None:
        """Move each table's id sequence past the ids written (PostgreSQL)."""
        cursor = self.raw.cursor()
        if self.pg:
            for table in tables:
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                               f'COALESCE((SELECT max(id) FROM "{table}"), 1))')
        self.raw.commit()
        self.raw.close()


def _drawn(loader: Loader, table: str, columns: tuple[str, ...], pool, count: str, pick: int,
           placed: bool = False) -> int:
    """Rows of `table` for every person, drawn from `pool` (tuples of `columns`)
    in the database: `count` is a person's number of rows as SQL over `p.id`
    (at most 10), `pick` a multiplier that makes this table's picks its own;
    `placed`: the table carries its person's unit and district (app/models/placement.py)."""
    names = ", ".join(f'"{c}"' for c in columns)
    picked = ", ".join(f's."{c}"' for c in columns)
    loader.execute(f'CREATE TABLE seed_pool AS SELECT 0 AS n, {names} FROM "{table}" WHERE 1 = 0')
    loader.load("seed_pool", ("n", *columns), ((n, *row) for n, row in enumerate(pool)))
    ks = " UNION ALL ".join(f"SELECT {k} AS k" for k in range(1, 11))
    place = (", unit_id, district_id", ", p.unit_id, u.district_id", " JOIN unit u ON u.id = p.unit_id")
    into, values, join = place if placed else ("", "", "")
    written = loader.execute(
        f'INSERT INTO "{table}" (person_id{into}, {names}) '
        f"SELECT p.id{values}, {picked} "
        f"FROM person p{join} JOIN ({ks}) ks ON ks.k <= {count} "
        f"JOIN seed_pool s ON s.n = (CAST(p.id AS BIGINT) * {pick} + ks.k * 104729) % {POOL}")
    loader.execute("DROP TABLE seed_pool")
    return written


def _unit_sizes(units: int, people: int) -> list[int]:
    """How many people each unit holds: a Zipf tail, every unit at least one."""
    weights = [1 / (i + 1) ** 0.7 for i in range(units)]
    spare = people - units
    scale = spare / sum(weights)
    sizes = [1 + int(w * scale) for w in weights]
    for i in range(people - sum(sizes)):
        sizes[i % units] += 1
    return sizes


def city(app, people: int, seed_value: int = 2026, *, recompute: bool = True,
         log=print) -> dict[str, int]:
    """Seed the city (see the module docstring) and return the row counts written."""
    from sqlalchemy import select
    from stdnum.cn import uscc

    from app.extensions import db
    from app.models import District
    from app.security.scope import acting_as_system
    from app.services import claims as claim_service, ledgers

    rng = random.Random(seed_value)
    counts: dict[str, int] = {}
    t0 = time.perf_counter()

    def step(name: str, n: int) -> None:
        counts[name] = n
        log(f"  {name}: {n:,} rows ({time.perf_counter() - t0:.0f} s)")

    with app.app_context():
        districts = db.session.execute(select(District.id).order_by(District.id)).scalars().all()
        claimable = [r.kind for r in claim_service.claimable(YEAR)] or ["academic_activity"]
        db.session.remove()
        loader = Loader(db.engine)
        loader.drop_indexes(LOADED)

        step("department", loader.load("department", ("id", "name", "created_at", "updated_at"), (
            (i + 1, f"主管部门{i + 1}", NOW, NOW) for i in range(40))))
        step("training_base", loader.load(
            "training_base", ("id", "code", "name", "department_id", "status", "created_at",
                              "updated_at"),
            ((i + 1, f"JD{i + 1:05d}", f"培训基地{i + 1}", i % 40 + 1, "active", NOW, NOW)
             for i in range(200))))

        units = max(len(districts), people // 50)
        sizes = _unit_sizes(units, people)

        def unit_rows():
            for i in range(units):
                body = f"91370202MA{i:07d}"
                yield (i + 1, f"单位{i + 1}", body + uscc.calc_check_digit(body),
                       districts[i % len(districts)], i % 40 + 1, NOW, NOW)

        step("unit", loader.load("unit", ("id", "name", "credit_code", "district_id",
                                          "department_id", "created_at", "updated_at"),
                                 unit_rows()))
        unit_of = [u + 1 for u, size in enumerate(sizes) for _ in range(size)]
        rng.shuffle(unit_of)
        series, level = _picker(rng, SERIES), _picker(rng, LEVELS)
        def district_of(unit_id: int) -> int:  # the unit's district (unit_rows)
            return districts[(unit_id - 1) % len(districts)]

        step("person", loader.load(
            "person", ("id", "id_number", "name", "unit_id", "district_id", "series", "title_level",
                       "is_enterprise_manager", "created_at", "updated_at"),
            ((n + 1, id_number(n), f"人员{n}", unit_of[n], district_of(unit_of[n]), series(), level(),
              n % 97 == 0, NOW, NOW) for n in range(people))))

        kind = _picker(rng, KINDS)
        activity_columns = ("source", "created_at", "updated_at", "kind", "title", "first_year",
                            "last_year", *RECORD)
        pool = ({"source": "platform", "created_at": NOW, "updated_at": NOW,
                 **record(rng, kind(), n % 10)} for n in range(POOL))
        step("activity", _drawn(loader, "activity", activity_columns,
                                (tuple(r[c] for c in activity_columns) for r in pool),
                                "6 + (CAST(p.id AS BIGINT) * 40503) % 5", 7919))  # 6-10

        state = _picker(rng, CLAIM_STATES)
        claim_columns = ("year", "state", "created_at", "updated_at", "kind", "title", *RECORD)
        pool = ({"year": YEAR, "state": state(), "created_at": NOW, "updated_at": NOW,
                 **record(rng, rng.choice(claimable), n % 4)} for n in range(POOL))
        step("claim", _drawn(loader, "claim", claim_columns,
                             (tuple(r[c] for c in claim_columns) for r in pool),
                             "CASE (CAST(p.id AS BIGINT) * 52189) % 5 WHEN 0 THEN 1 WHEN 4 THEN 3 "
                             "WHEN 3 THEN 4 ELSE 2 END", 6967, placed=True))  # 1, 2, 2, 3, 4: 2.4

        classes = max(1, people // 130)
        starts = [date(YEAR, 1, 5) + timedelta(days=rng.randrange(330)) for _ in range(classes)]
        step("training_class", loader.load(
            "training_class", ("id", "name", "base_id", "mode", "category", "start_date",
                               "end_date", "hours_per_day", "venue", "capacity", "state",
                               "certificates_total", "certificates_rendered", "created_at",
                               "updated_at"),
            ((c + 1, f"培训班{c + 1}", c % 200 + 1, "offline", ("public", "professional")[c % 2],
              starts[c], starts[c] + timedelta(days=1), 8, "青岛", 60, "reviewed", 0, 0, NOW, NOW)
             for c in range(classes))))

        enrolled = []  # (enrolment id, class id, person id)

        def place(pid: int) -> tuple[int, int]:  # the person's unit and its district
            return unit_of[pid - 1], district_of(unit_of[pid - 1])

        def enrolment_rows():
            seen = set()
            for n in range(classes * 40):
                cid, pid = n % classes + 1, rng.randrange(people) + 1
                if (cid, pid) in seen:
                    continue
                seen.add((cid, pid))
                enrolled.append((len(enrolled) + 1, cid, pid))
                day = starts[cid - 1]
                attendance = json.dumps({day.isoformat(): 8, (day + timedelta(days=1)).isoformat(): 8})
                yield (len(enrolled), cid, pid, *place(pid), attendance, NOW, NOW)

        step("enrolment", loader.load("enrolment", ("id", "class_id", "person_id", "unit_id",
                                                    "district_id", "attendance", "created_at",
                                                    "updated_at"),
                                      enrolment_rows()))
        step("certificate", loader.load(
            "certificate", ("id", "number", "token", "class_id", "enrolment_id", "person_id",
                            "unit_id", "district_id", "hours", "issued_at", "revoked", "status_index",
                            "suspended"),
            ((i + 1, f"QD{YEAR}{eid:09d}", hashlib.sha256(b"cert%d" % eid).hexdigest()[:43],
              cid, eid, pid, *place(pid), 16, NOW, False, i, False)
             for i, (eid, cid, pid) in enumerate(e for e in enrolled if e[0] % 5))))

        with app.test_request_context():
            step("audit_entry", _audit_log(loader, people))
        loader.build_indexes()
        step("indexes", len(LOADED))
        loader.finish(LOADED)
        _analyze(db.engine)
        if recompute:
            with acting_as_system():
                result = ledgers.recompute_year(YEAR, workers=os.cpu_count() or 1)
                db.session.remove()
            step("ledger", result.written)
            _analyze(db.engine)
    return counts


def _audit_log(loader: Loader, people: int) -> int:
    """N entries (a person inserted, edited, a claim reviewed ...): a valid chain and its head."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import AuditEntry
    from app.services.audit import GENESIS_HASH, entry_hash

    at = datetime(YEAR, 6, 1, 8, tzinfo=timezone.utc)
    actions = (("insert", "person"), ("update", "person"), ("update", "claim"),
               ("insert", "activity"), ("update", "ledger"))
    head = db.session.execute(select(AuditEntry.seq, AuditEntry.hash)
                              .order_by(AuditEntry.seq.desc()).limit(1)).first()
    first, prev = (head.seq + 1, head.hash) if head else (1, GENESIS_HASH)
    db.session.remove()
    last = [prev]

    def rows(prev=prev):
        for seq in range(first, first + people):
            action, table = actions[seq % len(actions)]
            when = at + timedelta(seconds=seq)
            row = {"seq": seq, "at": when, "user_id": None, "username": "bench:seed",
                   "roles": "", "action": action, "table_name": table,
                   "record_id": str(seq % people + 1), "before": None,
                   "after": json.dumps({"name": f"人员{seq}"}, ensure_ascii=False),
                   "prev_hash": prev}
            row["hash"] = prev = entry_hash(row)
            last[0] = prev
            yield (seq, seq, when.strftime("%Y-%m-%d %H:%M:%S.%f"), None, row["username"],
                   row["roles"], action, table, row["record_id"], None, row["after"],
                   row["prev_hash"], row["hash"])

    loader.load("audit_entry", ("id", "seq", "at", "user_id", "username", "roles", "action",
                                    "table_name", "record_id", "before", "after", "prev_hash",
                                    "hash"), rows())
    loader.raw.cursor().execute("UPDATE audit_head SET seq = %s, hash = %s WHERE id = 1"
                                .replace("%s", "%s" if loader.pg else "?"),
                                (first + people - 1, last[0]))
    loader.raw.commit()
    return people


def _analyze(engine) -> None:
    """Statistics for the planner; on PostgreSQL also VACUUM, as autovacuum keeps a live
    database: the visibility map lets a count of a district's rows read its index alone."""
    from sqlalchemy import text

    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


def settle(app) -> None:
    """A reused city after its migrations: vacuumed and analysed like a fresh one."""
    from app.extensions import db

    with app.app_context():
        _analyze(db.engine)
        db.engine.dispose()


def app_for(url: str, **config):
    """The app on `url`, migrated to head and initialised (roles, districts)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.services import accounts

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, **config})
    with app.app_context():
        upgrade()
        accounts.initialise(app.appbuilder)
        db.session.remove()
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--db", default=None, help="SQLAlchemy URL of an empty database "
                                                   "(default: a new SQLite file)")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="xueshi-seed-")
    os.environ.setdefault("XUESHI_INSTANCE_DIR", tmp)
    url = args.db or f"sqlite:///{tmp}/city.db"
    t0 = time.perf_counter()
    app = app_for(url)
    print(f"seeding {args.people:,} people into {url}", flush=True)
    city(app, args.people, log=lambda line: print(line, flush=True))
    print(f"done in {time.perf_counter() - t0:.0f} s")


# -- shared by the benchmarks that build a city --------------------------------

def seeded_people(url: str) -> int | None:
    """How many people a seeded city at `url` holds (None: not seeded)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM person")).scalar()
    except Exception:  # no such database or table: not seeded
        return None
    finally:
        engine.dispose()


def empty_database(url: str) -> None:
    """An empty database at `url` (SQLite file removed, PostgreSQL dropped and made again)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        Path(u.database).unlink(missing_ok=True)
        return
    engine = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{u.database}"'))
    engine.dispose()


if __name__ == "__main__":
    main()
