"""学时申报: screens and REST API. The steps come from the declaration in
app/services/claims.py; the views add the claim form, evidence uploads and
downloads."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.api import protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext, lazy_gettext as _l
from .. import rules
from ..extensions import db
from ..formatting import hours, locale as _locale
from ..rules import registry
from ..models import Claim, Person
from ..security import scope as scopes
from ..services import claims
from ..services import evidence as evidence_files
from ..services import records, years
from ..services.errors import BusinessError
from .base import ScopedModelRestApi, ScopedModelView, expose
from . import lists
from . import claim_form
from .workflow import WorkflowApi, WorkflowView, api_answer, back_to, on_screen, show_error

CLAIM_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "person": (_l("Professional"), _l("Whose hours the claim is for")),
    "person.id": (_l("Professional ID"), _l("Record number of the professional")),
    "person.name": (_l("Person name"), _l("Name of the professional")),
    "year": (_l("Year"), _l("The year whose hours the claim feeds")),
    "kind": (_l("Kind"), _l("Kind of record (notice 四(二)1 and 四(三)1–7)")),
    "title": (_l("Title"), _l("Name of the activity, exam, result or assignment")),
    "state": (_l("State"), _l("draft, submitted, approved, rejected, revoked or withdrawn")),
    "category": (_l("Category"), _l("public or professional")),
    "date": (_l("Date"), _l("Date of the exam, result or trip (YYYY-MM-DD)")),
    "hours": (_l("Hours"), _l("Hours of a public-subject exam")),
    "days": (_l("Days and hours"), _l("List of {date, hours}: hours per day")),
    "passed": (_l("Exam passed"), _l("Whether the exam was passed")),
    "registration": (_l("Registration exam"), _l("Whether the qualification exam is a registration exam")),
    "courses": (_l("Courses passed"), _l("Registration exams count per course")),
    "project": (_l("Project or result"), _l("The result; the same project counts once")),
    "start": (_l("Start date"), _l("First day of the assignment or leave")),
    "end": (_l("End date"), _l("Last day of the assignment or leave")),
    "reason": (_l("Reason"), _l("overseas, illness or maternity")),
    "submitted_at": (_l("Submitted at"), _l("When the claim was submitted")),
    "reviewed_at": (_l("Reviewed at"), _l("When the unit reviewed it")),
    "reject_reason": (_l("Reason for rejection"), _l("Why the unit sent the claim back")),
    "revoked_at": (_l("Revoked at"), _l("When the association revoked it")),
    "revoke_reason": (_l("Reason for revocation"), _l("Why the association revoked it")),
}


def kind_label(kind: str, year: int | None = None) -> str:
    if year is not None and registry.get(year) is None:
        return kind
    return rules.kinds(_locale(), year).get(kind, kind)


def _files_for_others(scope) -> bool:
    """Whether the user chooses whom a claim is for (a professional files their own)."""
    return not scope.person_id


def _form_year() -> int:
    """The year of a new claim's form (`?year=`, else the default year); 404 for a
    year without a rule set."""
    year = request.args.get("year", type=int)
    if year is None:
        return years.with_rules()
    if registry.get(year) is None:
        abort(404)
    return year


def _claimable(kind: str, year: int) -> None:
    if kind not in {rule.kind for rule in claims.claimable(year)}:
        abort(404)


# the columns a claim's page shows besides its kind's fields, when they have a value
_HEAD = ["person", "kind", "title", "year", "state"]
_LIFE = ["submitted_at", "reviewed_at", "reject_reason", "revoked_at", "revoke_reason"]


def _yes_no(value) -> str:
    return "" if value is None else gettext("Yes") if value else gettext("No")


def shown_columns(claim: Claim) -> list[str]:
    """The fields of the claim's kind (in its year), then what happened to it."""
    fields = [f for f in records.fields_for(claim.kind, claim.year)
              if f != "courses" or claim.registration] if registry.get(claim.year) else []
    return _HEAD + fields + [c for c in _LIFE if getattr(claim, c) not in (None, "")]


class ClaimView(WorkflowView, ScopedModelView):
    datamodel = SQLAInterface(Claim)
    workflow = claims.WORKFLOW
    fields = CLAIM_FIELDS
    list_title = _l("Claims")
    show_title = _l("Claim")
    key_columns = ["person", "title", "state"]
    list_columns = ["person", "kind", "title", "year", "state", "submitted_at"]
    show_columns = ["person", "kind", "title", "year", "state", "category", "date", "hours",
                    "days", "passed", "courses", "project", "start", "end", "reason",
                    "submitted_at", "reviewed_at", "reject_reason", "revoked_at", "revoke_reason"]
    search_columns = ["person", "kind", "title", "year", "state"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_create", "can_download"]
    show_template = "xueshi/claim_show.html"
    formatters_columns = {
        "kind": kind_label,
        "state": claims.WORKFLOW.label,
        "category": lambda c: str(records.CATEGORIES.get(c, c or "")),
        "reason": lambda r: str(records.REASONS.get(r, r or "")),
        "days": lambda d: ";".join(
            gettext("%(date)s: %(hours)s hours", date=x["date"], hours=hours(x["hours"]))
            for x in d) if d else "",
        "channel": lambda c: rules.channels(_locale()).get(c, c or ""),
        "passed": lambda v: _yes_no(v),
        "registration": lambda v: _yes_no(v),
    }

    @expose("/list/")
    @has_access
    def list(self):
        """A reviewer arriving at the list sees the claims waiting for review
        (待审核); removing the filter on the page shows every claim."""
        scope = scopes.current_scope()
        arriving = not request.referrer or urlsplit(request.referrer).path != request.path
        if (arriving and scope.may("review", "ClaimView")
                and not any(k.startswith("_flt_") for k in request.args)):
            waiting = {lists.filter_arg(self, "state"): claims.SUBMITTED}
            return redirect(url_for(".list", **waiting, **request.args))
        return super().list()

    def _get_show_widget(self, pk, item, **kwargs):
        """Only the fields of the claim's kind, not every column of every kind."""
        widgets = super()._get_show_widget(pk, item, **kwargs)
        columns = shown_columns(item)
        widgets["show"].template_args.update(
            include_columns=columns, value_columns=self.datamodel.get_values_item(item, columns))
        return widgets

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        claim = scopes.get_or_404(Claim, pk)
        scope = scopes.current_scope()
        duplicates = {e.id: evidence_files.reuse(e, claim, scope) for e in claim.evidence}
        has_rules = registry.get(claim.year) is not None
        pending = claim.state in (claims.DRAFT, claims.SUBMITTED, claims.REJECTED) and has_rules
        return self.render_template(
            self.show_template, pk=claim.id, title=self.show_title, widgets=self._show(claim.id),
            related_views=[], claim=claim, duplicates=duplicates,
            preview=claims.preview_claim(claim) if pending else None,
            credit=claims.credit(claim) if claim.state == claims.APPROVED else None,
            same=claims.same_achievements(claim.person_id, claim.project, claim.id), hours=hours,
            rule_text=rules.rule_text(claim.kind, _locale(), claim.year) if has_rules else "",
            **self.step_context(claim))

    @expose("/new/", methods=["GET"])
    @has_access
    @permission_name("create")
    def choose_kind(self):
        year = _form_year()
        kinds = [(r.kind, kind_label(r.kind, year), rules.rule_text(r.kind, _locale(), year))
                 for r in claims.claimable(year)]
        other_years = [y for y in registry.years() if claims.claimable(y)]
        return self.render_template("xueshi/claim_kinds.html", kinds=kinds, year=year,
                                    years=other_years,
                                    title=gettext("New claim: choose the kind"))

    def _form_page(self, form, kind: str, year: int, back_url: str, preview_url: str,
                   result=None, error=None):
        return self.render_template(
            "xueshi/claim_form.html", form=form, title=kind_label(kind, year), back_url=back_url,
            year=year, preview_url=preview_url, preview=result, preview_error=error,
            hours=hours,
            note=gettext("Rule") + ":" + rules.rule_text(kind, _locale(), year))

    @staticmethod
    def _try_preview(run):
        """(preview, None), or (None, the reason it cannot be worked out yet)."""
        try:
            return run(), None
        except BusinessError as exc:
            db.session.rollback()
            return None, str(exc)

    @expose("/expected-hours/<kind>", methods=["POST"])
    @has_access
    @permission_name("create")
    def expected_hours(self, kind):
        """预计认定学时 of the form as filled so far (nothing is saved), as HTML for the form."""
        year = _form_year()
        claim = scopes.get_or_404(Claim, request.args["claim"]) if request.args.get("claim") else None
        if claim is not None:
            kind, year = claim.kind, claim.year
        _claimable(kind, year)
        scope = scopes.current_scope()
        for_others = claim is None and _files_for_others(scope)
        form = claim_form.claim_form(kind, year, for_others, _locale())
        if not form.validate_on_submit():
            return jsonify(html=gettext("The form has expired: reload the page.")), 400
        person = claim.person_id if claim is not None else (
            form.person.data if for_others else None)
        result, error = self._try_preview(lambda: claims.preview(
            scope, person, kind, claim_form.values(form), year))
        return jsonify(html=render_template("xueshi/_claim_preview.html", preview=result,
                                            preview_error=error, hours=hours))

    @expose("/new/<kind>", methods=["GET", "POST"])
    @has_access
    @permission_name("create")
    def create(self, kind):
        year = _form_year()
        _claimable(kind, year)
        scope = scopes.current_scope()
        for_others = _files_for_others(scope)
        form = claim_form.claim_form(kind, year, for_others, _locale())
        result = error = None
        if request.method == "POST" and form.validate_on_submit():
            person = form.person.data if for_others else None
            if request.form.get("preview"):
                result, error = self._try_preview(lambda: claims.preview(
                    scope, person, kind, claim_form.values(form), year))
            else:
                try:
                    files = evidence_files.read_uploads(request.files.getlist("files"))
                    claim = claims.create(scope, person, kind, claim_form.values(form), files, year)
                except BusinessError as exc:
                    show_error(form, exc)
                else:
                    return back_to(claim.id, gettext("The draft claim was saved."))
        return self._form_page(form, kind, year, url_for(".list"),
                               url_for(".expected_hours", kind=kind, year=year), result, error)

    @expose("/change/<pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("change")
    def change(self, pk):
        claim = scopes.get_or_404(Claim, pk)
        refused = self.refuse_unless("change", claim)
        if refused is not None:
            return refused
        if registry.get(claim.year) is None:
            abort(404)
        form = claim_form.claim_form(claim.kind, claim.year, False, _locale(),
                                     claim if request.method == "GET" else None)
        result = error = None
        if request.method == "POST" and form.validate_on_submit():
            scope = scopes.current_scope()
            if request.form.get("preview"):
                result, error = self._try_preview(lambda: claims.preview(
                    scope, claim.person_id, claim.kind, claim_form.values(form), claim.year))
            else:
                try:
                    claims.update(scope, claim.id, claim_form.values(form))
                except BusinessError as exc:
                    show_error(form, exc)
                else:
                    return back_to(claim.id, gettext("The claim was saved."))
        return self._form_page(form, claim.kind, claim.year, url_for(".show", pk=claim.id),
                               url_for(".expected_hours", kind=claim.kind, claim=claim.id), result, error)

    @expose("/evidence/<pk>", methods=["POST"])
    @has_access
    @permission_name("upload")
    def upload(self, pk):
        def attach(scope, claim_id):
            files = evidence_files.read_uploads(request.files.getlist("files"))
            return claims.add_evidence(scope, claim_id, {"files": files})

        return on_screen(attach, pk, success=gettext("Evidence uploaded."))

    @expose("/evidence/<pk>/<int:evidence_id>", methods=["GET"])
    @has_access
    @permission_name("download")
    def download(self, pk, evidence_id):
        return evidence_files.file_response(evidence_id, scopes.get_or_404(Claim, pk))

    @expose("/evidence/<pk>/<int:evidence_id>/preview", methods=["GET"])
    @has_access
    @permission_name("download")
    def preview(self, pk, evidence_id):
        return evidence_files.file_response(evidence_id, scopes.get_or_404(Claim, pk), inline=True)


def _reuse_json(found) -> dict:
    return {"also_on_claims_of_others": [c.id for c in found.named],
            "also_on_claims_outside_your_scope": found.elsewhere}


class ClaimApi(WorkflowApi, ScopedModelRestApi):
    """Claims for a portal: list and show in scope, create and change, evidence,
    and the workflow steps (POST /api/v1/claim/<pk>/step/<name>)."""

    resource_name = "claim"
    datamodel = SQLAInterface(Claim)
    workflow = claims.WORKFLOW
    fields = CLAIM_FIELDS
    base_permissions = ["can_get", "can_info", "can_create", "can_download"]
    list_columns = ["id", "person.id", "person.name", "year", "kind", "title", "state", "submitted_at"]
    show_columns = ["id", "person.id", "person.name", "year", "kind", "title", "state", "category",
                    "date", "hours", "days", "passed", "registration", "courses", "project", "start",
                    "end", "reason", "submitted_at", "reviewed_at", "reject_reason", "revoked_at",
                    "revoke_reason"]
    search_columns = ["person", "kind", "year", "state"]
    order_columns = ["id", "year", "submitted_at"]

    def _body(self) -> dict | None:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else None

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
        body = self._body()
        if body is None:
            return self.response_400(message=gettext("The request body must be JSON."))
        return api_answer(self, claims.create, scopes.current_scope(), body.get("person"),
                          body.get("kind"), body, code=201)

    @api_expose("/<int:pk>", methods=["PUT"])
    @protect()
    @safe
    @permission_name("change")
    def put(self, pk):
        """Change a draft or a rejected claim (its filer)
        ---
        put:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: Changed}
            400: {$ref: '#/components/responses/400'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {description: Not a draft or a rejected claim}
        """
        body = self._body()
        if body is None:
            return self.response_400(message=gettext("The request body must be JSON."))
        return api_answer(self, claims.update, scopes.current_scope(), pk, body)

    @api_expose("/<int:pk>/evidence", methods=["POST"])
    @protect()
    @safe
    @permission_name("upload")
    def evidence(self, pk):
        """Attach an evidence file (multipart field `file`) to a draft or a rejected claim
        ---
        post:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: Attached}
            400: {$ref: '#/components/responses/400'}
        """
        def attach(scope, claim_id):
            upload = evidence_files.read_upload(request.files.get("file"))
            return claims.add_evidence(scope, claim_id, {"files": [upload]})[0]

        return api_answer(self, attach, scopes.current_scope(), pk,
                          answer=lambda row: {"id": row.id, "digest": row.digest})

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
        return evidence_files.file_response(evidence_id, claim)

    def pre_get(self, data):
        super().pre_get(data)
        result = data.get("result") or {}
        claim = scopes.get_in_scope(Claim, data.get("id"))
        if claim is not None:
            scope = scopes.current_scope()
            result["kind_label"] = kind_label(claim.kind)
            result["rule"] = rules.rule_text(claim.kind, _locale())
            result["evidence"] = [
                {"id": e.id, "name": e.original_name, "content_type": e.content_type,
                 "size": e.size, "digest": e.digest,
                 **_reuse_json(evidence_files.reuse(e, claim, scope))}
                for e in claim.evidence
            ]
