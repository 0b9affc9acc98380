"""七(一) cases handed to districts; the district records the outcome (the step
from app/services/cases.py)."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from ..models import Case
from ..services import cases
from .base import ScopedModelRestApi, ScopedModelView
from .workflow import RecordPage, WorkflowApi, WorkflowView

CASE_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "district": (_l("District"), _l("District that checks the case")),
    "subject": (_l("Subject"), _l("What is to be checked")),
    "details": (_l("Details"), _l("The doubtful material")),
    "unit": (_l("Unit"), _l("Unit concerned")),
    "person": (_l("Professional"), _l("Person concerned")),
    "state": (_l("State"), _l("open or closed")),
    "outcome": (_l("Outcome"), _l("What the district found")),
    "closed_at": (_l("Closed at"), _l("When the district closed the case")),
}


class CaseView(RecordPage, WorkflowView, ScopedModelView):
    datamodel = SQLAInterface(Case)
    workflow = cases.WORKFLOW
    fields = CASE_FIELDS
    list_title = _l("Cases handed to districts")
    show_title = _l("Case")
    key_columns = ["subject", "person", "state"]
    list_columns = ["district", "subject", "unit", "person", "state", "closed_at"]
    show_columns = list_columns + ["details", "outcome"]
    search_columns = ["district", "state", "subject"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show"]
    formatters_columns = {"state": cases.WORKFLOW.label}


class CaseApi(WorkflowApi, ScopedModelRestApi):
    resource_name = "case"
    datamodel = SQLAInterface(Case)
    workflow = cases.WORKFLOW
    fields = {**CASE_FIELDS, "district.name": (_l("District"), _l("District name")),
              "unit.name": (_l("Unit"), _l("Unit concerned")),
              "person.name": (_l("Professional"), _l("Person concerned"))}
    base_permissions = ["can_get", "can_info"]
    list_columns = ["id", "district.name", "subject", "unit.name", "person.name", "state", "closed_at"]
    show_columns = list_columns + ["details", "outcome"]
