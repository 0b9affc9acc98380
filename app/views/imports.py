"""四(一) platform course completions: Excel/CSV import by the association."""
from __future__ import annotations

from flask import Response, request
from flask_appbuilder import BaseView
from flask_appbuilder.api import BaseApi
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.api import protect, safe
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext

from .. import jobs
from ..extensions import db
from ..models import Job
from ..security.scope import current_scope
from ..services import platform_import
from ..services.errors import BusinessError
from ..services.sheets import XLSX_MIME, keep_report, report_response, uploaded
from .base import error_response, expose
from .jobs import accepted, redirect_to as job_page


def _run(upload):
    """Import now, or hand a long file to a job (returns the Job)."""
    upload = uploaded(upload)
    if jobs.large(*upload):
        return jobs.start("platform_import", current_scope(), **jobs.keep_input(*upload))
    return platform_import.run(*upload)


class PlatformImportView(BaseView):
    route_base = "/platform-import"
    default_view = "form"
    base_permissions = ["can_import"]

    @expose("/", methods=["GET", "POST"])
    @has_access
    @permission_name("import")
    def form(self):
        result = error = report = None
        if request.method == "POST":
            try:
                result = _run(request.files.get("file"))
            except BusinessError as exc:
                db.session.rollback()
                error = str(exc)
            else:
                if isinstance(result, Job):
                    return job_page(result)
                if result.problems:
                    report = keep_report(result.problems, request.blueprint, current_scope())
        return self.render_template("xueshi/platform_import.html", result=result, error=error,
                                    report=report, title=gettext("Import platform course hours"),
                                    headers=platform_import.HEADERS)

    @expose("/template", methods=["GET"])
    @has_access
    @permission_name("import")
    def template(self):
        return Response(platform_import.TEMPLATE.workbook(), mimetype=XLSX_MIME,
                        headers={"Content-Disposition": 'attachment; filename="platform-template.xlsx"'})

    @expose("/report/<token>", methods=["GET"])
    @has_access
    @permission_name("import")
    def report(self, token):
        """The problem report of a refused file, for the login that imported it
        while in the same scope (else 404)."""
        return report_response(token, request.blueprint, current_scope())


class PlatformImportApi(BaseApi):
    resource_name = "platform_import"
    base_permissions = ["can_import"]
    openapi_spec_tag = "Platform import"

    @api_expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("import")
    def post(self):
        """Import course completions (multipart field `file`: .xlsx or .csv)
        ---
        post:
          responses:
            200: {description: Imported (added and already present rows)}
            202: {description: A file longer than XUESHI_JOB_ROWS rows is imported by a job}
            400: {description: Problems by row and column; nothing imported}
        """
        try:
            result = _run(request.files.get("file"))
        except BusinessError as exc:
            db.session.rollback()
            return error_response(self, exc)
        if isinstance(result, Job):
            return accepted(self, result)
        if result.problems:
            return self.response(400, message=gettext("Nothing was imported."), problems=[
                {"row": p.row, "column": p.column, "problem": p.message} for p in result.problems])
        return self.response(200, added=result.added, already=result.already, people=result.people)
