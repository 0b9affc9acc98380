"""The self-claim form and the claim pages: the kinds and fields of the claim's
year (its rule set, data), 注册类考试 and its courses, what the engine will
credit before submitting, and the warning on an achievement already credited."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Activity, Claim
from tests.test_claims import ledger_of, submitted_claim


def _credited(app, person_id, claim_id, year=2026):
    with app.app_context():
        activity_id = db.session.execute(select(Activity.id).where(
            Activity.source == "claim", Activity.source_id == claim_id)).scalar()
        db.session.remove()
    item = next(it for it in ledger_of(app, person_id, year)["items"] if it[0] == activity_id)
    return Decimal(item[1]) + Decimal(item[2]), item[3]


def _exam(registration, courses=3, title="一级建造师"):
    return {"kind": "qualification_exam", "title": title, "category": "professional",
            "date": "2026-09-20", "registration": registration, "courses": courses}


@pytest.mark.parametrize("registration,courses,credited", [
    (True, 3, Decimal(48)),     # 四(三)4: a registration exam counts 16 per course
    (False, 3, Decimal(16)),    # otherwise 16 for the item, whatever the courses
])
def test_si_san_4_courses_are_asked_and_counted_only_for_registration_exams(
        app, api, world, registration, courses, credited):
    claim_id = submitted_claim(api, _exam(registration, courses))
    with app.app_context():
        claim = db.session.get(Claim, claim_id)
        assert (claim.registration, claim.courses) == (registration, courses if registration else None)
        db.session.remove()
    assert api("unit_reviewer", "POST", f"/api/v1/claim/{claim_id}/step/approve").status_code == 200
    assert _credited(app, world.person["A"], claim_id) == (credited, [])
    assert api("association_admin", "POST", f"/api/v1/claim/{claim_id}/step/revoke",
               json={"reason": "测试"}).status_code == 200


def test_a_qualification_exam_must_say_whether_it_is_a_registration_exam(api):
    body = _exam(None)
    del body["registration"]
    resp = api("professional", "POST", "/api/v1/claim/", json=body)
    assert resp.status_code == 400 and "注册类考试" in resp.json["message"]["registration"][0]
    resp = api("professional", "POST", "/api/v1/claim/", json={**_exam(True), "courses": 0})
    assert resp.status_code == 400 and "courses" in resp.json["message"]


def test_a_kind_the_years_rule_set_does_not_make_claimable_is_refused(api):
    resp = api("professional", "POST", "/api/v1/claim/", json={
        "kind": "online_training", "title": "线上课", "category": "professional", "channel": "live",
        "days": [{"date": "2026-04-01", "hours": 2}]})
    assert resp.status_code == 400 and "kind" in resp.json["message"]
    assert "2026年度不能申报" in resp.json["message"]["kind"][0]
