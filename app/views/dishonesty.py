"""七(一) dishonesty records and the city-wide notice."""
from __future__ import annotations

from flask import Response, request
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext, lazy_gettext as _l

from ..models import Case, DishonestyRecord, Person, Unit
from ..services import dishonesty
from ..services.sheets import XLSX_MIME, workbook_bytes
from ..services.workflow import Input
from .base import ScopedModelRestApi, ScopedModelView, expose
from .inspections import scoped_choices
from .workflow import CreateApi, CreatePage

DISHONESTY_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "person": (_l("Professional"), _l("Person the record is against")),
    "unit": (_l("Unit"), _l("Unit the record is against")),
    "reason": (_l("Reason given"), _l("The dishonest conduct")),
    "case": (_l("Case"), _l("The case it came from")),
    "start_date": (_l("Start date"), _l("From when the record applies")),
    "end_date": (_l("End date"), _l("Until when (empty: open-ended)")),
}


class DishonestyRecordView(CreatePage, ScopedModelView):
    datamodel = SQLAInterface(DishonestyRecord)
    fields = DISHONESTY_FIELDS
    list_title = _l("Dishonesty records")
    show_title = _l("Dishonesty record")
    key_columns = ["person", "unit", "end_date"]
    list_columns = ["person", "unit", "reason", "start_date", "end_date"]
    show_columns = list_columns + ["case"]
    search_columns = ["person", "unit", "start_date"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_create", "can_notice"]
    create_title = _l("Record dishonest conduct")
    create_note = _l("An active record fails the person's title-eligibility check whatever their hours (七(一)).")
    create_inputs = (
        Input("person_id", _l("Professional"), "lookup", model=Person, optional=True),
        Input("unit_id", _l("Unit"), "select", scoped_choices(Unit)),
        Input("reason", _l("Reason given"), "textarea"),
        Input("case_id", _l("Case"), "select", scoped_choices(Case)),
        Input("start_date", _l("Start date"), "date"),
        Input("end_date", _l("End date"), "date", optional=True),
    )

    create = staticmethod(dishonesty.add)

    @expose("/notice", methods=["GET"])
    @has_access
    @permission_name("notice")
    def notice(self):
        rows = dishonesty.notice_rows()
        if request.args.get("format") == "xlsx":
            body = workbook_bytes("全市通报", dishonesty.NOTICE_HEADERS, rows)
            return Response(body, mimetype=XLSX_MIME,
                            headers={"Content-Disposition": 'attachment; filename="notice.xlsx"'})
        return self.render_template("xueshi/notice.html", headers=dishonesty.NOTICE_HEADERS, rows=rows,
                                    title=gettext("City-wide notice of dishonest conduct"))


class DishonestyRecordApi(CreateApi, ScopedModelRestApi):
    resource_name = "dishonesty_record"
    create = staticmethod(dishonesty.add)
    create_summary = "Record dishonest conduct: {person_id | unit_id, reason, case_id, start_date, end_date}"
    datamodel = SQLAInterface(DishonestyRecord)
    fields = {**DISHONESTY_FIELDS, "person_id": (_l("Professional ID"), _l("Record number of the person")),
              "unit_id": (_l("Unit ID"), _l("Record number of the unit"))}
    base_permissions = ["can_get", "can_info", "can_create"]
    list_columns = ["id", "person_id", "unit_id", "reason", "start_date", "end_date"]
    show_columns = list_columns

