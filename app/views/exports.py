"""省平台导出: make a batch (Excel or CSV) and download it again, byte for byte."""
from __future__ import annotations


from flask import flash, redirect, request, url_for
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.api import protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext, lazy_gettext as _l

from .. import jobs
from ..models import ExportBatch
from ..services import years
from ..security import scope as scopes
from ..services import files, inputs, provincial
from ..services.errors import BusinessError
from ..services.sheets import CSV_MIME, XLSX_MIME
from .base import ScopedModelRestApi, ScopedModelView, error_response, expose
from .jobs import accepted, redirect_to as job_page

EXPORT_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "batch_no": (_l("Batch number"), _l("Number of the export batch")),
    "created_at": (_l("Created"), _l("When the batch was made")),
    "username": (_l("User"), _l("Who made the batch")),
    "year": (_l("Year"), _l("Calendar year exported")),
    "scope_kind": (_l("Coverage"), _l("person, unit or all")),
    "file_format": (_l("Format"), _l("xlsx or csv (UTF-8 with BOM)")),
    "rows": (_l("Rows"), _l("Number of data rows")),
    "sha256": (_l("File fingerprint (SHA-256)"), _l("Fingerprint of the file")),
}


CITY_WIDE = "all"  # every professional: made by a job, never inside the request


def _start_city_wide(scope, year, file_format: str):
    if CITY_WIDE not in provincial.coverages(scope):
        raise BusinessError(gettext("Your role may not make this export."), status=403)
    year = inputs.year(year, with_rules=True)
    if file_format not in ("xlsx", "csv"):
        raise BusinessError(gettext("The format must be xlsx or csv."), field="format")
    return jobs.start("provincial_export", scope, coverage=CITY_WIDE, year=year,
                      file_format=file_format)


def _file_response(batch: ExportBatch):
    mimetype = XLSX_MIME if batch.file_format == "xlsx" else CSV_MIME
    return files.send("exports", batch.stored_name, mimetype=mimetype,
                      download_name=provincial.download_name(batch))


class ExportBatchView(ScopedModelView):
    datamodel = SQLAInterface(ExportBatch)
    fields = EXPORT_FIELDS
    list_title = _l("Provincial exports")
    show_title = _l("Export batch")
    key_columns = ["batch_no", "created_at", "rows"]
    list_columns = ["batch_no", "created_at", "username", "year", "scope_kind", "file_format", "rows"]
    show_columns = list_columns + ["sha256"]
    search_columns = ["batch_no", "year", "username"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_export", "can_download"]
    formatters_columns = {"scope_kind": lambda k: str(provincial.COVERAGE.get(k, k))}
    show_template = "xueshi/export_show.html"

    @expose("/new", methods=["GET", "POST"])
    @has_access
    @permission_name("export")
    def new(self):
        scope = scopes.current_scope()
        if request.method == "POST":
            try:
                if request.form.get("coverage") == CITY_WIDE:
                    return job_page(_start_city_wide(scope, request.form.get("year"),
                                                     request.form.get("format", "")))
                batch = provincial.create_batch(scope, request.form.get("coverage", ""),
                                                request.form.get("year"), request.form.get("format", ""))
            except BusinessError as exc:
                flash(str(exc), "danger")
            else:
                flash(gettext("Batch %(no)s: %(rows)d rows.", no=batch.batch_no, rows=batch.rows), "success")
                return redirect(url_for(".show", pk=batch.id))
        coverages = [(k, str(provincial.COVERAGE[k])) for k in provincial.coverages(scope)]
        return self.render_template("xueshi/export_new.html", coverages=coverages,
                                    year=years.current(), title=gettext("New provincial export"))

    @expose("/file/<pk>", methods=["GET"])
    @has_access
    @permission_name("download")
    def download(self, pk):
        return _file_response(scopes.get_or_404(ExportBatch, pk))


class ExportBatchApi(ScopedModelRestApi):
    resource_name = "export"
    datamodel = SQLAInterface(ExportBatch)
    fields = EXPORT_FIELDS
    base_permissions = ["can_get", "can_info", "can_export", "can_download"]
    list_columns = ["id", "batch_no", "created_at", "username", "year", "scope_kind", "file_format",
                    "rows", "sha256"]
    show_columns = list_columns

    @api_expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("export")
    def post(self):
        """Make an export batch: {"coverage": "person|unit|all", "year": 2026, "format": "xlsx|csv"}
        ---
        post:
          responses:
            201: {description: The batch}
            202: {description: The city-wide export is made by a job (its result is the file)}
            400: {$ref: '#/components/responses/400'}
            403: {$ref: '#/components/responses/403'}
        """
        body = request.get_json(silent=True) or {}
        try:
            if body.get("coverage") == CITY_WIDE:
                return accepted(self, _start_city_wide(scopes.current_scope(), body.get("year"),
                                                       body.get("format", "xlsx")))
            batch = provincial.create_batch(scopes.current_scope(), body.get("coverage", ""),
                                            body.get("year"), body.get("format", "xlsx"))
        except BusinessError as exc:
            return error_response(self, exc)
        return self.response(201, id=batch.id, batch_no=batch.batch_no, rows=batch.rows,
                             sha256=batch.sha256)

    @api_expose("/<int:pk>/file", methods=["GET"])
    @protect()
    @safe
    @permission_name("download")
    def file(self, pk):
        """Download the batch's file (the same bytes every time)
        ---
        get:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: The file}
            404: {$ref: '#/components/responses/404'}
        """
        batch = scopes.get_in_scope(ExportBatch, pk)
        if batch is None:
            return self.response_404()
        return _file_response(batch)
