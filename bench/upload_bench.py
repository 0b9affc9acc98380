"""Upload benchmark: the bulk eligibility check of a 10,000-row workbook and a
class roster of 2,000 rows, each beside openpyxl alone reading the same file
in the same run.

    python bench/upload_bench.py [--rows 10000] [--roster 2000] [--repeat 5]

Seeds a fresh SQLite database (the test world plus --rows professionals of
unit A with computed ledgers), then times, through the API as a real login
would send them (the unit reviewer's check, the base's roster), each upload
against openpyxl alone: `load_workbook(read_only=True)` reading every row of
the same bytes, and for the check, whose answer is a workbook, writing the
same cells the app answered in write-only mode by hand. Each time is the fastest
of --repeat runs (the code's own cost; a slower run adds what else the machine
did, a garbage collection or another process). Peak memory is tracemalloc's peak
over one more, traced run of each step (Python allocations, so the timed runs are
not slowed by tracing).
The last line is `ratio=R`: the worse of the two times over openpyxl's.
Goal: ratio ≤ 2 and the check's peak under 200 MB.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MB = 1024 * 1024


def workbook(headers: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def openpyxl_alone(data: bytes) -> int:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return sum(1 for _ in book.active.iter_rows(values_only=True))
    finally:
        book.close()


def cells_of(data: bytes) -> list[tuple]:
    """Every row of a workbook's first sheet (untimed: what the app answered)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return list(book.active.iter_rows(values_only=True))
    finally:
        book.close()


def openpyxl_read_and_write(data: bytes, answer: list[tuple]) -> int:
    """The floor of a check that answers with a workbook: openpyxl reading every
    row of `data`, then writing `answer` (the same cells the app wrote) in
    write-only mode, by hand."""
    from openpyxl import Workbook

    read = openpyxl_alone(data)
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in answer:
        sheet.append(row)
    book.save(io.BytesIO())
    return read


def measure(fn, repeat: int) -> tuple[float, float]:
    """(seconds of the fastest of `repeat` runs, peak MB of one more, traced run):
    the fastest run is the code's own cost, the others add what else the machine did."""
    seconds = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        seconds = min(seconds, time.perf_counter() - start)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / MB


def seed_people(app, unit_id: int, count: int) -> list[tuple[str, str]]:
    from sqlalchemy import insert, text
    from stdnum.cn import ric

    from app.extensions import db
    from app.models import Person
    from app.services import ledgers

    with app.app_context():
        first = (db.session.execute(text("SELECT max(id) FROM person")).scalar() or 0) + 1
        people = []
        for n in range(count):
            born = date(1960, 1, 1) + timedelta(days=n % 15000)
            body = f"370202{born:%Y%m%d}{500 + n // 15000:03d}"
            people.append({"id": first + n, "id_number": body + ric.calc_check_digit(body + "0"),
                           "name": f"压测人员{n}", "unit_id": unit_id, "series": "engineering",
                           "title_level": "intermediate", "is_enterprise_manager": False})
        db.session.execute(insert(Person), people)
        db.session.commit()
        ledgers.recompute_year(2026)
        db.session.commit()
        db.session.remove()
    return [(p["id_number"], p["name"]) for p in people]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--roster", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each step; the fastest counts")
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="xueshi-upload-bench-"))
    os.environ["XUESHI_INSTANCE_DIR"] = str(instance)
    from flask_migrate import upgrade

    from app import create_app
    from app.services import accounts
    from tests.conftest import api_login, app_overrides, seed_world
    from tests.samples import PDF

    app = create_app(app_overrides(f"sqlite:///{instance / 'bench.db'}", instance))
    with app.app_context():
        upgrade()
        accounts.initialise(app.appbuilder)
        world = seed_world(app)
    people = seed_people(app, world.unit["A"], args.rows)
    client = app.test_client()

    def token(username: str) -> dict:  # with the second-factor code of a login that has one
        resp = api_login(app, client, username, refresh=False)
        return {"Authorization": f"Bearer {resp.json['access_token']}"}

    # 1. the bulk check, 10,000 rows
    check_file = workbook(["身份证号", "姓名"], [list(p) for p in people])

    answered = []
    reviewer = token("unit_reviewer")  # logged in before the clock starts: the upload is timed

    def bulk_check():
        resp = client.post("/api/v1/eligibility/bulk", headers=reviewer,
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(check_file), "applicants.xlsx"), "year": "2026"})
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        answered.append(resp.data)
        resp.close()

    checking = measure(bulk_check, args.repeat)
    answer = cells_of(answered[0])
    assert len(answer) == args.rows + 1, len(answer)  # the header and every row answered
    reading = measure(lambda: openpyxl_read_and_write(check_file, answer), args.repeat)
    print(f"bulk check, {args.rows} rows ({len(check_file) // 1024} KB), fastest of {args.repeat}:")
    print(f"  openpyxl alone  {reading[0]:7.2f} s  peak {reading[1]:6.1f} MB"
          "  (reading it, writing the same answer)")
    print(f"  bulk check      {checking[0]:7.2f} s  peak {checking[1]:6.1f} MB", flush=True)

    # 2. a roster of 2,000 people (registered; outside the base's scope), one new class per run
    roster_file = workbook(["姓名", "身份证号", "单位统一社会信用代码", "手机", "职称系列", "职称级别"],
                           [[name, number, world.credit_code["A"], "13800000000", "工程", "中级"]
                            for number, name in people[:args.roster]])

    def new_class() -> int:  # tokens are fresh: an access token lives 15 minutes
        base, association = token("base_staff"), token("association_admin")
        resp = client.post("/api/v1/training_class/", headers=base, json={
            "name": "压测班次", "mode": "offline", "category": "professional",
            "start_date": "2026-09-01", "end_date": "2026-09-03", "hours_per_day": 8,
            "venue": "青岛市市南区香港中路", "capacity": args.roster})
        class_id = resp.json["id"]
        client.post(f"/api/v1/training_class/{class_id}/material", headers=base,
                    content_type="multipart/form-data",
                    data={"file": (io.BytesIO(PDF), "approval.pdf"), "purpose": "approval_form"})
        client.post(f"/api/v1/training_class/{class_id}/step/file", headers=base)
        client.post(f"/api/v1/training_class/{class_id}/step/accept", headers=association)
        return class_id

    classes = iter([new_class() for _ in range(args.repeat + 1)])
    base = token("base_staff")

    def roster():
        resp = client.post(f"/api/v1/training_class/{next(classes)}/roster",
                           headers=base,
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(roster_file), "roster.xlsx")})
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        resp.close()

    roster_reading = measure(lambda: openpyxl_alone(roster_file), args.repeat)
    rostering = measure(roster, args.repeat)

    print(f"roster, {args.roster} rows ({len(roster_file) // 1024} KB), fastest of {args.repeat}:")
    print(f"  openpyxl alone  {roster_reading[0]:7.2f} s  peak {roster_reading[1]:6.1f} MB")
    print(f"  roster import   {rostering[0]:7.2f} s  peak {rostering[1]:6.1f} MB"
          f"  (ratio {rostering[0] / roster_reading[0]:.2f})")
    print(f"ratio={max(checking[0] / reading[0], rostering[0] / roster_reading[0]):.2f}")


if __name__ == "__main__":
    main()
