"""职称申报学时核验: one applicant or an Excel list, on screens and REST."""
from __future__ import annotations


from flask import Response, abort, flash, request, session, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.api import BaseApi
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.api import protect, safe
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext

from .. import jobs
from ..extensions import db
from ..services import inputs
from ..services import years
from ..security.scope import current_scope
from ..services import eligibility, files
from ..services.errors import BusinessError
from ..services.sheets import XLSX_MIME, uploaded
from .base import error_response, expose
from .jobs import accepted, redirect_to as job_page


def _start_bulk(upload: tuple[str, bytes], year):
    """A long list is checked by a job; the year is checked first, at once."""
    year = inputs.year(year)
    return jobs.start("eligibility_bulk", current_scope(), year=year, **jobs.keep_input(*upload))


RESULTS = "_eligibility_results"  # the session's own answered lists (newest last)
KEPT = 5


def _keep_result(body: bytes) -> str:
    """Store the answered list for its uploader's session only: it holds their
    applicants' full ID numbers."""
    name = files.write("reports", body).name
    session[RESULTS] = [*session.get(RESULTS, [])[-(KEPT - 1):], name]
    return name


def _xlsx(body: bytes, name: str) -> Response:
    return Response(body, mimetype=XLSX_MIME,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


class EligibilityView(BaseView):
    route_base = "/eligibility"
    default_view = "check"
    base_permissions = ["can_check"]

    @expose("/", methods=["GET", "POST"])
    @has_access
    @permission_name("check")
    def check(self):
        verdict, year = None, request.values.get("year", str(years.current()))
        if request.method == "POST":
            try:
                verdict = eligibility.check_one(current_scope(), request.form.get("id_number", ""), year)
            except BusinessError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
        return self.render_template("xueshi/eligibility.html", verdict=verdict, year=year,
                                    title=gettext("Title application: hours check"))

    @expose("/bulk", methods=["POST"])
    @has_access
    @permission_name("check")
    def bulk(self):
        year = request.form.get("year", "")
        result = token = None
        try:
            upload = uploaded(request.files.get("file"))
            if jobs.large(*upload):
                return job_page(_start_bulk(upload, year))
            result = eligibility.check_bulk(current_scope(), *upload, year)
        except BusinessError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            token = _keep_result(result.body)
        return self.render_template("xueshi/eligibility.html", verdict=None, year=year, bulk=result,
                                    result_url=token and url_for(".result", token=token),
                                    title=gettext("Title application: hours check"))

    @expose("/result/<token>", methods=["GET"])
    @has_access
    @permission_name("check")
    def result(self, token):
        """An answered list, to the session that uploaded it only."""
        if token not in session.get(RESULTS, []):
            abort(404)
        return files.send("reports", token, mimetype=XLSX_MIME, download_name="hours-check.xlsx")


class EligibilityApi(BaseApi):
    resource_name = "eligibility"
    base_permissions = ["can_check"]
    openapi_spec_tag = "Eligibility"

    @api_expose("/check", methods=["POST"])
    @protect()
    @safe
    @permission_name("check")
    def check(self):
        """Check one applicant: {"id_number": "...", "year": 2026}
        ---
        post:
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    id_number: {type: string, description: 身份证号}
                    year: {type: integer, description: 年度}
          responses:
            200: {description: The verdict}
            400: {$ref: '#/components/responses/400'}
        """
        body = request.get_json(silent=True) or {}
        if not isinstance(body, dict):
            return self.response_400(message=gettext("The request body must be a JSON object."))
        try:
            id_number = body.get("id_number", "")
            verdict = eligibility.check_one(  # a number that is not text is no ID number
                current_scope(), id_number if isinstance(id_number, str) else "", body.get("year"))
        except BusinessError as exc:
            return error_response(self, exc)
        return self.response(200, result=verdict.as_json())

    @api_expose("/bulk", methods=["POST"])
    @protect()
    @safe
    @permission_name("check")
    def bulk(self):
        """Check an Excel list (columns 身份证号, 姓名); multipart fields `file` and `year`
        (a list longer than XUESHI_JOB_ROWS rows answers 202 with a job to poll)
        ---
        post:
          responses:
            200: {description: The answered workbook (xlsx)}
            202: {description: The job checking a long list; its result is the workbook}
            400: {$ref: '#/components/responses/400'}
        """
        try:
            upload = uploaded(request.files.get("file"))
            if jobs.large(*upload):
                return accepted(self, _start_bulk(upload, request.form.get("year")))
            result = eligibility.check_bulk(current_scope(), *upload, request.form.get("year"))
        except BusinessError as exc:
            return error_response(self, exc)
        return _xlsx(result.body, "hours-check.xlsx")


