"""Filed classes end to end: filing, acceptance, Excel roster and attendance,
completion review, hours into ledgers, certificates that verify."""
from __future__ import annotations

import io
import re
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Activity, Certificate, Enrolment, Evidence, Ledger, Person, PlanProject, PlanPublication, Seminar,
    TrainingBase, TrainingClass, Unit,
)
from tests import factories, pdfcheck
from tests.samples import PDF, xlsx

ROSTER = ["姓名", "身份证号", "单位统一社会信用代码", "手机", "职称系列", "职称级别"]


def upload(api, role, url, data, name="sheet.xlsx", **fields):
    return api(role, "POST", url, data={"file": (io.BytesIO(data), name), **fields},
               content_type="multipart/form-data")


def class_body(**overrides):
    body = {"name": "新技术推广培训班", "mode": "offline", "category": "professional",
            "start_date": "2026-09-01", "end_date": "2026-09-03", "hours_per_day": 8,
            "venue": "青岛市市南区香港中路", "capacity": 50}
    body.update(overrides)
    return body


def new_class(api, role="base_staff", **overrides):
    resp = api(role, "POST", "/api/v1/training_class/", json=class_body(**overrides))
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def material(api, role, class_id, purpose):
    resp = upload(api, role, f"/api/v1/training_class/{class_id}/material", PDF, f"{purpose}.pdf",
                  purpose=purpose)
    assert resp.status_code == 200, resp.json


def accepted_class(api, role="base_staff", **overrides):
    class_id = new_class(api, role, **overrides)
    material(api, role, class_id, "approval_form")
    assert api(role, "POST", f"/api/v1/training_class/{class_id}/step/file").status_code == 200
    assert api("association_admin", "POST", f"/api/v1/training_class/{class_id}/step/accept").status_code == 200
    return class_id


@pytest.fixture(scope="module")
def people(app, world):
    """Five in-scope people of unit A (one junior) and their roster rows."""
    with app.app_context():
        unit = db.session.get(Unit, world.unit["A"])
        rows = []
        for i, level in enumerate(["intermediate", "senior", "junior", "deputy_senior", "intermediate"]):
            person = Person(id_number=factories.id_number("370202"), name=f"学员{i}", unit=unit,
                            series="engineering", title_level=level)
            db.session.add(person)
            db.session.flush()
            rows.append({"id": person.id, "name": person.name, "number": person.id_number,
                         "level": level, "credit": unit.credit_code})
        db.session.commit()
        db.session.remove()
    return rows


def roster_rows(people, pick=range(5)):
    return [[people[i]["name"], people[i]["number"], people[i]["credit"], "13800000000", "engineering",
             people[i]["level"]] for i in pick]


def test_wechat_classes_are_refused_at_filing(api):
    resp = api("base_staff", "POST", "/api/v1/training_class/",
               json=class_body(mode="online", channel="wechat_group"))
    assert resp.status_code == 400
    assert "微信" in resp.json["message"]["channel"][0] and "四(二)4" in resp.json["message"]["channel"][0]


def test_a_withdrawn_base_cannot_file(app, api):
    from app.services import accounts

    with app.app_context():
        base_a = db.session.execute(select(TrainingBase).where(TrainingBase.code == "TB-A")).scalar_one()
        withdrawn = TrainingBase(code="TB-W", name="已退出基地", department_id=base_a.department_id,
                                 status="active")
        db.session.add(withdrawn)
        db.session.commit()
        accounts.create_user(app.appbuilder, username="base_staff_w", password="Test-Pass-2026!",
                             role="base_staff", targets={"base": "TB-W"})
        class_id = None
        db.session.remove()
    class_id = new_class(api, "base_staff_w")
    material(api, "base_staff_w", class_id, "approval_form")
    with app.app_context():
        base = db.session.execute(select(TrainingBase).where(TrainingBase.code == "TB-W")).scalar_one()
        base.status = "withdrawn"
        db.session.commit()
        db.session.remove()
    resp = api("base_staff_w", "POST", f"/api/v1/training_class/{class_id}/step/file")
    assert resp.status_code == 409 and "退出" in resp.json["message"]
    resp = api("base_staff_w", "POST", "/api/v1/training_class/", json=class_body())
    assert resp.status_code == 409
    with app.app_context():
        assert db.session.get(TrainingClass, class_id).state == "draft"
        db.session.remove()


def test_filing_needs_the_approval_form_and_illegal_steps_are_refused(api, app):
    class_id = new_class(api)
    resp = api("base_staff", "POST", f"/api/v1/training_class/{class_id}/step/file")
    assert resp.status_code == 400 and "开班审批表" in resp.json["message"]
    assert api("association_admin", "POST", f"/api/v1/training_class/{class_id}/step/accept").status_code == 409
    assert api("association_admin", "POST", f"/api/v1/training_class/{class_id}/step/approve").status_code == 409
    material(api, "base_staff", class_id, "approval_form")
    assert api("base_staff", "POST", f"/api/v1/training_class/{class_id}/step/file").status_code == 200
    assert api("base_staff", "POST", f"/api/v1/training_class/{class_id}/step/file").status_code == 409
    assert api("base_staff", "PUT", f"/api/v1/training_class/{class_id}", json={"name": "改"}).status_code == 409
    assert api("base_staff", "POST", f"/api/v1/training_class/{class_id}/step/accept").status_code == 403
    resp = api("association_admin", "POST", f"/api/v1/training_class/{class_id}/step/reject", json={})
    assert resp.status_code == 400
    resp = api("association_admin", "POST", f"/api/v1/training_class/{class_id}/step/reject",
               json={"reason": "审批表未盖章"})
    assert resp.json["state"] == "rejected"
    assert api("base_staff", "PUT", f"/api/v1/training_class/{class_id}", json={"name": "改正后"}).status_code == 200
    assert api("base_staff", "POST", f"/api/v1/training_class/{class_id}/step/file").status_code == 200


@pytest.mark.parametrize("case,column,message", [
    ("bad id", "身份证号", "校验码"),
    ("no title", "职称系列", "职称"),
    ("unknown unit", "单位统一社会信用代码", "单位"),
    ("duplicate", "身份证号", "重复"),
    ("out of scope", "身份证号", "市卫生健康委"),
    ("junior in seminar", "身份证号", "中高级职称"),
])
def test_roster_errors_are_reported_and_nothing_is_written(app, api, people, world, case, column, message):
    seminar_id = None
    if case == "junior in seminar":
        with app.app_context():
            seminar = Seminar(year=2026, name="省级高级研修班", level="provincial", state="approved",
                              base_id=world.base["A"])
            db.session.add(seminar)
            db.session.commit()
            seminar_id = seminar.id
            db.session.remove()
    class_id = accepted_class(api, seminar_id=seminar_id) if seminar_id else accepted_class(api)
    rows = roster_rows(people, [0, 1])
    bad_row = {
        "bad id": ["某人", "110105194912310021", people[0]["credit"], "", "", ""],
        "no title": ["张冠李戴", people[3]["number"], people[3]["credit"], "", "", ""],
        "unknown unit": ["新人", factories.id_number("370211"), factories.credit_code("370211"), "",
                         "工程", "中级"],
        "duplicate": list(rows[0]),
        "junior in seminar": roster_rows(people, [2])[0],
    }.get(case)
    if case == "out of scope":
        with app.app_context():
            nurse = Person(id_number=factories.id_number("370202"), name="护士甲", unit_id=world.unit["A"],
                           series="health", title_level="intermediate")
            db.session.add(nurse)
            db.session.commit()
            bad_row = ["护士甲", nurse.id_number, people[0]["credit"], "", "health", "intermediate"]
            db.session.remove()
    resp = upload(api, "base_staff", f"/api/v1/training_class/{class_id}/roster",
                  xlsx(ROSTER, rows + [bad_row]))
    assert resp.status_code == 400
    problems = resp.json["problems"]
    assert any(p["row"] == 4 and p["column"] == column and message in p["problem"] for p in problems), problems
    with app.app_context():
        count = db.session.execute(select(func.count()).select_from(Enrolment)
                                   .where(Enrolment.class_id == class_id)).scalar()
        assert count == 0
        db.session.remove()


def test_a_malformed_roster_file_is_refused(api):
    class_id = accepted_class(api)
    resp = upload(api, "base_staff", f"/api/v1/training_class/{class_id}/roster", b"not excel", "r.xlsx")
    assert resp.status_code == 400 and "Excel" in str(resp.json["message"])


def test_a_bad_roster_on_the_screen_links_its_problem_report(api, clients, people):
    from openpyxl import load_workbook
    class_id = accepted_class(api)
    rows = roster_rows(people, [0, 1])
    rows[1][1] = "110105194912310021"
    client = clients("base_staff")
    page = client.post(f"/trainingclassview/roster/{class_id}",
                       data={"file": (io.BytesIO(xlsx(ROSTER, rows)), "roster.xlsx")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    link = re.search(rf"/trainingclassview/problems/{class_id}/[0-9a-f]{{104}}", page).group(0)
    with client.get(link) as resp:
        report = [[c.value for c in r] for r in load_workbook(io.BytesIO(resp.data)).active.iter_rows()]
    assert any(r[0] == 3 and r[1] == "身份证号" for r in report[1:]), report
    assert client.get(f"/trainingclassview/problems/{class_id}/" + "f" * 104).status_code == 404


def test_a_problem_report_is_only_for_its_uploader_its_class_and_their_scope(
        app, api, clients, people, world):
    """Holding the permission and the report's link is not enough: another
    login of the same base, another base, the department of the base, the same
    report under another class, the file's name alone, and the uploader moved
    to another base all get the same 404 as no report at all."""
    from app.services import accounts, audit
    from tests.conftest import PASSWORD, login_client

    with app.app_context(), audit.acting_as("tests"):
        accounts.create_user(app.appbuilder, username="report_staff", password=PASSWORD,
                             role="base_staff", targets={"base": "TB-A"})
        db.session.remove()
    uploader = login_client(app, "report_staff")
    class_id, other_class = accepted_class(api), accepted_class(api)
    rows = roster_rows(people, [0])
    rows[0][1] = "110105194912310021"
    page = uploader.post(
        f"/trainingclassview/roster/{class_id}", data={"file": (io.BytesIO(xlsx(ROSTER, rows)), "r.xlsx")},
        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    link = re.search(rf"/trainingclassview/problems/{class_id}/([0-9a-f]{{104}})", page)
    token = link.group(1)
    assert uploader.get(link.group(0)).status_code == 200
    for login in ("base_staff", "base_staff_b", "authority_staff", "unit_reviewer", "association_admin"):
        assert clients(login).get(link.group(0)).status_code in (403, 404), login
    assert clients("base_staff").get(link.group(0)).status_code == 404  # same base, same role
    assert uploader.get(f"/trainingclassview/problems/{other_class}/{token}").status_code == 404
    assert uploader.get(f"/trainingclassview/problems/{class_id}/{token[:40]}").status_code == 404
    assert uploader.get(f"/trainingclassview/problems/{class_id}/{token[:40]}{'é' * 64}").status_code == 404
    with app.app_context(), audit.acting_as("tests"):
        accounts.link_scope(app.appbuilder, username="report_staff", targets={"base": "TB-B"})
        db.session.commit()
        db.session.remove()
    assert login_client(app, "report_staff").get(link.group(0)).status_code == 404


def test_a_new_person_is_created_only_with_a_known_unit(app, api, people):
    class_id = accepted_class(api)
    number = factories.id_number("370202")
    row = ["新学员", number, people[0]["credit"], "13900000000", "经济", "初级"]
    resp = upload(api, "base_staff", f"/api/v1/training_class/{class_id}/roster", xlsx(ROSTER, [row]))
    assert resp.status_code == 200 and resp.json["added"] == 1
    with app.app_context():  # registered when the unit's reviewer confirms, not before
        assert db.session.execute(select(Person).where(Person.id_number == number)).scalar() is None
        db.session.remove()
    confirm_roster(api, app, class_id)
    with app.app_context():
        person = db.session.execute(select(Person).where(Person.id_number == number)).scalar_one()
        assert (person.series, person.title_level, person.phone) == ("economics", "junior", "13900000000")
        db.session.remove()


def confirm_roster(api, app, class_id):
    """Each unit's reviewer confirms the rows of the class that wait for them:
    a base sees nobody, so its roster enrols only once confirmed (待单位确认)."""
    with app.app_context():
        from app.models import RosterLink

        waiting = db.session.execute(select(RosterLink.id).where(
            RosterLink.class_id == class_id, RosterLink.state == "pending")).scalars().all()
        db.session.remove()
    for link_id in waiting:
        url = f"/api/v1/roster_link/{link_id}/step/confirm"
        assert any(api(reviewer, "POST", url).status_code == 200
                   for reviewer in ("unit_reviewer", "unit_reviewer_b")), link_id


def _flow_to_completion(api, app, people, **overrides):
    class_id = accepted_class(api, **overrides)
    data = xlsx(ROSTER, roster_rows(people))
    resp = upload(api, "base_staff", f"/api/v1/training_class/{class_id}/roster", data)
    assert resp.status_code == 200 and resp.json["added"] == 5
    again = upload(api, "base_staff", f"/api/v1/training_class/{class_id}/roster", data)
    assert again.json == {"added": 0, "unchanged": 5}
    confirm_roster(api, app, class_id)
    return class_id


def _ledger_total(app, person_id):
    with app.app_context():
        ledger = db.session.execute(select(Ledger).where(Ledger.person_id == person_id,
                                                         Ledger.year == 2026)).scalar_one_or_none()
        db.session.remove()
        return Decimal(0) if ledger is None else ledger.professional


def test_attendance_over_the_plan_is_refused(api, app, people):
    class_id = _flow_to_completion(api, app, people)
    headers = ["身份证号", "姓名", "2026-09-01", "2026-09-02", "2026-09-03"]
    rows = [[p["number"], p["name"], 8, 8, 8] for p in people]
    rows[2][3] = 9
    resp = upload(api, "base_staff", f"/api/v1/training_class/{class_id}/attendance", xlsx(headers, rows))
    assert resp.status_code == 400
    assert resp.json["problems"] == [{"row": 4, "column": "2026-09-02", "problem": resp.json["problems"][0]["problem"]}]
    assert "8" in resp.json["problems"][0]["problem"]
    bad_day = upload(api, "base_staff", f"/api/v1/training_class/{class_id}/attendance",
                     xlsx(headers + ["2026-09-09"], [r + [1] for r in rows]))
    assert bad_day.status_code == 400
    with app.app_context():
        assert all(not e.attendance for e in db.session.execute(
            select(Enrolment).where(Enrolment.class_id == class_id)).scalars())
        db.session.remove()


def test_whole_flow_registers_hours_and_issues_certificates(app, api, people, tmp_path):
    before = {p["id"]: _ledger_total(app, p["id"]) for p in people}
    class_id = _flow_to_completion(api, app, people)
    headers = ["身份证号", "姓名", "2026-09-01", "2026-09-02", "2026-09-03"]
    rows = [[p["number"], p["name"], 8, 6, 7.5] for p in people]
    rows[4] = [people[4]["number"], people[4]["name"], 0, None, None]  # absent
    resp = upload(api, "base_staff", f"/api/v1/training_class/{class_id}/attendance", xlsx(headers, rows))
    assert resp.status_code == 200, resp.json
    resp = api("base_staff", "POST", f"/api/v1/training_class/{class_id}/step/request_completion")
    assert resp.status_code == 400 and "签到表" in resp.json["message"]
    material(api, "base_staff", class_id, "sign_in")
    material(api, "base_staff", class_id, "photo")
    assert api("base_staff", "POST", f"/api/v1/training_class/{class_id}/step/request_completion").status_code == 200
    resp = api("association_admin", "POST", f"/api/v1/training_class/{class_id}/step/approve")
    assert resp.status_code == 200 and resp.json["state"] == "reviewed"
    assert api("association_admin", "POST", f"/api/v1/training_class/{class_id}/step/approve").status_code == 409
    for p in people[:4]:
        assert _ledger_total(app, p["id"]) == before[p["id"]] + Decimal("21.5")
    assert _ledger_total(app, people[4]["id"]) == before[people[4]["id"]]
    with app.app_context():
        certs = db.session.execute(select(Certificate).where(Certificate.class_id == class_id)
                                   .order_by(Certificate.id)).scalars().all()
        assert len(certs) == 4 and all(c.hours == Decimal("21.5") for c in certs)
        assert all(c.stored_name for c in certs)  # written inline in tests
        assert len({c.token for c in certs}) == 4 and all(len(c.token) >= 40 for c in certs)
        from app.services import certificates
        assert certificates.render_pending(class_id) == 0  # a re-run issues nothing new
        token, cert_id, person_name = certs[0].token, certs[0].id, certs[0].person.name
        number = certs[0].number
        verify_url = certificates.verify_url(token)
        from app.services import identifiers
        parsed = [identifiers.parse(c.number) for c in certs]  # GB/T 36904 style, check char valid
        assert all(p and p.type_code == identifiers.CLASS_CERTIFICATE and p.year == 2026
                   and p.issuer == app.config["XUESHI_ISSUER_CREDIT_CODE"] for p in parsed)
        assert len({p.number for p in parsed}) == 4 and token not in number
        db.session.remove()
    pdf = api("base_staff", "GET", f"/api/v1/certificate/{cert_id}/pdf")
    assert pdf.status_code == 200
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf.data)
    assert all(f["emb"] == "yes" for f in pdfcheck.fonts(path))
    text = pdfcheck.text(path)
    assert person_name in text and "21.5" in text and "新技术推广培训班" in text
    assert number in text  # the identifier is printed; the QR holds the token's URL
    sig = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid." in sig and "Total document signed" in sig  # PAdES, whole file
    assert pdfcheck.decode_qr(path) == [verify_url]
    page = app.test_client().get(f"/verify/{token}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "有效" in text and "新技术推广培训班" in text
    assert person_name not in text and person_name[0] + "*" in text
    resp = api("association_admin", "POST", f"/api/v1/certificate/{cert_id}/step/revoke",
               json={"reason": "代签", "category": "fraud"})
    assert resp.status_code == 200
    assert _ledger_total(app, people[0]["id"]) == before[people[0]["id"]]
    assert "已撤销" in app.test_client().get(f"/verify/{token}").get_data(as_text=True)
    again = api("association_admin", "POST", f"/api/v1/certificate/{cert_id}/step/revoke",
                json={"reason": "x", "category": "fraud"})
    assert again.status_code == 409


def test_unknown_tokens_say_only_not_found(app):
    resp = app.test_client().get("/verify/" + "x" * 43)
    assert resp.status_code == 404
    text = resp.get_data(as_text=True)
    assert "未找到" in text and "证书编号" not in text


def test_the_verify_page_is_rate_limited(make_app):
    limited = make_app(XUESHI_VERIFY_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    codes = [client.get("/verify/unknown-token").status_code for _ in range(5)]
    assert codes[:3] == [404, 404, 404] and codes[-1] == 429


def test_priority_classes_credit_double_up_to_the_daily_cap(app, api, people, world):
    with app.app_context():
        project = PlanProject(year=2026, name="2026年数字经济重点项目", category="professional",
                              audience="工程技术人员", planned_hours=24, months="10月",
                              base_id=world.base["A"], state="accepted")
        db.session.add(project)
        if db.session.execute(select(PlanPublication).where(PlanPublication.year == 2026)).first() is None:
            from app.models.base import utcnow
            db.session.add(PlanPublication(year=2026, published_on=date(2026, 3, 1), published_at=utcnow()))
        db.session.commit()
        project_id = project.id
        db.session.remove()
    before = {p["id"]: _ledger_total(app, p["id"]) for p in people}
    class_id = _flow_to_completion(api, app, people, plan_project_id=project_id, hours_per_day=10,
                                   start_date="2026-10-12", end_date="2026-10-13")
    headers = ["身份证号", "姓名", "2026-10-12", "2026-10-13"]
    rows = [[p["number"], p["name"], 10, 5] for p in people]
    assert upload(api, "base_staff", f"/api/v1/training_class/{class_id}/attendance",
                  xlsx(headers, rows)).status_code == 200
    material(api, "base_staff", class_id, "sign_in")
    material(api, "base_staff", class_id, "photo")
    api("base_staff", "POST", f"/api/v1/training_class/{class_id}/step/request_completion")
    assert api("association_admin", "POST", f"/api/v1/training_class/{class_id}/step/approve").status_code == 200
    for p in people:
        # day 1: 10 actual, 8 allowed x 2 = 16; day 2: 5 x 2 = 10
        assert _ledger_total(app, p["id"]) - before[p["id"]] == Decimal(26)
    with app.app_context():
        kinds = set(db.session.execute(select(Activity.kind).where(
            Activity.source == "class", Activity.source_id.in_(
                select(Enrolment.id).where(Enrolment.class_id == class_id)))).scalars())
        assert kinds == {"priority_training"}
        db.session.remove()


def test_an_unpublished_project_cannot_claim_double(app, api, world):
    with app.app_context():
        project = PlanProject(year=2027, name="未发布项目", category="public", audience="全体",
                              planned_hours=8, months="5月", base_id=world.base["A"], state="proposed")
        db.session.add(project)
        db.session.commit()
        project_id = project.id
        db.session.remove()
    resp = api("base_staff", "POST", "/api/v1/training_class/", json=class_body(plan_project_id=project_id))
    assert resp.status_code == 400 and "plan_project_id" in resp.json["message"]


def test_violation_registers_no_hours(app, api, people):
    before = {p["id"]: _ledger_total(app, p["id"]) for p in people}
    class_id = _flow_to_completion(api, app, people, start_date="2026-11-02", end_date="2026-11-02")
    api("base_staff", "POST", f"/api/v1/training_class/{class_id}/step/full_attendance")
    material(api, "base_staff", class_id, "sign_in")
    material(api, "base_staff", class_id, "photo")
    api("base_staff", "POST", f"/api/v1/training_class/{class_id}/step/request_completion")
    resp = api("association_admin", "POST", f"/api/v1/training_class/{class_id}/step/violation",
               json={"reason": "签到表造假"})
    assert resp.status_code == 200 and resp.json["state"] == "violation"
    assert all(_ledger_total(app, p["id"]) == before[p["id"]] for p in people)
    assert api("association_admin", "POST", f"/api/v1/training_class/{class_id}/step/approve").status_code == 409


def test_base_a_staff_get_404_on_base_b_class_on_every_path(app, api, clients):
    theirs = new_class(api, "base_staff_b")
    material(api, "base_staff_b", theirs, "approval_form")
    with app.app_context():
        before = db.session.get(TrainingClass, theirs).state
        db.session.remove()
    for method, url, kwargs in [
        ("GET", f"/api/v1/training_class/{theirs}", {}),
        ("PUT", f"/api/v1/training_class/{theirs}", {"json": {"name": "x"}}),
        ("POST", f"/api/v1/training_class/{theirs}/step/file", {}),
        ("POST", f"/api/v1/training_class/{theirs}/step/full_attendance", {}),
        ("POST", f"/api/v1/training_class/{theirs}/step/request_completion", {}),
        ("POST", f"/api/v1/training_class/{theirs}/roster",
         {"data": {"file": (io.BytesIO(xlsx(ROSTER, [])), "r.xlsx")}, "content_type": "multipart/form-data"}),
        ("POST", f"/api/v1/training_class/{theirs}/material",
         {"data": {"file": (io.BytesIO(PDF), "x.pdf"), "purpose": "photo"},
          "content_type": "multipart/form-data"}),
    ]:
        assert api("base_staff", method, url, **kwargs).status_code == 404, url
    client = clients("base_staff")
    for url in (f"/trainingclassview/show/{theirs}", f"/trainingclassview/change/{theirs}",
                f"/trainingclassview/roster-template/{theirs}", f"/trainingclassview/progress/{theirs}"):
        assert client.get(url).status_code == 404, url
    for url in (f"/trainingclassview/step/file/{theirs}", f"/trainingclassview/step/full_attendance/{theirs}",
                f"/trainingclassview/step/request_completion/{theirs}"):
        assert client.post(url).status_code == 404, url
    ids = api("base_staff", "GET", "/api/v1/training_class/?q=(page_size:100)").json["ids"]
    assert theirs not in ids
    with app.app_context():
        assert db.session.get(TrainingClass, theirs).state == before
        db.session.remove()


def test_approval_starts_a_certificates_job_that_writes_each_pdf_once(app, api, people):
    from sqlalchemy import select

    from app import jobs
    from app.models import Job

    class_id = _flow_to_completion(api, app, people, start_date="2026-11-20", end_date="2026-11-20")
    api("base_staff", "POST", f"/api/v1/training_class/{class_id}/step/full_attendance")
    material(api, "base_staff", class_id, "sign_in")
    material(api, "base_staff", class_id, "photo")
    api("base_staff", "POST", f"/api/v1/training_class/{class_id}/step/request_completion")
    resp = api("association_admin", "POST", f"/api/v1/training_class/{class_id}/step/approve")
    assert resp.status_code == 200, resp.json
    with app.app_context():
        job = db.session.execute(select(Job).where(Job.kind == "certificates")
                                 .order_by(Job.id.desc())).scalars().first()
        assert job.params == {"class_id": class_id}
        assert (job.state, job.username, job.done, job.total) == ("done", "association_admin", 5, 5)
        cls = db.session.get(TrainingClass, class_id)
        stored = select(Certificate.stored_name).where(Certificate.class_id == class_id)
        names = set(db.session.execute(stored).scalars())
        assert (cls.certificates_total, cls.certificates_rendered) == (5, 5)
        assert len(names) == 5 and None not in names
        # delivered twice (a consumer restart): the second run finds it finished
        assert jobs.execute(job.id) is None
        db.session.expire_all()
        assert set(db.session.execute(stored).scalars()) == names
        db.session.remove()


def test_a_bad_change_is_a_400_and_changes_nothing(api, app):
    class_id = new_class(api)
    resp = api("base_staff", "PUT", f"/api/v1/training_class/{class_id}", json={"name": "", "capacity": 0})
    assert resp.status_code == 400 and "name" in resp.json["message"]
    with app.app_context():
        assert db.session.get(TrainingClass, class_id).name == "新技术推广培训班"
        db.session.remove()


def test_the_cli_writes_missing_certificate_pdfs(app, api, people):
    from app.services import certificates

    class_id = _flow_to_completion(api, app, people, start_date="2026-12-01", end_date="2026-12-01")
    api("base_staff", "POST", f"/api/v1/training_class/{class_id}/step/full_attendance")
    material(api, "base_staff", class_id, "sign_in")
    material(api, "base_staff", class_id, "photo")
    api("base_staff", "POST", f"/api/v1/training_class/{class_id}/step/request_completion")
    with app.app_context():
        from app.security.scope import SYSTEM
        from app.services import classes
        classes.approve_completion(SYSTEM, class_id)  # numbered, no PDF written yet
        assert db.session.execute(select(func.count()).select_from(Certificate).where(
            Certificate.class_id == class_id, Certificate.stored_name.is_(None))).scalar() == 5
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["xueshi", "certificates", "--class", str(class_id)])
    assert result.exit_code == 0 and "5" in result.output
    with app.app_context():
        cls = db.session.get(TrainingClass, class_id)
        assert cls.certificates_rendered == 5
        assert certificates.render_pending(class_id) == 0
        db.session.remove()


def test_the_class_page_shows_only_participants_in_scope(app, api, clients, world, people, monkeypatch):
    from app.views import lists

    monkeypatch.setattr(lists, "COUNT_CAP", 1)  # a list's cap: a class counts all it holds
    class_id = accepted_class(api)
    with app.app_context():
        outsider = Person(id_number=factories.id_number("370203"), name="外区学员", unit_id=world.unit["B"],
                          series="engineering", title_level="intermediate")
        db.session.add(outsider)
        db.session.commit()
        rows = roster_rows(people, [0]) + [["外区学员", outsider.id_number,
                                            db.session.get(Unit, world.unit["B"]).credit_code, "",
                                            "engineering", "intermediate"]]
        db.session.remove()
    assert upload(api, "base_staff", f"/api/v1/training_class/{class_id}/roster",
                  xlsx(ROSTER, rows)).status_code == 200
    confirm_roster(api, app, class_id)
    organiser = clients("base_staff").get(f"/trainingclassview/show/{class_id}").get_data(as_text=True)
    assert "外区学员" in organiser and people[0]["name"] in organiser
    assert re.search(r"\(2 / \d+\)", organiser)  # both participants, counted exactly
    officer = clients("district_officer").get(f"/trainingclassview/show/{class_id}").get_data(as_text=True)
    assert people[0]["name"] in officer and "外区学员" not in officer


def test_a_department_sees_its_bases_classes_but_does_not_run_them(api, app):
    class_id = new_class(api, "base_staff")
    assert api("authority_staff", "GET", f"/api/v1/training_class/{class_id}").status_code == 200
    for method, url, body in [("PUT", f"/api/v1/training_class/{class_id}", {"name": "部门改名"}),
                              ("POST", f"/api/v1/training_class/{class_id}/step/file", None),
                              ("POST", f"/api/v1/training_class/{class_id}/step/full_attendance", None)]:
        kwargs = {"json": body} if body is not None else {}
        assert api("authority_staff", method, url, **kwargs).status_code == 403
    with app.app_context():
        assert db.session.get(TrainingClass, class_id).name == "新技术推广培训班"
        db.session.remove()


def test_a_bad_approval_form_saves_no_class(app, clients):
    with app.app_context():
        before = db.session.execute(select(func.count()).select_from(TrainingClass)).scalar()
    resp = clients("base_staff").post("/trainingclassview/new", data={
        **{k: str(v) for k, v in class_body(name="坏附件班").items()},
        "channel": "", "plan_project_id": "", "seminar_id": "",
        "approval_form": (io.BytesIO(b"not a pdf"), "approval.pdf")}, content_type="multipart/form-data")
    assert resp.status_code == 200 and "PDF" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(TrainingClass)).scalar() == before
        db.session.remove()


def test_several_materials_on_the_screen_are_stored_all_or_none(app, api, clients):
    class_id = new_class(api)

    def stored():
        with app.app_context():
            names = db.session.execute(select(Evidence.original_name).where(Evidence.owner_type == "training_class",
                                                                Evidence.owner_id == class_id)
                                       .order_by(Evidence.id)).scalars().all()
            db.session.remove()
            return names

    client = clients("base_staff")
    resp = client.post(f"/trainingclassview/material/{class_id}", data={
        "purpose": "approval_form",
        "files": [(io.BytesIO(PDF), "审批表.pdf"), (io.BytesIO(b"not a pdf"), "附件.pdf")]},
        content_type="multipart/form-data", follow_redirects=True)
    assert "PDF、JPEG" in resp.get_data(as_text=True)
    assert stored() == []
    resp = client.post(f"/trainingclassview/material/{class_id}", data={
        "purpose": "approval_form",
        "files": [(io.BytesIO(PDF), "审批表.pdf"), (io.BytesIO(PDF + b"%2"), "附件.pdf")]},
        content_type="multipart/form-data")
    assert resp.status_code == 302
    assert stored() == ["审批表.pdf", "附件.pdf"]


@pytest.mark.parametrize("source, mode, kind, earned", [
    # 四(二)3 (rules revision 2): only offline training of a published project counts double
    ("project", "offline", "priority_training", 16),
    ("project", "online", "online_training", 8),
    ("seminar", "offline", "priority_training", 16),
    ("seminar", "online", "priority_training", 16),
    (None, "offline", "offline_training", 8),
    (None, "online", "online_training", 8),
])
def test_the_year_rule_set_decides_what_a_class_counts_as(app, monkeypatch, source, mode, kind,
                                                          earned):
    from types import SimpleNamespace

    from app.services import classes

    monkeypatch.setattr(classes.plans, "published", lambda year: True)
    with app.test_request_context():
        cls = TrainingClass(name="班", mode=mode, channel="live" if mode == "online" else None,
                            category="professional", start_date=date(2026, 10, 12))
        cls.plan_project = PlanProject(year=2026, state="accepted") if source == "project" else None
        cls.seminar = Seminar(year=2026, state="approved") if source == "seminar" else None
        assert classes.activity_kind(cls) == kind
        assert classes.is_priority(cls) is (earned == 16)
        enrolment = SimpleNamespace(person_id=1, id=1, attendance={"2026-10-12": 8})
        activity = classes._class_activity(cls, enrolment, kind)
        assert classes.earned_hours(activity) == earned
        db.session.rollback()


def _form_fields(html: str) -> dict[str, list[str]]:
    """The errors the form shows under each field, by field name."""
    found = {}
    for group in re.findall(r'<div class="form-group has-error".*?</div>\s*</div>', html, flags=re.S):
        name = re.search(r'name="([^"]+)"', group).group(1)
        found[name] = re.findall(r'<span class="help-block" role="alert"[^>]*>([^<]+)</span>', group)
    return found


def test_the_filing_form_shows_every_problem_at_once(app, clients, api):
    """No name, an unreadable start date, the end before…, no place, capacity 0:
    each under its own field in one answer, on the screen and on the API."""
    with app.app_context():
        before = db.session.execute(select(func.count()).select_from(TrainingClass)).scalar()
    body = {**{k: str(v) for k, v in class_body(name="", start_date="2026-9-1", venue="",
                                                 capacity="0", hours_per_day="30").items()},
            "channel": "", "plan_project_id": "", "seminar_id": ""}
    resp = clients("base_staff").post("/trainingclassview/new", data=body)
    assert resp.status_code == 200
    errors = _form_fields(resp.get_data(as_text=True))
    assert set(errors) == {"name", "start_date", "hours_per_day", "venue", "capacity"}, errors
    assert "班次名称" in errors["name"][0] and "日期" in errors["start_date"][0]
    resp = api("base_staff", "POST", "/api/v1/training_class/",
               json=class_body(name="", end_date="2026-08-01", venue="", capacity=0))
    assert resp.status_code == 400
    assert set(resp.json["message"]) == {"name", "end_date", "venue", "capacity"}, resp.json
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(TrainingClass)).scalar() == before
        db.session.remove()


def test_an_offline_class_neither_asks_nor_keeps_an_online_channel(app, api, clients):
    page = clients("base_staff").get("/trainingclassview/new").get_data(as_text=True)
    channel = re.search(r'<select[^>]*name="channel"[^>]*>', page).group()
    assert 'data-shown-when="mode=online"' in channel  # the form hides it unless 线上
    hidden = {k: str(v) for k, v in class_body(name="线下班不送渠道").items()}  # a hidden field is not sent
    resp = clients("base_staff").post("/trainingclassview/new",
                                      data={**hidden, "plan_project_id": "", "seminar_id": ""})
    assert resp.status_code == 302 and "/trainingclassview/show/" in resp.headers["Location"]
    class_id = new_class(api, mode="offline", channel="live")
    with app.app_context():
        assert db.session.get(TrainingClass, class_id).channel is None
        db.session.remove()
    resp = api("base_staff", "POST", "/api/v1/training_class/", json=class_body(mode="online"))
    assert resp.status_code == 400 and set(resp.json["message"]) == {"channel"}


def test_a_class_that_has_already_ended_is_saved_with_a_warning(api, clients):
    from app.formatting import local_now

    today = local_now().date()
    ended = new_class(api, start_date=f"{today.year}-01-05", end_date=f"{today.year}-01-06")
    coming = new_class(api, start_date=today.isoformat(), end_date=today.isoformat())  # ends today
    warning = "该班次已于"
    page = clients("base_staff").get(f"/trainingclassview/show/{ended}").get_data(as_text=True)
    assert warning in page and f"{today.year}-01-06" in page
    assert warning not in clients("base_staff").get(f"/trainingclassview/show/{coming}").get_data(as_text=True)
