"""审计日志: read-only screen and API for the auditor. The screen reads the
log in words (app/services/audit_search.py); the API gives the raw entries."""
from __future__ import annotations

from flask import abort, request
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l

from ..extensions import db
from ..models import AuditEntry
from ..security.scope import as_id
from ..services import audit_search
from ..services.errors import BusinessError
from .base import ScopedModelRestApi, ScopedModelView, expose

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
    "redacted": (_l("Redaction seal"), _l("Set when personal data was removed from the entry "
                                          "(flask xueshi audit-redact): the audit key's MAC of what is left")),
}
_ALL = list(AUDIT_FIELDS)


class AuditEntryView(ScopedModelView):
    datamodel = SQLAInterface(AuditEntry)
    fields = AUDIT_FIELDS
    list_title = _l("Audit log")
    show_title = _l("Audit entry")
    key_columns = ["at", "username", "action", "table_name"]
    list_columns = ["seq", "at", "username", "roles", "action", "table_name", "record_id"]
    show_columns = [c for c in _ALL if c != "id"]
    search_columns = ["at", "username", "action", "table_name", "record_id", "seq"]
    base_order = ("seq", "desc")
    page_size = 50

    @expose("/list/")
    @has_access
    def list(self):
        search = audit_search.Search.from_args(request.args)
        error, rows, more = None, [], False
        try:
            rows, more = audit_search.run(search)
        except BusinessError as exc:
            error = str(exc)
        return self.render_template(
            "xueshi/audit_log.html", title=gettext("Audit log"), search=search, rows=rows,
            more=more, error=error, tables=audit_search.tables(),
            actions=audit_search.ACTIONS, events=audit_search.EVENTS)

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        entry = db.session.get(AuditEntry, as_id(pk)) if as_id(pk) else None
        if entry is None:
            abort(404)
        (shown,) = audit_search.describe([entry])
        return self.render_template("xueshi/audit_entry.html", title=gettext("Audit entry"),
                                    row=shown)


class AuditEntryApi(ScopedModelRestApi):
    resource_name = "audit_entry"
    datamodel = SQLAInterface(AuditEntry)
    fields = AUDIT_FIELDS
    list_columns = ["seq", "at", "user_id", "username", "roles", "action", "table_name", "record_id"]
    show_columns = _ALL
    search_columns = ["at", "username", "action", "table_name", "record_id", "seq"]
    base_order = ("seq", "desc")
