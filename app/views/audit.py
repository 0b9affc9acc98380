"""审计日志: read-only screen and API for the auditor."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from ..models import AuditEntry
from .base import ScopedModelRestApi, ScopedModelView

AUDIT_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "seq": (_l("Sequence"), _l("Position in the hash chain")),
    "at": (_l("Time"), _l("When the change was committed (UTC)")),
    "user_id": (_l("User ID"), _l("Login record number; empty for the system")),
    "username": (_l("User"), _l("Login name, or the command that made the change")),
    "roles": (_l("Roles"), _l("Roles of the user at the time")),
    "action": (_l("Action"), _l("insert, update or delete")),
    "table_name": (_l("Table"), _l("Database table of the record")),
    "record_id": (_l("Record"), _l("Primary key of the record")),
    "before": (_l("Before"), _l("Changed fields before (JSON; ID numbers masked)")),
    "after": (_l("After"), _l("Changed fields after (JSON; ID numbers masked)")),
    "prev_hash": (_l("Previous hash"), _l("SHA-256 of the previous entry")),
    "hash": (_l("Hash"), _l("SHA-256 of this entry")),
}
_ALL = list(AUDIT_FIELDS)


class AuditEntryView(ScopedModelView):
    datamodel = SQLAInterface(AuditEntry)
    fields = AUDIT_FIELDS
    list_title = _l("Audit log")
    show_title = _l("Audit entry")
    list_columns = ["seq", "at", "username", "roles", "action", "table_name", "record_id"]
    show_columns = [c for c in _ALL if c != "id"]
    search_columns = ["at", "username", "action", "table_name", "record_id", "seq"]
    base_order = ("seq", "desc")
    page_size = 50


class AuditEntryApi(ScopedModelRestApi):
    resource_name = "audit_entry"
    datamodel = SQLAInterface(AuditEntry)
    fields = AUDIT_FIELDS
    list_columns = ["seq", "at", "user_id", "username", "roles", "action", "table_name", "record_id"]
    show_columns = _ALL
    search_columns = ["at", "username", "action", "table_name", "record_id", "seq"]
    base_order = ("seq", "desc")
