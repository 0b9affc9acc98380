"""人员登记申请: the requests a unit's "add professional" leaves (app/services/
person_requests.py), with the confirm and reject steps. The requester's unit
sees its requests in neutral words; the unit holding a transferred number and
the association see the ones they decide; nobody's list says which kind a
request is."""
from __future__ import annotations

from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from ..models import PersonRequest
from ..security import scope as scopes
from ..services import person_requests
from .base import ScopedModelRestApi, ScopedModelView
from .lists import offer_filter, yes_no
from .workflow import RecordPage, WorkflowApi, WorkflowView

REQUEST_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "state": (_l("State"), _l("pending, registered or not confirmed")),
    "unit": (_l("Requesting unit"), _l("The unit the person is to be registered in")),
    "unit.name": (_l("Requesting unit"), _l("The unit the person is to be registered in")),
    "id_number": (_l("ID number"), _l("The ID number as the requester gave it (masked)")),
    "name": (_l("Person name"), _l("The name as the requester gave it")),
    "phone": (_l("Phone"), _l("Mobile phone number")),
    "series": (_l("Title series"), _l("The title series as the requester gave it")),
    "title_level": (_l("Title level"), _l("The title level as the requester gave it")),
    "is_enterprise_manager": (
        _l("Enterprise manager"),
        _l("Enterprise operation and management staff (may join advanced seminars)"),
    ),
    "kind": (_l("Kind"), _l("A number nobody had, or a person registered in another unit")),
    "holder_unit": (_l("Unit registered in"), _l("The unit the number was registered in (a transfer)")),
    "person": (_l("Professional"), _l("The registered person the request concerns")),
    "requested_by": (_l("Requested by"), _l("The login who submitted the request")),
    "decided_by": (_l("Decided by"), _l("The login who decided the request")),
    "reason": (_l("Reason given"), _l("Why the request was rejected")),
    "created_at": (_l("Submitted at"), _l("When the request was submitted")),
    "decided_at": (_l("Decided at"), _l("When the request was decided")),
}
_LIST = ["name", "id_number", "unit", "state", "created_at"]
_SHOW = ["unit", "name", "id_number", "phone", "series", "title_level", "is_enterprise_manager", "state",
         "reason", "created_at", "decided_at"]


class FilterAskedByMyUnit(BaseFilter):
    """On the state column: y — the requests the viewer's unit submitted (what its
    home page counts), whatever their kind; anything else, none."""

    name = _l("Submitted by my unit")
    arg_name = "mine"

    def apply(self, query, value):
        if yes_no(value) is not True:
            return query.filter(False)
        return query.filter(person_requests.asked_by(scopes.current_scope()))


class PersonRequestView(RecordPage, WorkflowView, ScopedModelView):
    datamodel = SQLAInterface(PersonRequest)
    workflow = person_requests.WORKFLOW
    fields = REQUEST_FIELDS
    list_title = _l("Registration requests")
    show_title = _l("Registration request")
    list_columns = _LIST
    show_columns = _SHOW
    key_columns = ["name", "state"]
    search_columns = ["state"]
    order_columns = []
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show"]
    formatters_columns = {"state": person_requests.WORKFLOW.label}

    def _init_properties(self):
        """The workflow's filters, then `FilterAskedByMyUnit` on the state column."""
        super()._init_properties()
        offer_filter(self, FilterAskedByMyUnit("state", self.datamodel), 1)


class PersonRequestApi(WorkflowApi, ScopedModelRestApi):
    resource_name = "person_request"
    datamodel = SQLAInterface(PersonRequest)
    workflow = person_requests.WORKFLOW
    fields = REQUEST_FIELDS
    base_permissions = ["can_get", "can_info"]
    list_columns = ["id", "name", "id_number", "unit.name", "state", "created_at"]
    show_columns = list_columns + ["phone", "series", "title_level", "is_enterprise_manager", "reason",
                                   "decided_at"]
    search_columns = ["state"]  # never the kind, the holding unit or the person: the requester's answer
    order_columns = ["id"]
