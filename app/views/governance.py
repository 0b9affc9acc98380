"""Governance screens and REST: plans and seminars, base evaluations,
inspections, cases handed to districts, dishonesty records, dashboards."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.api import protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import (
    BaseEvaluation, Case, DishonestyRecord, Inspection, PlanProject, Seminar,
    TrainingBase, TrainingClass, Unit,
)
from ..models.governance import EVAL_RESULTS
from ..security import scope as scopes
from ..services import charts, dashboard
from ..services import evidence as evidence_files
from ..services import governance as gov
from ..services import records
from ..services.errors import BusinessError
from ..services.sheets import XLSX_MIME, workbook_bytes
from .base import ScopedModelRestApi, ScopedModelView, error_response, expose
from .workflow import Input, Step, StepsApi, StepsView, build_form, form_data, screen_step, show_error

REASON = Input("reason", _l("Reason given"))


def _label(table):
    return lambda value: str(table.get(value, value or ""))


def _options(table):
    return lambda: [(k, str(v)) for k, v in table.items()]


def _scoped_choices(model, label=str, where=None):
    def choices():
        stmt = scopes.scoped(model).order_by(model.id.desc()).limit(500)
        if where is not None:
            stmt = stmt.where(where)
        return [("", "—")] + [(str(r.id), label(r)) for r in db.session.execute(stmt).scalars()]

    return choices


class CreatePage:
    """Mixin: GET/POST /<view>/new renders `create_inputs` and calls `create`."""

    create_inputs: tuple[Input, ...] = ()
    create_title = ""
    create_note = ""

    def create(self, scope, data):  # pragma: no cover - subclasses
        raise NotImplementedError

    @expose("/new", methods=["GET", "POST"])
    @has_access
    @permission_name("create")
    def new(self):
        form = build_form(self.create_inputs, request.args.to_dict() or None)
        if request.method == "POST" and form.validate_on_submit():
            try:
                row = self.create(scopes.current_scope(), form_data(form))
            except BusinessError as exc:
                db.session.rollback()
                if exc.status in (403, 404, 409):
                    flash(str(exc), "danger")
                else:
                    show_error(form, exc)
            else:
                flash(gettext("Saved."), "success")
                return redirect(url_for(".show", pk=row.id))
        return self.render_template("xueshi/form.html", form=form, title=str(self.create_title),
                                    note=str(self.create_note), back_url=url_for(".list"),
                                    submit=gettext("Save"))


class StepShowMixin:
    """A show page listing the steps the user may take (template workflow_show.html)."""

    show_template = "xueshi/workflow_show.html"

    def extra_show(self, row) -> dict:
        return {}

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        row = scopes.get_or_404(self.datamodel.obj, pk)
        return self.render_template(
            self.show_template, pk=row.id, title=self.show_title, widgets=self._show(row.id),
            related_views=[], row=row, steps=self.steps_for(row), **self.extra_show(row))


# -- 六(一) plans -------------------------------------------------------------

PLAN_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "year": (_l("Year"), _l("The year of the plan")),
    "name": (_l("Project name"), _l("Name of the proposed project")),
    "category": (_l("Category"), _l("public or professional")),
    "audience": (_l("Target audience"), _l("Who the project is for")),
    "planned_hours": (_l("Planned hours"), _l("Hours the project plans")),
    "months": (_l("Months"), _l("When it runs, e.g. 4–6月")),
    "department": (_l("Department"), _l("Proposing department")),
    "base": (_l("Training base"), _l("Proposing base")),
    "state": (_l("State"), _l("proposed, accepted or rejected")),
    "review_reason": (_l("Reason given"), _l("Why the association did not accept it")),
}


def _accept_project(scope, pk, data):
    return gov.review_project(scope, pk, True)


def _reject_project(scope, pk, data):
    return gov.review_project(scope, pk, False, data.get("reason"))


PLAN_STEPS = (
    Step("accept", _l("Accept into the list"), "review", _accept_project,
         when=lambda r: r.state == "proposed", style="success", done=_l("Accepted into the list.")),
    Step("reject", _l("Do not accept"), "review", _reject_project, inputs=(REASON,),
         when=lambda r: r.state == "proposed", style="warning", done=_l("Not accepted.")),
)


class PlanProjectView(StepShowMixin, StepsView, CreatePage, ScopedModelView):
    datamodel = SQLAInterface(PlanProject)
    fields = PLAN_FIELDS
    steps = PLAN_STEPS
    list_title = _l("Plan projects")
    show_title = _l("Plan project")
    list_columns = ["year", "name", "category", "planned_hours", "months", "department", "base", "state"]
    show_columns = list_columns + ["audience", "review_reason"]
    search_columns = ["year", "name", "category", "state", "department", "base"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_create", "can_review", "can_publish"]
    formatters_columns = {"state": _label(gov.PLAN_STATES), "category": _label(records.CATEGORIES)}
    create_title = _l("Propose a project for the annual plan")
    create_inputs = (
        Input("year", _l("Year"), placeholder="2027"),
        Input("name", _l("Project name")),
        Input("category", _l("Category"), "select", _options(records.CATEGORIES)),
        Input("audience", _l("Target audience")),
        Input("planned_hours", _l("Planned hours")),
        Input("months", _l("Months"), placeholder="4–6月"),
    )

    def create(self, scope, data):
        return gov.propose_project(scope, data)

    @expose("/publish", methods=["GET", "POST"])
    @has_access
    @permission_name("publish")
    def publish(self):
        inputs = (Input("year", _l("Year"), placeholder=str(date.today().year)),
                  Input("published_on", _l("Publication date"), "date"))
        form = build_form(inputs, {"published_on": date.today().isoformat()})
        if request.method == "POST" and form.validate_on_submit():
            try:
                publication, late = gov.publish_plan(
                    scopes.current_scope(), form.year.data,
                    records.parse_date(form.published_on.data, "date"))
            except BusinessError as exc:
                db.session.rollback()
                show_error(form, exc)
            else:
                flash(gettext("The %(year)d list is published.", year=publication.year), "success")
                if late:
                    flash(gettext("Note: the notice expects the list in the first quarter; "
                                  "this publication is late."), "warning")
                return redirect(url_for("PublishedPlanView.list", year=publication.year))
        return self.render_template("xueshi/form.html", form=form, title=gettext("Publish the annual list"),
                                    back_url=url_for(".list"), submit=gettext("Publish"),
                                    note=gettext("All accepted projects of the year are published (六(一))."))


class PublishedPlanView(BaseView):
    """The published list: read-only, for everybody logged in."""

    route_base = "/plans"
    default_view = "list"
    base_permissions = ["can_list"]

    @expose("/published", methods=["GET"])
    @has_access
    def list(self):
        year = request.args.get("year", type=int) or date.today().year
        return self.render_template("xueshi/published_plan.html", year=year,
                                    projects=gov.published_projects(year),
                                    title=gettext("Published training projects"))


class PlanProjectApi(StepsApi, ScopedModelRestApi):
    resource_name = "plan_project"
    datamodel = SQLAInterface(PlanProject)
    fields = {**PLAN_FIELDS, "department.name": (_l("Department"), _l("Proposing department")),
              "base.name": (_l("Training base"), _l("Proposing base"))}
    steps = PLAN_STEPS
    base_permissions = ["can_get", "can_info", "can_create", "can_review", "can_publish", "can_published"]
    list_columns = ["id", "year", "name", "category", "audience", "planned_hours", "months",
                    "department.name", "base.name", "state"]
    show_columns = list_columns + ["review_reason"]
    search_columns = ["year", "name", "state"]

    @api_expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("create")
    def post(self):
        """Propose a project: {year, name, category, audience, planned_hours, months}
        ---
        post:
          responses: {201: {description: Proposed}, 400: {$ref: '#/components/responses/400'}}
        """
        return _api_create(self, gov.propose_project)

    @api_expose("/publish", methods=["POST"])
    @protect()
    @safe
    @permission_name("publish")
    def publish(self):
        """Publish a year's list: {year, published_on}
        ---
        post:
          responses: {200: {description: Published; `late` is true after the first quarter}}
        """
        body = request.get_json(silent=True) or {}
        try:
            day = records.parse_date(body.get("published_on") or date.today().isoformat(), "date")
            publication, late = gov.publish_plan(scopes.current_scope(), body.get("year"), day)
        except BusinessError as exc:
            return error_response(self, exc)
        message = gettext("Note: the notice expects the list in the first quarter; "
                          "this publication is late.") if late else ""
        return self.response(200, year=publication.year, late=late, message=message)

    @api_expose("/published/<int:year>", methods=["GET"])
    @protect()
    @safe
    @permission_name("published")
    def published(self, year):
        """The published list of a year (everybody logged in)
        ---
        get:
          parameters: [{in: path, name: year, schema: {type: integer}}]
          responses: {200: {description: The projects}}
        """
        return self.response(200, year=year, result=[
            {"id": p.id, "name": p.name, "category": p.category, "audience": p.audience,
             "planned_hours": float(p.planned_hours), "months": p.months, "organiser": str(p.organiser)}
            for p in gov.published_projects(year)])


def _api_create(api, create):
    body = request.get_json(silent=True)
    try:
        row = create(scopes.current_scope(), body if isinstance(body, dict) else {})
    except BusinessError as exc:
        return error_response(api, exc)
    return api.response(201, id=row.id)


# -- 六(二) seminars -----------------------------------------------------------

SEMINAR_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "year": (_l("Year"), _l("The year of the seminar")),
    "name": (_l("Seminar name"), _l("Name of the advanced seminar")),
    "level": (_l("Level"), _l("national, provincial or city")),
    "department": (_l("Department"), _l("Applying department")),
    "base": (_l("Training base"), _l("Applying base")),
    "state": (_l("State"), _l("applied, approved or rejected")),
    "review_reason": (_l("Reason given"), _l("Why the association did not approve it")),
}
SEMINAR_STEPS = (
    Step("approve", _l("Approve"), "review", lambda s, pk, d: gov.review_seminar(s, pk, True),
         when=lambda r: r.state == "applied", style="success", done=_l("Approved.")),
    Step("reject", _l("Do not approve"), "review",
         lambda s, pk, d: gov.review_seminar(s, pk, False, d.get("reason")), inputs=(REASON,),
         when=lambda r: r.state == "applied", style="warning", done=_l("Not approved.")),
)


class SeminarView(StepShowMixin, StepsView, CreatePage, ScopedModelView):
    datamodel = SQLAInterface(Seminar)
    fields = SEMINAR_FIELDS
    steps = SEMINAR_STEPS
    list_title = _l("Advanced seminars")
    show_title = _l("Advanced seminar")
    list_columns = ["year", "name", "level", "department", "base", "state"]
    show_columns = list_columns + ["review_reason"]
    search_columns = ["year", "name", "level", "state"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_create", "can_review"]
    formatters_columns = {"state": _label(gov.SEMINAR_STATES), "level": _label(gov.SEMINAR_LEVEL_LABELS)}
    create_title = _l("Apply for an advanced seminar")
    create_note = _l("Advanced seminars are open to intermediate and senior titles and enterprise managers (六(二)).")
    create_inputs = (
        Input("year", _l("Year"), placeholder="2027"),
        Input("name", _l("Seminar name")),
        Input("level", _l("Level"), "select", _options(gov.SEMINAR_LEVEL_LABELS)),
    )

    def create(self, scope, data):
        return gov.apply_seminar(scope, data)


class SeminarApi(StepsApi, ScopedModelRestApi):
    resource_name = "seminar"
    datamodel = SQLAInterface(Seminar)
    fields = {**SEMINAR_FIELDS, "department.name": (_l("Department"), _l("Applying department")),
              "base.name": (_l("Training base"), _l("Applying base"))}
    steps = SEMINAR_STEPS
    base_permissions = ["can_get", "can_info", "can_create", "can_review"]
    list_columns = ["id", "year", "name", "level", "department.name", "base.name", "state"]
    show_columns = list_columns + ["review_reason"]
    search_columns = ["year", "name", "level", "state"]

    @api_expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("create")
    def post(self):
        """Apply for an advanced seminar: {year, name, level}
        ---
        post:
          responses: {201: {description: Applied}, 400: {$ref: '#/components/responses/400'}}
        """
        return _api_create(self, gov.apply_seminar)


# -- 六(三) base evaluations ---------------------------------------------------

EVAL_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "base": (_l("Training base"), _l("The base evaluated")),
    "year": (_l("Year"), _l("The year evaluated")),
    "stage": (_l("Stage"), _l("draft, submitted, department_reviewed, expert_reviewed, site_checked, published")),
    "summary": (_l("Self-assessment"), _l("The base's report")),
    "department_opinion": (_l("Department opinion"), _l("The department's first review")),
    "expert_score": (_l("Expert score"), _l("Mean of the experts' scores")),
    "site_findings": (_l("On-site findings"), _l("What the on-site check found")),
    "result": (_l("Result"), _l("excellent, qualified or failed")),
    "published_on": (_l("Published"), _l("Date the result was published")),
    "returned_reason": (_l("Returned because"), _l("Why the evaluation went back to the base")),
}


def _scores(text) -> list[dict]:
    """Lines of "name score" (the screen) or a list of {expert, score} (the API)."""
    if isinstance(text, list):
        return text
    out = []
    for line in (text or "").splitlines():
        parts = line.rsplit(maxsplit=1)
        if len(parts) == 2:
            out.append({"expert": parts[0], "score": parts[1]})
        elif line.strip():
            out.append({"expert": line.strip(), "score": None})
    return out


EVAL_STEPS = (
    Step("submit", _l("Submit to the department"), "submit",
         lambda s, pk, d: gov.submit_evaluation(s, pk, d.get("summary")),
         inputs=(Input("summary", _l("Self-assessment"), "textarea"),),
         when=lambda r: r.stage == "draft", done=_l("Submitted.")),
    Step("department_review", _l("Pass the first review"), "first_review",
         lambda s, pk, d: gov.department_review(s, pk, d.get("opinion")),
         inputs=(Input("opinion", _l("Department opinion"), "textarea"),),
         when=lambda r: r.stage == "submitted", style="success", done=_l("First review passed.")),
    Step("expert_review", _l("Record the experts' scores"), "evaluate",
         lambda s, pk, d: gov.expert_review(s, pk, _scores(d.get("scores"))),
         inputs=(Input("scores", _l("Scores, one expert per line: name score"), "textarea",
                       placeholder="王教授 88"),),
         when=lambda r: r.stage == "department_reviewed", done=_l("Scores recorded.")),
    Step("site_check", _l("Record the on-site check"), "evaluate",
         lambda s, pk, d: gov.site_check(s, pk, d.get("findings")),
         inputs=(Input("findings", _l("On-site findings"), "textarea"),),
         when=lambda r: r.stage == "expert_reviewed", done=_l("On-site check recorded.")),
    Step("publish", _l("Publish the result"), "evaluate",
         lambda s, pk, d: gov.publish_evaluation(
             s, pk, d.get("result"), records.parse_date(d.get("published_on") or date.today().isoformat(), "date")),
         inputs=(Input("result", _l("Result"), "select", _options(gov.EVAL_RESULT_LABELS)),
                 Input("published_on", _l("Publication date"), "date")),
         when=lambda r: r.stage == "site_checked", style="success",
         done=_l("Result published; the base's status follows it.")),
    Step("return", _l("Return to the base"), "return",
         lambda s, pk, d: gov.return_evaluation(s, pk, d.get("reason")), inputs=(REASON,),
         when=lambda r: r.stage in ("submitted", "department_reviewed", "expert_reviewed"),
         style="warning", done=_l("Returned to the base.")),
)


class BaseEvaluationView(StepShowMixin, StepsView, CreatePage, ScopedModelView):
    datamodel = SQLAInterface(BaseEvaluation)
    fields = EVAL_FIELDS
    steps = EVAL_STEPS
    list_title = _l("Base evaluations")
    show_title = _l("Base evaluation")
    list_columns = ["base", "year", "stage", "expert_score", "result", "published_on"]
    show_columns = ["base", "year", "stage", "summary", "department_opinion", "expert_score",
                    "site_findings", "result", "published_on", "returned_reason"]
    search_columns = ["base", "year", "stage", "result"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_create", "can_submit", "can_first_review",
                        "can_evaluate", "can_return", "can_upload"]
    formatters_columns = {"stage": _label(gov.EVAL_STAGE_LABELS), "result": _label(gov.EVAL_RESULT_LABELS)}
    create_title = _l("Open this year's evaluation")
    create_note = _l("Stages: the base reports → department first review → expert review → "
                     "on-site check → published result (六(三)). A failed base is withdrawn.")
    create_inputs = (Input("year", _l("Year"), placeholder=str(date.today().year)),)

    def create(self, scope, data):
        return gov.open_evaluation(scope, data.get("year"))

    def extra_show(self, row):
        return {"material": gov.evaluation_material(row), "upload_allowed":
                row.stage == "draft" and self.appbuilder.sm.has_access("can_upload", self.class_permission_name),
                "scores": row.expert_scores or []}

    @expose("/material/<pk>", methods=["POST"])
    @has_access
    @permission_name("upload")
    def material(self, pk):
        def attach(scope, evaluation_id):
            files = evidence_files.read_uploads(request.files.getlist("files"))
            gov.add_evaluation_material(scope, evaluation_id, files)

        return screen_step(attach, pk, success=gettext("Material uploaded."))


    @expose("/material/<pk>/<int:evidence_id>", methods=["GET"])
    @has_access
    @permission_name("show")
    def material_file(self, pk, evidence_id):
        evaluation = scopes.get_or_404(BaseEvaluation, pk)
        return evidence_files.file_response(evidence_id, evaluation_id=evaluation.id)


class BaseEvaluationApi(StepsApi, ScopedModelRestApi):
    resource_name = "base_evaluation"
    datamodel = SQLAInterface(BaseEvaluation)
    fields = {**EVAL_FIELDS, "base.id": (_l("Base ID"), _l("Record number of the base")),
              "base.name": (_l("Training base"), _l("Name of the base"))}
    steps = EVAL_STEPS
    base_permissions = ["can_get", "can_info", "can_create", "can_submit", "can_first_review",
                        "can_evaluate", "can_return", "can_upload"]
    list_columns = ["id", "base.id", "base.name", "year", "stage", "expert_score", "result", "published_on"]
    show_columns = list_columns + ["summary", "department_opinion", "site_findings", "returned_reason"]
    search_columns = ["base", "year", "stage", "result"]

    @api_expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("create")
    def post(self):
        """Open (or find) the base's evaluation of a year: {year}
        ---
        post:
          responses: {201: {description: The evaluation}}
        """
        return _api_create(self, lambda scope, body: gov.open_evaluation(scope, body.get("year")))

    @api_expose("/<int:pk>/material", methods=["POST"])
    @protect()
    @safe
    @permission_name("upload")
    def material(self, pk):
        """Upload evaluation material (multipart `file`) while the base prepares its report
        ---
        post:
          parameters: [{in: path, name: pk, schema: {type: integer}}]
          responses: {200: {description: Stored}, 400: {$ref: '#/components/responses/400'}}
        """
        try:
            upload = evidence_files.read_upload(request.files.get("file"))
            rows = gov.add_evaluation_material(scopes.current_scope(), pk, [upload])
        except BusinessError as exc:
            return error_response(self, exc)
        return self.response(200, id=rows[0].id, sha256=rows[0].sha256)


# -- 五(五), 七(一) inspections and cases ------------------------------------------

INSPECTION_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "inspected_on": (_l("Inspected on"), _l("Date of the inspection")),
    "training_class": (_l("Class"), _l("The class inspected")),
    "base": (_l("Training base"), _l("The base inspected")),
    "inspector": (_l("Inspector"), _l("Who inspected")),
    "findings": (_l("Findings"), _l("What the inspection found")),
    "violation": (_l("Violation"), _l("Whether the class was found in violation")),
}
HANDOVER = Step(
    "hand_over", _l("Hand over to the district for checking"), "hand_over",
    lambda s, pk, d: gov.hand_over(s, {**d, "inspection_id": int(pk)}),
    inputs=(Input("subject", _l("Subject")), Input("details", _l("Details"), "textarea"),
            Input("unit_id", _l("Unit concerned"), "select", _scoped_choices(Unit)),
            Input("person_id", _l("Person concerned (record number)"))),
    style="warning", done=_l("Handed over to the district."))


class InspectionView(StepShowMixin, StepsView, CreatePage, ScopedModelView):
    datamodel = SQLAInterface(Inspection)
    fields = INSPECTION_FIELDS
    steps = (HANDOVER,)
    list_title = _l("Inspections")
    show_title = _l("Inspection")
    list_columns = ["inspected_on", "training_class", "base", "inspector", "violation"]
    show_columns = list_columns + ["findings"]
    search_columns = ["inspected_on", "training_class", "base", "violation"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_create", "can_hand_over"]
    create_title = _l("Record an inspection")
    create_note = _l("A finding of violation on a class takes its hours out of every ledger (五(五)).")
    create_inputs = (
        Input("inspected_on", _l("Inspected on"), "date"),
        Input("class_id", _l("Class"), "select", _scoped_choices(TrainingClass)),
        Input("base_id", _l("Training base"), "select", _scoped_choices(TrainingBase)),
        Input("inspector", _l("Inspector")),
        Input("findings", _l("Findings"), "textarea"),
        Input("violation", _l("The class is in violation"), "checkbox"),
    )

    def create(self, scope, data):
        return gov.record_inspection(scope, data)


class InspectionApi(StepsApi, ScopedModelRestApi):
    resource_name = "inspection"
    datamodel = SQLAInterface(Inspection)
    fields = {**INSPECTION_FIELDS, "class_id": (_l("Class ID"), _l("Record number of the class")),
              "base_id": (_l("Base ID"), _l("Record number of the base"))}
    steps = (HANDOVER,)
    base_permissions = ["can_get", "can_info", "can_create", "can_hand_over"]
    list_columns = ["id", "inspected_on", "class_id", "base_id", "inspector", "violation"]
    show_columns = list_columns + ["findings"]

    @api_expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("create")
    def post(self):
        """Record an inspection: {inspected_on, class_id | base_id, inspector, findings, violation}
        ---
        post:
          responses: {201: {description: Recorded}, 400: {$ref: '#/components/responses/400'}}
        """
        return _api_create(self, gov.record_inspection)


CASE_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "district": (_l("District"), _l("District that checks the case")),
    "subject": (_l("Subject"), _l("What is to be checked")),
    "details": (_l("Details"), _l("The doubtful material")),
    "unit": (_l("Unit"), _l("Unit concerned")),
    "person": (_l("Professional"), _l("Person concerned")),
    "state": (_l("State"), _l("open or closed")),
    "outcome": (_l("Outcome"), _l("What the district found")),
    "closed_at": (_l("Closed"), _l("When the district closed the case")),
}
CASE_STATES = {"open": _l("Open"), "closed": _l("Closed")}
CLOSE = Step("close", _l("Record the outcome"), "close",
             lambda s, pk, d: gov.close_case(s, pk, d.get("outcome")),
             inputs=(Input("outcome", _l("Outcome"), "textarea"),),
             when=lambda r: r.state == "open", style="success", done=_l("Outcome recorded."))


class CaseView(StepShowMixin, StepsView, ScopedModelView):
    datamodel = SQLAInterface(Case)
    fields = CASE_FIELDS
    steps = (CLOSE,)
    list_title = _l("Cases handed to districts")
    show_title = _l("Case")
    list_columns = ["district", "subject", "unit", "person", "state", "closed_at"]
    show_columns = list_columns + ["details", "outcome"]
    search_columns = ["district", "state", "subject"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_close"]
    formatters_columns = {"state": _label(CASE_STATES)}


class CaseApi(StepsApi, ScopedModelRestApi):
    resource_name = "case"
    datamodel = SQLAInterface(Case)
    fields = {**CASE_FIELDS, "district.name": (_l("District"), _l("District name")),
              "unit.name": (_l("Unit"), _l("Unit concerned")),
              "person.name": (_l("Professional"), _l("Person concerned"))}
    steps = (CLOSE,)
    base_permissions = ["can_get", "can_info", "can_close"]
    list_columns = ["id", "district.name", "subject", "unit.name", "person.name", "state", "closed_at"]
    show_columns = list_columns + ["details", "outcome"]


# -- 七(一) dishonesty records -------------------------------------------------

DISHONESTY_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "person": (_l("Professional"), _l("Person the record is against")),
    "unit": (_l("Unit"), _l("Unit the record is against")),
    "reason": (_l("Reason given"), _l("The dishonest conduct")),
    "case": (_l("Case"), _l("The case it came from")),
    "start_date": (_l("Start date"), _l("From when the record applies")),
    "end_date": (_l("End date"), _l("Until when (empty: open-ended)")),
}
NOTICE_HEADERS = ["对象", "身份证号/统一社会信用代码", "单位", "失信行为", "起始日期", "截止日期"]


def _notice_rows():
    rows = db.session.execute(select(DishonestyRecord).where(DishonestyRecord.announced)
                              .order_by(DishonestyRecord.start_date.desc())).scalars()
    today = date.today()
    out = []
    for r in rows:
        if not r.active_on(today):
            continue
        if r.person is not None:
            out.append([r.person.name, r.person.id_number_masked, r.person.unit.name, r.reason,
                        r.start_date.isoformat(), r.end_date.isoformat() if r.end_date else ""])
        else:
            out.append([r.unit.name, r.unit.credit_code, r.unit.name, r.reason,
                        r.start_date.isoformat(), r.end_date.isoformat() if r.end_date else ""])
    return out


class DishonestyRecordView(CreatePage, ScopedModelView):
    datamodel = SQLAInterface(DishonestyRecord)
    fields = DISHONESTY_FIELDS
    list_title = _l("Dishonesty records")
    show_title = _l("Dishonesty record")
    list_columns = ["person", "unit", "reason", "start_date", "end_date"]
    show_columns = list_columns + ["case"]
    search_columns = ["person", "unit", "start_date"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_create", "can_notice"]
    create_title = _l("Record dishonest conduct")
    create_note = _l("An active record fails the person's title-eligibility check whatever their hours (七(一)).")
    create_inputs = (
        Input("person_id", _l("Person (record number)")),
        Input("unit_id", _l("Unit"), "select", _scoped_choices(Unit)),
        Input("reason", _l("Reason given"), "textarea"),
        Input("case_id", _l("Case"), "select", _scoped_choices(Case)),
        Input("start_date", _l("Start date"), "date"),
        Input("end_date", _l("End date"), "date"),
    )

    def create(self, scope, data):
        return gov.add_dishonesty(scope, data)

    @expose("/notice", methods=["GET"])
    @has_access
    @permission_name("notice")
    def notice(self):
        if request.args.get("format") == "xlsx":
            body = workbook_bytes("全市通报", NOTICE_HEADERS, _notice_rows())
            return Response(body, mimetype=XLSX_MIME,
                            headers={"Content-Disposition": 'attachment; filename="notice.xlsx"'})
        return self.render_template("xueshi/notice.html", headers=NOTICE_HEADERS, rows=_notice_rows(),
                                    title=gettext("City-wide notice of dishonest conduct"))


class DishonestyRecordApi(ScopedModelRestApi):
    resource_name = "dishonesty_record"
    datamodel = SQLAInterface(DishonestyRecord)
    fields = {**DISHONESTY_FIELDS, "person_id": (_l("Professional ID"), _l("Record number of the person")),
              "unit_id": (_l("Unit ID"), _l("Record number of the unit"))}
    base_permissions = ["can_get", "can_info", "can_create"]
    list_columns = ["id", "person_id", "unit_id", "reason", "start_date", "end_date"]
    show_columns = list_columns

    @api_expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("create")
    def post(self):
        """Record dishonest conduct: {person_id | unit_id, reason, case_id, start_date, end_date}
        ---
        post:
          responses: {201: {description: Recorded}, 400: {$ref: '#/components/responses/400'}}
        """
        return _api_create(self, gov.add_dishonesty)


# -- dashboards ------------------------------------------------------------------

STATE_ORDER = ("draft", "filed", "accepted", "completion_requested", "reviewed", "rejected", "violation")


class DashboardView(BaseView):
    route_base = "/dashboard"
    default_view = "index"
    base_permissions = ["can_view"]

    @expose("/", methods=["GET"])
    @has_access
    @permission_name("view")
    def index(self):
        from ..services import classes as class_steps

        scope = scopes.current_scope()
        year = request.args.get("year", type=int) or date.today().year
        if scope.has("association_admin"):
            district_id = request.args.get("district", type=int)
        elif scope.has("district_officer") and scope.district_id:
            district_id = scope.district_id
        else:
            abort(403)
        data = dashboard.figures(year, district_id)
        svgs = []
        if data.by_district:
            svgs.append(charts.bars(gettext("Compliance rate by district, %(year)d", year=year),
                                    [(r.label, r.percent) for r in data.by_district], suffix="%", maximum=100))
        if data.by_department:
            svgs.append(charts.bars(gettext("Compliance rate by department, %(year)d", year=year),
                                    [(r.label, r.percent) for r in data.by_department], suffix="%", maximum=100))
        if data.by_unit:
            svgs.append(charts.bars(gettext("Compliance rate by unit, %(year)d", year=year),
                                    [(r.label, r.percent) for r in data.by_unit], suffix="%", maximum=100))
        source_labels = {"platform": gettext("Platform courses"), "class": gettext("Filed classes"),
                         "claim": gettext("Claims")}
        svgs.append(charts.bars(gettext("Credited hours by source"),
                                [(source_labels[k], v) for k, v in data.hours_by_source.items()]))
        svgs.append(charts.bars(gettext("Credited hours by month"),
                                [(gettext("Month %(m)d", m=m), v) for m, v in data.hours_by_month.items()]))
        svgs.append(charts.bars(gettext("Classes by state"),
                                [(str(class_steps.STATE_LABELS[s]), data.classes_by_state.get(s, 0))
                                 for s in STATE_ORDER]))
        if data.bases_by_result:
            labels = {**{k: str(v) for k, v in gov.EVAL_RESULT_LABELS.items()},
                      "not_evaluated": gettext("Not evaluated")}
            svgs.append(charts.bars(gettext("Bases by evaluation result"),
                                    [(labels[k], data.bases_by_result.get(k, 0))
                                     for k in (*EVAL_RESULTS, "not_evaluated")]))
        return self.render_template("xueshi/dashboard.html", figures=data, svgs=svgs, year=year,
                                    title=gettext("Dashboard"))


