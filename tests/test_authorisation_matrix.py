"""Every role × every screen and API × every method, allowed or denied.

The expectations below are the specification (domain.md), written out by
hand; they are not derived from app/security/roles.py. A probe uses a row id
that does not exist, so an allowed call answers 404 (or 400 for an empty
POST) and a denied one 403, and nothing is changed either way."""
from __future__ import annotations

import pytest

from tests.conftest import ROLES

MISSING = 987654321

ALL = set(ROLES)
ASSOC = "association_admin"

# resource -> (screen url base, api url base, who reads, who writes)
RESOURCES = {
    "person": ("/personview", "/api/v1/person", {ASSOC, "authority_staff", "unit_reviewer", "professional", "district_officer"}, {ASSOC, "unit_reviewer"}),
    "unit": ("/unitview", "/api/v1/unit", {ASSOC, "authority_staff", "unit_reviewer", "professional", "district_officer"}, {ASSOC}),
    "training_base": ("/trainingbaseview", "/api/v1/training_base", {ASSOC, "authority_staff", "base_staff"}, {ASSOC}),
    "department": ("/departmentview", "/api/v1/department", {ASSOC, "authority_staff", "base_staff", "unit_reviewer", "district_officer"}, {ASSOC}),
    "district": ("/districtview", "/api/v1/district", {ASSOC, "authority_staff", "base_staff", "unit_reviewer", "district_officer"}, set()),
    "audit_entry": ("/auditentryview", "/api/v1/audit_entry", {"auditor"}, set()),
}

# FAB's security screens: only the system administrator, and only users and roles.
SECURITY_SCREENS = {
    "/users/list/": {"Admin"},
    "/roles/list/": {"Admin"},
    "/userscopeview/list/": {"Admin"},
    "/rolegrantview/list/": {"Admin"},
    "/rolegrantview/propose": {"Admin"},
    "/groups/list/": set(),
    "/permissions/list/": set(),
    "/userscopeview/new": {"Admin"},  # logins are created here (/users/add leads to it)
    "/userscopeview/link": {"Admin"},
    "/roles/add": set(),
}

SCREEN_PROBES = [
    ("list", "GET", "{base}/list/", "read", 200),
    ("show", "GET", "{base}/show/{missing}", "read", 404),
    ("add form", "GET", "{base}/add", "write", 200),
    ("add", "POST", "{base}/add", "write", None),
    ("edit", "POST", "{base}/edit/{missing}", "write", 404),
    ("delete", "POST", "{base}/delete/{missing}", "write", 404),
]

API_PROBES = [
    ("list", "GET", "{base}/", "read", 200),
    ("get", "GET", "{base}/{missing}", "read", 404),
    ("info", "GET", "{base}/_info", "read", 200),
    ("post", "POST", "{base}/", "write", 400),
    ("put", "PUT", "{base}/{missing}", "write", 404),
    ("delete", "DELETE", "{base}/{missing}", "write", 404),
]


def _cases(probes, index):
    for resource, spec in RESOURCES.items():
        for name, method, url, need, ok in probes:
            allowed = spec[2] if need == "read" else spec[3]
            for role in ROLES:
                yield pytest.param(
                    role, method, url.format(base=spec[index], missing=MISSING), role in allowed, ok,
                    id=f"{resource}-{name}-{role}",
                )


@pytest.mark.parametrize("role,method,url,allowed,ok", list(_cases(SCREEN_PROBES, 0)))
def test_screen_matrix(clients, role, method, url, allowed, ok):
    data = {} if method == "POST" else None
    resp = clients(role).open(url, method=method, data=data)
    if allowed:
        if ok is None:  # an empty add form is refused by validation, not by permission
            assert resp.status_code == 200
        else:
            assert resp.status_code == ok
    else:
        assert resp.status_code == 403


@pytest.mark.parametrize("role,method,url,allowed,ok", list(_cases(API_PROBES, 1)))
def test_api_matrix(api, role, method, url, allowed, ok):
    kwargs = {"json": {}} if method in ("POST", "PUT") else {}
    resp = api(role, method, url, **kwargs)
    assert resp.status_code == (ok if allowed else 403), resp.get_data(as_text=True)[:300]


@pytest.mark.parametrize("url,allowed", list(SECURITY_SCREENS.items()))
@pytest.mark.parametrize("role", ROLES)
def test_security_screens(clients, role, url, allowed):
    resp = clients(role).get(url)
    if role in allowed:
        assert resp.status_code == 200
    else:
        assert resp.status_code in (403, 404)


@pytest.mark.parametrize("url", ["/personview/list/", "/auditentryview/list/", "/users/list/"])
def test_anonymous_screen_goes_to_login(app, url):
    resp = app.test_client().get(url)
    assert resp.status_code == 302
    assert "/login/" in resp.headers["Location"]


@pytest.mark.parametrize("url", [spec[1] + "/" for spec in RESOURCES.values()])
def test_anonymous_api_is_401(app, url):
    assert app.test_client().get(url).status_code == 401


def test_admin_sees_no_business_data_and_auditor_only_the_log(clients):
    assert clients("Admin").get("/personview/list/").status_code == 403
    assert clients("Admin").get("/auditentryview/list/").status_code == 403
    assert clients("association_admin").get("/auditentryview/list/").status_code == 403
    assert clients("auditor").get("/personview/list/").status_code == 403


# Workflow endpoints: (method, url, body, roles allowed, status when allowed).
READERS = {ASSOC, "unit_reviewer", "professional", "district_officer"}
CLAIMANTS = {"unit_reviewer", "professional"}
CHECKERS = {ASSOC, "unit_reviewer", "district_officer"}
EXPORTERS = {ASSOC, "unit_reviewer", "professional"}
M = MISSING
WORKFLOW_API = [
    ("GET", "/api/v1/claim/", None, READERS, 200),
    ("GET", f"/api/v1/claim/{M}", None, READERS, 404),
    ("POST", "/api/v1/claim/", {}, CLAIMANTS, 400),
    ("PUT", f"/api/v1/claim/{M}", {}, CLAIMANTS, 404),
    ("POST", f"/api/v1/claim/{M}/step/withdraw", None, CLAIMANTS, 404),
    ("POST", f"/api/v1/claim/{M}/step/submit", None, CLAIMANTS, 404),
    ("POST", f"/api/v1/claim/{M}/step/approve", None, {"unit_reviewer"}, 404),
    ("POST", f"/api/v1/claim/{M}/step/reject", {"reason": "x"}, {"unit_reviewer"}, 404),
    ("POST", f"/api/v1/claim/{M}/step/revoke", {"reason": "x"}, {ASSOC}, 404),
    ("POST", f"/api/v1/claim/{M}/evidence", None, CLAIMANTS, 400),
    ("GET", f"/api/v1/claim/{M}/evidence/1", None, READERS, 404),
    ("GET", "/api/v1/ledger/", None, READERS, 200),
    ("GET", f"/api/v1/ledger/{M}", None, READERS, 404),
    ("GET", f"/api/v1/ledger/{M}/certificate", None, READERS, 404),
    ("POST", "/api/v1/eligibility/check", {}, CHECKERS, 400),
    ("POST", "/api/v1/eligibility/bulk", None, CHECKERS, 400),
    ("GET", "/api/v1/export/", None, EXPORTERS, 200),
    ("POST", "/api/v1/export/", {}, EXPORTERS, 400),
    ("GET", f"/api/v1/export/{M}/file", None, EXPORTERS, 404),
    ("POST", "/api/v1/platform_import/", None, {ASSOC}, 400),
]
WORKFLOW_SCREENS = [
    ("GET", "/claimview/list/", READERS, 200),
    ("GET", "/claimview/new/", CLAIMANTS, 200),
    ("GET", "/claimview/new/achievement", CLAIMANTS, 200),
    ("GET", f"/claimview/show/{M}", READERS, 404),
    ("POST", f"/claimview/step/submit/{M}", CLAIMANTS, 404),
    ("POST", f"/claimview/step/approve/{M}", {"unit_reviewer"}, 404),
    ("POST", f"/claimview/step/reject/{M}", {"unit_reviewer"}, 404),
    ("POST", f"/claimview/step/revoke/{M}", {ASSOC}, 404),
    ("GET", f"/claimview/evidence/{M}/1", READERS, 404),
    ("GET", "/ledgerview/list/", READERS, 200),
    ("GET", f"/ledgerview/certificate/{M}", READERS, 404),
    ("GET", "/eligibility/", CHECKERS, 200),
    ("GET", "/exportbatchview/list/", EXPORTERS, 200),
    ("GET", "/exportbatchview/new", EXPORTERS, 200),
    ("GET", "/platform-import/", {ASSOC}, 200),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,url,body,allowed,ok", WORKFLOW_API,
                         ids=[f"{m} {u}" for m, u, *_ in WORKFLOW_API])
def test_workflow_api_matrix(api, role, method, url, body, allowed, ok):
    kwargs = {"json": body} if body is not None else {}
    resp = api(role, method, url, **kwargs)
    assert resp.status_code == (ok if role in allowed else 403), resp.get_data(as_text=True)[:200]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,url,allowed,ok", WORKFLOW_SCREENS,
                         ids=[f"{m} {u}" for m, u, *_ in WORKFLOW_SCREENS])
def test_workflow_screen_matrix(clients, role, method, url, allowed, ok):
    # a GET may land on a default filter (a reviewer's claims list opens on 待审核)
    resp = clients(role).open(url, method=method, data={} if method == "POST" else None,
                              follow_redirects=method == "GET")
    assert resp.status_code == (ok if role in allowed else 403)


ORGANISERS = {"base_staff", "authority_staff", "unit_reviewer"}
CLASS_READERS = ORGANISERS | {ASSOC, "district_officer", "professional"}
CLASS_API = [
    ("GET", "/api/v1/training_class/", None, CLASS_READERS, 200),
    ("GET", f"/api/v1/training_class/{M}", None, CLASS_READERS, 404),
    ("POST", "/api/v1/training_class/", {}, ORGANISERS, 400),
    ("PUT", f"/api/v1/training_class/{M}", {}, ORGANISERS, 404),
    ("POST", f"/api/v1/training_class/{M}/step/file", None, ORGANISERS, 404),
    ("POST", f"/api/v1/training_class/{M}/step/full_attendance", None, ORGANISERS, 404),
    ("POST", f"/api/v1/training_class/{M}/step/request_completion", None, ORGANISERS, 404),
    ("POST", f"/api/v1/training_class/{M}/roster", None, ORGANISERS, 400),
    ("POST", f"/api/v1/training_class/{M}/certificates-zip", None, ORGANISERS | {ASSOC}, 404),
    ("POST", f"/api/v1/training_class/{M}/step/accept", None, {ASSOC}, 404),
    ("POST", f"/api/v1/training_class/{M}/step/approve", None, {ASSOC}, 404),
    ("POST", f"/api/v1/training_class/{M}/step/reject", {"reason": "x"}, {ASSOC}, 404),
    ("POST", f"/api/v1/training_class/{M}/step/violation", {"reason": "x"}, {ASSOC}, 404),
    ("GET", "/api/v1/enrolment/", None, CLASS_READERS, 200),
    ("GET", "/api/v1/certificate/", None, CLASS_READERS, 200),
    ("GET", f"/api/v1/certificate/{M}/pdf", None, CLASS_READERS, 404),
    ("POST", f"/api/v1/certificate/{M}/step/revoke", {"reason": "x"}, {ASSOC}, 404),
]
CLASS_SCREENS = [
    ("GET", "/trainingclassview/list/", CLASS_READERS, 200),
    ("GET", "/trainingclassview/new", ORGANISERS, 200),
    ("GET", f"/trainingclassview/show/{M}", CLASS_READERS, 404),
    ("POST", f"/trainingclassview/step/file/{M}", ORGANISERS, 404),
    ("POST", f"/trainingclassview/certificates-zip/{M}", ORGANISERS | {ASSOC}, 404),
    ("POST", f"/trainingclassview/step/accept/{M}", {ASSOC}, 404),
    ("POST", f"/trainingclassview/step/approve/{M}", {ASSOC}, 404),
    ("GET", "/enrolmentview/list/", CLASS_READERS, 200),
    ("GET", "/certificateview/list/", CLASS_READERS, 200),
    ("GET", f"/certificateview/pdf/{M}", CLASS_READERS, 404),
    ("POST", f"/certificateview/step/revoke/{M}", {ASSOC}, 404),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,url,body,allowed,ok", CLASS_API,
                         ids=[f"{m} {u}" for m, u, *_ in CLASS_API])
def test_class_api_matrix(api, role, method, url, body, allowed, ok):
    kwargs = {"json": body} if body is not None else {}
    resp = api(role, method, url, **kwargs)
    assert resp.status_code == (ok if role in allowed else 403), resp.get_data(as_text=True)[:200]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,url,allowed,ok", CLASS_SCREENS,
                         ids=[f"{m} {u}" for m, u, *_ in CLASS_SCREENS])
def test_class_screen_matrix(clients, role, method, url, allowed, ok):
    resp = clients(role).open(url, method=method, data={} if method == "POST" else None)
    assert resp.status_code == (ok if role in allowed else 403)


GOV_API = [
    ("GET", "/api/v1/plan_project/", None, {ASSOC, "base_staff", "authority_staff"}, 200),
    ("POST", "/api/v1/plan_project/", {}, {"base_staff", "authority_staff"}, 400),
    ("POST", f"/api/v1/plan_project/{M}/step/accept", None, {ASSOC}, 404),
    ("POST", "/api/v1/plan_project/publish", {}, {ASSOC}, 400),
    ("GET", "/api/v1/plan_project/published/2026", None, set(ROLES) - {"Admin", "auditor"}, 200),
    ("GET", "/api/v1/seminar/", None, set(ROLES) - {"Admin", "auditor"}, 200),
    ("POST", "/api/v1/seminar/", {}, {"base_staff", "authority_staff"}, 400),
    ("POST", f"/api/v1/seminar/{M}/step/approve", None, {ASSOC}, 404),
    ("GET", "/api/v1/base_evaluation/", None, {ASSOC, "base_staff", "authority_staff"}, 200),
    ("POST", "/api/v1/base_evaluation/", {}, {"base_staff"}, 400),
    ("POST", f"/api/v1/base_evaluation/{M}/step/submit", None, {"base_staff"}, 404),
    ("POST", f"/api/v1/base_evaluation/{M}/step/department_review", None, {"authority_staff"}, 404),
    ("POST", f"/api/v1/base_evaluation/{M}/step/publish", None, {ASSOC}, 404),
    ("GET", "/api/v1/inspection/", None, {ASSOC}, 200),
    ("POST", "/api/v1/inspection/", {}, {ASSOC}, 400),
    ("POST", f"/api/v1/inspection/{M}/step/hand_over", None, {ASSOC}, 404),
    ("GET", "/api/v1/case/", None, {ASSOC, "district_officer"}, 200),
    ("POST", f"/api/v1/case/{M}/step/close", None, {"district_officer"}, 404),
    ("GET", "/api/v1/dishonesty_record/", None, {ASSOC}, 200),
    ("POST", "/api/v1/dishonesty_record/", {}, {ASSOC}, 400),
    # 待确认 roster links: the named unit's reviewer decides (the association, a unit's own
    # roster's new people); the organiser sees none of them
    ("GET", "/api/v1/roster_link/", None, {ASSOC, "unit_reviewer", "professional"}, 200),
    ("GET", f"/api/v1/roster_link/{M}", None, {ASSOC, "unit_reviewer", "professional"}, 404),
    ("POST", f"/api/v1/roster_link/{M}/step/confirm", None, {ASSOC, "unit_reviewer"}, 404),
    ("POST", f"/api/v1/roster_link/{M}/step/reject", {"reason": "x"}, {ASSOC, "unit_reviewer"}, 404),
    # 人员登记申请: the association (new numbers) and the holding unit (transfers) decide
    ("GET", "/api/v1/person_request/", None, {ASSOC, "unit_reviewer"}, 200),
    ("GET", f"/api/v1/person_request/{M}", None, {ASSOC, "unit_reviewer"}, 404),
    ("POST", f"/api/v1/person_request/{M}/step/confirm", None, {ASSOC, "unit_reviewer"}, 404),
    ("POST", f"/api/v1/person_request/{M}/step/reject", {"reason": "x"}, {ASSOC, "unit_reviewer"}, 404),
]
GOV_SCREENS = [
    ("GET", "/dashboard/", {ASSOC, "district_officer"}, 200),
    ("GET", "/personrequestview/list/", {ASSOC, "unit_reviewer"}, 200),
    ("GET", "/plans/published", set(ROLES) - {"Admin", "auditor"}, 200),
    ("GET", "/planprojectview/list/", {ASSOC, "base_staff", "authority_staff"}, 200),
    ("GET", "/planprojectview/new", {"base_staff", "authority_staff"}, 200),
    ("GET", "/planprojectview/publish", {ASSOC}, 200),
    ("GET", "/baseevaluationview/list/", {ASSOC, "base_staff", "authority_staff"}, 200),
    ("GET", "/inspectionview/new", {ASSOC}, 200),
    ("GET", "/caseview/list/", {ASSOC, "district_officer"}, 200),
    ("GET", "/dishonestyrecordview/notice", set(ROLES) - {"Admin", "auditor", "professional"}, 200),
    ("GET", "/dishonestyrecordview/new", {ASSOC}, 200),
    ("GET", "/rosterlinkview/list/", {ASSOC, "unit_reviewer", "professional"}, 200),
    ("GET", f"/rosterlinkview/show/{M}", {ASSOC, "unit_reviewer", "professional"}, 404),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,url,body,allowed,ok", GOV_API, ids=[f"{m} {u}" for m, u, *_ in GOV_API])
def test_governance_api_matrix(api, role, method, url, body, allowed, ok):
    kwargs = {"json": body} if body is not None else {}
    resp = api(role, method, url, **kwargs)
    assert resp.status_code == (ok if role in allowed else 403), resp.get_data(as_text=True)[:200]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,url,allowed,ok", GOV_SCREENS, ids=[f"{m} {u}" for m, u, *_ in GOV_SCREENS])
def test_governance_screen_matrix(clients, role, method, url, allowed, ok):
    assert clients(role).open(url, method=method).status_code == (ok if role in allowed else 403)
