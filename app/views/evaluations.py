"""六(三) base evaluations: the stages (steps from app/services/evaluations.py)
and the base's materials."""
from __future__ import annotations


from flask import request
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.api import protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext, lazy_gettext as _l

from ..models import BaseEvaluation
from ..services import years
from ..security import scope as scopes
from ..services import evaluations
from ..services import evidence as evidence_files
from ..services.workflow import Input
from .base import ScopedModelRestApi, ScopedModelView, expose
from .workflow import (
    CreateApi, CreatePage, RecordPage, WorkflowApi, WorkflowView, api_answer, label_of, on_screen,
)

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
    "published_on": (_l("Published on"), _l("Date the result was published")),
    "returned_reason": (_l("Returned because"), _l("Why the evaluation went back to the base")),
}


class BaseEvaluationView(RecordPage, WorkflowView, CreatePage, ScopedModelView):
    datamodel = SQLAInterface(BaseEvaluation)
    workflow = evaluations.WORKFLOW
    fields = EVAL_FIELDS
    list_title = _l("Base evaluations")
    show_title = _l("Base evaluation")
    key_columns = ["base", "year", "result"]
    list_columns = ["base", "year", "stage", "expert_score", "result", "published_on"]
    show_columns = ["base", "year", "stage", "summary", "department_opinion", "expert_score",
                    "site_findings", "result", "published_on", "returned_reason"]
    search_columns = ["base", "year", "stage", "result"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_create"]
    formatters_columns = {"stage": evaluations.WORKFLOW.label,
                          "result": label_of(evaluations.RESULT_LABELS)}
    create_title = _l("Open this year's evaluation")
    create_note = _l("Stages: the base reports → department first review → expert review → "
                     "on-site check → published result (六(三)). A failed base is withdrawn.")
    create_inputs = (Input("year", _l("Year"), placeholder=str(years.current())),)

    create = staticmethod(lambda scope, data: evaluations.open_evaluation(scope, data.get("year")))

    def extra_show(self, row):
        return {"material": evaluations.material(row), "scores": row.expert_scores or []}

    @expose("/material/<pk>", methods=["POST"])
    @has_access
    @permission_name("upload")
    def material(self, pk):
        def attach(scope, evaluation_id):
            files = evidence_files.read_uploads(request.files.getlist("files"))
            return evaluations.add_material(scope, evaluation_id, {"files": files})

        return on_screen(attach, pk, success=gettext("Material uploaded."))

    @expose("/material/<pk>/<int:evidence_id>", methods=["GET"])
    @has_access
    @permission_name("show")
    def material_file(self, pk, evidence_id):
        return evidence_files.file_response(evidence_id, scopes.get_or_404(BaseEvaluation, pk))


class BaseEvaluationApi(CreateApi, WorkflowApi, ScopedModelRestApi):
    resource_name = "base_evaluation"
    create = staticmethod(lambda scope, body: evaluations.open_evaluation(scope, body.get("year")))
    create_summary = "Open (or find) the base's evaluation of a year: {year}"
    datamodel = SQLAInterface(BaseEvaluation)
    workflow = evaluations.WORKFLOW
    fields = {**EVAL_FIELDS, "base.id": (_l("Base ID"), _l("Record number of the base")),
              "base.name": (_l("Training base"), _l("Name of the base"))}
    base_permissions = ["can_get", "can_info", "can_create"]
    list_columns = ["id", "base.id", "base.name", "year", "stage", "expert_score", "result", "published_on"]
    show_columns = list_columns + ["summary", "department_opinion", "site_findings", "returned_reason"]
    search_columns = ["base", "year", "stage", "result"]


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
        def attach(scope, evaluation_id):
            upload = evidence_files.read_upload(request.files.get("file"))
            return evaluations.add_material(scope, evaluation_id, {"files": [upload]})[0]

        return api_answer(self, attach, scopes.current_scope(), pk,
                          answer=lambda row: {"id": row.id, "digest": row.digest})
