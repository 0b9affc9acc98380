"""六(一) annual plans: proposals, the association's review (steps from
app/services/plans.py), the year's publication and the published list."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.api import protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext, lazy_gettext as _l

from ..models import PlanProject
from ..services import years
from ..security import scope as scopes
from ..services import plans, records
from ..services.errors import BusinessError
from ..services.workflow import Input
from .base import ScopedModelRestApi, ScopedModelView, error_response, expose
from .workflow import (
    CreateApi, CreatePage, RecordPage, WorkflowApi, WorkflowView, build_form, label_of, options,
    show_error,
)

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
LATE = _l("Note: the notice expects the list in the first quarter; this publication is late.")


class PlanProjectView(RecordPage, WorkflowView, CreatePage, ScopedModelView):
    datamodel = SQLAInterface(PlanProject)
    workflow = plans.WORKFLOW
    fields = PLAN_FIELDS
    list_title = _l("Plan projects")
    show_title = _l("Plan project")
    key_columns = ["name", "planned_hours", "state"]
    list_columns = ["year", "name", "category", "planned_hours", "months", "department", "base", "state"]
    show_columns = list_columns + ["audience", "review_reason"]
    search_columns = ["year", "name", "category", "state", "department", "base"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_create", "can_publish"]
    formatters_columns = {"state": plans.WORKFLOW.label, "category": label_of(records.CATEGORIES)}
    create_title = _l("Propose a project for the annual plan")
    create_inputs = (
        Input("year", _l("Year"), placeholder="2027"),
        Input("name", _l("Project name")),
        Input("category", _l("Category"), "select", options(records.CATEGORIES)),
        Input("audience", _l("Target audience")),
        Input("planned_hours", _l("Planned hours")),
        Input("months", _l("Months"), placeholder="4–6月"),
    )

    create = staticmethod(plans.propose)

    @expose("/publish", methods=["GET", "POST"])
    @has_access
    @permission_name("publish")
    def publish(self):
        inputs = (Input("year", _l("Year"), placeholder=str(years.current())),
                  Input("published_on", _l("Publication date"), "date"))
        form = build_form(inputs, {"published_on": date.today().isoformat()})
        if request.method == "POST" and form.validate_on_submit():
            try:
                publication, late = plans.publish(
                    scopes.current_scope(), form.year.data,
                    records.parse_date(form.published_on.data, "date"))
            except BusinessError as exc:
                show_error(form, exc)
            else:
                flash(gettext("The %(year)d list is published.", year=publication.year), "success")
                if late:
                    flash(str(LATE), "warning")
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
        year = request.args.get("year", type=int) or years.current()
        return self.render_template("xueshi/published_plan.html", year=year,
                                    projects=plans.published_projects(year),
                                    title=gettext("Published training projects"))


class PlanProjectApi(CreateApi, WorkflowApi, ScopedModelRestApi):
    resource_name = "plan_project"
    create = staticmethod(plans.propose)
    create_summary = "Propose a project: {year, name, category, audience, planned_hours, months}"
    datamodel = SQLAInterface(PlanProject)
    workflow = plans.WORKFLOW
    fields = {**PLAN_FIELDS, "department.name": (_l("Department"), _l("Proposing department")),
              "base.name": (_l("Training base"), _l("Proposing base"))}
    base_permissions = ["can_get", "can_info", "can_create", "can_publish", "can_published"]
    list_columns = ["id", "year", "name", "category", "audience", "planned_hours", "months",
                    "department.name", "base.name", "state"]
    show_columns = list_columns + ["review_reason"]
    search_columns = ["year", "name", "state"]


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
            publication, late = plans.publish(scopes.current_scope(), body.get("year"), day)
        except BusinessError as exc:
            return error_response(self, exc)
        return self.response(200, year=publication.year, late=late, message=str(LATE) if late else "")

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
            for p in plans.published_projects(year)])
