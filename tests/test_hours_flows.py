"""Platform import, bulk recompute, the title-eligibility check and the
provincial export: each checked against what a user would count by hand."""
from __future__ import annotations

import csv
import io
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Activity, ExportBatch, Ledger, Person, Unit
from app.services import ledgers
from tests import factories, pdfcheck, samples
from tests.samples import post_file

HEADERS = ["身份证号", "姓名", "课程名称", "类别", "日期", "学时"]


def xlsx(rows, headers=HEADERS) -> bytes:
    return samples.xlsx(headers, rows)


def make_crowd(app, world, tag: str, size: int = 12) -> dict:
    """`size` in-scope people of unit A, plus one of unit B."""
    with app.app_context():
        people = [Person(id_number=factories.id_number("370202"), name=f"{tag}{i}",
                         unit_id=world.unit["A"], series="engineering", title_level="intermediate")
                  for i in range(size)]
        outsider = Person(id_number=factories.id_number("370203"), name=f"{tag}外区",
                          unit_id=world.unit["B"], series="engineering", title_level="junior")
        db.session.add_all(people + [outsider])
        db.session.commit()
        rows = [(p.id, p.id_number, p.name) for p in people]
        out = (outsider.id, outsider.id_number, outsider.name)
        db.session.remove()
    return {"people": rows, "outsider": out}


@pytest.fixture(scope="module")
def crowd(app, api_module, world):
    """People of unit A with 10 public and 20 professional platform hours each."""
    people = make_crowd(app, world, "导入人员")
    resp = api_module("association_admin", "/api/v1/platform_import/", xlsx(course_rows(people)))
    assert resp.status_code == 200, resp.json
    return people


@pytest.fixture(scope="module")
def api_module(app, tokens):
    client = app.test_client()

    def post(role, url, data):
        return client.post(url, headers=tokens(role), content_type="multipart/form-data",
                           data={"file": (io.BytesIO(data), "courses.xlsx")})

    return post


def course_rows(crowd, hours=10):
    rows = []
    for _pid, number, name in crowd["people"]:
        rows.append([number, name, "新质生产力专题", "公需", "2026-03-02", hours])
        rows.append([number, name, "数字技术应用", "专业", "2026-04-10", hours * 2])
    return rows


def test_platform_import_all_or_nothing_then_idempotent(app, api, world):
    crowd = make_crowd(app, world, "全有全无")
    rows = course_rows(crowd)
    bad = [list(r) for r in rows]
    bad[1][0] = "110105194912310021"          # check digit
    bad[3][1] = "冒名顶替"                      # name mismatch
    bad[5][3] = "选修"                          # category
    bad[6][4] = "2026-02-30"                   # date
    bad[7][5] = "1.25"                         # hours
    with app.app_context():
        before = db.session.execute(select(func.count()).select_from(Activity)).scalar()
    resp = post_file(api, "association_admin", "/api/v1/platform_import/", xlsx(bad), "courses.xlsx")
    assert resp.status_code == 400
    found = {(p["row"], p["column"]) for p in resp.json["problems"]}
    assert found == {(3, "身份证号"), (5, "姓名"), (7, "类别"), (8, "日期"), (9, "学时")}
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Activity)).scalar() == before

    resp = post_file(api, "association_admin", "/api/v1/platform_import/", xlsx(rows), "courses.xlsx")
    assert resp.status_code == 200, resp.json
    assert resp.json["added"] == len(rows) and resp.json["people"] == len(crowd["people"])
    again = post_file(api, "association_admin", "/api/v1/platform_import/", xlsx(rows), "courses.xlsx")
    assert again.json == {"added": 0, "already": len(rows), "people": 0}
    with app.app_context():
        pid = crowd["people"][0][0]
        ledger = db.session.execute(select(Ledger).where(Ledger.person_id == pid)).scalar_one()
        assert (ledger.public, ledger.professional) == (Decimal(10), Decimal(20))
        db.session.remove()


def test_the_import_screen_hands_back_a_problem_report(app, clients, world):
    import re
    crowd = make_crowd(app, world, "问题报告", size=3)
    bad = [list(r) for r in course_rows(crowd)]
    bad[1][0] = "110105194912310021"
    client = clients("association_admin")
    page = client.post("/platform-import/", data={"file": (io.BytesIO(xlsx(bad)), "courses.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    link = re.search(r'href="(/platform-import/report/[0-9a-f]{104})"', page).group(1)
    with client.get(link) as resp:
        report = load_workbook(io.BytesIO(resp.data)).active
    rows = [[c.value for c in r] for r in report.iter_rows()]
    assert any(r[0] == 3 and r[1] == "身份证号" for r in rows[1:]), rows
    assert client.get("/platform-import/report/" + "0" * 40).status_code == 404
    assert client.get("/platform-import/report/..%2F..%2Fsecret").status_code == 404
    assert clients("base_staff").get(link).status_code in (302, 403)
    # the link names the file and binds it to the login's scope: the name alone is no link
    assert client.get(link[:-64]).status_code == 404
    assert client.get(link[:-1] + ("0" if link[-1] != "0" else "1")).status_code == 404


def test_platform_import_accepts_csv_with_bom(app, api, crowd):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADERS)
    number, name = crowd["people"][1][1], crowd["people"][1][2]
    writer.writerow([number, name, "应急管理", "公需", "2026-05-05", "2.5"])
    resp = post_file(api, "association_admin", "/api/v1/platform_import/",
                     buf.getvalue().encode("utf-8-sig"), "more.csv")
    assert resp.status_code == 200 and resp.json["added"] == 1


def test_a_malformed_import_file_is_refused(api):
    resp = post_file(api, "association_admin", "/api/v1/platform_import/", b"PK\x03\x04broken", "x.xlsx")
    assert resp.status_code == 400 and "Excel" in str(resp.json["message"])
    resp = post_file(api, "association_admin", "/api/v1/platform_import/", xlsx([], ["姓名"]), "x.xlsx")
    assert resp.status_code == 400 and "缺少列" in str(resp.json["message"])


def test_only_the_association_imports(api):
    for role in ("unit_reviewer", "district_officer", "professional", "base_staff"):
        resp = post_file(api, role, "/api/v1/platform_import/", xlsx([]), "x.xlsx")
        assert resp.status_code == 403


def test_recompute_cli_rebuilds_ledgers_and_is_idempotent(app, api, crowd):
    with app.app_context():
        # a recompute rebuilds the ledger of everyone with activities in the year
        active = set(db.session.execute(select(Activity.person_id).where(
            Activity.first_year <= 2026, Activity.last_year >= 2026)).scalars())
        expected = {row.person_id: (row.public, row.professional)
                    for row in db.session.execute(select(Ledger).where(Ledger.year == 2026)).scalars()
                    if row.person_id in active}
        db.session.execute(Ledger.__table__.delete())
        db.session.commit()
        db.session.remove()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["xueshi", "recompute", "--year", "2026", "--chunk", "5"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rebuilt = {row.person_id: (row.public, row.professional)
                   for row in db.session.execute(select(Ledger).where(Ledger.year == 2026)).scalars()}
        assert rebuilt == expected
        db.session.remove()
    again = runner.invoke(args=["xueshi", "recompute", "--year", "2026"])
    assert again.exit_code == 0 and " 0 条年度学时" in again.output
    bad = runner.invoke(args=["xueshi", "recompute", "--year", "2031"])
    assert bad.exit_code == 2


def test_recompute_stale_recomputes_exactly_the_ledgers_of_an_older_revision(app, crowd):
    with app.app_context():
        stale = list(db.session.execute(select(Ledger.id).where(Ledger.year == 2026)
                                        .order_by(Ledger.id).limit(3)).scalars())
        db.session.execute(update(Ledger).where(Ledger.id.in_(stale)).values(rule_revision=1))
        before = dict(db.session.execute(select(Ledger.id, Ledger.computed_at)
                                         .where(Ledger.id.not_in(stale))).all())
        db.session.commit()
        assert ledgers.count_stale() == {2026: 3}
        db.session.remove()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["xueshi", "recompute"]).exit_code == 2  # --year or --stale
    result = runner.invoke(args=["xueshi", "recompute", "--stale", "--chunk", "2"])
    assert result.exit_code == 0, result.output
    assert "共 3 人:写入 3 条年度学时" in result.output
    with app.app_context():
        assert ledgers.count_stale() == {}
        assert set(db.session.execute(select(Ledger.rule_revision)).scalars()) == {2}
        after = dict(db.session.execute(select(Ledger.id, Ledger.computed_at)
                                        .where(Ledger.id.not_in(stale))).all())
        assert after == before  # the others were not touched
        db.session.remove()
    again = runner.invoke(args=["xueshi", "recompute", "--stale"])
    assert again.exit_code == 0 and "共 0 人" in again.output


def test_bulk_recompute_equals_per_person_recompute(app, crowd):
    with app.app_context():
        pid = crowd["people"][2][0]
        ledgers.recompute_person(pid, [2026])
        db.session.commit()
        one = db.session.execute(select(Ledger).where(Ledger.person_id == pid)).scalar_one()
        digest_one = one.digest
        ledgers.recompute_year(2026, unit_id=one.unit_id)
        db.session.expire_all()
        assert db.session.execute(select(Ledger.digest).where(Ledger.person_id == pid)).scalar() == digest_one
        db.session.remove()


def test_a_recompute_in_two_processes_writes_what_one_process_writes(app, crowd):
    """On PostgreSQL two forked workers share the year; on SQLite the same call
    runs in one process. Either way every ledger is rewritten exactly as before."""
    with app.app_context():
        before = dict(db.session.execute(
            select(Ledger.person_id, Ledger.digest).where(Ledger.year == 2026)).all())
        db.session.execute(update(Ledger).where(Ledger.year == 2026).values(digest="stale"))
        db.session.commit()
        seen = []
        result = ledgers.recompute_year(2026, workers=2, chunk=3, progress=seen.append)
        assert (result.people, result.written, result.unchanged) == (len(before), len(before), 0)
        assert sum(seen) == len(before)
        db.session.expire_all()
        assert dict(db.session.execute(
            select(Ledger.person_id, Ledger.digest).where(Ledger.year == 2026)).all()) == before
        db.session.remove()


def test_a_unit_moving_district_takes_its_ledgers_along(app, crowd, world):
    """The district officer's scope reads the ledger's own district column."""
    from app.models import District
    from app.security.scope import Scope, clause

    with app.app_context():
        pid = crowd["people"][0][0]
        unit = db.session.get(Unit, world.unit["A"])
        home, other = unit.district_id, db.session.execute(
            select(District.id).where(District.id != unit.district_id)).scalars().first()
        officer = Scope(user_id=None, username="officer", roles=frozenset({"district_officer"}),
                        district_id=other)
        seen = select(Ledger.person_id).where(Ledger.person_id == pid, clause(Ledger, officer))
        assert db.session.execute(seen).first() is None
        unit.district_id = other
        db.session.commit()
        assert db.session.execute(seen).first() is not None
        unit = db.session.get(Unit, world.unit["A"])
        unit.district_id = home
        db.session.commit()
        assert db.session.execute(seen).first() is None
        db.session.remove()


def test_single_check_for_each_scope(api, crowd, world):
    number = crowd["people"][0][1]
    resp = api("district_officer", "POST", "/api/v1/eligibility/check", json={"id_number": number, "year": 2026})
    verdict = resp.json["result"]
    assert verdict["found"] and verdict["in_scope"] and verdict["public"] == 10
    assert verdict["id_number"].count("*") == 8  # district officers see masked numbers
    outsider = crowd["outsider"][1]
    verdict = api("district_officer", "POST", "/api/v1/eligibility/check",
                  json={"id_number": outsider, "year": 2026}).json["result"]
    nobody = api("district_officer", "POST", "/api/v1/eligibility/check",
                 json={"id_number": factories.id_number("370211"), "year": 2026}).json["result"]
    # outside the scope answers exactly as a number nobody has (no existence oracle)
    assert {k: v for k, v in verdict.items() if k != "id_number"} == {
        k: v for k, v in nobody.items() if k != "id_number"}
    assert not verdict["found"] and not verdict["in_scope"] and verdict["public"] is None
    assert api("unit_reviewer_b", "POST", "/api/v1/eligibility/check",
               json={"id_number": outsider, "year": 2026}).json["result"]["in_scope"]
    bad = api("unit_reviewer", "POST", "/api/v1/eligibility/check",
              json={"id_number": "110105194912310021", "year": 2026})
    assert bad.status_code == 400 and "校验码" in str(bad.json["message"])
    for role in ("professional", "base_staff", "authority_staff", "auditor"):
        assert api(role, "POST", "/api/v1/eligibility/check",
                   json={"id_number": number, "year": 2026}).status_code == 403


def test_bulk_check_of_1000_rows_answers_every_row(api, crowd):
    rows = []
    for i in range(1000):
        kind = i % 5
        if kind == 0:  # people 2..11 carry exactly the imported 10 public hours
            _pid, number, name = crowd["people"][2 + i % 10]
        elif kind == 1:
            number, name = factories.id_number("370211"), "查无此人"
        elif kind == 2:
            number, name = "12345", "坏号码"
        elif kind == 3:
            _pid, number, name = crowd["people"][0]
            name = "名字不对"
        else:
            _pid, number, name = crowd["outsider"]
        rows.append([number, name])
    body = xlsx(rows, ["身份证号", "姓名"])
    resp = post_file(api, "district_officer", "/api/v1/eligibility/bulk", body, "applicants.xlsx", year="2026")
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(resp.data)).active
    out = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(out) == 1000
    assert [r[0] for r in out] == list(range(2, 1002))
    seen = set()
    for i, row in enumerate(out):
        repeated = rows[i][0] in seen and rows[i][0] != "12345"  # a malformed number is no duplicate
        seen.add(rows[i][0])
        notes = (row[-1] or "").split(";")
        assert any("重复" in n for n in notes) == repeated, (i, notes)
        problems = ";".join(n for n in notes if "重复" not in n)
        if i % 5 == 0:
            assert row[4] == 10 and not problems
        elif i % 5 == 1:
            assert "没有该身份证号" in problems
        elif i % 5 == 2:
            assert "身份证号有误" in problems
        elif i % 5 == 3:
            assert "姓名与身份证号不符" in problems
        else:  # outside the scope: the same answer as a number nobody has
            assert row[3:-1] == out[1][3:-1] and "没有该身份证号" in problems


def _export(api, role, coverage, fmt="xlsx"):
    return api(role, "POST", "/api/v1/export/", json={"coverage": coverage, "year": 2026, "format": fmt})


def test_unit_export_round_trips_and_downloads_identically(app, api, crowd, world):
    resp = _export(api, "unit_reviewer", "unit")
    assert resp.status_code == 201, resp.json
    batch_id = resp.json["id"]
    first = api("unit_reviewer", "GET", f"/api/v1/export/{batch_id}/file")
    second = api("unit_reviewer", "GET", f"/api/v1/export/{batch_id}/file")
    assert first.data == second.data
    import hashlib
    assert hashlib.sha256(first.data).hexdigest() == resp.json["sha256"]
    sheet = load_workbook(io.BytesIO(first.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ["身份证号", "姓名", "单位", "年度", "类别", "项目名称", "日期", "认定学时",
                             "认定依据(条款)", "公需合计", "专业合计", "是否达标"]
    assert len(rows) - 1 == resp.json["rows"]
    with app.app_context():
        unit_a = db.session.get(Unit, world.unit["A"]).name
        db.session.remove()
    assert {r[2] for r in rows[1:]} == {unit_a}
    number = crowd["people"][0][1]
    mine = [r for r in rows[1:] if r[0] == number]
    assert {(r[4], r[7]) for r in mine} == {("公需", 10), ("专业", 20)}
    assert all(r[8].startswith("四(一)") for r in mine)
    with app.app_context():
        batch = db.session.get(ExportBatch, batch_id)
        assert batch.username == "unit_reviewer" and batch.rows == len(rows) - 1
        db.session.remove()


def test_csv_export_has_a_bom_and_opens_in_chinese(api):
    resp = _export(api, "association_admin", "all", "csv")
    assert resp.status_code == 202  # city-wide: a job makes it
    job = api("association_admin", "GET", resp.json["url"]).json["result"]
    assert job["state"] == "done" and job["result_filename"].endswith(".csv"), job
    download = api("association_admin", "GET", resp.json["url"] + "/file")
    body = download.data
    download.close()
    assert body.startswith(b"\xef\xbb\xbf")
    # the batch is recorded as every export is, and downloads the same bytes
    batches = api("association_admin", "GET", "/api/v1/export/").json["result"]
    latest = max(batches, key=lambda b: b["id"])
    assert api("association_admin", "GET", f"/api/v1/export/{latest['id']}/file").data == body
    header = body.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("身份证号,姓名,单位")


def test_export_scope(api):
    assert _export(api, "unit_reviewer", "all").status_code == 403
    assert _export(api, "professional", "unit").status_code == 403
    assert _export(api, "district_officer", "unit").status_code == 403
    resp = _export(api, "professional", "person")
    assert resp.status_code == 201
    batch_id = resp.json["id"]
    assert api("unit_reviewer_b", "GET", f"/api/v1/export/{batch_id}/file").status_code in (403, 404)
    assert api("unit_reviewer", "GET", f"/api/v1/export/{batch_id}/file").status_code == 404
    assert api("association_admin", "GET", f"/api/v1/export/{batch_id}/file").status_code == 200


def test_ledger_lists_are_scoped_and_filtered(api, clients, crowd, world, app):
    a_ids = api("unit_reviewer", "GET", "/api/v1/ledger/?q=(page_size:100)").json["ids"]
    b_ids = api("unit_reviewer_b", "GET", "/api/v1/ledger/?q=(page_size:100)").json["ids"]
    assert a_ids and not set(a_ids) & set(b_ids)
    own = api("professional", "GET", "/api/v1/ledger/").json["result"]
    assert {r["person"]["id"] for r in own} <= {world.person["A"]}
    for other in a_ids:
        assert api("unit_reviewer_b", "GET", f"/api/v1/ledger/{other}").status_code == 404
        assert api("unit_reviewer_b", "GET", f"/api/v1/ledger/{other}/certificate").status_code == 404
        assert clients("unit_reviewer_b").get(f"/ledgerview/show/{other}").status_code == 404
    page = clients("district_officer").get("/ledgerview/list/?_flt_0_compliant=y").get_data(as_text=True)
    assert "记录数目" in page


def test_year_certificate_pdf_embeds_its_font_and_reads_back(api, app, crowd, tmp_path):
    with app.app_context():
        ledger_id = db.session.execute(select(Ledger.id).where(
            Ledger.person_id == crowd["people"][0][0])).scalar()
        db.session.remove()
    resp = api("unit_reviewer", "GET", f"/api/v1/ledger/{ledger_id}/certificate")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    path = tmp_path / "year.pdf"
    path.write_bytes(resp.data)
    embedded = pdfcheck.fonts(path)
    assert embedded and all(f["emb"] == "yes" and f["sub"] == "yes" for f in embedded)
    text = pdfcheck.text(path)
    assert "2026年度专业技术人员继续教育学时证明" in text
    assert "新质生产力专题" in text and "数字技术应用" in text


def test_year_certificate_is_numbered_verifiable_and_reissued_when_the_year_changes(
        api, api_module, app, world, tmp_path):
    from app.models import YearCertificate
    from app.services import certificates, identifiers

    mine = make_crowd(app, world, "年度证明", size=1)
    assert api_module("association_admin", "/api/v1/platform_import/",
                      xlsx(course_rows(mine))).status_code == 200
    (pid, _number, name), = mine["people"]
    with app.app_context():
        ledger_id = db.session.execute(select(Ledger.id).where(Ledger.person_id == pid)).scalar()
        db.session.remove()
    first = api("unit_reviewer", "GET", f"/api/v1/ledger/{ledger_id}/certificate")
    assert first.status_code == 200
    assert api("unit_reviewer", "GET", f"/api/v1/ledger/{ledger_id}/certificate").data == first.data
    with app.app_context():
        cert = db.session.execute(select(YearCertificate).where(
            YearCertificate.person_id == pid)).scalar_one()  # one, however often downloaded
        number, token, url = cert.number, cert.token, certificates.verify_url(cert.token)
        db.session.remove()
    parsed = identifiers.parse(number)
    assert parsed.type_code == identifiers.YEAR_CERTIFICATE and parsed.year == 2026
    assert parsed.version == 1
    path = tmp_path / "year.pdf"
    path.write_bytes(first.data)
    assert number in pdfcheck.text(path).replace("\n", "")
    assert pdfcheck.decode_qr(path) == [url]
    sig = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid." in sig  # signed like the class certificates
    page = app.test_client().get(f"/verify/{token}").get_data(as_text=True)
    assert "有效" in page and number in page and "2026" in page and "30" in page
    assert name not in page and name[0] + "*" in page

    # the year changes: the next download is version 2 of the same serial; the first says so
    more = [[_number, name, "新增课程", "公需", "2026-06-01", 4]]
    assert api_module("association_admin", "/api/v1/platform_import/", xlsx(more)).status_code == 200
    second = api("unit_reviewer", "GET", f"/api/v1/ledger/{ledger_id}/certificate")
    assert second.status_code == 200 and second.data != first.data
    with app.app_context():
        newer = db.session.execute(select(YearCertificate).where(
            YearCertificate.person_id == pid, YearCertificate.version == 2)).scalar_one()
        assert identifiers.parse(newer.number).number == parsed.number
        assert newer.total == Decimal("34") and newer.token != token
        newer_id = newer.id
        db.session.remove()
    assert "已被新版本替代" in app.test_client().get(f"/verify/{token}").get_data(as_text=True)

    # revoked: not handed out again while the year stays as it is
    assert api("association_admin", "POST", f"/api/v1/year_certificate/{newer_id}/step/revoke",
               json={"reason": "学时造假", "category": "fraud"}).status_code == 200
    refused = api("unit_reviewer", "GET", f"/api/v1/ledger/{ledger_id}/certificate")
    assert refused.status_code == 409 and "已撤销" in refused.json["message"]


def test_er_an_out_of_scope_person_reads_not_applicable_with_who_recognises_their_hours(
        app, api, clients, world):
    from datetime import date as day_

    from tests import factories

    with app.app_context():
        person = Person(id_number=factories.id_number("370202"), name="王老师",
                        unit_id=world.unit["A"], series="k12_teacher", title_level="intermediate")
        db.session.add(person)
        db.session.flush()
        db.session.add(Activity(person_id=person.id, kind="platform_course", title="课程",
                                category="public", date=day_(2026, 3, 1), hours=Decimal(40),
                                first_year=2026, last_year=2026, source="platform"))
        (ledger,) = ledgers.recompute_person(person.id, [2026])
        db.session.commit()
        ledger_id, number = ledger.id, person.id_number
        assert (ledger.in_scope, ledger.compliant, ledger.shortfall_public) == (False, None, None)
        db.session.remove()
    shown = api("unit_reviewer", "GET", f"/api/v1/ledger/{ledger_id}").json["result"]
    assert shown["compliant"] is None and shown["shortfall_public"] is None
    page = clients("unit_reviewer").get(f"/ledgerview/show/{ledger_id}").get_data(as_text=True)
    assert "不适用(学时由市教育局认定)" in page and "未达标" not in page
    listed = clients("unit_reviewer").get("/ledgerview/list/").get_data(as_text=True)
    assert "不适用" in listed
    verdict = api("unit_reviewer", "POST", "/api/v1/eligibility/check",
                  json={"id_number": number, "year": 2026}).json["result"]
    assert verdict["compliant"] is None and any("市教育局" in p for p in verdict["problems"])
