"""Scale benchmark: does a screen cost more in a bigger city?

    python bench/scale_bench.py [--people 2000] [--factor 10] [--db URL] [--repeat 7]

Seeds a city of N people (ledger_bench's seeder: 100 units, ~8 activities a
person, ledgers recomputed) and another of N × factor, each in its own empty
database (fresh SQLite files by default; with --db, a PostgreSQL URL whose
database and database_big are dropped and rebuilt), then times through the
app, as the association and as a district officer: every list screen below
(page 1 and page 50, with and without its usual filter), the person search by
ID, the lookup endpoint, the API ledger list with a filter, and the dashboard
figures (uncached). Prints each path's median at N and at N × factor and their
ratio; the last line is `ratio=R`, the worst list ratio (goal ≤ 1.5).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import ledger_bench  # noqa: E402
from tests.conftest import TOTP_SECRET, api_login, sign_in  # noqa: E402

PASSWORD = "Bench-Pass-2026!"
LISTS = [  # (label, url); {id} is a seeded person's ID number
    ("persons p1", "/personview/list/"),
    ("persons p50", "/personview/list/?page_PersonView=49"),
    ("persons by ID", "/personview/list/?_flt_0_id_number={id}"),
    ("ledgers p1", "/ledgerview/list/"),
    ("ledgers p50", "/ledgerview/list/?page_LedgerView=49"),
    ("ledgers 是否达标=否", "/ledgerview/list/?_flt_0_compliant=n"),
    ("ledgers 是否达标=否 p50", "/ledgerview/list/?_flt_0_compliant=n&page_LedgerView=49"),
    ("lookup person", "/lookup/person/?q=人员1"),
    ("API ledgers compliant=false",
     "/api/v1/ledger/?q=(filters:!((col:compliant,opr:eq,value:!f)))"),
]


def _empty(url: str) -> None:
    if url.startswith("sqlite"):
        return
    u = make_url(url)
    engine = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{u.database}"'))
    engine.dispose()


def build(url: str, people: int):
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import District
    from app.security.scope import acting_as_system
    from app.security import mfa
    from app.services import accounts, audit, ledgers
    from sqlalchemy import select

    _empty(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "AUTH_RATE_LIMIT": "100000 per minute"})
    with app.app_context():
        upgrade()
        accounts.initialise(app.appbuilder)
        db.session.remove()
    t0 = time.perf_counter()
    ledger_bench.seed(app, people)
    with app.app_context(), acting_as_system():
        ledgers.recompute_year(2026)
        code = db.session.execute(select(District.code).order_by(District.id)).scalars().first()
        with audit.acting_as("bench:seed"):
            assoc = accounts.create_user(app.appbuilder, username="assoc", password=PASSWORD,
                                         role="association_admin", targets={}, full_name="assoc")
            mfa.enrol_with_secret(assoc, TOTP_SECRET)
            accounts.create_user(app.appbuilder, username="district", password=PASSWORD,
                                 role="district_officer", targets={"district": code},
                                 full_name="district")
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()
    print(f"  seeded {people:,} people in {time.perf_counter() - t0:.1f} s", flush=True)
    return app


def timings(app, repeat: int) -> dict[str, float]:
    from app.extensions import db
    from app.models import Person
    from app.services import dashboard
    from sqlalchemy import select

    with app.app_context():
        number = db.session.execute(select(Person.id_number).order_by(Person.id)).scalars().first()
        db.session.remove()
    out = {}
    for user in ("assoc", "district"):
        client = app.test_client()
        assert sign_in(app, client, user, PASSWORD).status_code == 302
        token = api_login(app, app.test_client(), user, PASSWORD).json["access_token"]
        for label, url in LISTS:
            url = url.format(id=number)
            headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
            client.get(url, headers=headers)  # warm: templates, caches, plans
            samples = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                resp = client.get(url, headers=headers)
                samples.append(time.perf_counter() - t0)
                assert resp.status_code == 200, (user, url, resp.status_code)
            out[f"{user:8} {label}"] = statistics.median(samples)
    with app.app_context():
        samples = []
        for district in (None, 1):
            for _ in range(repeat):
                t0 = time.perf_counter()
                dashboard.compute(2026, district)
                samples.append(time.perf_counter() - t0)
            out[f"{'assoc' if district is None else 'district':8} dashboard (bulk)"] = \
                statistics.median(samples[-repeat:])
        db.session.remove()
        db.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--db", default=None, help="PostgreSQL URL (default: SQLite files)")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="xueshi-scale-")
    os.environ["XUESHI_INSTANCE_DIR"] = tmp
    if args.db:
        big = make_url(args.db)
        urls = (args.db, big.set(database=f"{big.database}_big").render_as_string(False))
    else:
        urls = (f"sqlite:///{tmp}/small.db", f"sqlite:///{tmp}/big.db")
    sizes = (args.people, args.people * args.factor)
    results = []
    for url, people in zip(urls, sizes):
        print(f"city of {people:,} people ({make_url(url).get_backend_name()})", flush=True)
        results.append(timings(build(url, people), args.repeat))
    small, large = results
    worst = 0.0
    print(f"{'path':40} {sizes[0]:>10,} {sizes[1]:>10,}  ratio")
    for path in small:
        ratio = large[path] / small[path]
        if "(bulk)" not in path:
            worst = max(worst, ratio)
        print(f"{path:40} {small[path] * 1000:8.1f}ms {large[path] * 1000:8.1f}ms  {ratio:.2f}")
    print(f"ratio={worst:.2f}")


if __name__ == "__main__":
    main()
