"""Governance: plans and seminars, base evaluation with exit, inspections,
cases handed to districts, dishonesty records, dashboards."""
from __future__ import annotations

import io
import re
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Activity, Certificate, Evidence, Ledger, Person, RosterLink, TrainingBase, TrainingClass,
    Unit,
)
from app.rules import registry
from app.services import accounts
from tests import factories
from tests.conftest import PASSWORD
from tests.samples import PDF


def step(api, role, resource, pk, name, **body):
    return api(role, "POST", f"/api/v1/{resource}/{pk}/step/{name}", json=body)


def test_plan_collection_and_publication(api, app):
    resp = api("base_staff", "POST", "/api/v1/plan_project/", json={
        "year": 2029, "name": "智能制造高级工程师研修", "category": "professional",
        "audience": "工程技术人员", "planned_hours": 24, "months": "4–6月"})
    assert resp.status_code == 201, resp.json
    accepted = resp.json["id"]
    other = api("authority_staff", "POST", "/api/v1/plan_project/", json={
        "year": 2029, "name": "重复申报", "category": "public", "audience": "全体",
        "planned_hours": 6, "months": "5月"}).json["id"]
    bad = api("base_staff", "POST", "/api/v1/plan_project/", json={
        "year": 2029, "name": "", "category": "public", "audience": "x", "planned_hours": 6, "months": "5月"})
    assert bad.status_code == 400 and "name" in bad.json["message"]
    assert step(api, "base_staff", "plan_project", accepted, "accept").status_code == 403
    assert step(api, "association_admin", "plan_project", other, "reject").status_code == 400
    assert step(api, "association_admin", "plan_project", other, "reject", reason="与已有项目重复").status_code == 200
    assert step(api, "association_admin", "plan_project", accepted, "accept").status_code == 200
    assert step(api, "association_admin", "plan_project", accepted, "accept").status_code == 409
    # not yet published: nobody outside sees it in the published list
    assert api("professional", "GET", "/api/v1/plan_project/published/2029").json["result"] == []
    resp = api("association_admin", "POST", "/api/v1/plan_project/publish",
               json={"year": 2029, "published_on": "2029-05-10"})
    assert resp.status_code == 200 and resp.json["late"] is True and "一季度" in resp.json["message"]
    again = api("association_admin", "POST", "/api/v1/plan_project/publish",
                json={"year": 2029, "published_on": "2029-05-11"})
    assert again.status_code == 409
    listed = api("professional", "GET", "/api/v1/plan_project/published/2029").json["result"]
    assert [p["id"] for p in listed] == [accepted]


def test_publication_in_the_first_quarter_is_on_time(api):
    pk = api("base_staff", "POST", "/api/v1/plan_project/", json={
        "year": 2030, "name": "数字经济", "category": "public", "audience": "全体", "planned_hours": 6,
        "months": "3月"}).json["id"]
    step(api, "association_admin", "plan_project", pk, "accept")
    resp = api("association_admin", "POST", "/api/v1/plan_project/publish",
               json={"year": 2030, "published_on": "2030-03-31"})
    assert resp.json["late"] is False


def test_the_published_page_is_open_to_every_business_login(clients, app):
    for role in ("professional", "unit_reviewer", "district_officer", "base_staff"):
        page = clients(role).get("/plans/published?year=2029")
        assert page.status_code == 200 and "已公布" not in page.get_data(as_text=True)[:0]


def test_seminar_application_and_approval(api):
    pk = api("authority_staff", "POST", "/api/v1/seminar/", json={
        "year": 2026, "name": "国家级高级研修班", "level": "national"}).json["id"]
    assert api("authority_staff", "POST", "/api/v1/seminar/", json={
        "year": 2026, "name": "x", "level": "county"}).status_code == 400
    assert step(api, "association_admin", "seminar", pk, "approve").status_code == 200
    assert step(api, "association_admin", "seminar", pk, "reject", reason="x").status_code == 409
    listed = api("professional", "GET", "/api/v1/seminar/?q=(page_size:100)").json["ids"]
    assert pk in listed


def _evaluation(api, year, role="base_staff"):
    resp = api(role, "POST", "/api/v1/base_evaluation/", json={"year": year})
    assert resp.status_code == 201, resp.json
    pk = resp.json["id"]
    upload = api(role, "POST", f"/api/v1/base_evaluation/{pk}/material",
                 data={"file": (io.BytesIO(PDF), "自评报告.pdf")}, content_type="multipart/form-data")
    assert upload.status_code == 200, upload.json
    return pk


def test_evaluation_stages_in_order_with_return(api, app):
    pk = _evaluation(api, 2026)
    # wrong order and wrong roles are refused and change nothing
    assert step(api, "authority_staff", "base_evaluation", pk, "department_review", opinion="x").status_code == 409
    assert step(api, "association_admin", "base_evaluation", pk, "submit", summary="x").status_code == 403
    assert step(api, "base_staff", "base_evaluation", pk, "submit", summary="年度工作总结").status_code == 200
    assert step(api, "association_admin", "base_evaluation", pk, "expert_review",
                scores=[{"expert": "王", "score": 90}]).status_code == 409
    assert step(api, "authority_staff", "base_evaluation", pk, "return", reason="材料不全").status_code == 200
    shown = api("base_staff", "GET", f"/api/v1/base_evaluation/{pk}").json["result"]
    assert shown["stage"] == "draft" and shown["returned_reason"] == "材料不全"
    assert step(api, "base_staff", "base_evaluation", pk, "submit", summary="补充后的总结").status_code == 200
    assert step(api, "authority_staff", "base_evaluation", pk, "department_review", opinion="同意").status_code == 200
    bad = step(api, "association_admin", "base_evaluation", pk, "expert_review", scores=[{"expert": "王", "score": 130}])
    assert bad.status_code == 400
    assert step(api, "association_admin", "base_evaluation", pk, "expert_review",
                scores=[{"expert": "王教授", "score": 92}, {"expert": "李教授", "score": 89}]).status_code == 200
    assert Decimal(api("base_staff", "GET", f"/api/v1/base_evaluation/{pk}").json["result"]["expert_score"]) == Decimal("90.5")
    assert step(api, "association_admin", "base_evaluation", pk, "site_check", findings="场地规范").status_code == 200
    assert step(api, "association_admin", "base_evaluation", pk, "publish", result="excellent",
                published_on="2026-12-01").status_code == 200
    with app.app_context():
        base = db.session.execute(select(TrainingBase).where(TrainingBase.code == "TB-A")).scalar_one()
        assert base.status == "excellent"
        base.status = "active"  # other tests file classes for base A
        db.session.commit()
        db.session.remove()


def test_a_failed_base_is_withdrawn_and_files_no_new_class(api, app, world):
    with app.app_context():
        dept_id = db.session.get(TrainingBase, world.base["A"]).department_id
        db.session.add(TrainingBase(code="TB-F", name="待评估基地", department_id=dept_id, status="active"))
        db.session.commit()
        accounts.create_user(app.appbuilder, username="base_staff_f", password=PASSWORD,
                             role="base_staff", targets={"base": "TB-F"})
        db.session.remove()
    open_class = api("base_staff_f", "POST", "/api/v1/training_class/", json={
        "name": "评估前的班次", "mode": "offline", "category": "public", "start_date": "2026-12-10",
        "end_date": "2026-12-10", "hours_per_day": 6, "venue": "x", "capacity": 10}).json["id"]
    old = _evaluation(api, 2025, "base_staff_f")
    pk = _evaluation(api, 2026, "base_staff_f")
    step(api, "base_staff_f", "base_evaluation", pk, "submit", summary="总结")
    step(api, "authority_staff", "base_evaluation", pk, "department_review", opinion="初审通过")
    step(api, "association_admin", "base_evaluation", pk, "expert_review", scores=[{"expert": "张", "score": 40}])
    step(api, "association_admin", "base_evaluation", pk, "site_check", findings="无固定场地")
    resp = step(api, "association_admin", "base_evaluation", pk, "publish", result="failed",
                published_on="2026-12-15")
    assert resp.status_code == 200
    refused = api("base_staff_f", "POST", "/api/v1/training_class/", json={
        "name": "退出后的班次", "mode": "offline", "category": "public", "start_date": "2026-12-20",
        "end_date": "2026-12-20", "hours_per_day": 6, "venue": "x", "capacity": 10})
    assert refused.status_code == 409 and "退出" in refused.json["message"]
    with app.app_context():
        assert db.session.get(TrainingClass, open_class).state == "draft"  # open classes stay
        db.session.remove()
    history = api("base_staff_f", "GET", "/api/v1/base_evaluation/").json["ids"]
    assert set(history) == {old, pk}


def _reviewed_class(api, app, world, day="2026-06-20"):
    from tests.test_classes import confirm_roster

    with app.app_context():
        person = Person(id_number=factories.id_number("370202"), name="督导学员", unit_id=world.unit["A"],
                        series="engineering", title_level="intermediate")
        db.session.add(person)
        db.session.commit()
        unit = db.session.get(Unit, world.unit["A"])
        row = [person.name, person.id_number, unit.credit_code, "", person.series, person.title_level]
        pid = person.id
        db.session.remove()
    from openpyxl import Workbook
    book = Workbook()
    book.active.append(["姓名", "身份证号", "单位统一社会信用代码", "手机", "职称系列", "职称级别"])
    book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    cid = api("base_staff", "POST", "/api/v1/training_class/", json={
        "name": "督导抽查班", "mode": "offline", "category": "professional", "start_date": day,
        "end_date": day, "hours_per_day": 8, "venue": "x", "capacity": 10}).json["id"]
    for purpose in ("approval_form",):
        api("base_staff", "POST", f"/api/v1/training_class/{cid}/material",
            data={"file": (io.BytesIO(PDF), "a.pdf"), "purpose": purpose}, content_type="multipart/form-data")
    api("base_staff", "POST", f"/api/v1/training_class/{cid}/step/file")
    api("association_admin", "POST", f"/api/v1/training_class/{cid}/step/accept")
    api("base_staff", "POST", f"/api/v1/training_class/{cid}/roster",
        data={"file": (io.BytesIO(buf.getvalue()), "r.xlsx")}, content_type="multipart/form-data")
    confirm_roster(api, app, cid)
    api("base_staff", "POST", f"/api/v1/training_class/{cid}/step/full_attendance")
    for purpose in ("sign_in", "photo"):
        api("base_staff", "POST", f"/api/v1/training_class/{cid}/material",
            data={"file": (io.BytesIO(PDF), "a.pdf"), "purpose": purpose}, content_type="multipart/form-data")
    api("base_staff", "POST", f"/api/v1/training_class/{cid}/step/request_completion")
    assert api("association_admin", "POST", f"/api/v1/training_class/{cid}/step/approve").status_code == 200
    return cid, pid


def _professional_hours(app, pid):
    with app.app_context():
        value = db.session.execute(select(Ledger.professional).where(
            Ledger.person_id == pid, Ledger.year == 2026)).scalar()
        db.session.remove()
        return value


def test_an_inspection_violation_removes_hours_already_registered(api, app, world):
    cid, pid = _reviewed_class(api, app, world)
    assert _professional_hours(app, pid) == Decimal(8)
    resp = api("association_admin", "POST", "/api/v1/inspection/", json={
        "inspected_on": "2026-06-25", "class_id": cid, "inspector": "督导员甲",
        "findings": "签到表代签", "violation": True})
    assert resp.status_code == 201, resp.json
    assert _professional_hours(app, pid) == Decimal(0)
    with app.app_context():
        cert = db.session.execute(select(Certificate).where(Certificate.class_id == cid)).scalar_one()
        assert cert.revoked and "签到表代签" in cert.revoke_reason
        assert db.session.get(TrainingClass, cid).state == "violation"
        db.session.remove()
    assert api("base_staff", "POST", "/api/v1/inspection/", json={}).status_code == 403


def test_cases_are_handed_to_the_district_which_records_the_outcome(api, app, world, clients):
    inspection = api("association_admin", "POST", "/api/v1/inspection/", json={
        "inspected_on": "2026-07-01", "base_id": world.base["A"], "inspector": "督导员乙",
        "findings": "材料真实性存疑"}).json["id"]
    resp = step(api, "association_admin", "inspection", inspection, "hand_over",
                subject="学时材料核查", details="签到表笔迹一致", unit_id=world.unit["A"])
    assert resp.status_code == 200
    case_id = resp.json["id"]
    assert api("district_officer", "GET", f"/api/v1/case/{case_id}").status_code == 200
    with app.app_context():
        accounts.create_user(app.appbuilder, username="district_officer_b", password=PASSWORD,
                             role="district_officer", targets={"district": "370203"})
        db.session.remove()
    assert api("district_officer_b", "GET", f"/api/v1/case/{case_id}").status_code == 404
    assert step(api, "district_officer_b", "case", case_id, "close", outcome="x").status_code == 404
    assert step(api, "district_officer", "case", case_id, "close", outcome="").status_code == 400
    assert step(api, "district_officer", "case", case_id, "close", outcome="核查属实,已责令整改").status_code == 200
    assert step(api, "district_officer", "case", case_id, "close", outcome="again").status_code == 409
    assert step(api, "association_admin", "case", case_id, "close", outcome="x").status_code == 403


def test_a_dishonesty_record_fails_the_eligibility_check(api, app, world, clients):
    with app.app_context():
        person = Person(id_number=factories.id_number("370202"), name="失信人员", unit_id=world.unit["A"],
                        series="engineering", title_level="intermediate")
        db.session.add(person)
        db.session.flush()
        db.session.add(Activity(person_id=person.id, kind="assignment", title="援疆", start=__import__("datetime").date(2026, 1, 1),
                                end=__import__("datetime").date(2026, 12, 31), first_year=2026, last_year=2026,
                                source="claim"))
        db.session.commit()
        from app.services import ledgers
        ledgers.recompute_person(person.id, [2026])
        db.session.commit()
        number, pid = person.id_number, person.id
        db.session.remove()
    before = api("unit_reviewer", "POST", "/api/v1/eligibility/check", json={"id_number": number, "year": 2026})
    assert before.json["result"]["compliant"] is True
    resp = api("association_admin", "POST", "/api/v1/dishonesty_record/", json={
        "person_id": pid, "reason": "伪造学时证明", "start_date": "2026-01-01"})
    assert resp.status_code == 201, resp.json
    after = api("unit_reviewer", "POST", "/api/v1/eligibility/check", json={"id_number": number, "year": 2026})
    verdict = after.json["result"]
    assert verdict["compliant"] is False and verdict["public"] == 30
    assert any("伪造学时证明" in p and "七(一)" in p for p in verdict["problems"])
    page = clients("district_officer").get("/dishonestyrecordview/notice").get_data(as_text=True)
    assert "失信人员" in page and "伪造学时证明" in page and number not in page
    xlsx = clients("district_officer").get("/dishonestyrecordview/notice?format=xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "对象" and any(r[0] == "失信人员" for r in rows[1:])


def test_dashboard_numbers_equal_a_direct_query(app, api, clients):
    from app.services import dashboard

    with app.app_context():
        figures = dashboard.figures(2026).figures
        people = db.session.execute(select(Person).where(
            Person.series.not_in(sorted(registry.get(2026).out_of_scope_series)))).scalars().all()
        compliant = {pid for pid, ok in db.session.execute(
            select(Ledger.person_id, Ledger.compliant).where(Ledger.year == 2026)) if ok}
        expected = {}
        pending = {(link.person_id, link.unit_id) for link in db.session.execute(
            select(RosterLink).where(RosterLink.kind == "new", RosterLink.state != "confirmed")).scalars()}
        for person in people:
            if (person.id, person.unit_id) in pending:  # a unit's staff once its reviewer confirmed
                continue
            name = person.unit.district.name
            total, done = expected.get(name, (0, 0))
            expected[name] = (total + 1, done + (person.id in compliant))
        got = {r.label: (r.people, r.compliant) for r in figures.by_district}
        assert got == expected
        states = dict(db.session.execute(select(TrainingClass.state, func.count()).where(
            func.extract("year", TrainingClass.start_date) == 2026).group_by(TrainingClass.state)).all())
        assert figures.classes_by_state == states
        credited = Decimal(0)
        for ledger in db.session.execute(select(Ledger).where(Ledger.year == 2026)).scalars():
            credited += ledger.public + ledger.professional
        assert sum(figures.hours_by_source.values()) == credited
        assert sum(figures.hours_by_month.values()) == credited
        db.session.remove()
    page = clients("association_admin").get("/dashboard/?year=2026").get_data(as_text=True)
    assert page.count("<svg") >= 5 and "按区(市)" in page


def test_district_officers_see_only_their_district_dashboard(clients, app, world):
    page = clients("district_officer").get("/dashboard/?year=2026&district=%d" % world.district["B"])
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "市南区" in text and "按区(市)" not in text
    assert clients("unit_reviewer").get("/dashboard/").status_code == 403


def test_a_published_list_takes_no_more_projects(api):
    def propose(name):
        return api("base_staff", "POST", "/api/v1/plan_project/", json={
            "year": 2031, "name": name, "category": "public", "audience": "全体",
            "planned_hours": 6, "months": "10月"}).json["id"]

    first, late = propose("按时项目"), propose("晚到的项目")
    assert step(api, "association_admin", "plan_project", first, "accept").status_code == 200
    assert api("association_admin", "POST", "/api/v1/plan_project/publish",
               json={"year": 2031, "published_on": "2031-02-01"}).status_code == 200
    resp = step(api, "association_admin", "plan_project", late, "accept")
    assert resp.status_code == 409 and "已发布" in resp.json["message"]
    listed = api("professional", "GET", "/api/v1/plan_project/published/2031").json["result"]
    assert [p["id"] for p in listed] == [first]


def test_classes_run_only_under_their_own_organisers_seminar(api, app, world):
    from app.models import Seminar

    with app.app_context():
        theirs = Seminar(year=2026, name="B基地研修班", level="city", state="approved", base_id=world.base["B"])
        db.session.add(theirs)
        db.session.commit()
        seminar_id = theirs.id
        db.session.remove()
    resp = api("base_staff", "POST", "/api/v1/training_class/", json={
        "name": "借用他人研修项目", "mode": "offline", "category": "professional",
        "start_date": "2026-09-01", "end_date": "2026-09-01", "hours_per_day": 8, "venue": "x",
        "capacity": 5, "seminar_id": seminar_id})
    assert resp.status_code == 400 and "seminar_id" in resp.json["message"]
    resp = api("base_staff", "POST", "/api/v1/training_class/", json={
        "name": "不存在的项目", "mode": "offline", "category": "professional",
        "start_date": "2026-09-01", "end_date": "2026-09-01", "hours_per_day": 8, "venue": "x",
        "capacity": 5, "plan_project_id": 987654})
    assert resp.status_code == 400 and "plan_project_id" in resp.json["message"]


def test_bad_record_numbers_are_a_400_not_a_crash(api, world):
    resp = api("association_admin", "POST", "/api/v1/inspection/", json={
        "inspected_on": "2026-07-01", "class_id": "x", "inspector": "甲", "findings": "乙"})
    assert resp.status_code == 400 and "class_id" in resp.json["message"]
    resp = step(api, "association_admin", "inspection", 987654, "hand_over",
                subject="s", details="d", unit_id=world.unit["A"])
    assert resp.status_code == 404
    resp = api("association_admin", "POST", "/api/v1/dishonesty_record/", json={
        "person_id": "abc", "reason": "x", "start_date": "2026-01-01"})
    assert resp.status_code == 400


def test_the_department_opens_the_bases_evaluation_material(api, clients, app):
    pk = _evaluation(api, 2027)
    page = clients("authority_staff").get(f"/baseevaluationview/show/{pk}").get_data(as_text=True)
    link = re.search(r'href="(/baseevaluationview/material/\d+/\d+)"', page).group(1)
    assert clients("authority_staff").get(link).data == PDF
    assert clients("base_staff_b").get(link).status_code in (403, 404)


def test_bad_material_on_the_evaluation_screen_is_refused_in_chinese(app, api, clients):
    resp = api("base_staff", "POST", "/api/v1/base_evaluation/", json={"year": 2029})
    assert resp.status_code == 201, resp.json
    pk = resp.json["id"]
    client = clients("base_staff")
    for files, message in (
            ([(io.BytesIO(PDF), "../自评报告.pdf")], "文件名不能包含路径"),
            ([(io.BytesIO(PDF), "自评报告.pdf"), (io.BytesIO(b"plain text"), "附件.pdf")], "PDF、JPEG")):
        resp = client.post(f"/baseevaluationview/material/{pk}", data={"files": files},
                           content_type="multipart/form-data", follow_redirects=True)
        assert resp.status_code == 200 and message in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Evidence)
                                  .where(Evidence.owner_type == "base_evaluation", Evidence.owner_id == pk)).scalar() == 0
        db.session.remove()


def test_a_project_or_seminar_named_with_its_year_shows_the_year_once():
    from app.models import PlanProject, Seminar

    assert str(PlanProject(year=2026, name="2026年智能制造知识更新")) == "2026年智能制造知识更新"
    assert str(PlanProject(year=2026, name="智能制造知识更新")) == "2026 智能制造知识更新"
    assert str(Seminar(year=2026, name="2026年高级研修班")) == "2026年高级研修班"
