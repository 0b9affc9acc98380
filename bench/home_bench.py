"""Home page benchmark: each role's `/` against a hand-written page of the same figures.

    python bench/home_bench.py [--people 100000] [--requests 50] [--db URL] [--workdir DIR] [--reuse]

Seeds a city of N people with bench/seed.py (the real distribution, as
bench/ledger_bench.py does) into --db (default: city.db in --workdir, a new
folder unless given; a database already seeded with N people is kept with
--reuse and the same --workdir, whose instance folder holds the keys of the
logins' second factor; else the database is emptied first),
adds a few accepted classes still to run (the professional's planner offers
them), and logs one user of each role in: the professional is the first
person short of hours, the unit reviewer reviews the largest unit, base staff
the first base, the authority its department, the district officer that
unit's district.

Then, in one run and through the same WSGI test client, each role's (the two
requested in turn, so that both see the same load):

  page   GET /: the app's home page (p50 and p95 over --requests requests);
  floor  GET /bench-floor/<role>: the hand-written page. It runs, for the same
         logged-in user through the same Flask app (session, login, request
         hooks), hand-written SQL fetching the same figures the home page
         shows (the same counts, the same capped lists, the unread-message
         count of the navbar) and renders them with a minimal Jinja template
         (no menu, no FAB base layout). What the app caches (the city and
         district figures, services/dashboard.py) the floor computes once and
         keeps as well; the row "(figures not cached)" times the association
         with both caches dropped before each request.

The ratio of a role is page p50 ÷ floor p50; the last line is `ratio=R`, the
worst role's (goal ≤ 3). Before timing, every statement one professional's
page runs is explained (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN with
sequential scans disabled, so a scan left is one no index can serve); a scan
of a table that grows with the city fails the bench.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import seed  # noqa: E402
from tests.conftest import TOTP_SECRET, sign_in  # noqa: E402  (the second factor of privileged logins)

PASSWORD = "Bench-Pass-2026!"
YEAR = seed.YEAR
ROLES = ("professional", "unit_reviewer", "base_staff", "authority_staff", "association_admin",
         "district_officer", "auditor")


# -- the city ----------------------------------------------------------------

def build(url: str, people: int, reuse: bool):
    config = {"WTF_CSRF_ENABLED": False, "AUTH_RATE_LIMIT": "100000 per minute"}
    if reuse and seed.seeded_people(url) == people:
        print(f"reusing the seeded city at {make_url(url).database}", flush=True)
        return seed.app_for(url, **config)
    seed.empty_database(url)
    t0 = time.perf_counter()
    app = seed.app_for(url, **config)
    seed.city(app, people, log=lambda line: print(line, flush=True))
    print(f"seeded {people:,} people in {time.perf_counter() - t0:.0f} s", flush=True)
    return app


def targets(app) -> dict:
    """Who each login is: the ids the floor's SQL filters by, the scope targets."""
    from app.extensions import db
    from app.services import years

    q = lambda sql, **kw: db.session.execute(text(sql), kw).scalar()  # noqa: E731
    with app.app_context():
        person = q("SELECT l.person_id FROM ledger l JOIN person p ON p.id = l.person_id "
                   "WHERE l.year = :y AND l.compliant = :f AND p.series = 'engineering' "
                   "ORDER BY l.person_id LIMIT 1", y=YEAR, f=False)
        unit = q("SELECT unit_id FROM person GROUP BY unit_id ORDER BY count(*) DESC, unit_id LIMIT 1")
        found = {
            "person": person, "unit": unit, "base": 1,
            "department": q("SELECT department_id FROM training_base WHERE id = 1"),
            "district": q("SELECT district_id FROM unit WHERE id = :u", u=unit),
            "out_of_scope": ", ".join(f"'{s}'" for s in sorted(years.out_of_scope_series(YEAR))),
        }
        found["targets"] = {
            "professional": {"person": q("SELECT id_number FROM person WHERE id = :p", p=person)},
            "unit_reviewer": {"unit": q("SELECT credit_code FROM unit WHERE id = :u", u=unit)},
            "base_staff": {"base": q("SELECT code FROM training_base WHERE id = 1")},
            "authority_staff": {"department": q("SELECT name FROM department WHERE id = :d",
                                                d=found["department"])},
            "district_officer": {"district": q("SELECT code FROM district WHERE id = :d",
                                               d=found["district"])},
        }
        db.session.remove()
    return found


def extras(app) -> None:
    """Accepted classes still to run this year (the planner's offers), once."""
    from app.extensions import db

    with app.app_context():
        if db.session.execute(text("SELECT count(*) FROM training_class WHERE name LIKE '待开班%'")).scalar():
            return
        now = seed.NOW
        for i in range(12):
            day = date(YEAR, 12, 20 + i % 10)
            db.session.execute(text(
                "INSERT INTO training_class (name, base_id, mode, category, start_date, end_date, "
                "hours_per_day, venue, capacity, state, certificates_total, certificates_rendered, "
                "created_at, updated_at) VALUES (:n, :b, 'offline', :c, :s, :s, 8, '青岛', 60, "
                "'accepted', 0, 0, :t, :t)"),
                {"n": f"待开班{i}", "b": i % 200 + 1, "c": ("public", "professional")[i % 2],
                 "s": day, "t": now})
        db.session.commit()
        db.session.remove()


def logins(app, who: dict) -> dict:
    from app.extensions import db
    from flask_appbuilder.security.sqla.models import User
    from app.security import mfa
    from app.services import accounts, audit

    with app.app_context(), audit.acting_as("bench:seed"):
        for role in ROLES:
            username = f"b_{role}"
            if db.session.query(User.id).filter_by(username=username).first():
                continue
            user = accounts.create_user(app.appbuilder, username=username, password=PASSWORD, role=role,
                                        targets=who["targets"].get(role, {}), full_name=role)
            if mfa.required(user):
                mfa.enrol_with_secret(user, TOTP_SECRET)
            db.session.commit()
        ids = {role: db.session.query(User.id).filter_by(username=f"b_{role}").scalar() for role in ROLES}
        db.session.remove()
    clients = {}
    for role in ROLES:
        client = app.test_client()
        resp = sign_in(app, client, f"b_{role}", PASSWORD)
        assert resp.status_code == 302 and "/login/" not in resp.headers["Location"], role
        clients[role] = client
    return clients, ids


# -- the floor: hand-written SQL and a minimal page ---------------------------

FLOOR_TEMPLATE = """<!doctype html><html><head><title>{{ role }}</title></head><body>
<p>{{ user }} · {{ unread }}</p>
{% for name, rows in figures %}<h4>{{ name }}</h4><table>
{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}
</table>{% endfor %}</body></html>"""

TOP = 10
# the workflow states each role acts on (services/classes.py, evaluations.py, claims.py)
ASSOCIATION_CLASS_STATES = ("filed", "completion_requested")


def floor_queries(role: str, who: dict) -> list[tuple[str, str, dict, bool]]:
    """(name, SQL, parameters, cached) of the figures on `role`'s home page."""
    y = {"y": YEAR}
    person, unit, base = {"p": who["person"], **y}, {"u": who["unit"], **y}, {"b": who["base"]}
    district = {"d": who["district"], **y}
    people_of_unit = "SELECT id FROM person WHERE unit_id = :u"
    counted = (f"p.series NOT IN ({who['out_of_scope']}) AND NOT EXISTS (SELECT 1 FROM roster_link r "
               "WHERE r.person_id = p.id AND r.unit_id = p.unit_id AND r.kind = 'new' "
               "AND r.state != 'confirmed')")  # a unit's staff, their hours recognised here
    short_list = ("SELECT p.name, p.id_number, u.name, l.shortfall_public, l.shortfall_professional "
                  "FROM ledger l JOIN person p ON p.id = l.person_id LEFT JOIN unit u ON u.id = l.unit_id "
                  "WHERE l.year = :y AND l.in_scope = :t AND l.compliant = :f AND {where} "
                  f"ORDER BY l.id LIMIT {TOP}")
    compliance = ("SELECT count(*), sum(CASE WHEN compliant = :t THEN 1 ELSE 0 END) FROM ledger "
                  "WHERE year = :y AND in_scope = :t AND {where}")
    by_district = ("SELECT d.name, count(p.id), sum(CASE WHEN l.compliant = :t THEN 1 ELSE 0 END), "
                   "sum(CASE WHEN l.compliant = :f THEN 1 ELSE 0 END) FROM person p "
                   "JOIN unit u ON u.id = p.unit_id JOIN district d ON d.id = u.district_id "
                   "LEFT JOIN ledger l ON l.person_id = p.id AND l.year = :y AND l.in_scope = :t "
                   f"WHERE {counted} {{where}} GROUP BY d.id, d.name")
    tf = {"t": True, "f": False}
    classes_by_state = ("SELECT state, count(*), min(updated_at) FROM training_class WHERE {where} "
                        "GROUP BY state")
    evaluations_by_state = ("SELECT stage, count(*), min(updated_at) FROM base_evaluation WHERE {where} "
                            "GROUP BY stage")
    if role == "professional":
        return [
            ("person", "SELECT id, name, series, title_level, is_enterprise_manager FROM person "
                       "WHERE id = :p", person, False),
            ("ledger", "SELECT id, public, professional, compliant, shortfall_public, "
                       "shortfall_professional, items FROM ledger WHERE person_id = :p AND year = :y",
             person, False),
            ("activities", "SELECT id, kind, title, category, date, hours, days FROM activity "
                           "WHERE person_id = :p AND first_year <= :y AND last_year >= :y ORDER BY id",
             person, False),
            ("claims", "SELECT state, count(*) FROM claim WHERE person_id = :p AND year = :y "
                       "GROUP BY state", person, False),
            ("classes to run", "SELECT id, name, category, start_date, end_date, hours_per_day "
                               "FROM training_class WHERE state = 'accepted' AND start_date > :today "
                               "AND start_date <= :end ORDER BY start_date, id LIMIT 10",
             {"today": date.today(), "end": date(YEAR, 12, 31)}, False),
            ("plan projects", "SELECT id, name, category, planned_hours FROM plan_project "
                              "WHERE year = :y AND state = 'published' LIMIT 10", y, False),
        ]
    if role == "unit_reviewer":
        return [
            ("pending", f"SELECT count(*) FROM claim WHERE state = 'submitted' AND person_id IN ({people_of_unit})",
             unit, False),
            ("oldest", "SELECT c.id, c.title, p.name, c.submitted_at FROM claim c JOIN person p ON p.id = c.person_id "
                       f"WHERE c.state = 'submitted' AND p.unit_id = :u ORDER BY c.submitted_at, c.id LIMIT {TOP}",
             unit, False),
            ("returned", f"SELECT count(*) FROM claim WHERE state = 'rejected' AND person_id IN ({people_of_unit})",
             unit, False),
            ("people", f"SELECT count(*) FROM person p WHERE p.unit_id = :u AND {counted}", unit, False),
            ("compliance", compliance.format(where="unit_id = :u"), {**unit, **tf}, False),
            ("short", short_list.format(where="l.unit_id = :u"), {**unit, **tf}, False),
            ("roster links", "SELECT state, count(*), min(updated_at) FROM roster_link WHERE unit_id = :u "
                             "AND state = 'pending' GROUP BY state", unit, False),
            ("own classes", classes_by_state.format(
                where="unit_id = :u AND state IN ('draft', 'rejected', 'accepted', 'completion_rejected')"),
             unit, False),
        ]
    if role == "base_staff":
        return [("classes", classes_by_state.format(where="base_id = :b"), base, False),
                ("evaluations", evaluations_by_state.format(where="base_id = :b"), base, False)]
    if role == "authority_staff":
        bases = "base_id IN (SELECT id FROM training_base WHERE department_id = :dep)"
        dep = {"dep": who["department"]}
        return [("classes", classes_by_state.format(where=bases), dep, False),
                ("evaluations", evaluations_by_state.format(where=bases), dep, False)]
    if role == "association_admin":
        states = ", ".join(f"'{s}'" for s in ASSOCIATION_CLASS_STATES)
        return [
            ("classes to act on", classes_by_state.format(where=f"state IN ({states})"), {}, False),
            ("evaluations", evaluations_by_state.format(
                where="stage IN ('submitted', 'department_reviewed', 'expert_reviewed', 'site_checked')"),
             {}, False),
            ("plan projects", "SELECT state, count(*), min(updated_at) FROM plan_project "
                              "WHERE state = 'proposed' GROUP BY state", {}, False),
            ("seminars", "SELECT state, count(*), min(updated_at) FROM seminar WHERE state = 'applied' "
                         "GROUP BY state", {}, False),
            ("inspections", "SELECT count(*) FROM inspection WHERE violation = :t", tf, False),
            ("city by district", by_district.format(where=""), {**y, **tf}, True),
        ]
    if role == "district_officer":
        return [
            ("district", by_district.format(where="AND u.district_id = :d"), {**district, **tf}, True),
            ("short", short_list.format(where="l.district_id = :d"), {**district, **tf}, False),
            ("cases", "SELECT state, count(*), min(updated_at) FROM case_handover WHERE district_id = :d "
                      "AND state = 'open' GROUP BY state", district, False),
        ]
    if role == "auditor":
        return [("events", "SELECT id, seq, at, username, action, table_name, record_id FROM audit_entry "
                           "WHERE table_name IN ('ab_user', 'ab_role', 'ab_user_role', 'user_scope', "
                           "'export_batch') ORDER BY seq DESC LIMIT 20", {}, False)]
    raise KeyError(role)


def add_floor(app, who: dict, user_ids: dict) -> dict:
    """The route /bench-floor/<role>; returns its cache (what the app caches, it keeps)."""
    from flask import g, render_template_string

    from app.extensions import db

    cache: dict = {}

    def run(name, sql, params):
        return [tuple(r) for r in db.session.execute(text(sql), params).all()]

    def floor(role):
        assert g.user.id == user_ids[role]
        figures = []
        for name, sql, params, cached in floor_queries(role, who):
            if cached:
                if name not in cache:
                    cache[name] = run(name, sql, params)
                rows = cache[name]
            else:
                rows = run(name, sql, params)
            if name == "ledger" and rows:  # the recent items: the stored JSON, newest ten
                items = rows[0][-1]
                items = json.loads(items) if isinstance(items, str) else items
                rows = [rows[0][:-1], *[tuple(it) for it in (items or [])[::-1][:TOP]]]
            figures.append((name, rows))
        unread = db.session.execute(text("SELECT count(*) FROM message WHERE user_id = :u AND read_at IS NULL"),
                                    {"u": g.user.id}).scalar()
        return render_template_string(FLOOR_TEMPLATE, role=role, user=g.user.username,
                                      unread=unread, figures=figures)

    app.add_url_rule("/bench-floor/<role>", "bench_floor", floor)
    return cache


# -- timing and plans ----------------------------------------------------------

def timed(client, paths: tuple[str, ...], requests: int, before=lambda: None) -> list[tuple[float, float]]:
    """(p50, p95) of each path, requested in turn (page, floor, page, floor ...) so
    that both see the same load on a shared machine."""
    for path in paths:
        assert client.get(path).status_code == 200, path  # warm
    times: list[list[float]] = [[] for _ in paths]
    for _ in range(requests):
        for path, found in zip(paths, times):
            before()
            t0 = time.perf_counter()
            resp = client.get(path)
            found.append(time.perf_counter() - t0)
            assert resp.status_code == 200, path
    out = []
    for found in times:
        found.sort()
        out.append((statistics.median(found), found[max(int(len(found) * 0.95) - 1, 0)]))
    return out


def statements(app, client) -> list[tuple[str, object]]:
    """The SQL one GET / runs."""
    from sqlalchemy import event

    from app.extensions import db

    seen = []
    with app.app_context():
        engine = db.engine
    record = lambda conn, cursor, statement, parameters, context, many: seen.append((statement, parameters))  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get("/")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def city_scans(app, seen) -> list[str]:
    """The statements of `seen` whose plan scans a table that grows with the city
    (tests/test_home.py checks the same on the test databases)."""
    from app.extensions import db
    from tests.plans import scans

    with app.app_context():
        return scans(db.engine, seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--db", default=None, help="SQLAlchemy URL (default: city.db in --workdir)")
    parser.add_argument("--workdir", default=None, help="the SQLite file and the instance folder "
                                                        "(its keys: keep it to --reuse; default: a new one)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep a database already seeded with as many people")
    parser.add_argument("--queries", action="store_true", help="print the SQL of each role's page")
    args = parser.parse_args()

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="xueshi-home-bench-")).resolve()
    (workdir / "instance").mkdir(parents=True, exist_ok=True)
    os.environ["XUESHI_INSTANCE_DIR"] = str(workdir / "instance")
    url = args.db or f"sqlite:///{workdir}/city.db"
    app = build(url, args.people, args.reuse)
    extras(app)
    who = targets(app)
    from app.services import dashboard

    user_ids: dict = {}
    cache = add_floor(app, who, user_ids)  # before the first request, as Flask wants
    clients, ids = logins(app, who)
    user_ids.update(ids)
    scans = city_scans(app, statements(app, clients["professional"]))
    for role in ROLES:
        seen = statements(app, clients[role])
        print(f"{role}: {len(seen)} queries per page", flush=True)
        for statement, parameters in seen if args.queries else ():
            print(f"    {' '.join(statement.split())[:300]} {parameters}")
    results = {}
    for role in ROLES:
        results[role] = timed(clients[role], ("/", f"/bench-floor/{role}"), args.requests)

    def drop():
        dashboard.forget()
        cache.clear()

    assoc = clients["association_admin"]
    cold = timed(assoc, ("/", "/bench-floor/association_admin"), args.requests, drop)
    print(f"{args.people:,} people ({make_url(url).get_backend_name()}), {args.requests} requests each")
    print(f"{'role':<22}{'page p50':>10}{'p95':>9}{'floor p50':>11}{'p95':>9}{'ratio':>8}")
    worst = 0.0

    def line(label, page, floor):
        print(f"{label:<22}{page[0] * 1000:>8.1f}ms{page[1] * 1000:>7.1f}ms"
              f"{floor[0] * 1000:>9.1f}ms{floor[1] * 1000:>7.1f}ms{page[0] / floor[0]:>8.2f}")

    for role in ROLES:
        page, floor = results[role]
        worst = max(worst, page[0] / floor[0])
        line(role, page, floor)
    line("(figures not cached)", *cold)
    if scans:
        print("the professional's page scans a table that grows with the city:")
        for scan in scans:
            print(f"    {scan}")
        sys.exit(1)
    print("the professional's page: no query scans a table that grows with the city")
    print(f"ratio={worst:.2f}")


if __name__ == "__main__":
    main()
