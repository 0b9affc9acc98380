"""Every declared transition, probed from its declaration: each role without
the permission gets 403, a row out of its scope 404, a row in a state the step
does not start from 409 — on the API (or the service, for steps with
hand-written endpoints) — and nothing changes. Then what the declarations give
for free: buttons, the OpenAPI entries, the README table, the to-do query,
and the role that a line in roles.py is enough to empower."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from app.extensions import db
from app.models import Activity, AuditEntry, Case, Certificate, Claim, Enrolment, Evidence, Ledger
from app.security import scope as scopes
from app.services.workflow import workflows
from tests import rows
from tests.conftest import PASSWORD, ROLES

ROOT = Path(__file__).resolve().parents[1]
MISSING = 987654321
BODY = {"reason": "探针", "summary": "x", "opinion": "x", "findings": "x", "outcome": "x",
        "scores": [{"expert": "x", "score": 80}], "result": "qualified", "subject": "x", "details": "x"}


def _scope(app, key):
    return scopes.scope_for_user(app.appbuilder.sm.find_user(username=key))


def _cases():
    for workflow in workflows():
        for t in workflow.transitions.values():
            yield pytest.param(workflow.resource, t.name, id=f"{workflow.resource}.{t.name}")


def _workflow(resource):
    return next(w for w in workflows() if w.resource == resource)


def _api_base(app, workflow) -> str:
    from app.views.workflow import WorkflowApi

    api = next(v for v in app.appbuilder.baseviews
               if isinstance(v, WorkflowApi) and v.workflow is workflow)
    return api.route_base


def _snapshot(model, pk):
    row = db.session.get(model, pk) if pk != MISSING else None
    counts = tuple(db.session.execute(select(func.count()).select_from(m)).scalar()
                   for m in (AuditEntry, Activity, Ledger, Enrolment, Evidence, Case))
    revoked = db.session.execute(select(func.count()).select_from(Certificate)
                                 .where(Certificate.revoked.is_(True))).scalar()
    fields = None
    if row is not None:
        fields = {c.key: getattr(row, c.key) for c in model.__table__.columns}
    db.session.rollback()
    return counts, revoked, fields


class Probe:
    """Take one step as one login: through the API for a generated endpoint,
    through the service runner for a step with a hand-written endpoint."""

    def __init__(self, app, api, tokens, workflow, transition):
        self.app, self.api, self.tokens, self.workflow, self.t = app, api, tokens, workflow, transition

    def status(self, key, pk) -> int:
        if not self.t.custom:
            url = f"{_api_base(self.app, self.workflow)}/{pk}/step/{self.t.name}"
            return self.api(key, "POST", url, json=BODY).status_code
        from app.services.errors import BusinessError

        with self.app.test_request_context():
            try:
                self.workflow.run(self.t.name, _scope(self.app, key), pk, {})
            except BusinessError as exc:
                return exc.status
            finally:
                db.session.rollback()
        return 200

    def refused(self, key, pk, status) -> None:
        model = self.workflow.model
        self.tokens(key)  # the login's token (and its audit entry) before the snapshot
        with self.app.app_context():
            before = _snapshot(model, pk)
        assert self.status(key, pk) == status, (self.t.name, key)
        with self.app.app_context():
            assert _snapshot(model, pk) == before, (self.t.name, key, "changed")
            db.session.remove()


def _row(app, world, workflow, state, side="A"):
    with app.app_context():
        pk = rows.make(app, world, workflow.model, state, side)
        db.session.remove()
    return pk


def _permitted(app, workflow, t):
    with app.test_request_context():
        return [k for k in ROLES if workflow.may(_scope(app, k), t.permission)]


def _actor(app, workflow, t, pk, keys):
    """The first permitted login whose guards pass on the row."""
    with app.test_request_context():
        row = db.session.get(workflow.model, pk)
        for key in keys:
            scope = _scope(app, key)
            if all(g.test(scope, row) for g in t.guards):
                return key
    raise AssertionError(f"{workflow.resource}.{t.name}: no permitted login passes its guards")


@pytest.mark.parametrize("resource,name", list(_cases()))
def test_every_step_refuses_the_wrong_role_the_wrong_row_and_the_wrong_state(
        app, api, tokens, world, resource, name):
    workflow = _workflow(resource)
    t = workflow.transitions[name]
    probe = Probe(app, api, tokens, workflow, t)
    permitted = _permitted(app, workflow, t)
    assert permitted, f"{resource}.{name}: roles.py grants its permission to nobody"
    start = sorted(t.sources)[0] if t.sources else None
    ready = _row(app, world, workflow, start)

    for key in ROLES:  # 403: the role lacks the permission
        if key not in permitted:
            probe.refused(key, ready, 403)

    outside = _row(app, world, workflow, start, "B")
    with app.test_request_context():  # 404: the row is outside the actor's scope
        scoped = [k for k in permitted
                  if scopes.get_in_scope(workflow.model, outside, _scope(app, k)) is None]
    for key in scoped:
        probe.refused(key, outside, 404)
    probe.refused(permitted[0], MISSING, 404)

    if t.sources is not None:  # 409: the row is not in a state the step starts from
        wrong = next(s for s in sorted(workflow.states) if s not in t.sources)
        pk = _row(app, world, workflow, wrong)
        probe.refused(_actor(app, workflow, t, pk, permitted), pk, 409)


@pytest.fixture(scope="module")
def openapi(app, tokens):
    return app.test_client().get("/api/v1/_openapi", headers=tokens("association_admin")).json


@pytest.mark.parametrize("resource,name", list(_cases()))
def test_every_step_is_on_the_screen_and_in_the_api(app, clients, openapi, world, resource, name):
    """The declaration alone gives the button, the screen POST and the OpenAPI entry."""
    workflow = _workflow(resource)
    t = workflow.transitions[name]
    permitted = _permitted(app, workflow, t)
    start = sorted(t.sources)[0] if t.sources else None
    pk = _row(app, world, workflow, start)
    key = _actor(app, workflow, t, pk, permitted)
    with app.test_request_context():
        assert t in workflow.available(_scope(app, key), db.session.get(workflow.model, pk))
    if t.custom:
        return
    entry = openapi["paths"][f"{_api_base(app, workflow)}/{{pk}}/step/{name}"]["post"]
    assert entry["summary"] and "409" in entry["responses"]
    properties = entry.get("requestBody", {}).get("content", {}).get("application/json", {}) \
        .get("schema", {}).get("properties", {})
    assert set(properties) == {i.name for i in t.inputs}
    from app.views.workflow import WorkflowView

    view = next(v for v in app.appbuilder.baseviews
                if isinstance(v, WorkflowView) and v.workflow is workflow)
    page = clients(key).get(f"{view.route_base}/show/{pk}").get_data(as_text=True)
    assert f'action="{view.route_base}/step/{name}/{pk}"' in page


def test_templates_do_not_re_encode_states():
    for path in (ROOT / "app/templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\.(state|stage)\s*(==|!=|in\b|not in\b)", text), path


def test_every_step_permission_is_granted_on_the_screen_and_the_api_together():
    from app.security.roles import ROLE_PERMISSIONS

    for workflow in workflows():
        for permission in workflow.permissions:
            for role, pairs in ROLE_PERMISSIONS.items():
                on_view = (f"can_{permission}", f"{workflow.resource}View") in pairs
                on_api = (f"can_{permission}", f"{workflow.resource}Api") in pairs
                assert on_view == on_api, (role, workflow.resource, permission)


def test_the_readme_table_is_generated_from_the_declarations():
    result = subprocess.run([sys.executable, "scripts/workflow_table.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# -- the to-do query ---------------------------------------------------------------

@pytest.mark.parametrize("key", ["association_admin", "unit_reviewer", "professional", "base_staff",
                                 "authority_staff", "district_officer"])
def test_actionable_is_one_query_and_agrees_with_the_buttons(app, world, key):
    from app.services import workflow as workflows_module

    for workflow in workflows():
        for state in workflow.states or [None]:
            _row(app, world, workflow, state)
    with app.test_request_context():
        scope = _scope(app, key)
        for workflow in workflows():
            workflow.may(scope, "warm the grants")
            statements = []
            listen = lambda *args: statements.append(args[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listen)
            try:
                found = set(db.session.execute(
                    workflows_module.actionable(scope, workflow.model)).scalars())
            finally:
                event.remove(db.engine, "before_cursor_execute", listen)
            assert len(statements) == 1, (workflow.resource, statements)
            expected = {row for row in db.session.execute(scopes.scoped(workflow.model, scope)).scalars()
                        if any(t.waits for t in workflow.available(scope, row))}
            assert found == expected, (key, workflow.resource)
        db.session.rollback()


def test_the_permission_table_is_read_once_per_request(app):
    with app.test_request_context():
        scope = _scope(app, "association_admin")
        statements = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            for workflow in workflows():
                for t in workflow.transitions.values():
                    workflow.may(scope, t.permission)
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        assert len([s for s in statements if "ab_permission" in s]) == 1


# -- steps users asked for ---------------------------------------------------------

def _claim(api, body=None):
    from tests.samples import PDF
    import io

    claim_id = api("professional", "POST", "/api/v1/claim/", json=body or {
        "kind": "public_subject_exam", "title": "公需科目考试", "date": "2026-06-10", "hours": 3,
        "passed": True}).json["id"]
    assert api("professional", "POST", f"/api/v1/claim/{claim_id}/evidence",
               data={"file": (io.BytesIO(PDF), "成绩单.pdf")},
               content_type="multipart/form-data").status_code == 200
    return claim_id


def _step(api, key, resource, pk, name, **body):
    return api(key, "POST", f"/api/v1/{resource}/{pk}/step/{name}", json=body)


def test_a_rejected_claim_is_corrected_resubmitted_and_approved(app, api, clients, world):
    import io

    from tests.samples import png_bytes

    claim_id = _claim(api)
    assert _step(api, "professional", "claim", claim_id, "submit").status_code == 200
    resp = _step(api, "unit_reviewer", "claim", claim_id, "reject", reason="成绩单不清晰,请补充")
    assert resp.status_code == 200 and resp.json["state"] == "rejected"
    shown = api("professional", "GET", f"/api/v1/claim/{claim_id}").json["result"]
    assert shown["reject_reason"] == "成绩单不清晰,请补充"
    assert {"change", "upload", "submit", "withdraw"} <= set(shown["steps"])
    page = clients("professional").get(f"/claimview/show/{claim_id}").get_data(as_text=True)
    assert "成绩单不清晰,请补充" in page and f"/claimview/step/submit/{claim_id}" in page
    # four eyes: the reviewer neither corrects nor resubmits the claim
    assert api("unit_reviewer", "PUT", f"/api/v1/claim/{claim_id}", json={"hours": 30}).status_code == 403
    assert _step(api, "unit_reviewer", "claim", claim_id, "submit").status_code == 403
    assert api("professional", "PUT", f"/api/v1/claim/{claim_id}", json={"hours": 4}).status_code == 200
    assert api("professional", "POST", f"/api/v1/claim/{claim_id}/evidence",
               data={"file": (io.BytesIO(png_bytes()), "清晰成绩单.png")},
               content_type="multipart/form-data").status_code == 200
    assert _step(api, "unit_reviewer", "claim", claim_id, "approve").status_code == 409
    assert _step(api, "professional", "claim", claim_id, "submit").status_code == 200
    resp = _step(api, "unit_reviewer", "claim", claim_id, "approve")
    assert resp.status_code == 200 and resp.json["state"] == "approved"
    with app.app_context():
        claim = db.session.get(Claim, claim_id)
        assert claim.hours == 4 and len(claim.evidence) == 2 and claim.reject_reason is None
        activity = db.session.execute(select(Activity).where(
            Activity.source == "claim", Activity.source_id == claim_id)).scalar_one()
        assert activity.hours == 4
        db.session.remove()


def test_a_draft_or_rejected_claim_is_withdrawn_and_stays_on_record(app, api):
    draft = _claim(api)
    assert _step(api, "unit_reviewer", "claim", draft, "withdraw").status_code == 403  # not its filer
    resp = _step(api, "professional", "claim", draft, "withdraw")
    assert resp.status_code == 200 and resp.json["state"] == "withdrawn"
    assert _step(api, "professional", "claim", draft, "submit").status_code == 409
    assert api("professional", "PUT", f"/api/v1/claim/{draft}", json={"hours": 1}).status_code == 409
    rejected = _claim(api)
    _step(api, "professional", "claim", rejected, "submit")
    _step(api, "unit_reviewer", "claim", rejected, "reject", reason="不符合")
    assert _step(api, "professional", "claim", rejected, "withdraw").status_code == 200
    with app.app_context():
        assert db.session.get(Claim, draft).evidence  # evidence kept with the record
        db.session.remove()


def _class(api, **overrides):
    import io

    from tests.samples import PDF

    body = {"name": "撤回测试班", "mode": "offline", "category": "public", "start_date": "2026-11-10",
            "end_date": "2026-11-10", "hours_per_day": 4, "venue": "x", "capacity": 5, **overrides}
    class_id = api("base_staff", "POST", "/api/v1/training_class/", json=body).json["id"]
    assert api("base_staff", "POST", f"/api/v1/training_class/{class_id}/material",
               data={"file": (io.BytesIO(PDF), "审批表.pdf"), "purpose": "approval_form"},
               content_type="multipart/form-data").status_code == 200
    return class_id


def test_a_filed_class_is_taken_back_to_draft_until_it_is_accepted(api, clients):
    class_id = _class(api)
    assert _step(api, "base_staff", "training_class", class_id, "file").status_code == 200
    page = clients("base_staff").get(f"/trainingclassview/show/{class_id}").get_data(as_text=True)
    assert f"/trainingclassview/step/recall/{class_id}" in page
    assert f"/trainingclassview/step/accept/{class_id}" not in page
    assert _step(api, "authority_staff", "training_class", class_id, "recall").status_code == 403
    resp = _step(api, "base_staff", "training_class", class_id, "recall")
    assert resp.status_code == 200 and resp.json["state"] == "draft"
    assert _step(api, "association_admin", "training_class", class_id, "accept").status_code == 409
    assert api("base_staff", "PUT", f"/api/v1/training_class/{class_id}",
               json={"name": "改期后的班"}).status_code == 200
    assert _step(api, "base_staff", "training_class", class_id, "file").status_code == 200
    assert _step(api, "association_admin", "training_class", class_id, "accept").status_code == 200
    assert _step(api, "base_staff", "training_class", class_id, "recall").status_code == 409


def test_a_draft_class_is_withdrawn(api):
    class_id = _class(api)
    resp = _step(api, "base_staff", "training_class", class_id, "withdraw")
    assert resp.status_code == 200 and resp.json["state"] == "withdrawn"
    assert _step(api, "base_staff", "training_class", class_id, "file").status_code == 409
    assert _step(api, "association_admin", "training_class", class_id, "violation",
                 reason="x").status_code == 409


def test_a_completion_sent_back_is_fixed_and_asked_again(app, api, world):
    import io

    from openpyxl import Workbook

    from tests.test_classes import confirm_roster

    from tests.samples import PDF

    class_id = _class(api)
    _step(api, "base_staff", "training_class", class_id, "file")
    _step(api, "association_admin", "training_class", class_id, "accept")
    with app.app_context():
        person = rows.person_of_side(world, "A")
        row = [person.name, person.id_number, person.unit.credit_code, "", person.series, person.title_level]
        db.session.remove()
    book = Workbook()
    book.active.append(["姓名", "身份证号", "单位统一社会信用代码", "手机", "职称系列", "职称级别"])
    book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    assert api("base_staff", "POST", f"/api/v1/training_class/{class_id}/roster",
               data={"file": (io.BytesIO(buf.getvalue()), "r.xlsx")},
               content_type="multipart/form-data").json == {"added": 1, "unchanged": 0}
    confirm_roster(api, app, class_id)
    _step(api, "base_staff", "training_class", class_id, "full_attendance")
    for purpose in ("sign_in", "photo"):
        api("base_staff", "POST", f"/api/v1/training_class/{class_id}/material",
            data={"file": (io.BytesIO(PDF + purpose.encode()), "a.pdf"), "purpose": purpose},
            content_type="multipart/form-data")
    assert _step(api, "base_staff", "training_class", class_id, "request_completion").status_code == 200
    resp = _step(api, "association_admin", "training_class", class_id, "reject_completion",
                 reason="签到表缺页")
    assert resp.json["state"] == "completion_rejected"
    assert api("base_staff", "POST", f"/api/v1/training_class/{class_id}/material",
               data={"file": (io.BytesIO(PDF + b"fixed"), "b.pdf"), "purpose": "sign_in"},
               content_type="multipart/form-data").status_code == 200
    assert api("base_staff", "PUT", f"/api/v1/training_class/{class_id}", json={"name": "x"}).status_code == 409
    assert _step(api, "base_staff", "training_class", class_id, "request_completion").status_code == 200
    assert _step(api, "association_admin", "training_class", class_id, "approve").json["state"] == "reviewed"


# -- a role is what roles.py grants it -------------------------------------------------

@pytest.mark.slow  # syncs the role table, as `xueshi init` does
def test_granting_a_permission_in_roles_py_is_enough_to_take_a_step(app, world, monkeypatch):
    """Two made-up roles that read unit A's claims; roles.py grants one of them
    `review` too. Only that one approves: one line in roles.py, no other change."""
    from app.models import UserScope
    from app.security import roles
    from app.services import accounts

    reader = roles.SELF_SERVICE + roles.read("Claim")
    declared = {"claims_reader": reader, "claims_clerk": reader + roles.steps("Claim", "review")}
    monkeypatch.setattr(accounts, "ALL_ROLES", (*roles.ALL_ROLES, *declared))
    for role, pairs in declared.items():
        monkeypatch.setitem(roles.ROLE_PERMISSIONS, role, pairs)
        monkeypatch.setitem(scopes.ROLE_TARGET, role, "unit_id")
        monkeypatch.setitem(scopes._RULES[Claim], role, lambda s: Claim.person_id.in_(
            select(rows.Person.id).where(rows.Person.unit_id == s.unit_id)))
    claim_id = _claim_with(app)

    def call(username, method, url):
        client = app.test_client()
        token = client.post("/api/v1/security/login", json={
            "username": username, "password": PASSWORD, "provider": "db"}).json["access_token"]
        return client.open(url, method=method, headers={"Authorization": f"Bearer {token}"})

    try:
        with app.app_context():
            roles.sync_roles(app.appbuilder)
            for role in declared:
                accounts.create_user(app.appbuilder, username=role, password=PASSWORD, role=role,
                                     targets={"unit": world.credit_code["A"]})
            db.session.remove()
        for role in declared:
            assert call(role, "GET", f"/api/v1/claim/{claim_id}").status_code == 200
        assert call("claims_reader", "POST", f"/api/v1/claim/{claim_id}/step/approve").status_code == 403
        resp = call("claims_clerk", "POST", f"/api/v1/claim/{claim_id}/step/approve")
        assert resp.status_code == 200 and resp.json["state"] == "approved"
    finally:
        with app.app_context():
            sm = app.appbuilder.sm
            for role in declared:
                user = sm.find_user(username=role)
                if user is not None:
                    db.session.execute(UserScope.__table__.delete().where(UserScope.user_id == user.id))
                    db.session.delete(user)
                found = sm.find_role(role)
                if found is not None:
                    found.permissions = []
                    db.session.delete(found)
            db.session.commit()
            db.session.remove()


def _claim_with(app) -> int:
    """A claim of side A's professional, submitted (through the service, as its filer)."""
    from app.services import claims
    from tests.samples import PDF

    with app.test_request_context():
        scope = _scope(app, "professional")
        claim = claims.create(scope, None, "public_subject_exam", {
            "title": "职员审核的申报", "date": "2026-06-12", "hours": 2, "passed": True},
            [("成绩单.pdf", PDF + b"clerk")])
        claims.submit(scope, claim.id)
        pk = claim.id
        db.session.remove()
    return pk
