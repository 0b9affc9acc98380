"""Jobs: a long list leaves the request as a job, runs in its starter's scope,
reports progress, keeps its result for the starter alone, fails in Chinese,
and runs again safely. The queue runs inline here (immediate mode);
tests/test_runtime.py runs jobs through a real consumer."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from tests import factories
from tests.samples import xlsx
from tests.test_classes import people  # noqa: F401  (a fixture)


@pytest.fixture()
def small_threshold(app, monkeypatch):
    monkeypatch.setitem(app.config, "XUESHI_JOB_ROWS", 3)


def download(api, role, url) -> bytes:
    resp = api(role, "GET", url)
    assert resp.status_code == 200, url
    data = resp.data
    resp.close()
    return data


def _bulk(api, role, rows, year="2026"):
    body = xlsx(["身份证号", "姓名"], rows)
    return api(role, "POST", "/api/v1/eligibility/bulk", content_type="multipart/form-data",
               data={"file": (io.BytesIO(body), "applicants.xlsx"), "year": year})


@pytest.fixture(scope="module")
def bulk_job(app, tokens, world):
    """A unit reviewer's bulk check of 5 rows (above a threshold of 3), one outside the unit."""
    app.config["XUESHI_JOB_ROWS"] = 3
    try:
        client = app.test_client()
        rows = [[world.id_number["A"], "测试人员A"]] * 4 + [[world.id_number["B"], "测试人员B"]]
        body = xlsx(["身份证号", "姓名"], rows)
        resp = client.post("/api/v1/eligibility/bulk", headers=tokens("unit_reviewer"),
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(body), "applicants.xlsx"), "year": "2026"})
    finally:
        app.config["XUESHI_JOB_ROWS"] = 100_000
    assert resp.status_code == 202, resp.get_data(as_text=True)
    return resp.json


def test_a_long_list_is_a_job_with_its_result_later(api, bulk_job, world):
    assert bulk_job["url"] == f"/api/v1/jobs/{bulk_job['job']['id']}"
    job = api("unit_reviewer", "GET", bulk_job["url"]).json["result"]
    assert job["state"] == "done" and job["label"] == "名单学时核验", job
    assert (job["done"], job["total"]) == (5, 5)
    sheet = load_workbook(io.BytesIO(download(api, "unit_reviewer", bulk_job["url"] + "/file"))).active
    out = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(out) == 5
    # the job ran in the reviewer's scope: the other unit's person is out of reach
    assert "您的数据范围内没有" in out[4][-1] and not (out[0][-1] or "")


def test_the_job_page_shows_progress_and_the_download(clients, bulk_job):
    page = clients("unit_reviewer").get(f"/jobs/{bulk_job['job']['id']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "名单学时核验" in text and "5 / 5" in text and "已完成" in text
    assert f"/jobs/{bulk_job['job']['id']}/file" in text
    mine = clients("unit_reviewer").get("/jobs/").get_data(as_text=True)
    assert f"/jobs/{bulk_job['job']['id']}" in mine


def test_the_job_page_names_its_starter_by_display_name(app, clients, bulk_job):
    """发起人 is the login's display name (as in the menu bar), not its username."""
    with app.app_context():
        user = app.appbuilder.sm.find_user(username="unit_reviewer")
        before, user.first_name = user.first_name, "审核员王芳"
        db.session.commit()
        db.session.remove()
    try:
        text = clients("unit_reviewer").get(f"/jobs/{bulk_job['job']['id']}").get_data(as_text=True)
    finally:
        with app.app_context():
            app.appbuilder.sm.find_user(username="unit_reviewer").first_name = before
            db.session.commit()
            db.session.remove()
    started = re.search(r"<th>发起人</th><td>([^<]*)</td>", text)
    assert started and started.group(1) == "审核员王芳", started


def test_a_job_is_out_of_scope_for_other_users(api, clients, bulk_job):
    pk = bulk_job["job"]["id"]
    for role in ("unit_reviewer_b", "district_officer", "professional"):
        assert api(role, "GET", f"/api/v1/jobs/{pk}").status_code == 404, role
        assert api(role, "GET", f"/api/v1/jobs/{pk}/file").status_code == 404, role
        assert clients(role).get(f"/jobs/{pk}").status_code == 404, role
        assert clients(role).get(f"/jobs/{pk}/file").status_code == 404, role
    page = clients("unit_reviewer").get(f"/jobs/{pk}/file")
    assert page.status_code == 200
    page.close()
    assert api("unit_reviewer", "GET", "/api/v1/jobs/987654321").status_code == 404
    # the association watches the queue
    assert api("association_admin", "GET", f"/api/v1/jobs/{pk}").status_code == 200
    queue = clients("association_admin").get("/jobs/").get_data(as_text=True)
    assert "等待" in queue


def test_the_start_and_the_end_of_a_job_are_audited(app, bulk_job):
    from app.models import AuditEntry

    with app.app_context():
        entries = db.session.execute(select(AuditEntry).where(
            AuditEntry.table_name == "job", AuditEntry.record_id == str(bulk_job["job"]["id"]))
            .order_by(AuditEntry.id)).scalars().all()
        # SQLite reuses the id of a deleted job: this job's entries start at its insert
        last_insert = max(i for i, e in enumerate(entries) if e.action == "insert")
        entries = entries[last_insert:]
        assert entries and entries[0].action == "insert"
        assert entries[0].username == "unit_reviewer"  # started by its user
        done = [e for e in entries if '"done"' in (e.after or "")]
        assert done and {e.username for e in done} == {"unit_reviewer"}  # and ended in their name
        db.session.remove()


def test_the_screen_answers_a_long_list_with_the_job_page(clients, small_threshold, world):
    body = xlsx(["身份证号", "姓名"], [[world.id_number["A"], "测试人员A"]] * 4)
    resp = clients("unit_reviewer").post("/eligibility/bulk", content_type="multipart/form-data",
                                         data={"file": (io.BytesIO(body), "a.xlsx"), "year": "2026"})
    assert resp.status_code == 302 and "/jobs/" in resp.headers["Location"]


def test_a_bad_year_is_refused_before_any_job(api, small_threshold, world, app):
    from app.models import Job

    with app.app_context():
        before = db.session.execute(select(Job.id)).scalars().all()
        db.session.remove()
    resp = _bulk(api, "unit_reviewer", [[world.id_number["A"], "测试人员A"]] * 4, year="20x6")
    assert resp.status_code == 400 and "年度" in str(resp.json["message"])
    with app.app_context():
        assert db.session.execute(select(Job.id)).scalars().all() == before
        db.session.remove()


def test_a_failed_import_job_says_why_in_chinese_and_keeps_the_report(api, small_threshold):
    rows = [["12345", "坏号码", "数字技术", "公需", "2026-03-02", 6]] * 4
    body = xlsx(["身份证号", "姓名", "课程名称", "类别", "日期", "学时"], rows)
    resp = api("association_admin", "POST", "/api/v1/platform_import/",
               content_type="multipart/form-data", data={"file": (io.BytesIO(body), "c.xlsx")})
    assert resp.status_code == 202, resp.json
    job = api("association_admin", "GET", resp.json["url"]).json["result"]
    assert job["state"] == "failed" and "未导入" in job["error"], job
    assert download(api, "association_admin", resp.json["url"] + "/file").startswith(b"PK")


def test_a_role_without_the_permission_cannot_start_the_job(app, world):
    from app import jobs
    from app.security.scope import scope_for_user
    from app.services.errors import BusinessError

    with app.test_request_context():
        user = app.appbuilder.sm.find_user(username="professional")
        with pytest.raises(BusinessError) as refused:
            jobs.start("recompute", scope_for_user(user), year=2026)
        assert refused.value.status == 403
        db.session.remove()


def test_recompute_is_a_job_and_an_interrupted_job_is_run_again(app, api):
    from app import jobs
    from app.models import Job
    from app.models.base import utcnow

    resp = api("association_admin", "POST", "/api/v1/ledger/recompute", json={"year": 2026})
    assert resp.status_code == 202, resp.json
    assert api("association_admin", "GET", resp.json["url"]).json["result"]["state"] == "done"
    assert api("unit_reviewer", "POST", "/api/v1/ledger/recompute",
               json={"year": 2026}).status_code == 403
    with app.app_context():
        # a consumer died while running this one: silent for long, it is run again
        job = db.session.get(Job, resp.json["job"]["id"])
        job.state, job.touched_at = "running", utcnow() - timedelta(hours=1)
        db.session.commit()
        assert jobs.requeue_stale() >= 1
        db.session.expire_all()
        job = db.session.get(Job, resp.json["job"]["id"])
        assert (job.state, job.attempts) == ("done", 2)
        assert jobs.execute(job.id) is None  # finished: a late duplicate does nothing
        db.session.remove()


def test_a_long_roster_and_attendance_are_jobs_in_the_organisers_scope(app, api, clients, people,
                                                                       small_threshold):
    from app.models import Enrolment, Job
    from tests.test_classes import ROSTER, accepted_class, confirm_roster, roster_rows, upload

    class_id = accepted_class(api)
    roster = xlsx(ROSTER, roster_rows(people))
    url = f"/api/v1/training_class/{class_id}/roster"

    def jobs_now():
        with app.app_context():
            ids = db.session.execute(select(Job.id)).scalars().all()
            db.session.remove()
            return ids

    before = jobs_now()
    for role in ("base_staff_b", "district_officer"):  # another base's class: 404, no job, no row
        assert upload(api, role, url, roster).status_code in (403, 404), role
    assert jobs_now() == before
    resp = upload(api, "base_staff", url, roster)
    assert resp.status_code == 202, resp.json
    job = api("base_staff", "GET", resp.json["url"]).json["result"]
    assert job["state"] == "done" and job["label"] == "参训名单上传" and job["done"] == 5, job
    confirm_roster(api, app, class_id)
    with app.app_context():
        enrolled = db.session.execute(select(Enrolment.person_id).where(
            Enrolment.class_id == class_id)).scalars().all()
        db.session.remove()
    assert sorted(enrolled) == sorted(p["id"] for p in people)
    # the same file again (a re-run): nobody is added twice
    again = api("base_staff", "GET", upload(api, "base_staff", url, roster).json["url"]).json["result"]
    assert again["state"] == "done" and again["message"].startswith("0 "), again
    assert api("base_staff_b", "GET", resp.json["url"]).status_code == 404

    days = ["2026-09-01", "2026-09-02", "2026-09-03"]
    sheet = xlsx(["身份证号", "姓名"] + days, [[p["number"], p["name"], 8, 8, 6] for p in people])
    page = clients("base_staff").post(f"/trainingclassview/attendance/{class_id}",
                                      content_type="multipart/form-data",
                                      data={"file": (io.BytesIO(sheet), "attendance.xlsx")})
    assert page.status_code == 302 and "/jobs/" in page.headers["Location"]
    with app.app_context():
        hours = db.session.execute(select(Enrolment.attendance).where(
            Enrolment.class_id == class_id)).scalars().all()
        db.session.remove()
    assert len(hours) == 5 and all(sum(float(v) for v in h.values()) == 22 for h in hours), hours


def test_a_result_is_not_downloadable_after_the_starters_scope_changed(app, small_threshold, world):
    """A reviewer moved from unit A to unit B keeps no access to unit A's files:
    the bulk-check job's result (full numbers of unit A) and the unit export."""
    from app.services import accounts, audit
    from tests.conftest import PASSWORD, login_client

    def token():
        resp = app.test_client().post("/api/v1/security/login", json={
            "username": "moved_reviewer", "password": PASSWORD, "provider": "db", "refresh": False})
        return {"Authorization": f"Bearer {resp.json['access_token']}"}

    with app.app_context(), audit.acting_as("tests"):
        accounts.create_user(app.appbuilder, username="moved_reviewer", password=PASSWORD,
                             role="unit_reviewer", targets={"unit": world.credit_code["A"]})
        db.session.remove()
    client = app.test_client()
    body = xlsx(["身份证号", "姓名"], [[world.id_number["A"], "测试人员A"]] * 4)
    started = client.post("/api/v1/eligibility/bulk", headers=token(),
                          content_type="multipart/form-data",
                          data={"file": (io.BytesIO(body), "a.xlsx"), "year": "2026"})
    assert started.status_code == 202, started.get_data(as_text=True)
    job_file = f"/api/v1/jobs/{started.json['job']['id']}/file"
    batch = client.post("/api/v1/export/", headers=token(),
                        json={"coverage": "unit", "year": 2026, "format": "csv"})
    assert batch.status_code == 201, batch.get_data(as_text=True)
    export_file = f"/api/v1/export/{batch.json['id']}/file"
    for url in (job_file, export_file):
        resp = client.get(url, headers=token())
        assert resp.status_code == 200, url
        resp.close()

    with app.app_context(), audit.acting_as("tests"):
        accounts.link_scope(app.appbuilder, username="moved_reviewer",
                            targets={"unit": world.credit_code["B"]})
        db.session.remove()
    headers = token()
    for url in (job_file, export_file, job_file.removesuffix("/file")):
        assert client.get(url, headers=headers).status_code == 404, url
    screen = login_client(app, "moved_reviewer")
    job_id, batch_id = started.json["job"]["id"], batch.json["id"]
    for url in (f"/jobs/{job_id}/file", f"/jobs/{job_id}", f"/exportbatchview/file/{batch_id}"):
        assert screen.get(url).status_code == 404, url
    # the association still sees both
    assert app.test_client().get(job_file.removesuffix("/file"), headers={
        "Authorization": _admin_token(app)}).status_code == 200


def _admin_token(app) -> str:
    from tests.conftest import api_login

    resp = api_login(app, app.test_client(), "association_admin", refresh=False)
    return f"Bearer {resp.json['access_token']}"
