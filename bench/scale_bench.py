"""Scale benchmark: does a screen cost more in a bigger city?

    python bench/scale_bench.py [--people 100000] [--base 10000] [--db URL] [--repeat 9] [--reuse]

Seeds a city of `--base` people (10,000) and one of `--people` N (bench/seed.py:
the real distribution, by COPY on PostgreSQL), each in its own database (SQLite
files under --workdir by default; with --db, that PostgreSQL database for the
base city and <database>_big for N; both dropped and rebuilt unless --reuse
finds them already seeded with as many people), then serves each with gunicorn
(gunicorn.conf.py, 2 workers) and times over HTTP, as the association, a
district officer, the largest unit's reviewer and an auditor: every list screen
(page 1 and page 50, or its last page when it has fewer, with and without its
usual filter), the person search by
ID, a ledger's page, the home page, the dashboard, the API lists with filters,
the single and the bulk (10,000 ID numbers) eligibility check and the unit
export. Each path: p50 and p95 over --repeat requests, and its ratio at N ÷ at
the base city; bulk work also its ratio to its floor, in the same run: the
same SQL (recorded from the work done in this process) run on a plain driver
cursor, every row fetched, plus the same file read and the same rows written
by hand. The last line is `ratio=R`,
the worst ratio of the lists, searches, shows and home pages (goal ≤ 1.5).
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import requests  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import seed  # noqa: E402
from tests import serving  # noqa: E402
from tests.conftest import TOTP_SECRET, totp_code  # noqa: E402

PASSWORD = "Bench-Pass-2026!"
YEAR = seed.YEAR
BULK_ROWS = 10_000
SERVER_ENV = {"XUESHI_AUTH_RATE_LIMIT": "100000 per minute", "XUESHI_JOB_ROWS": "100000",
              "XUESHI_TIMEOUT": "600", "XUESHI_LOOKUP_ROWS_PER_DAY": "100000000",
              "XUESHI_LOOKUP_FILES_PER_DAY": "100000", "XUESHI_LOG_LEVEL": "WARNING",
              "XUESHI_DASHBOARD_TTL": "86400"}  # the stored figures stay current for the run
DISTRICT_ID = 1  # the district officer's
LISTS = {  # screen: (list URL, its usual filter, the page argument)
    "persons": ("/personview/list/", "_flt_0_series=engineering", "page_PersonView"),
    "units": ("/unitview/list/", "_flt_0_department=1", "page_UnitView"),
    "ledgers": ("/ledgerview/list/", "_flt_0_compliant=n", "page_LedgerView"),
    "claims": ("/claimview/list/", "_flt_0_state=submitted", "page_ClaimView"),
    "participants": ("/enrolmentview/list/", "_flt_0_training_class=1", "page_EnrolmentView"),
    "certificates": ("/certificateview/list/", "_flt_0_revoked=n", "page_CertificateView"),
    "classes": ("/trainingclassview/list/", "_flt_0_state=reviewed", "page_TrainingClassView"),
}
API = [
    ("API ledgers compliant=false", "/api/v1/ledger/?q=(filters:!((col:compliant,opr:eq,value:!f)))"),
    ("API claims state=submitted", "/api/v1/claim/?q=(filters:!((col:state,opr:eq,value:submitted)))"),
    ("API persons p50", "/api/v1/person/?q=(page:49,page_size:20)"),
]


# -- the two cities ----------------------------------------------------------

def build(url: str, people: int, reuse: bool):
    """The app on a seeded city of `people`, with the bench's logins."""
    if reuse and seed.seeded_people(url) == people:
        print(f"  reusing the seeded city at {make_url(url).database}", flush=True)
        app = seed.app_for(url)  # migrated to head: a new index is built on the city
        seed.settle(app)  # and its rows, filled by a migration, vacuumed and analysed
        return app
    seed.empty_database(url)
    t0 = time.perf_counter()
    app = seed.app_for(url)
    seed.city(app, people, log=lambda line: print(line, flush=True))
    logins(app)
    print(f"  seeded {people:,} people in {time.perf_counter() - t0:.0f} s", flush=True)
    return app


def logins(app) -> None:
    """assoc, district (the first district), unit (the largest unit's reviewer), auditor."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import District, Unit
    from app.security import mfa
    from app.services import accounts, audit

    with app.app_context():
        district = db.session.execute(select(District.code).order_by(District.id)).scalars().first()
        unit = db.session.execute(select(Unit.credit_code).where(Unit.id == 1)).scalar_one()
        with audit.acting_as("bench:seed"):
            for username, role, targets in (("assoc", "association_admin", {}),
                                            ("district", "district_officer", {"district": district}),
                                            ("unit", "unit_reviewer", {"unit": unit}),
                                            ("auditor", "auditor", {})):
                user = accounts.create_user(app.appbuilder, username=username, password=PASSWORD,
                                            role=role, targets=targets, full_name=username)
                mfa.enrol_with_secret(user, TOTP_SECRET)
        db.session.commit()
        db.session.remove()


# -- HTTP --------------------------------------------------------------------

def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    return found.group(1) if found else ""


def web_login(app, base: str, username: str, attempts: int = 3) -> requests.Session:
    """A logged-in browser session (tried again after a TOTP step: on a loaded
    machine the code can change between reading it and posting it)."""
    for attempt in range(attempts):
        try:
            return _web_login(app, base, username)
        except AssertionError:
            if attempt == attempts - 1:
                raise
            time.sleep(31)


def _web_login(app, base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/login/")
    resp = session.post(base + "/login/", data={"username": username, "password": PASSWORD,
                                                "csrf_token": _csrf(page.text)},
                        allow_redirects=False)
    if resp.headers.get("Location", "").endswith("/login/code"):
        page = session.get(base + "/login/code")
        resp = session.post(base + "/login/code", allow_redirects=False,
                            data={"code": totp_code(app, username, TOTP_SECRET),
                                  "csrf_token": _csrf(page.text)})
    assert resp.status_code == 302 and "/login" not in resp.headers.get("Location", ""), \
        (username, resp.status_code, resp.headers.get("Location"))
    return session


def api_token(app, base: str, username: str) -> str:
    resp = requests.post(base + "/api/v1/security/login", json={
        "username": username, "password": PASSWORD, "provider": "db",
        "totp": totp_code(app, username, TOTP_SECRET)})
    assert resp.status_code == 200, (username, resp.status_code, resp.text[:300])
    return resp.json()["access_token"]


def timed(send, repeat: int) -> tuple[float, float]:
    """(p50, p95) seconds of `send()` over `repeat` calls after one warm-up."""
    send()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        send()
        samples.append(time.perf_counter() - t0)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]


def deepest_page(get, url: str, query: str, page: str, deepest: int = 49) -> int:
    """Page 50 (index 49), or the last page that has rows when the list holds fewer:
    a page past the end renders no rows, and would compare an empty page in the
    small city with a full one in the big (each row links to its show page)."""
    show = url.replace("/list/", "/show/")

    def has_rows(n: int) -> bool:
        return show in get(url + "?" + "&".join(q for q in (query, f"{page}={n}") if q)).text

    low, high = 0, deepest
    while low < high:  # the last page with rows: pages fill from the first
        middle = (low + high + 1) // 2
        low, high = (middle, high) if has_rows(middle) else (low, middle - 1)
    return low


def _ok(resp, *codes):
    assert resp.status_code in (codes or (200,)), (resp.request.url, resp.status_code, resp.text[:300])
    return resp


def samples_of(app, people: int, repeat: int) -> dict:
    """{(kind, path): (p50, p95)} for one city; kind: list, bulk or other."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Ledger, Person
    from app.services import dashboard

    with app.app_context():
        number = db.session.execute(select(Person.id_number).where(Person.id == people // 2)).scalar()
        ledger_id = db.session.execute(
            select(Ledger.id).where(Ledger.district_id == 1).order_by(Ledger.id).limit(1)).scalar()
        # the dashboards' stored figures, as the job consumer would have computed them
        # (the pages read them; the bench times the computation apart, with its floor)
        for what in ("figures", "districts"):
            for district_id in (None, DISTRICT_ID):
                dashboard.refresh(what, YEAR, district_id)
        db.session.remove()
        db.engine.dispose()
    folder = Path(app.instance_path)
    served = serving.serve(app.config["SQLALCHEMY_DATABASE_URI"], folder, workers=2,
                           consumer=False, extra_env=SERVER_ENV)
    out = {}
    try:
        _wait_up(served.base)
        base = served.base
        for user in ("assoc", "district"):
            web = web_login(app, base, user)
            get = lambda url, headers=None: _ok(web.get(base + url, headers=headers))  # noqa: E731
            for screen, (url, usual, page) in LISTS.items():
                deep, deep_usual = (deepest_page(get, url, q, page) for q in ("", usual))
                for label, query in ((f"{screen} p1", ""), (f"{screen} p50", f"{page}={deep}"),
                                     (f"{screen} filtered", usual),
                                     (f"{screen} filtered p50", f"{usual}&{page}={deep_usual}")):
                    out[("list", f"{user} {label}")] = timed(
                        lambda: get(url + ("?" + query if query else "")), repeat)
            out[("list", f"{user} person by ID")] = timed(
                lambda: get(f"/personview/list/?_flt_0_id_number={number}"), repeat)
            out[("list", f"{user} ledger show")] = timed(
                lambda: get(f"/ledgerview/show/{ledger_id}"), repeat)
            out[("list", f"{user} home")] = timed(lambda: get("/"), repeat)
            out[("list", f"{user} dashboard")] = timed(lambda: get("/dashboard/"), repeat)
            # the token is taken here: on a big city the screens above outlast its 15 minutes
            api = {"Authorization": f"Bearer {api_token(app, base, user)}"}
            for label, url in API:
                out[("list", f"{user} {label}")] = timed(lambda: get(url, api), repeat)
            out[("list", f"{user} check one")] = timed(lambda: _ok(web.post(
                base + "/api/v1/eligibility/check", headers=api,
                json={"id_number": number, "year": YEAR})), repeat)
        assoc = {"Authorization": f"Bearer {api_token(app, base, 'assoc')}"}
        workbook = bulk_file(app, people)
        answered = []
        out[("bulk", "assoc check 10,000 IDs")] = timed(lambda: answered.append(_ok(requests.post(
            base + "/api/v1/eligibility/bulk", headers=assoc, data={"year": str(YEAR)},
            files={"file": ("check.xlsx", workbook)}, timeout=600)).content), max(3, repeat // 3))
        unit = {"Authorization": f"Bearer {api_token(app, base, 'unit')}"}
        out[("bulk", "unit export CSV")] = timed(lambda: _ok(requests.post(
            base + "/api/v1/export/", headers=unit, timeout=600,
            json={"coverage": "unit", "year": YEAR, "format": "csv"}), 201), max(3, repeat // 3))
        auditor = web_login(app, base, "auditor")
        out[("list", "auditor audit log p1")] = timed(
            lambda: _ok(auditor.get(base + "/auditentryview/list/")), repeat)
        out[("list", "auditor audit log p50")] = timed(
            lambda: _ok(auditor.get(base + "/auditentryview/list/?page_AuditEntryView=49")), repeat)
    finally:
        serving.stop_all(served)
    with app.app_context():
        floor_repeat = max(3, repeat // 3)
        checked, answer = bulk_work(workbook, answered[-1])
        out[("floor", "assoc check 10,000 IDs")] = timed(
            lambda: bulk_floor(workbook, checked, answer), floor_repeat)
        exported, lines = export_work()
        out[("floor", "unit export CSV")] = timed(lambda: export_floor(exported, lines), floor_repeat)
        out[("bulk", "dashboard figures (uncached)")] = timed(dashboard_compute, repeat)
        with recorded() as figures:
            dashboard_compute()
        out[("floor", "dashboard figures (uncached)")] = timed(lambda: replay(figures), repeat)
        db.session.remove()
        db.engine.dispose()
    return out


def _wait_up(base: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise AssertionError("gunicorn did not answer /healthz")


# -- bulk work and its floors ------------------------------------------------

def bulk_file(app, people: int) -> bytes:
    """A workbook of 10,000 applicants (身份证号, 姓名) spread over the city."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["身份证号", "姓名"])
    step = max(1, people // BULK_ROWS)
    for n in range(0, min(people, BULK_ROWS * step), step):
        sheet.append([seed.id_number(n), f"人员{n}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@contextmanager
def recorded():
    """The SELECTs the block runs, with their parameters, as the driver got them."""
    from sqlalchemy import event

    from app.extensions import db

    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def replay(statements) -> None:
    """The same SQL by hand: each statement on a plain driver cursor, every row fetched."""
    from app.extensions import db

    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            cursor.fetchall()
        raw.rollback()
    finally:
        raw.close()


def bulk_work(workbook: bytes, body: bytes):
    """The SQL of the association's check of the workbook (run in this process,
    recorded) and the rows of the answer the server sent (`body`)."""
    from openpyxl import load_workbook

    from app.extensions import db
    from app.security.scope import SYSTEM, acting_as
    from app.services import eligibility
    from app.services.sheets import read_table

    wanted = [(r.values["身份证号"], r.values["姓名"])
              for r in read_table("check.xlsx", workbook, eligibility.BULK_HEADERS)]
    with acting_as(SYSTEM):
        with recorded() as statements:
            eligibility._check_many(SYSTEM, wanted, YEAR)
    db.session.rollback()
    answer = list(load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True))
    return statements, answer


def bulk_floor(workbook: bytes, statements, answer) -> None:
    """By hand: read the file, run the check's SQL, write an answer of as many rows and columns."""
    from openpyxl import Workbook, load_workbook

    rows = list(load_workbook(io.BytesIO(workbook), read_only=True).active.iter_rows(
        min_row=2, values_only=True))
    replay(statements)
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in answer:
        sheet.append(row)
    book.save(io.BytesIO())


def export_work():
    """The SQL of the largest unit's export (its lines, run in this process,
    recorded) and its rows as the server writes them."""
    from app.extensions import db
    from app.formatting import for_cell
    from app.services import provincial

    with recorded() as statements:
        rows = [[for_cell(value) for value in row] for row in provincial.values(YEAR, unit_id=1)]
    db.session.rollback()
    return statements, [provincial.HEADERS, *rows]


def export_floor(statements, rows) -> None:
    """By hand: the export's SQL, then its rows written to a CSV file on disk."""
    replay(statements)
    with tempfile.TemporaryFile("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(rows)


def dashboard_compute() -> None:
    from app.extensions import db
    from app.services import dashboard

    dashboard.compute(YEAR, None)
    db.session.rollback()


# -- report ------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--base", type=int, default=10_000, help="the reference city (10,000)")
    parser.add_argument("--db", default=None, help="PostgreSQL URL (default: SQLite files)")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--reuse", action="store_true",
                        help="keep a database already seeded with as many people")
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "xueshi-scale"))
    args = parser.parse_args()
    work = Path(args.workdir)
    (work / "instance").mkdir(parents=True, exist_ok=True)
    os.environ["XUESHI_INSTANCE_DIR"] = str(work / "instance")  # one set of keys for both cities
    if args.db:
        big = make_url(args.db)
        urls = (args.db, big.set(database=f"{big.database}_big").render_as_string(False))
    else:
        urls = tuple(f"sqlite:///{work}/city-{n}.db" for n in (args.base, args.people))
    sizes = (args.base, args.people)
    results = []
    for url, people in zip(urls, sizes):
        print(f"city of {people:,} people ({make_url(url).get_backend_name()})", flush=True)
        results.append(samples_of(build(url, people, args.reuse), people, args.repeat))
    small, large = results
    worst = 0.0
    print(f"{'path':42} {sizes[0]:>9,} p50/p95 {sizes[1]:>11,} p50/p95  ratio  floor")
    for (kind, path), (p50, p95) in large.items():
        if kind == "floor":
            continue
        ratio = p50 / small[(kind, path)][0]
        floor = large.get(("floor", path))
        if kind == "list":
            worst = max(worst, ratio)
        s50, s95 = small[(kind, path)]
        print(f"{path:42} {s50 * 1000:8.0f}/{s95 * 1000:<8.0f}ms {p50 * 1000:9.0f}/{p95 * 1000:<8.0f}ms"
              f"  {ratio:5.2f}" + (f"  {p50 / floor[0]:5.2f} (floor {floor[0] * 1000:.0f} ms)"
                                   if floor else ""))
    print(json.dumps({"people": sizes, "worst_list_ratio": round(worst, 2)}))
    print(f"ratio={worst:.2f}")


if __name__ == "__main__":
    main()
