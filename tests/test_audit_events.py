"""Issue 15, 安全审计: every listed security event writes its entry — each file
download of personal data (one per path), bulk checks, exports, verify-page
lookups aggregated per hour, administrators' acts on logins (with the rows a
deletion cascades to) — and reads do not write."""
from __future__ import annotations

import io
import json
import re
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import false, func, select

from app.extensions import db
from app.models import AuditEntry, BaseEvaluation, Certificate, Claim, Evidence, Ledger, TrainingClass
from app.services import access_log, audit
from tests import factories
from tests.samples import PDF, xlsx
from tests.test_claims import exam, new_claim, upload as claim_upload
from tests.test_classes import (  # noqa: F401  (fixture)
    ROSTER, _flow_to_completion, accepted_class, material, people, roster_rows, upload,
)
from tests.test_governance import _evaluation
from tests.test_identity import _bearer, _refresh, _tokens, client_from, new_login
from tests.conftest import PASSWORD


def last_seq(app) -> int:
    with app.app_context():
        seq = db.session.execute(select(func.max(AuditEntry.seq))).scalar() or 0
        db.session.remove()
    return seq


def entries_since(app, seq: int, kind: str | None = None) -> list[AuditEntry]:
    with app.app_context():
        query = select(AuditEntry).where(AuditEntry.seq > seq).order_by(AuditEntry.seq)
        if kind is not None:
            query = query.where(AuditEntry.table_name == kind)
        rows = db.session.execute(query).scalars().all()
        db.session.expunge_all()
        db.session.remove()
    return rows


@pytest.fixture(scope="module")
def files(app, tokens, people, world, clients):  # noqa: F811
    """One of every downloadable file, and the records they belong to."""
    client = app.test_client()

    def api(key, method, url, **kwargs):
        return client.open(url, method=method, headers=tokens(key), **kwargs)

    found = {}
    class_id = _flow_to_completion(api, app, people)
    headers = ["身份证号", "姓名", "2026-09-01", "2026-09-02", "2026-09-03"]
    rows = [[p["number"], p["name"], 8, 8, 8] for p in people]
    assert upload(api, "base_staff", f"/api/v1/training_class/{class_id}/attendance",
                  xlsx(headers, rows)).status_code == 200
    material(api, "base_staff", class_id, "sign_in")
    material(api, "base_staff", class_id, "photo")
    assert api("base_staff", "POST", f"/api/v1/training_class/{class_id}/step/request_completion").status_code == 200
    assert api("association_admin", "POST", f"/api/v1/training_class/{class_id}/step/approve").status_code == 200
    open_class = _flow_to_completion(api, app, people)  # accepted, roster in: attendance template
    claim_id = new_claim(api, body=exam(title="审计下载测试"))
    assert claim_upload(api, "professional", claim_id).status_code == 200
    evaluation = _evaluation(api, 2031)
    export = api("unit_reviewer", "POST", "/api/v1/export/",
                 json={"coverage": "unit", "year": 2026, "format": "csv"})
    assert export.status_code == 201, export.json
    job = api("association_admin", "POST", "/api/v1/export/",
              json={"coverage": "all", "year": 2026, "format": "csv"})
    assert job.status_code == 202, job.json
    with app.app_context():
        from app.security.scope import scope_for_user
        from app.services.sheets import Problem, keep_report

        def report(login, record):
            scope = scope_for_user(app.appbuilder.sm.find_user(username=login))
            return keep_report([Problem(2, "身份证号", "校验码错误")], record, scope)

        cert = db.session.execute(select(Certificate).where(Certificate.class_id == class_id)
                                  .order_by(Certificate.id).limit(1)).scalar_one()
        ledger = db.session.execute(select(Ledger).where(
            Ledger.person_id == cert.person_id, Ledger.year == 2026)).scalar_one()
        cls = db.session.get(TrainingClass, class_id)
        found.update(
            class_id=class_id, open_class=open_class, cert=cert.id, ledger=ledger.id,
            claim=claim_id, evaluation=evaluation, export=export.json["id"], job=job.json["job"]["id"],
            report=report("base_staff", f"TrainingClassView:{open_class}"),
            import_report=report("association_admin", "PlatformImportView"),
            material=[e.id for e in db.session.execute(Evidence.owned_by(cls, "sign_in")).scalars()][0],
            evidence=db.session.execute(Evidence.owned_by(db.session.get(Claim, claim_id))).scalars().one().id,
            evaluation_material=db.session.execute(Evidence.owned_by(
                db.session.get(BaseEvaluation, evaluation))).scalars().one().id,
        )
        db.session.remove()
    found["bulk_result"] = bulk_result(clients, world)  # the unit reviewer's session's answered list
    return found


def bulk_result(clients, world) -> str:
    """The answered list of a bulk check on screen: its page links the file."""
    page = clients("unit_reviewer").post("/eligibility/bulk", data=bulk_sheet(world),
                                         content_type="multipart/form-data").get_data(as_text=True)
    return re.search(r'href="/eligibility/result/([^"]+)"', page).group(1)


def bulk_sheet(world):
    return {"file": (io.BytesIO(xlsx(["身份证号", "姓名"], [[world.id_number["A"], "测试人员A"]])),
                     "list.xlsx"), "year": "2026"}


# (endpoint, how: screen | api, login, url, the record the entry names, form data)
DOWNLOADS = [
    ("ExportBatchView.download", "screen", "unit_reviewer", "/exportbatchview/file/{export}", "export_batch:{export}"),
    ("ExportBatchApi.file", "api", "unit_reviewer", "/api/v1/export/{export}/file", "export_batch:{export}"),
    ("JobView.file", "screen", "association_admin", "/jobs/{job}/file", "job:{job}"),
    ("JobApi.file", "api", "association_admin", "/api/v1/jobs/{job}/file", "job:{job}"),
    ("EligibilityView.result", "screen", "unit_reviewer", "/eligibility/result/{bulk_result}",
     "EligibilityView.result"),
    ("EligibilityApi.bulk", "api", "unit_reviewer", "POST /api/v1/eligibility/bulk", "EligibilityApi.bulk"),
    ("HomeView.short_sheet", "screen", "district_officer", "/home/short.xlsx?year=2026", "HomeView.short_sheet"),
    ("DishonestyRecordView.notice", "screen", "district_officer", "/dishonestyrecordview/notice?format=xlsx",
     "DishonestyRecordView.notice"),
    ("TrainingClassView.attendance_template", "screen", "base_staff",
     "/trainingclassview/attendance-template/{open_class}", "training_class:{open_class}"),
    ("TrainingClassView.material_file", "screen", "association_admin",
     "/trainingclassview/material/{class_id}/{material}", "training_class:{class_id}"),
    ("TrainingClassView.problems", "screen", "base_staff",
     "/trainingclassview/problems/{open_class}/{report}", "training_class:{open_class}"),
    ("PlatformImportView.report", "screen", "association_admin", "/platform-import/report/{import_report}",
     "PlatformImportView.report"),
    ("ClaimView.download", "screen", "unit_reviewer", "/claimview/evidence/{claim}/{evidence}", "claim:{claim}"),
    ("ClaimApi.evidence_file", "api", "unit_reviewer", "/api/v1/claim/{claim}/evidence/{evidence}", "claim:{claim}"),
    ("BaseEvaluationView.material_file", "screen", "authority_staff",
     "/baseevaluationview/material/{evaluation}/{evaluation_material}", "base_evaluation:{evaluation}"),
    ("CertificateView.pdf", "screen", "unit_reviewer", "/certificateview/pdf/{cert}", "certificate:{cert}"),
    ("CertificateApi.pdf", "api", "base_staff", "/api/v1/certificate/{cert}/pdf", "certificate:{cert}"),
    ("CertificateView.credential", "screen", "association_admin", "/certificateview/credential/{cert}",
     "certificate:{cert}"),
    ("LedgerView.certificate", "screen", "unit_reviewer", "/ledgerview/certificate/{ledger}", "ledger:{ledger}"),
    ("LedgerApi.certificate", "api", "district_officer", "/api/v1/ledger/{ledger}/certificate", "ledger:{ledger}"),
    ("LedgerView.credential", "screen", "association_admin", "/ledgerview/credential/{ledger}", "ledger:{ledger}"),
]


def test_every_declared_download_is_tested():
    assert {d[0] for d in DOWNLOADS} == set(access_log.FILES)


def fetch(app, clients, api, world, how, login, url):
    method, _, path = url.rpartition(" ")
    method = method or "GET"
    data = bulk_sheet(world) if method == "POST" else None
    kwargs = {"data": data, "content_type": "multipart/form-data"} if data else {}
    if how == "api":
        return api(login, method, path, **kwargs)
    return clients(login).open(path, method=method, **kwargs)


@pytest.mark.parametrize("endpoint,how,login,url,record", DOWNLOADS, ids=[d[0] for d in DOWNLOADS])
def test_each_download_of_personal_data_writes_its_entry(app, clients, api, world, files,
                                                         endpoint, how, login, url, record):
    start = last_seq(app)
    resp = fetch(app, clients, api, world, how, login, url.format(**files))
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert "Content-Disposition" in resp.headers
    (entry,) = entries_since(app, start, "download.personal_data")
    assert entry.action == "event" and entry.username == login
    assert entry.record_id == record.format(**files)
    details = json.loads(entry.after)
    assert details["endpoint"] == endpoint and details["client"]


def test_a_holder_downloading_their_own_certificate_is_no_entry_and_a_blank_template_neither(
        app, api, clients, files):
    start = last_seq(app)
    assert clients("professional").get("/platform-import/template").status_code in (403, 404)
    assert clients("association_admin").get("/platform-import/template").status_code == 200
    assert clients("base_staff").get(
        f"/trainingclassview/roster-template/{files['open_class']}").status_code == 200
    assert api("professional", "GET", f"/api/v1/claim/{files['claim']}/evidence/{files['evidence']}"
               ).status_code == 200
    assert entries_since(app, start, "download.personal_data") == []


def test_the_apps_own_scripts_styles_and_fonts_are_no_download_entries(app, clients):
    """Static files are sent inline with a file name; a page load is no audit entry."""
    start = last_seq(app)
    client = clients("association_admin")
    page = client.get("/").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="(/static/[^"?]+)', page)
    assert assets
    for path in assets[:5]:
        assert client.get(path).status_code == 200, path
    assert entries_since(app, start, "download.personal_data") == []


def test_an_out_of_scope_download_is_refused_and_writes_no_download(app, clients, api, files):
    start = last_seq(app)
    assert api("unit_reviewer_b", "GET", f"/api/v1/certificate/{files['cert']}/pdf").status_code == 404
    assert clients("unit_reviewer_b").get(f"/ledgerview/certificate/{files['ledger']}").status_code == 404
    assert entries_since(app, start, "download.personal_data") == []


def test_reads_do_not_write_a_certificate_written_on_first_download_names_the_system(
        app, api, files):
    with app.app_context():
        cert = db.session.get(Certificate, files["cert"])
        from app.services import files as stored

        stored.remove("certificates", cert.stored_name)
        cert.stored_name = None  # as if the batch had not reached it yet
        db.session.commit()
        db.session.remove()
    start = last_seq(app)
    assert api("association_admin", "GET", f"/api/v1/certificate/{files['cert']}/pdf").status_code == 200
    written = [e for e in entries_since(app, start) if e.table_name == "certificate"]
    assert written and all(e.username == "system:certificates" and e.roles == "" for e in written)
    (read,) = entries_since(app, start, "download.personal_data")
    assert read.username == "association_admin"


def test_a_bulk_check_records_who_rows_and_problems(app, api, world):
    start = last_seq(app)
    rows = [[world.id_number["A"], "测试人员A"], [factories.broken_check_digit(world.id_number["A"]), "某某"],
            [factories.id_number("370212"), "无此人"]]
    resp = api("district_officer", "POST", "/api/v1/eligibility/bulk",
               data={"file": (io.BytesIO(xlsx(["身份证号", "姓名"], rows)), "list.xlsx"), "year": "2026"},
               content_type="multipart/form-data")
    assert resp.status_code == 200
    (entry,) = entries_since(app, start, "check.bulk")
    details = json.loads(entry.after)
    assert entry.username == "district_officer" and entry.record_id == "eligibility:2026"
    assert (details["rows"], details["checked"], details["problems"], details["not_found"]) == (3, 2, 1, 1)


def test_an_export_records_its_rows(app, api):
    start = last_seq(app)
    resp = api("unit_reviewer", "POST", "/api/v1/export/", json={"coverage": "unit", "year": 2026, "format": "xlsx"})
    assert resp.status_code == 201
    (entry,) = entries_since(app, start, "export.personal_data")
    details = json.loads(entry.after)
    assert entry.username == "unit_reviewer" and entry.record_id == f"export_batch:{resp.json['id']}"
    assert details["rows"] == resp.json["rows"] and details["coverage"] == "unit"


def test_verify_lookups_are_one_entry_per_client_and_hour(app, files):
    with app.app_context():
        cert = db.session.get(Certificate, files["cert"])
        token, number = cert.token, cert.number
        access_log.flush_lookups(datetime.now(timezone.utc) + timedelta(hours=2))  # start clean
        db.session.remove()
    start = last_seq(app)
    client = app.test_client()
    for _ in range(3):
        assert client.get(f"/verify/{token}").status_code == 200
    assert client.get("/verify/" + "x" * 43).status_code == 404
    assert client.post("/verify/lookup", data={"number": number, "name": "某某"}).status_code == 404
    other = app.test_client()
    other.get(f"/verify/{token}", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert entries_since(app, start, "verify.lookups") == []  # not one entry per request
    with app.app_context():
        assert access_log.flush_lookups() == 0  # the hour is not over
        assert access_log.flush_lookups(datetime.now(timezone.utc) + timedelta(hours=1)) == 2
        assert access_log.flush_lookups(datetime.now(timezone.utc) + timedelta(hours=1)) == 0
        db.session.remove()
    entries = {e.record_id: json.loads(e.after) for e in entries_since(app, start, "verify.lookups")}
    assert entries["127.0.0.1"]["lookups"] == 5 and entries["127.0.0.1"]["not_found"] == 2
    assert entries["10.0.0.9"]["lookups"] == 1 and entries["10.0.0.9"]["not_found"] == 0


def test_the_anchor_command_writes_the_finished_hours_first(app, tmp_path):
    with app.app_context():
        access_log.count_lookup(found=True, at=datetime.now(timezone.utc) - timedelta(hours=3),
                                client="10.0.0.7")
        db.session.remove()
    start = last_seq(app)
    _anchor(app, tmp_path)
    assert [e.record_id for e in entries_since(app, start, "verify.lookups")] == ["10.0.0.7"]


def test_administrators_acts_on_logins_are_events_with_the_cascaded_rows(app, ctx, world):
    from app.services import accounts

    start = last_seq(app)
    with audit.acting_as("cli:create-user"):
        user = accounts.create_user(app.appbuilder, username="audit_cascade", password="Xq7#audit-2026",
                                    role="unit_reviewer", targets={"unit": world.credit_code["A"]})
        accounts.link_scope(app.appbuilder, username="audit_cascade",
                            targets={"unit": world.credit_code["B"]})
        user.active = False
        db.session.commit()
        user_id = user.id
        db.session.delete(user)
        db.session.commit()
    acts = [json.loads(e.after)["act"] for e in entries_since(app, start, "admin.action")]
    assert acts == ["user.create", "scope.set", "scope.set", "user.deactivate", "user.delete"]
    removed = [e for e in entries_since(app, start) if e.action == "delete"]
    tables = {e.table_name for e in removed}
    assert {"ab_user", "ab_user_role", "user_scope"} <= tables
    scope_row = next(e for e in removed if e.table_name == "user_scope")
    assert json.loads(scope_row.before)["cascade"] == f"ab_user:{user_id}"
    assert audit.verify(db.session).ok


def test_a_login_editing_itself_is_no_administrator_action(app, clients):
    start = last_seq(app)
    resp = clients("district_officer").post("/userinfoeditview/form", data={
        "first_name": "区人社局", "last_name": "-"})
    assert resp.status_code in (200, 302)
    assert entries_since(app, start, "admin.action") == []


# ---- every listed event type writes its entry --------------------------------

def _wrong(app, username, n=1):
    for _ in range(n):
        _tokens_fail = client_from(app).post("/api/v1/security/login", json={
            "username": username, "password": "Wrong-Pass-2026!", "provider": "db"})
        assert _tokens_fail.status_code == 401


def _logout(app, username):
    access, _refresh_token = _tokens(app, username)
    assert client_from(app).post("/api/v1/security/logout", headers=_bearer(access)).status_code == 200


def _password(app, username, by_administrator):
    from app.services import accounts

    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)
        accounts.set_password(app.appbuilder, user, "Nx8#changed-2026", must_change=by_administrator)
        db.session.remove()


def _expired(app, username):
    """A login whose password is past its age signs in on screen (and must change it)."""
    from tests.test_identity import age_password, sign_in

    age_password(app, username)
    assert sign_in(client_from(app), username).status_code == 302


def _reuse(app, username):
    _access, refresh = _tokens(app, username)
    assert _refresh(app, refresh).status_code == 200
    assert _refresh(app, refresh).status_code == 401


def _locked(app, username):
    _wrong(app, username, 5)
    assert client_from(app).post("/api/v1/security/login", json={
        "username": username, "password": PASSWORD, "provider": "db"}).status_code == 401


EVENT_TRIGGERS = {
    "login.success": lambda app, u, **k: _tokens(app, u),
    "login.failure": lambda app, u, **k: _wrong(app, u),
    "lockout": lambda app, u, **k: _wrong(app, u, 5),
    "login.locked": lambda app, u, **k: _locked(app, u),
    "logout": lambda app, u, **k: _logout(app, u),
    "password.change": lambda app, u, **k: _password(app, u, False),
    "password.reset": lambda app, u, **k: _password(app, u, True),
    "session.revoked": lambda app, u, **k: _password(app, u, False),
    "token.refresh": lambda app, u, **k: _refresh(app, _tokens(app, u)[1]),
    "token.reuse": lambda app, u, **k: _reuse(app, u),
    "password.expired": lambda app, u, **k: _expired(app, u),
    "export.personal_data": lambda app, u, api, **k: api(
        "unit_reviewer", "POST", "/api/v1/export/", json={"coverage": "unit", "year": 2026, "format": "csv"}),
    "download.personal_data": lambda app, u, api, files, **k: api(
        "unit_reviewer", "GET", f"/api/v1/certificate/{files['cert']}/pdf"),
    "check.bulk": lambda app, u, api, world, **k: api(
        "unit_reviewer", "POST", "/api/v1/eligibility/bulk", data=bulk_sheet(world),
        content_type="multipart/form-data"),
    "verify.lookups": lambda app, u, files, **k: _lookups(app, files),
    "admin.action": lambda app, u, **k: _deactivate(app, u),
    "audit.anchor": lambda app, u, tmp_path, **k: _anchor(app, tmp_path),
}
# Checked where their flows are set up: the second factor and two-administrator grants
# need enrolled logins; archives need entries older than the retention period.
ELSEWHERE = {
    **{kind: "tests/test_second_factor.py" for kind in (
        "mfa.enrol", "mfa.success", "mfa.failure", "mfa.reset", "mfa.recovery_code")},
    **{kind: "tests/test_role_grants.py" for kind in (
        "role.proposed", "role.approved", "role.refused", "role.grant_refused")},
    "audit.archive": "tests/test_audit_chain.py::test_archives_are_signed_checked_and_joined_to_the_database",
    "audit.redact": "tests/test_audit_chain.py (audit-redact on a chain of its own)",
}


def _lookups(app, files):
    with app.app_context():
        token = db.session.get(Certificate, files["cert"]).token
        db.session.remove()
    app.test_client().get(f"/verify/{token}")
    with app.app_context():
        access_log.flush_lookups(datetime.now(timezone.utc) + timedelta(hours=1))
        db.session.remove()


def _deactivate(app, username):
    with app.app_context(), audit.acting_as("cli:tests"):
        app.appbuilder.sm.find_user(username=username).active = False
        db.session.commit()
        db.session.remove()


def _anchor(app, folder):
    saved = app.config.get("XUESHI_AUDIT_ANCHOR_DIR")
    app.config["XUESHI_AUDIT_ANCHOR_DIR"] = str(folder)
    try:
        assert app.test_cli_runner().invoke(args=["xueshi", "audit-anchor"]).exit_code == 0
    finally:
        app.config["XUESHI_AUDIT_ANCHOR_DIR"] = saved


def test_the_event_list_is_covered():
    assert set(EVENT_TRIGGERS) | set(ELSEWHERE) == audit.SECURITY_EVENTS


@pytest.mark.parametrize("kind", sorted(EVENT_TRIGGERS))
def test_every_listed_event_type_writes_its_entry(app, api, world, files, tmp_path, kind):
    username = new_login(app)
    start = last_seq(app)
    EVENT_TRIGGERS[kind](app, username, api=api, world=world, files=files, tmp_path=tmp_path)
    written = entries_since(app, start, kind)
    assert written, f"no {kind} entry"
    assert all(e.action == "event" for e in written)


# -- issue 14 item 2: no file hands a role a full ID number it may not see ---------------------

FULL_NUMBER = re.compile(r"(?<![0-9*])\d{17}[\dXx](?![0-9])")
# the blank templates, which the access log does not record (NO_PERSONAL_DATA)
TEMPLATES = [("PlatformImportView.template", "screen", "/platform-import/template"),
             ("TrainingClassView.roster_template", "screen", "/trainingclassview/roster-template/{open_class}")]


def _texts(data: bytes, tmp_path, depth: int = 0) -> str:
    """Every text a reader of the file finds: a workbook's cells, a PDF's text
    (and its raw bytes: metadata), each member of a ZIP, else the bytes as text."""
    import zipfile

    from openpyxl import load_workbook

    from tests import pdfcheck

    if data.startswith(b"%PDF"):
        path = tmp_path / f"scan-{depth}-{len(data)}.pdf"
        path.write_bytes(data)
        try:
            text = pdfcheck.text(path)
        except subprocess.CalledProcessError:  # the tests' stub evidence is no readable PDF
            text = ""
        return text + "\n" + data.decode("latin-1")
    if data.startswith(b"PK"):
        archive = zipfile.ZipFile(io.BytesIO(data))
        if "xl/workbook.xml" in archive.namelist():
            book = load_workbook(io.BytesIO(data), read_only=True)
            return "\n".join(str(v) for sheet in book.worksheets
                             for row in sheet.iter_rows(values_only=True) for v in row if v is not None)
        return "\n".join(_texts(archive.read(name), tmp_path, depth + 1) for name in archive.namelist())
    return data.decode("utf-8", errors="replace")


def _may_see(app, world, login: str) -> set[str]:
    """The full numbers a login may see, from the brief (not from the app's
    masking): the association every one, a unit reviewer their unit's staff,
    a professional their own; every other role none."""
    from app.models import Person
    from tests.conftest import USERS

    role, _option, side = USERS[login]
    with app.app_context():
        stmt = select(Person.id_number)
        if role == "unit_reviewer":
            stmt = stmt.where(Person.unit_id == world.unit[side])
        elif role == "professional":
            stmt = stmt.where(Person.id == world.person[side])
        elif role != "association_admin":
            stmt = stmt.where(false())
        numbers = set(db.session.execute(stmt).scalars())
        db.session.remove()
    return numbers


def test_no_downloadable_file_of_any_role_holds_a_full_number_it_may_not_see(
        app, clients, api, world, files, tmp_path):
    """Every file the app hands out (templates, problem reports, check results,
    job results, exports, evidence, certificate and year-certificate PDFs),
    fetched by every login on screens and the API, holds no registered full
    ID number outside what that login may see (the numbers a login sent in its
    own list excepted)."""
    from app.models import Person
    from tests.conftest import USERS

    urls = [(e, how, url) for e, how, _login, url, _record in DOWNLOADS] + TEMPLATES
    assert {e for e, _how, _url in urls} == set(access_log.FILES) | access_log.NO_PERSONAL_DATA
    with app.app_context():
        registered = set(db.session.execute(select(Person.id_number)).scalars())
        db.session.remove()
    sent = {world.id_number["A"]}  # the bulk check's list (bulk_sheet)
    opened, shown_in_full = set(), set()
    for login in USERS:
        allowed = _may_see(app, world, login)
        for endpoint, how, url in urls:
            resp = fetch(app, clients, api, world, how, login, url.format(**files))
            if resp.status_code != 200:
                continue
            opened.add(endpoint)
            found = set(FULL_NUMBER.findall(_texts(resp.data, tmp_path))) & registered
            leaked = found - allowed - sent
            assert not leaked, (login, endpoint, sorted(leaked))
            shown_in_full |= found - sent
    assert opened == {e for e, _how, _url in urls}  # every file was opened by someone
    assert shown_in_full  # and the scan reads numbers where they are shown in full
