"""重新核算 from the screens and the API (issue 9, 4): chosen ledgers, chosen people,
and the association's stale ledgers of the city, a district or a unit; each a job
in the actor's scope, audited."""
from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import Activity, AuditEntry, Job, Ledger
from app.services import ledgers


@pytest.fixture()
def stale(app, world):
    """A 2026 ledger for A and for B, both computed under revision 1: {side: ledger id}."""
    ids = {}
    with app.app_context():
        for side in ("A", "B"):
            person_id = world.person[side]
            if not db.session.execute(select(Activity.id).where(
                    Activity.person_id == person_id, Activity.title == "重新核算课程")).first():
                db.session.add(Activity(person_id=person_id, kind="platform_course",
                                        title="重新核算课程", category="public",
                                        date=date(2026, 5, 1), hours=Decimal(3),
                                        first_year=2026, last_year=2026, source="platform"))
            (ledger,) = ledgers.recompute_person(person_id, [2026])
            ids[side] = ledger.id
        db.session.execute(update(Ledger).where(Ledger.id.in_(ids.values()))
                           .values(rule_revision=1))
        db.session.commit()
        db.session.remove()
    return ids


def _people(message: str) -> int:
    """How many people a recompute job's message says it visited."""
    return int(re.search(r"\d+", message).group())


def _revisions(app, ids) -> dict[str, int]:
    with app.app_context():
        found = {side: db.session.get(Ledger, pk).rule_revision for side, pk in ids.items()}
        db.session.remove()
    return found


def _job(app, response) -> Job:
    assert response.status_code == 202, response.get_data(as_text=True)
    with app.app_context():
        job = db.session.get(Job, response.json["job"]["id"])
        db.session.expunge(job)
        db.session.remove()
    return job


def test_the_association_recomputes_the_stale_ledgers_of_a_district_then_the_city(app, api, stale):
    job = _job(app, api("association_admin", "POST", "/api/v1/ledger/recompute_stale",
                        json={"district": "370202"}))
    assert job.state == "done" and _people(job.message) == 1
    assert _revisions(app, stale) == {"A": 2, "B": 1}
    with app.app_context():
        audited = db.session.execute(select(AuditEntry.id).where(
            AuditEntry.table_name == "job", AuditEntry.record_id == str(job.id))).all()
        db.session.remove()
    assert audited
    job = _job(app, api("association_admin", "POST", "/api/v1/ledger/recompute_stale", json={}))
    assert job.state == "done" and _revisions(app, stale) == {"A": 2, "B": 2}


def test_a_stale_recompute_of_a_unit_and_bad_targets(app, api, world, stale):
    with app.app_context():
        from app.models import Unit

        code = db.session.get(Unit, world.unit["B"]).credit_code
        db.session.remove()
    _job(app, api("association_admin", "POST", "/api/v1/ledger/recompute_stale",
                  json={"unit": code}))
    assert _revisions(app, stale) == {"A": 1, "B": 2}
    for body in ({"district": "999999"}, {"unit": "nonsense"},
                 {"district": "370202", "unit": code}):
        refused = api("association_admin", "POST", "/api/v1/ledger/recompute_stale", json=body)
        assert refused.status_code == 400 and any(
            "\u4e00" <= ch <= "\u9fff" for ch in json.dumps(refused.json, ensure_ascii=False))
    assert _revisions(app, stale) == {"A": 1, "B": 2}
    # only the association recomputes a city, district or unit
    assert api("unit_reviewer", "POST", "/api/v1/ledger/recompute_stale",
               json={}).status_code == 403


def test_chosen_ledgers_are_recomputed_only_within_the_actors_scope(app, api, clients, stale):
    # an out-of-scope id through the API: the job runs and leaves the ledger alone
    job = _job(app, api("unit_reviewer_b", "POST", "/api/v1/ledger/recompute_selected",
                        json={"ids": [stale["A"]]}))
    assert job.state == "done" and _people(job.message) == 0
    assert _revisions(app, stale) == {"A": 1, "B": 1}
    # and on the screen it is not found
    refused = clients("unit_reviewer_b").post("/ledgerview/action_post", data={
        "action": "recompute_selected", "rowid": [str(stale["A"]), str(stale["B"])]})
    assert refused.status_code == 404 and _revisions(app, stale) == {"A": 1, "B": 1}
    done = clients("unit_reviewer").post("/ledgerview/action_post", data={
        "action": "recompute_selected", "rowid": [str(stale["A"])]})
    assert done.status_code == 302 and "/jobs/" in done.headers["Location"]
    assert _revisions(app, stale) == {"A": 2, "B": 1}
    for bad in ({"ids": []}, {"ids": ["1"]}, {"ids": [True]}, {"ids": 5}, [1]):
        assert api("unit_reviewer", "POST", "/api/v1/ledger/recompute_selected",
                   json=bad).status_code == 400
    assert api("district_officer", "POST", "/api/v1/ledger/recompute_selected",
               json={"ids": [stale["A"]]}).status_code == 403


def test_chosen_people_are_recomputed_only_within_the_actors_scope(app, clients, world, stale):
    from app import jobs
    from app.security.scope import scope_for_user

    refused = clients("unit_reviewer_b").post("/personview/action_post", data={
        "action": "recompute", "rowid": [str(world.person["A"])]})
    assert refused.status_code == 404
    # the indirect attack: a job of B's reviewer naming A is run in B's scope
    with app.app_context():
        user = app.appbuilder.sm.find_user(username="unit_reviewer_b")
        job = jobs.start("recompute_people", scope_for_user(user),
                         person_ids=[world.person["A"], world.person["B"]])
        job_id = job.id
        db.session.remove()
    assert _revisions(app, stale) == {"A": 1, "B": 2}
    with app.app_context():
        assert _people(db.session.get(Job, job_id).message) == 1
        db.session.remove()
    # a district officer reads the district's people but recomputes nothing
    assert clients("district_officer").post("/personview/action_post", data={
        "action": "recompute", "rowid": [str(world.person["A"])]}).status_code == 403
    assert _revisions(app, stale) == {"A": 1, "B": 2}
    done = clients("unit_reviewer").post("/personview/action_post", data={
        "action": "recompute", "rowid": [str(world.person["A"])]})
    assert done.status_code == 302 and "/jobs/" in done.headers["Location"]
    assert _revisions(app, stale) == {"A": 2, "B": 2}


def test_the_lists_offer_recompute_to_whoever_may_take_it(clients):
    for view in ("ledgerview", "personview"):
        assert "重新核算" in clients("unit_reviewer").get(f"/{view}/list/").get_data(as_text=True)
        assert "重新核算" not in clients("district_officer").get(
            f"/{view}/list/").get_data(as_text=True)


def test_the_association_starts_the_stale_recompute_of_a_district_on_the_screen(app, clients, stale):
    page = clients("association_admin").get("/ledgerview/list/").get_data(as_text=True)
    assert 'data-recompute-stale="1"' in page
    assert 'data-recompute-stale="1"' not in clients("unit_reviewer").get(
        "/ledgerview/list/").get_data(as_text=True)
    done = clients("association_admin").post("/ledgerview/recompute_stale",
                                              data={"district": "370203"})
    assert done.status_code == 302 and "/jobs/" in done.headers["Location"]
    assert _revisions(app, stale) == {"A": 1, "B": 2}
    back = clients("association_admin").post("/ledgerview/recompute_stale",
                                              data={"district": "nope"}, follow_redirects=True)
    assert back.status_code == 200 and _revisions(app, stale) == {"A": 1, "B": 2}
    assert clients("unit_reviewer").post("/ledgerview/recompute_stale",
                                         data={}).status_code == 403
    assert _revisions(app, stale) == {"A": 1, "B": 2}
