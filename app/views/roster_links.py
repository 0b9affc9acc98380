"""待确认 roster links: the unit reviewer's list and page with the confirm and
reject steps (declared in app/services/roster_links.py)."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from ..models import RosterLink
from ..services import roster_links
from ..validators import mask_id_number
from .base import ScopedModelRestApi, ScopedModelView
from .workflow import RecordPage, WorkflowApi, WorkflowView

LINK_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "kind": (_l("Kind"), _l("A new person in your unit, your unit's person as registered, "
                            "or a row whose details differ from your record")),
    "state": (_l("State"), _l("pending, confirmed or rejected")),
    "training_class": (_l("Class"), _l("The class whose roster names the person")),
    "unit": (_l("Unit"), _l("Unit whose reviewer decides")),
    "person": (_l("Professional"), _l("The registered person the row names")),
    "id_number": (_l("ID number"), _l("The ID number as the roster gave it (masked)")),
    "series": (_l("Title series"), _l("The title series as the roster gave it")),
    "title_level": (_l("Title level"), _l("The title level as the roster gave it")),
    "name": (_l("Name on the roster"), _l("The name as the roster gave it")),
    "phone": (_l("Phone"), _l("Phone number on the roster")),
    "reason": (_l("Reason given"), _l("Why the link was rejected")),
    "created_at": (_l("Received at"), _l("When the roster was uploaded")),
    "decided_at": (_l("Decided at"), _l("When the reviewer decided")),
}


class RosterLinkView(RecordPage, WorkflowView, ScopedModelView):
    datamodel = SQLAInterface(RosterLink)
    workflow = roster_links.WORKFLOW
    fields = LINK_FIELDS
    list_title = _l("Roster links to confirm")
    show_title = _l("Roster link")
    list_columns = ["training_class", "name", "id_number", "person", "kind", "state", "created_at"]
    show_columns = ["training_class", "unit", "name", "id_number", "person", "phone", "series", "title_level",
                    "kind", "state", "reason", "created_at", "decided_at"]
    key_columns = ["name", "kind", "state"]
    search_columns = ["state", "kind"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show"]
    formatters_columns = {"state": roster_links.WORKFLOW.label,
                          "id_number": lambda number: mask_id_number(number) if number else "",
                          "kind": lambda kind: str(roster_links.KINDS.get(kind, kind))}


class RosterLinkApi(WorkflowApi, ScopedModelRestApi):
    resource_name = "roster_link"
    datamodel = SQLAInterface(RosterLink)
    workflow = roster_links.WORKFLOW
    fields = {**LINK_FIELDS, "training_class.name": (_l("Class name"), _l("Name of the class")),
              "unit.name": (_l("Unit"), _l("Unit whose reviewer decides")),
              "person.id": (_l("Professional ID"), _l("Record number of the professional"))}
    base_permissions = ["can_get", "can_info"]
    list_columns = ["id", "training_class.name", "unit.name", "person.id", "name", "kind", "state",
                    "created_at"]
    show_columns = list_columns + ["phone", "reason", "decided_at"]
