"""学时申报: screens and REST API. The views only translate requests into
calls of app/services/claims.py and its outcome into pages or JSON."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.api import protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import get_locale, gettext, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, SelectField, StringField, TextAreaField

from .. import rules
from ..extensions import db
from ..models import CLAIM_KINDS, Claim, Person
from ..security import scope as scopes
from ..services import claims as claim_steps
from ..services import evidence as evidence_files
from ..services import records
from ..services.errors import BusinessError
from .base import ScopedModelRestApi, ScopedModelView, error_response, expose
from .workflow import refuse, screen_step, show_error

CLAIM_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "person": (_l("Professional"), _l("Whose hours the claim is for")),
    "person.id": (_l("Professional ID"), _l("Record number of the professional")),
    "person.name": (_l("Person name"), _l("Name of the professional")),
    "year": (_l("Year"), _l("The year whose hours the claim feeds")),
    "kind": (_l("Kind"), _l("Kind of record (notice 四(二)1 and 四(三)1–7)")),
    "title": (_l("Title"), _l("Name of the activity, exam, result or assignment")),
    "state": (_l("State"), _l("draft, submitted, approved, rejected or revoked")),
    "category": (_l("Category"), _l("public or professional")),
    "date": (_l("Date"), _l("Date of the exam, result or trip (YYYY-MM-DD)")),
    "hours": (_l("Hours"), _l("Hours of a public-subject exam")),
    "days": (_l("Days and hours"), _l("List of {date, hours}: hours per day")),
    "passed": (_l("Exam passed"), _l("Whether the exam was passed")),
    "courses": (_l("Courses passed"), _l("Registration exams count per course")),
    "project": (_l("Project or result"), _l("The result; the same project counts once")),
    "start": (_l("Start date"), _l("First day of the assignment or leave")),
    "end": (_l("End date"), _l("Last day of the assignment or leave")),
    "reason": (_l("Reason"), _l("overseas, illness or maternity")),
    "submitted_at": (_l("Submitted"), _l("When the claim was submitted")),
    "reviewed_at": (_l("Reviewed"), _l("When the unit reviewed it")),
    "reject_reason": (_l("Reason for rejection"), _l("Why the unit rejected the claim")),
    "revoked_at": (_l("Revoked"), _l("When the association revoked it")),
    "revoke_reason": (_l("Reason for revocation"), _l("Why the association revoked it")),
}


def _duplicates_for_reviewers(evidence) -> list:
    """Other people's claims with the same file: flagged to reviewers only
    (a claimant must not learn about other people's claims)."""
    if not scopes.current_scope().has("unit_reviewer", "association_admin", "district_officer"):
        return []
    return evidence_files.used_by_others(evidence)


def kind_label(kind: str) -> str:
    return rules.kinds(_locale()).get(kind, kind)


def _locale() -> str:
    return str(get_locale() or "zh")


def _claim_form(kind: str, people: list[tuple[int, str]] | None):
    """A form with the fields `kind` needs (from the year's rule set)."""

    class ClaimForm(FlaskForm):
        pass

    if people is not None:
        ClaimForm.person = SelectField(_l("Professional"), choices=people, coerce=int)
    ClaimForm.title = StringField(records.FIELD_LABELS["title"])
    for field in records.fields_for(kind):
        label = records.FIELD_LABELS[field]
        if field == "category":
            widget = SelectField(label, choices=[(k, str(v)) for k, v in records.CATEGORIES.items()])
        elif field == "reason":
            widget = SelectField(label, choices=[(k, str(v)) for k, v in records.REASONS.items()])
        elif field == "passed":
            widget = SelectField(label, choices=[("1", gettext("Yes")), ("0", gettext("No"))])
        elif field == "days":
            widget = TextAreaField(label, render_kw={"rows": 4, "placeholder": "2026-04-01 8"})
        elif field in ("date", "start", "end"):
            widget = StringField(label, render_kw={"type": "date"})
        else:
            widget = StringField(label)
        setattr(ClaimForm, field, widget)
    ClaimForm.files = MultipleFileField(_l("Evidence (PDF, JPEG or PNG, at most 10 MB each)"))
    return ClaimForm()


class ClaimView(ScopedModelView):
    datamodel = SQLAInterface(Claim)
    fields = CLAIM_FIELDS
    list_title = _l("Claims")
    show_title = _l("Claim")
    list_columns = ["person", "kind", "title", "year", "state", "submitted_at"]
    show_columns = ["person", "kind", "title", "year", "state", "category", "date", "hours",
                    "days", "passed", "courses", "project", "start", "end", "reason",
                    "submitted_at", "reviewed_at", "reject_reason", "revoked_at", "revoke_reason"]
    search_columns = ["person", "kind", "title", "year", "state"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_create", "can_change", "can_submit",
                        "can_review", "can_revoke", "can_upload", "can_download", "can_remove"]
    show_template = "xueshi/claim_show.html"
    formatters_columns = {
        "kind": kind_label,
        "state": lambda s: str(claim_steps.STATE_LABELS.get(s, s)),
        "category": lambda c: str(records.CATEGORIES.get(c, c or "")),
        "reason": lambda r: str(records.REASONS.get(r, r or "")),
        "days": lambda d: ";".join(f"{x['date']} {x['hours']}" for x in d) if d else "",
    }

    def _done(self, claim_id, message):
        flash(message, "success")
        return redirect(url_for(".show", pk=claim_id))

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        claim = scopes.get_or_404(Claim, pk)
        widgets = self._show(claim.id)
        duplicates = {e.id: _duplicates_for_reviewers(e) for e in claim.evidence}
        return self.render_template(
            self.show_template, pk=claim.id, title=self.show_title, widgets=widgets,
            related_views=[], claim=claim, duplicates=duplicates,
            rule_text=rules.rule_text(claim.kind, _locale()),
            can=lambda perm: self.appbuilder.sm.has_access(perm, self.class_permission_name),
            scope=scopes.current_scope(),
        )

    @expose("/new/", methods=["GET"])
    @has_access
    @permission_name("create")
    def choose_kind(self):
        kinds = [(k, kind_label(k), rules.rule_text(k, _locale())) for k in CLAIM_KINDS]
        return self.render_template("xueshi/claim_kinds.html", kinds=kinds,
                                    title=gettext("New claim: choose the kind"))

    def _people(self):
        scope = scopes.current_scope()
        if scope.has("professional") and not scope.has("unit_reviewer"):
            return None
        rows = db.session.execute(scopes.scoped(Person).order_by(Person.name)).scalars()
        return [(p.id, str(p)) for p in rows]

    @expose("/new/<kind>", methods=["GET", "POST"])
    @has_access
    @permission_name("create")
    def create(self, kind):
        if kind not in CLAIM_KINDS:
            abort(404)
        people = self._people()
        form = _claim_form(kind, people)
        if request.method == "POST" and form.validate_on_submit():
            scope = scopes.current_scope()
            person_id = form.person.data if people is not None else scope.person_id
            data = {name: field.data for name, field in form._fields.items()
                    if name not in ("person", "files", "csrf_token")}
            try:
                uploads = evidence_files.read_uploads(request.files.getlist("files"))
                evidence_files.check_all(uploads)
                claim = claim_steps.create(scope, person_id, kind, data)
            except BusinessError as exc:
                db.session.rollback()
                show_error(form, exc)
            else:
                if uploads:
                    try:
                        claim_steps.add_evidence(scope, claim.id, uploads)
                    except BusinessError as exc:
                        db.session.rollback()
                        flash(str(exc), "danger")
                return self._done(claim.id, gettext("The draft claim was saved."))
        return self.render_template(
            "xueshi/form.html", form=form, title=kind_label(kind), back_url=url_for(".list"),
            note=gettext("Rule") + ":" + rules.rule_text(kind, _locale()),
        )

    @expose("/change/<pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("change")
    def change(self, pk):
        claim = scopes.get_or_404(Claim, pk)
        form = _claim_form(claim.kind, None)
        if request.method == "GET":
            for name, field in form._fields.items():
                value = getattr(claim, name, None)
                if name == "days" and value:
                    field.data = "\n".join(f"{d['date']} {d['hours']}" for d in value)
                elif name == "passed" and value is not None:
                    field.data = "1" if value else "0"
                elif value is not None and name not in ("files", "csrf_token"):
                    field.data = str(value)
        elif form.validate_on_submit():
            data = {name: field.data for name, field in form._fields.items()
                    if name not in ("files", "csrf_token")}
            try:
                claim_steps.update(scopes.current_scope(), claim.id, data)
            except BusinessError as exc:
                if exc.status in (404, 409):
                    refuse(exc)
                    return redirect(url_for(".show", pk=claim.id))
                db.session.rollback()
                show_error(form, exc)
            else:
                return self._done(claim.id, gettext("The draft claim was saved."))
        return self.render_template(
            "xueshi/form.html", form=form, title=kind_label(claim.kind),
            back_url=url_for(".show", pk=claim.id),
            note=gettext("Rule") + ":" + rules.rule_text(claim.kind, _locale()))

    @expose("/evidence/<pk>", methods=["POST"])
    @has_access
    @permission_name("upload")
    def upload(self, pk):
        def attach(scope, claim_id):
            files = evidence_files.read_uploads(request.files.getlist("files"))
            claim_steps.add_evidence(scope, claim_id, files)

        return screen_step(attach, pk, success=gettext("Evidence uploaded."))

    @expose("/evidence/<pk>/<int:evidence_id>", methods=["GET"])
    @has_access
    @permission_name("download")
    def download(self, pk, evidence_id):
        claim = scopes.get_or_404(Claim, pk)
        return evidence_files.file_response(evidence_id, claim_id=claim.id)

    @expose("/submit/<pk>", methods=["POST"])
    @has_access
    @permission_name("submit")
    def submit(self, pk):
        return screen_step(claim_steps.submit, pk, success=gettext("The claim was submitted to your unit."))

    @expose("/approve/<pk>", methods=["POST"])
    @has_access
    @permission_name("review")
    def approve(self, pk):
        return screen_step(claim_steps.approve, pk, success=gettext("Approved: the hours are in the ledger."))

    @expose("/reject/<pk>", methods=["POST"])
    @has_access
    @permission_name("review")
    def reject(self, pk):
        return screen_step(claim_steps.reject, pk, request.form.get("reason", ""),
                           success=gettext("The claim was rejected."))

    @expose("/revoke/<pk>", methods=["POST"])
    @has_access
    @permission_name("revoke")
    def revoke(self, pk):
        return screen_step(claim_steps.revoke, pk, request.form.get("reason", ""),
                           success=gettext("Revoked: the hours left the ledger."))

    @expose("/remove/<pk>", methods=["POST"])
    @has_access
    @permission_name("remove")
    def remove(self, pk):
        try:
            claim_steps.delete_draft(scopes.current_scope(), pk)
        except BusinessError as exc:
            refuse(exc)
            return redirect(url_for(".show", pk=pk))
        flash(gettext("The draft was deleted."), "success")
        return redirect(url_for(".list"))


class ClaimApi(ScopedModelRestApi):
    """Claims for a portal: list and show in scope, plus the workflow steps."""

    resource_name = "claim"
    datamodel = SQLAInterface(Claim)
    fields = CLAIM_FIELDS
    base_permissions = ["can_get", "can_info", "can_create", "can_change", "can_submit",
                        "can_review", "can_revoke", "can_upload", "can_download", "can_remove"]
    list_columns = ["id", "person.id", "person.name", "year", "kind", "title", "state", "submitted_at"]
    show_columns = ["id", "person.id", "person.name", "year", "kind", "title", "state", "category",
                    "date", "hours", "days", "passed", "courses", "project", "start", "end",
                    "reason", "submitted_at", "reviewed_at", "reject_reason", "revoked_at",
                    "revoke_reason"]
    search_columns = ["person", "kind", "year", "state"]
    order_columns = ["id", "year", "submitted_at"]

    def _run(self, step, *args, code=200):
        try:
            result = step(scopes.current_scope(), *args)
        except BusinessError as exc:
            return error_response(self, exc)
        if isinstance(result, Claim):
            return self.response(code, id=result.id, state=result.state)
        return self.response(code, message="OK")

    @api_expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("create")
    def post(self):
        """Create a draft claim
        ---
        post:
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    person: {type: integer}
                    kind: {type: string}
                    title: {type: string}
          responses:
            201: {description: Draft created}
            400: {$ref: '#/components/responses/400'}
            403: {$ref: '#/components/responses/403'}
        """
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response_400(message=gettext("The request body must be JSON."))
        person = body.get("person") or scopes.current_scope().person_id
        return self._run(claim_steps.create, person, body.get("kind"), body, code=201)

    @api_expose("/<int:pk>", methods=["PUT"])
    @protect()
    @safe
    @permission_name("change")
    def put(self, pk):
        """Change a draft claim
        ---
        put:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: Draft changed}
            400: {$ref: '#/components/responses/400'}
            404: {$ref: '#/components/responses/404'}
        """
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response_400(message=gettext("The request body must be JSON."))
        return self._run(claim_steps.update, pk, body)

    @api_expose("/<int:pk>", methods=["DELETE"])
    @protect()
    @safe
    @permission_name("remove")
    def delete(self, pk):
        """Delete a draft claim
        ---
        delete:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: Deleted}
            404: {$ref: '#/components/responses/404'}
        """
        return self._run(claim_steps.delete_draft, pk)

    @api_expose("/<int:pk>/evidence", methods=["POST"])
    @protect()
    @safe
    @permission_name("upload")
    def evidence(self, pk):
        """Attach an evidence file (multipart field `file`)
        ---
        post:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: Attached}
            400: {$ref: '#/components/responses/400'}
        """
        try:
            upload = evidence_files.read_upload(request.files.get("file"))
            [row] = claim_steps.add_evidence(scopes.current_scope(), pk, [upload])
        except BusinessError as exc:
            return error_response(self, exc)
        return self.response(200, id=row.id, sha256=row.sha256)

    @api_expose("/<int:pk>/evidence/<int:evidence_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("download")
    def evidence_file(self, pk, evidence_id):
        """Download an evidence file
        ---
        get:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          - {in: path, name: evidence_id, schema: {type: integer}}
          responses:
            200: {description: The file}
            404: {$ref: '#/components/responses/404'}
        """
        claim = scopes.get_in_scope(Claim, pk)
        if claim is None:
            return self.response_404()
        return evidence_files.file_response(evidence_id, claim_id=claim.id)

    def pre_get(self, data):
        super().pre_get(data)
        result = data.get("result") or {}
        claim = db.session.get(Claim, result.get("id"))
        if claim is not None:
            result["kind_label"] = kind_label(claim.kind)
            result["rule"] = rules.rule_text(claim.kind, _locale())
            result["evidence"] = [
                {"id": e.id, "name": e.original_name, "content_type": e.content_type,
                 "size": e.size, "sha256": e.sha256,
                 "also_on_claims_of_others": [c.id for c in _duplicates_for_reviewers(e)]}
                for e in claim.evidence
            ]

    @api_expose("/<int:pk>/submit", methods=["POST"])
    @protect()
    @safe
    @permission_name("submit")
    def submit(self, pk):
        """Submit a draft to the unit
        ---
        post:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: Submitted}
            409: {description: Not a draft}
        """
        return self._run(claim_steps.submit, pk)

    @api_expose("/<int:pk>/approve", methods=["POST"])
    @protect()
    @safe
    @permission_name("review")
    def approve(self, pk):
        """Approve a submitted claim (the person's unit reviewer)
        ---
        post:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: Approved}
            409: {description: Not submitted}
        """
        return self._run(claim_steps.approve, pk)

    @api_expose("/<int:pk>/reject", methods=["POST"])
    @protect()
    @safe
    @permission_name("review")
    def reject(self, pk):
        """Reject a submitted claim with a reason
        ---
        post:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: Rejected}
            400: {$ref: '#/components/responses/400'}
        """
        body = request.get_json(silent=True) or {}
        return self._run(claim_steps.reject, pk, body.get("reason", ""))

    @api_expose("/<int:pk>/revoke", methods=["POST"])
    @protect()
    @safe
    @permission_name("revoke")
    def revoke(self, pk):
        """Revoke an approved claim with a reason (the association)
        ---
        post:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: Revoked}
            400: {$ref: '#/components/responses/400'}
        """
        body = request.get_json(silent=True) or {}
        return self._run(claim_steps.revoke, pk, body.get("reason", ""))

