"""Home page benchmark: each role's `/` at N people and at 10 x N people.

    python bench/home_bench.py [--people 10000] [--requests 50] [--db URL]

Seeds N people (about 8 activities each, as bench/ledger_bench.py does, plus
a submitted claim for one person in five and filed classes), computes the
ledgers, logs one user of each role in, and times GET / (p50 and p95 over
--requests requests through the WSGI test client). Then adds 9 x N people
to the same database and times again. Prints both figures per role and
their ratio (how the page grows with the city); the last line is
`ratio=R`, the worst role's p50 ratio. The association's city figures are
cached (services/dashboard.py); a further row times its page with the cache
dropped before each request (not in R: that cost is paid once a minute).
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, inspect, select, text  # noqa: E402

from bench.ledger_bench import activity  # noqa: E402
from tests.conftest import TOTP_SECRET, sign_in  # noqa: E402  (the second factor of privileged logins)

PASSWORD = "Bench-Pass-2026!"
UNITS = 100
ROLES = ("professional", "unit_reviewer", "base_staff", "authority_staff", "association_admin",
         "district_officer", "auditor")


def seed(app, start: int, people: int, unit_ids: list[int], rng: random.Random) -> None:
    from stdnum.cn import ric

    from app.extensions import db
    from app.models import Activity, Claim, Person

    with app.app_context():
        next_activity = (db.session.execute(text("SELECT max(id) FROM activity")).scalar() or 0) + 1
        next_claim = (db.session.execute(text("SELECT max(id) FROM claim")).scalar() or 0) + 1
        for chunk in range(start, start + people, 5000):
            persons, acts, claims = [], [], []
            for n in range(chunk, min(chunk + 5000, start + people)):
                born = date(1965, 1, 1) + timedelta(days=n % 12000)
                body = f"370202{born:%Y%m%d}{(n // 12000) % 1000:03d}"
                persons.append({"id": n + 1, "id_number": body + ric.calc_check_digit(body + "0"),
                                "name": f"人员{n}", "unit_id": unit_ids[n % UNITS],
                                "series": "engineering", "title_level": "intermediate",
                                "is_enterprise_manager": False})
                for k in range(rng.randint(6, 10)):
                    acts.append({**activity(rng, n + 1, k), "id": next_activity})
                    next_activity += 1
                if n % 5 == 0:
                    claims.append({"id": next_claim, "person_id": n + 1, "year": 2026,
                                   "kind": "public_subject_exam", "title": f"考试{n}", "state": "submitted",
                                   "date": date(2026, 5, 10), "hours": 4, "passed": True,
                                   "category": "public"})
                    next_claim += 1
            conn = db.session.connection()
            conn.execute(insert(Person), persons)
            conn.execute(insert(Activity), acts)
            conn.execute(insert(Claim), claims)
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.session.remove()


def setup(app) -> list[int]:
    """Units, a base, filed classes and one login per role."""
    from stdnum.cn import uscc

    from app.extensions import db
    from app.models import Department, District, TrainingBase, TrainingClass, Unit
    from app.services import accounts, audit

    with app.app_context():
        accounts.initialise(app.appbuilder)
        district_ids = db.session.execute(select(District.id).order_by(District.id)).scalars().all()
        conn = db.session.connection()
        dept = conn.execute(insert(Department).values(name="基准测试部门").returning(Department.id)).scalar()
        base = conn.execute(insert(TrainingBase).values(
            code="TB-BENCH", name="基准基地", department_id=dept, status="active").returning(TrainingBase.id)).scalar()
        unit_ids = []
        for i in range(UNITS):
            body = f"91370202MA{i:07d}"
            unit_ids.append(conn.execute(insert(Unit).values(
                name=f"基准单位{i}", credit_code=body + uscc.calc_check_digit(body),
                district_id=district_ids[i % len(district_ids)], department_id=dept,
            ).returning(Unit.id)).scalar())
        conn.execute(insert(TrainingClass), [{
            "name": f"基准班次{i}", "base_id": base, "mode": "offline", "category": "professional",
            "start_date": date(2026, 12, 20), "end_date": date(2026, 12, 21), "hours_per_day": 8,
            "venue": "青岛", "capacity": 50, "state": ("filed", "accepted", "draft")[i % 3]}
            for i in range(300)])
        db.session.commit()
        unit = db.session.get(Unit, unit_ids[0])
        district_code = db.session.get(District, unit.district_id).code
        db.session.remove()
    return unit_ids, {"unit": unit.credit_code, "district": district_code, "department": "基准测试部门",
                      "base": "TB-BENCH"}


def logins(app, targets: dict):
    from app.extensions import db
    from app.models import Person
    from app.security import mfa
    from app.services import accounts, audit

    with app.app_context(), audit.acting_as("bench"):
        person = db.session.get(Person, 1)
        scope_of = {"professional": {"person": person.id_number}, "unit_reviewer": {"unit": targets["unit"]},
                    "base_staff": {"base": targets["base"]},
                    "authority_staff": {"department": targets["department"]},
                    "district_officer": {"district": targets["district"]}}
        for role in ROLES:
            user = accounts.create_user(app.appbuilder, username=f"b_{role}", password=PASSWORD,
                                        role=role, targets=scope_of.get(role, {}), full_name=role)
            if mfa.required(user):
                mfa.enrol_with_secret(user, TOTP_SECRET)
                db.session.commit()
        db.session.remove()
    clients = {}
    for role in ROLES:
        client = app.test_client()
        resp = sign_in(app, client, f"b_{role}", PASSWORD)
        assert resp.status_code == 302 and "/login/" not in resp.headers["Location"], role
        clients[role] = client
    return clients


def recompute(app) -> None:
    from app.extensions import db
    from app.services import ledgers

    with app.app_context():
        ledgers.recompute_year(2026, chunk=2000)
        db.session.remove()


def time_homes(clients, requests: int, before=lambda: None) -> dict[str, tuple[float, float]]:
    found = {}
    for role, client in clients.items():
        assert client.get("/").status_code == 200  # warm
        times = []
        for _ in range(requests):
            before()
            t0 = time.perf_counter()
            resp = client.get("/")
            times.append(time.perf_counter() - t0)
            assert resp.status_code == 200, role
        times.sort()
        found[role] = (statistics.median(times), times[max(int(len(times) * 0.95) - 1, 0)])
    return found


BIG_TABLES = ("person", "activity", "ledger", "claim", "message", "audit_entry", "unit")


def statements(app, client) -> list[tuple[str, tuple]]:
    """The SQL one GET / runs."""
    from sqlalchemy import event

    from app.extensions import db

    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get("/")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def full_scans(app, seen) -> list[str]:
    """Statements whose SQLite plan scans a big table without an index."""
    from app.extensions import db

    found = []
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return found
        raw = db.engine.raw_connection()
        try:
            for statement, parameters in seen:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                plan = raw.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
                for row in plan:
                    detail = row[-1]
                    if detail.startswith("SCAN ") and detail.split()[1] in BIG_TABLES \
                            and "INDEX" not in detail:
                        found.append(f"{detail}: {' '.join(statement.split())[:120]}")
        finally:
            raw.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--db", default=None, help="SQLAlchemy URL of an empty database (default: SQLite)")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="xueshi-home-bench-")
    os.environ["XUESHI_INSTANCE_DIR"] = tmp
    url = args.db or f"sqlite:///{tmp}/bench.db"
    engine = create_engine(url)
    if inspect(engine).get_table_names():
        sys.exit(f"{url} is not empty")
    engine.dispose()

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.services import accounts, dashboard

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "AUTH_RATE_LIMIT": "100000 per minute"})
    with app.app_context():
        upgrade()
        accounts.load_districts()
        db.session.remove()
    rng = random.Random(2026)
    unit_ids, targets = setup(app)
    t0 = time.perf_counter()
    seed(app, 0, args.people, unit_ids, rng)
    recompute(app)
    print(f"seeded and computed {args.people} people in {time.perf_counter() - t0:.1f} s "
          f"({engine.dialect.name})")
    clients = logins(app, targets)
    small = time_homes(clients, args.requests)
    cold = {"association_admin": clients["association_admin"]}
    small_cold = time_homes(cold, args.requests, dashboard.forget)
    t0 = time.perf_counter()
    seed(app, args.people, 9 * args.people, unit_ids, rng)
    recompute(app)
    print(f"added {9 * args.people} people in {time.perf_counter() - t0:.1f} s")
    large = time_homes(clients, args.requests)
    large_cold = time_homes(cold, args.requests, dashboard.forget)
    for role, client in clients.items():
        seen = statements(app, client)
        scans = full_scans(app, seen)
        print(f"{role}: {len(seen)} queries per page" + (f"; full scans: {len(scans)}" if scans else ""))
        if role == "professional":
            for scan in scans:
                print(f"    {scan}")
    worst = 0.0
    print(f"{'role':<20}{'p50 1x':>10}{'p95 1x':>10}{'p50 10x':>10}{'p95 10x':>10}{'ratio':>8}")
    for role in ROLES:
        ratio = large[role][0] / small[role][0]
        worst = max(worst, ratio)
        print(f"{role:<20}{small[role][0] * 1000:>9.1f}ms{small[role][1] * 1000:>8.1f}ms"
              f"{large[role][0] * 1000:>8.1f}ms{large[role][1] * 1000:>8.1f}ms{ratio:>8.2f}")
    (s50, s95), (l50, l95) = small_cold["association_admin"], large_cold["association_admin"]
    print(f"{'(figures not cached)':<20}{s50 * 1000:>9.1f}ms{s95 * 1000:>8.1f}ms{l50 * 1000:>8.1f}ms"
          f"{l95 * 1000:>8.1f}ms{l50 / s50:>8.2f}  (association_admin, cache dropped before each request)")
    print(f"ratio={worst:.2f}")


if __name__ == "__main__":
    main()
