"""身份证号查询预警: the association reads which logins looked up too many unknown ID numbers."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from ..models import LookupAlert
from .base import ScopedModelView

ALERT_FIELDS = {
    "at": (_l("Raised at"), _l("When the login crossed the day's threshold")),
    "day": (_l("Day"), _l("The calendar day the lookups were made")),
    "username": (_l("Login"), _l("The login whose checks were stopped for the day")),
    "rows": (_l("Numbers looked up"), _l("ID numbers the login looked up that day")),
    "not_found": (_l("Not found"), _l("ID numbers not found in the login's scope, or whose name did not match")),
}


class LookupAlertView(ScopedModelView):
    datamodel = SQLAInterface(LookupAlert)
    fields = ALERT_FIELDS
    base_permissions = ["can_list", "can_show"]
    list_title = _l("ID-number lookup alerts")
    show_title = _l("ID-number lookup alert")
    key_columns = ["day", "username", "not_found"]
    list_columns = ["at", "day", "username", "rows", "not_found"]
    show_columns = list_columns
    search_columns = ["day", "username"]
    order_columns = ["at", "day"]
    base_order = ("at", "desc")
