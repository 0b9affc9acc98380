"""学时申报: a professional claims with evidence, the unit approves, the ledger
grows; every bad upload and illegal step is refused and changes nothing."""
from __future__ import annotations

import io
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import rules
from app.extensions import db
from app.models import Activity, Claim, Evidence, Ledger, Person
from app.services import ledgers
from tests import factories
from tests.samples import PDF, png_bytes



def exam(title="公需科目考试", hours=12, day="2026-05-10"):
    return {"kind": "public_subject_exam", "title": title, "date": day, "hours": hours, "passed": True}


def new_claim(api, role="professional", body=None, person=None):
    body = dict(body or exam())
    if person is not None:
        body["person"] = person
    resp = api(role, "POST", "/api/v1/claim/", json=body)
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def upload(api, role, claim_id, data=PDF, name="证书.pdf"):
    return api(role, "POST", f"/api/v1/claim/{claim_id}/evidence",
               data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def ledger_of(app, person_id, year=2026):
    with app.app_context():
        row = db.session.execute(
            select(Ledger).where(Ledger.person_id == person_id, Ledger.year == year)).scalar_one_or_none()
        data = None if row is None else {
            "public": row.public, "professional": row.professional, "items": row.items}
        db.session.remove()
        return data


def submitted_claim(api, body=None):
    claim_id = new_claim(api, body=body)
    assert upload(api, "professional", claim_id).status_code == 200
    assert api("professional", "POST", f"/api/v1/claim/{claim_id}/step/submit").status_code == 200
    return claim_id


def test_claim_submit_approve_puts_hours_in_the_ledger(app, api, world):
    before = ledger_of(app, world.person["A"])
    before_public = before["public"] if before else Decimal(0)
    claim_id = submitted_claim(api, exam(hours=7))
    resp = api("unit_reviewer", "POST", f"/api/v1/claim/{claim_id}/step/approve")
    assert resp.status_code == 200 and resp.json["state"] == "approved"
    after = ledger_of(app, world.person["A"])
    assert after["public"] == min(before_public + 7, Decimal(30))
    item = next(it for it in after["items"] if it[0] == _activity_id(app, claim_id))
    assert Decimal(item[1]) == min(Decimal(7), Decimal(30) - before_public)
    shown = api("professional", "GET", f"/api/v1/ledger/{_ledger_id(app, world.person['A'])}").json
    assert any(i["title"] == "公需科目考试" for i in shown["result"]["items"])

    resp = api("association_admin", "POST", f"/api/v1/claim/{claim_id}/step/revoke", json={"reason": "证书伪造"})
    assert resp.status_code == 200 and resp.json["state"] == "revoked"
    assert _activity_id(app, claim_id) is None
    assert ledger_of(app, world.person["A"])["public"] == before_public


def _activity_id(app, claim_id):
    with app.app_context():
        found = db.session.execute(select(Activity.id).where(
            Activity.source == "claim", Activity.source_id == claim_id)).scalar()
        db.session.remove()
        return found


def _ledger_id(app, person_id, year=2026):
    with app.app_context():
        found = db.session.execute(select(Ledger.id).where(
            Ledger.person_id == person_id, Ledger.year == year)).scalar()
        db.session.remove()
        return found


def test_the_ledger_equals_the_engine_on_the_persons_activities(app, api, world):
    claim_id = submitted_claim(api, {"kind": "achievement", "title": "发明专利", "category": "professional",
                                     "date": "2026-06-01", "project": "ZL2026-1"})
    api("unit_reviewer", "POST", f"/api/v1/claim/{claim_id}/step/approve")
    with app.app_context():
        person = db.session.get(Person, world.person["A"])
        acts = db.session.execute(select(Activity).where(Activity.person_id == person.id)
                                  .order_by(Activity.id)).scalars().all()
        items = [ledgers.engine_item(a) for a in acts]
        expected = rules.evaluate(ledgers.person_year(person.id, person.series, 2026, items))
        ledger = db.session.execute(select(Ledger).where(Ledger.person_id == person.id,
                                                         Ledger.year == 2026)).scalar_one()
        assert ledger.public == expected["public"]
        assert ledger.professional == expected["professional"]
        assert ledger.compliant == expected["compliant"]
        assert [(i.activity_id, Decimal(i.public), Decimal(i.professional), set(i.notes))
                for i in ledgers.stored_items(ledger)] == [
            (int(i["id"]), i["public"], i["professional"], set(i["notes"])) for i in expected["items"]]
        db.session.remove()


def test_the_ledger_screen_explains_each_note(app, api, clients, world):
    for n in range(4):  # four education items: the fifth would pass the 40-hour cap
        claim_id = submitted_claim(api, {"kind": "education_or_tour", "title": f"学历教育{n}",
                                         "category": "professional", "date": f"2026-0{n + 1}-15"})
        api("unit_reviewer", "POST", f"/api/v1/claim/{claim_id}/step/approve")
    claim_id = submitted_claim(api, {"kind": "education_or_tour", "title": "出国考察",
                                     "category": "professional", "date": "2026-09-15"})
    api("unit_reviewer", "POST", f"/api/v1/claim/{claim_id}/step/approve")
    page = clients("professional").get(f"/ledgerview/show/{_ledger_id(app, world.person['A'])}")
    text = page.get_data(as_text=True)
    assert "每年累计不超过40学时" in text
    assert "出国考察" in text


def test_the_form_shows_the_rule_in_chinese(clients):
    page = clients("professional").get("/claimview/new/achievement").get_data(as_text=True)
    assert "每项按10学时折算,每年累计不超过30学时" in page
    kinds = clients("professional").get("/claimview/new/").get_data(as_text=True)
    assert "每天不超过8学时" in kinds or "每人每天合计不超过8学时" in kinds


def test_a_professional_files_a_claim_through_the_screens(app, clients, world):
    client = clients("professional")
    resp = client.post("/claimview/new/qualification_exam", data={
        "title": "一级建造师", "category": "professional", "date": "2026-09-20", "registration": "1",
        "courses": "2",
        "files": (io.BytesIO(png_bytes()), "成绩单.png"),
    }, content_type="multipart/form-data")
    assert resp.status_code == 302
    claim_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    page = client.get(f"/claimview/show/{claim_id}").get_data(as_text=True)
    assert "成绩单.png" in page and "一级建造师" in page
    assert client.post(f"/claimview/step/submit/{claim_id}").status_code == 302
    reviewer = clients("unit_reviewer")
    assert reviewer.post(f"/claimview/step/approve/{claim_id}").status_code == 302
    with app.app_context():
        assert db.session.get(Claim, claim_id).state == "approved"
        db.session.remove()


@pytest.mark.parametrize("data,name,message", [
    (b"just some text pretending", "scan.pdf", "PDF、JPEG"),
    (b"", "empty.pdf", "空"),
    (PDF, "../../etc/passwd.pdf", "路径"),
    (PDF, "a/b.pdf", "路径"),
    (b"MZ\x90\x00executable", "virus.png", "PDF、JPEG"),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(app, api, data, name, message):
    claim_id = new_claim(api)
    with app.app_context():
        before = db.session.execute(select(func.count()).select_from(Evidence)).scalar()
    resp = upload(api, "professional", claim_id, data, name)
    assert resp.status_code == 400
    assert message in str(resp.json["message"])
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Evidence)).scalar() == before
        db.session.remove()


def test_an_oversized_upload_is_refused(app, api):
    claim_id = new_claim(api)
    big = PDF + b"0" * (10 * 1024 * 1024)
    resp = upload(api, "professional", claim_id, big, "big.pdf")
    assert resp.status_code == 400 and "10 MB" in str(resp.json["message"])


def test_evidence_is_stored_outside_the_web_root_under_a_random_name(app, api):
    claim_id = new_claim(api)
    resp = upload(api, "professional", claim_id, PDF, "会议通知.pdf")
    assert resp.status_code == 200
    with app.app_context():
        row = db.session.get(Evidence, resp.json["id"])
        from app.services import files
        path = files.path("evidence", row.stored_name)
        assert path.read_bytes() == PDF
        assert "会议通知" not in str(path) and len(row.stored_name) == 40
        assert str(path).startswith(app.config["XUESHI_UPLOAD_DIR"])
        assert not str(path).startswith(app.static_folder or "/nonexistent")
        assert oct(path.stat().st_mode)[-3:] == "600"
        db.session.remove()


def test_the_same_file_on_another_persons_claim_is_flagged(app, api, world):
    unique = PDF + b"%" + factories.id_number().encode()
    mine = new_claim(api)
    upload(api, "professional", mine, unique, "a.pdf")
    other = new_claim(api, "unit_reviewer", person=_colleague(app, world))
    upload(api, "unit_reviewer", other, unique, "b.pdf")
    shown = api("unit_reviewer", "GET", f"/api/v1/claim/{other}").json["result"]
    assert shown["evidence"][0]["also_on_claims_of_others"] == [mine]


def _colleague(app, world):
    """Another in-scope person of unit A (created once)."""
    with app.app_context():
        person = db.session.execute(select(Person).where(Person.name == "同事甲")).scalar()
        if person is None:
            person = Person(id_number=factories.id_number("370202"), name="同事甲",
                            unit_id=world.unit["A"], series="economics", title_level="junior")
            db.session.add(person)
            db.session.commit()
        pk = person.id
        db.session.remove()
        return pk


@pytest.mark.parametrize("step,role,body,status", [
    ("approve", "unit_reviewer", None, 409),      # a draft cannot be approved
    ("reject", "unit_reviewer", {"reason": "x"}, 409),
    ("revoke", "association_admin", {"reason": "x"}, 409),
])
def test_illegal_transitions_on_a_draft(api, app, step, role, body, status):
    claim_id = new_claim(api)
    resp = api(role, "POST", f"/api/v1/claim/{claim_id}/step/{step}", json=body or {})
    assert resp.status_code == status
    assert "草稿" in resp.json["message"]
    with app.app_context():
        assert db.session.get(Claim, claim_id).state == "draft"
        db.session.remove()


def test_submitting_twice_and_approving_twice_are_refused(api, app):
    claim_id = submitted_claim(api)
    again = api("professional", "POST", f"/api/v1/claim/{claim_id}/step/submit")
    assert again.status_code == 409
    assert api("unit_reviewer", "POST", f"/api/v1/claim/{claim_id}/step/approve").status_code == 200
    twice = api("unit_reviewer", "POST", f"/api/v1/claim/{claim_id}/step/approve")
    assert twice.status_code == 409 and "已批准" in twice.json["message"]
    with app.app_context():
        count = db.session.execute(select(func.count()).select_from(Activity).where(
            Activity.source == "claim", Activity.source_id == claim_id)).scalar()
        assert count == 1
        db.session.remove()


def test_a_claim_cannot_be_submitted_without_evidence(api):
    claim_id = new_claim(api)
    resp = api("professional", "POST", f"/api/v1/claim/{claim_id}/step/submit")
    assert resp.status_code == 400 and "证明材料" in resp.json["message"]


def test_rejection_needs_a_reason(api, app):
    claim_id = submitted_claim(api)
    resp = api("unit_reviewer", "POST", f"/api/v1/claim/{claim_id}/step/reject", json={"reason": "  "})
    assert resp.status_code == 400 and "reason" in resp.json["message"]
    resp = api("unit_reviewer", "POST", f"/api/v1/claim/{claim_id}/step/reject", json={"reason": "材料不清晰"})
    assert resp.status_code == 200 and resp.json["state"] == "rejected"


def test_revocation_needs_a_reason_and_the_association(api):
    claim_id = submitted_claim(api)
    api("unit_reviewer", "POST", f"/api/v1/claim/{claim_id}/step/approve")
    assert api("association_admin", "POST", f"/api/v1/claim/{claim_id}/step/revoke", json={}).status_code == 400
    assert api("unit_reviewer", "POST", f"/api/v1/claim/{claim_id}/step/revoke",
               json={"reason": "x"}).status_code == 403


def test_professionals_cannot_approve_and_nobody_approves_what_they_filed(api, world, app):
    claim_id = submitted_claim(api)
    assert api("professional", "POST", f"/api/v1/claim/{claim_id}/step/approve").status_code == 403
    own = new_claim(api, "unit_reviewer", person=_colleague(app, world))
    upload(api, "unit_reviewer", own)
    assert api("unit_reviewer", "POST", f"/api/v1/claim/{own}/step/submit").status_code == 200
    resp = api("unit_reviewer", "POST", f"/api/v1/claim/{own}/step/approve")
    assert resp.status_code == 403 and "本人" in resp.json["message"]


def test_another_units_reviewer_cannot_reach_the_claim(api, app):
    claim_id = submitted_claim(api)
    for method, url, body in [("GET", f"/api/v1/claim/{claim_id}", None),
                              ("POST", f"/api/v1/claim/{claim_id}/step/approve", None),
                              ("POST", f"/api/v1/claim/{claim_id}/step/reject", {"reason": "x"})]:
        assert api("unit_reviewer_b", method, url, json=body).status_code == 404
    with app.app_context():
        assert db.session.get(Claim, claim_id).state == "submitted"
        db.session.remove()


@pytest.mark.parametrize("series,handler", [
    ("health", "市卫生健康委"), ("k12_teacher", "市教育局"), ("accounting", "市财政局"),
])
def test_out_of_scope_series_cannot_claim_and_are_told_who_handles_them(api, app, world, series, handler):
    with app.app_context():
        person = Person(id_number=factories.id_number("370202"), name=f"系列{series}",
                        unit_id=world.unit["A"], series=series, title_level="intermediate")
        db.session.add(person)
        db.session.commit()
        pk = person.id
        db.session.remove()
    resp = api("unit_reviewer", "POST", "/api/v1/claim/", json={**exam(), "person": pk})
    assert resp.status_code == 400 and handler in resp.json["message"]


def test_bad_claim_fields_name_the_field(api):
    resp = api("professional", "POST", "/api/v1/claim/", json={
        "kind": "leave_exemption", "title": "病假", "start": "2026-08-01", "end": "2026-02-01",
        "reason": "illness"})
    assert resp.status_code == 400 and "end" in resp.json["message"]
    resp = api("professional", "POST", "/api/v1/claim/", json={
        "kind": "academic_activity", "title": "学术会议", "category": "professional",
        "days": [{"date": "2026-04-01", "hours": 25}]})
    assert resp.status_code == 400 and "days" in resp.json["message"]
    resp = api("professional", "POST", "/api/v1/claim/", json={"kind": "platform_course", "title": "x"})
    assert resp.status_code == 400 and "kind" in resp.json["message"]


def test_two_reviewers_approving_at_once_give_one_approval(app, api, make_app, world):
    """The claim row is locked: one approval, one activity, one ledger change."""
    claim_id = submitted_claim(api, exam(hours=3, day="2026-07-07"))
    other_app = make_app()
    outcomes = []
    barrier = threading.Barrier(2)

    def approve(application):
        from tests.conftest import PASSWORD
        client = application.test_client()
        token = client.post("/api/v1/security/login", json={
            "username": "unit_reviewer", "password": PASSWORD, "provider": "db"}).json["access_token"]
        barrier.wait()
        resp = client.post(f"/api/v1/claim/{claim_id}/step/approve",
                           headers={"Authorization": f"Bearer {token}"})
        outcomes.append(resp.status_code)

    threads = [threading.Thread(target=approve, args=(a,)) for a in (app, other_app)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == [200, 409]
    with app.app_context():
        count = db.session.execute(select(func.count()).select_from(Activity).where(
            Activity.source == "claim", Activity.source_id == claim_id)).scalar()
        assert count == 1
        db.session.remove()


def test_a_reviewer_cannot_change_a_staff_draft_and_then_approve_it(api, app):
    claim_id = new_claim(api, body=exam(hours=2))
    resp = api("unit_reviewer", "PUT", f"/api/v1/claim/{claim_id}", json={"hours": 30})
    assert resp.status_code == 403
    assert upload(api, "unit_reviewer", claim_id).status_code == 403
    assert api("unit_reviewer", "POST", f"/api/v1/claim/{claim_id}/step/withdraw").status_code == 403
    with app.app_context():
        assert db.session.get(Claim, claim_id).hours == 2
        db.session.remove()


def test_several_files_on_the_screen_are_stored_all_or_none(app, api, clients):
    claim_id = new_claim(api)
    with app.app_context():
        before = db.session.execute(select(func.count()).select_from(Evidence)).scalar()
    client = clients("professional")
    resp = client.post(f"/claimview/evidence/{claim_id}", data={
        "files": [(io.BytesIO(PDF), "通知.pdf"), (io.BytesIO(b"MZ\x90\x00executable"), "照片.png")]},
        content_type="multipart/form-data", follow_redirects=True)
    assert "PDF、JPEG" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Evidence)).scalar() == before
    resp = client.post(f"/claimview/evidence/{claim_id}", data={
        "files": [(io.BytesIO(PDF), "通知.pdf"), (io.BytesIO(png_bytes()), "照片.png")]},
        content_type="multipart/form-data")
    assert resp.status_code == 302
    with app.app_context():
        names = db.session.execute(select(Evidence.original_name).where(Evidence.owner_type == "claim", Evidence.owner_id == claim_id)
                                   .order_by(Evidence.id)).scalars().all()
        assert names == ["通知.pdf", "照片.png"]
        db.session.remove()


@pytest.fixture
def rules_2025():
    """A rule set for 2025 (the 2026 one moved a year), so that 2025 claims exist."""
    import dataclasses

    from app.rules import registry
    from app.rules.sets.y2026 import RULE_SET

    registry.register(dataclasses.replace(RULE_SET, year=2025))
    yield
    registry.unregister(2025)


def _item_of(app, person_id, claim_id, year=2026):
    activity_id = _activity_id(app, claim_id)
    items = ledger_of(app, person_id, year)["items"]
    return next((Decimal(it[1]) + Decimal(it[2]), it[3]) for it in items if it[0] == activity_id)


def test_si_san_3_an_achievement_approved_for_an_earlier_year_makes_the_same_project_count_no_more(
        app, api, world, rules_2025):
    person = world.person["A"]
    later = submitted_claim(api, {"kind": "achievement", "title": "实用新型专利", "category": "professional",
                                  "date": "2026-08-01", "project": "ZL 2025 777"})
    assert api("unit_reviewer", "POST", f"/api/v1/claim/{later}/step/approve").status_code == 200
    assert _item_of(app, person, later)[1] == []
    earlier = submitted_claim(api, {"kind": "achievement", "title": "实用新型专利", "category": "professional",
                                    "date": "2025-08-01", "project": "ｚｌ2025777"})
    assert api("unit_reviewer", "POST", f"/api/v1/claim/{earlier}/step/approve").status_code == 200
    # the 2026 ledger was recomputed in the same step: the project counted in 2025
    assert _item_of(app, person, later) == (Decimal(0), ["duplicate_project"])
    assert _item_of(app, person, earlier, 2025)[1] == []
    resp = api("association_admin", "POST", f"/api/v1/claim/{earlier}/step/revoke", json={"reason": "重复申报"})
    assert resp.status_code == 200
    assert _item_of(app, person, later) == (Decimal(10), [])
    # leave person A's year as it was, for the tests that follow
    assert api("association_admin", "POST", f"/api/v1/claim/{later}/step/revoke",
               json={"reason": "测试"}).status_code == 200
