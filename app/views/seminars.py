"""六(二) advanced seminars: applications and the association's review
(steps from app/services/seminars.py)."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from ..models import Seminar
from ..services import seminars
from ..services.workflow import Input
from .base import ScopedModelRestApi, ScopedModelView
from .workflow import CreateApi, CreatePage, RecordPage, WorkflowApi, WorkflowView, label_of, options

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


class SeminarView(RecordPage, WorkflowView, CreatePage, ScopedModelView):
    datamodel = SQLAInterface(Seminar)
    workflow = seminars.WORKFLOW
    fields = SEMINAR_FIELDS
    list_title = _l("Advanced seminars")
    show_title = _l("Advanced seminar")
    key_columns = ["name", "level", "state"]
    list_columns = ["year", "name", "level", "department", "base", "state"]
    show_columns = list_columns + ["review_reason"]
    search_columns = ["year", "name", "level", "state"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_create"]
    formatters_columns = {"state": seminars.WORKFLOW.label, "level": label_of(seminars.LEVEL_LABELS)}
    create_title = _l("Apply for an advanced seminar")
    create_note = _l("Advanced seminars are open to intermediate and senior titles and enterprise managers (六(二)).")
    create_inputs = (
        Input("year", _l("Year"), placeholder="2027"),
        Input("name", _l("Seminar name")),
        Input("level", _l("Level"), "select", options(seminars.LEVEL_LABELS)),
    )

    create = staticmethod(seminars.apply)


class SeminarApi(CreateApi, WorkflowApi, ScopedModelRestApi):
    resource_name = "seminar"
    create = staticmethod(seminars.apply)
    create_summary = "Apply for an advanced seminar: {year, name, level}"
    datamodel = SQLAInterface(Seminar)
    workflow = seminars.WORKFLOW
    fields = {**SEMINAR_FIELDS, "department.name": (_l("Department"), _l("Applying department")),
              "base.name": (_l("Training base"), _l("Applying base"))}
    base_permissions = ["can_get", "can_info", "can_create"]
    list_columns = ["id", "year", "name", "level", "department.name", "base.name", "state"]
    show_columns = list_columns + ["review_reason"]
    search_columns = ["year", "name", "level", "state"]

