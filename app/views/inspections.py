"""五(五) inspections: recording a finding and handing material over to a
district (the step from app/services/inspections.py)."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Inspection, TrainingBase, TrainingClass
from ..security import scope as scopes
from ..services import inspections
from ..services.workflow import Input
from .base import ScopedModelRestApi, ScopedModelView
from .workflow import CreateApi, CreatePage, RecordPage, WorkflowApi, WorkflowView

INSPECTION_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "inspected_on": (_l("Inspected on"), _l("Date of the inspection")),
    "training_class": (_l("Class"), _l("The class inspected")),
    "base": (_l("Training base"), _l("The base inspected")),
    "inspector": (_l("Inspector"), _l("Who inspected")),
    "findings": (_l("Findings"), _l("What the inspection found")),
    "violation": (_l("Violation"), _l("Whether the class was found in violation")),
}


def scoped_choices(model):
    def choices():
        stmt = scopes.scoped(model).order_by(model.id.desc()).limit(500)
        return [("", "—")] + [(str(r.id), str(r)) for r in db.session.execute(stmt).scalars()]

    return choices


class InspectionView(RecordPage, WorkflowView, CreatePage, ScopedModelView):
    datamodel = SQLAInterface(Inspection)
    workflow = inspections.WORKFLOW
    fields = INSPECTION_FIELDS
    list_title = _l("Inspections")
    show_title = _l("Inspection")
    key_columns = ["inspected_on", "training_class", "violation"]
    list_columns = ["inspected_on", "training_class", "base", "inspector", "violation"]
    show_columns = list_columns + ["findings"]
    search_columns = ["inspected_on", "training_class", "base", "violation"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_create"]
    create_title = _l("Record an inspection")
    create_note = _l("A finding of violation on a class takes its hours out of every ledger (五(五)).")
    create_inputs = (
        Input("inspected_on", _l("Inspected on"), "date"),
        Input("class_id", _l("Class"), "select", scoped_choices(TrainingClass)),
        Input("base_id", _l("Training base"), "select", scoped_choices(TrainingBase)),
        Input("inspector", _l("Inspector")),
        Input("findings", _l("Findings"), "textarea"),
        Input("violation", _l("The class is in violation"), "checkbox"),
    )

    create = staticmethod(inspections.record)


class InspectionApi(CreateApi, WorkflowApi, ScopedModelRestApi):
    resource_name = "inspection"
    create = staticmethod(inspections.record)
    create_summary = "Record an inspection: {inspected_on, class_id | base_id, inspector, findings, violation}"
    datamodel = SQLAInterface(Inspection)
    workflow = inspections.WORKFLOW
    fields = {**INSPECTION_FIELDS, "class_id": (_l("Class ID"), _l("Record number of the class")),
              "base_id": (_l("Base ID"), _l("Record number of the base"))}
    base_permissions = ["can_get", "can_info", "can_create"]
    list_columns = ["id", "inspected_on", "class_id", "base_id", "inspector", "violation"]
    show_columns = list_columns + ["findings"]

