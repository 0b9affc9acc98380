"""年度学时: ledgers on screens and REST, with the engine's explanations,
and the year certificate (PDF)."""
from __future__ import annotations

from flask import Response, flash, redirect, request, url_for
from flask_appbuilder.actions import action
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.api import protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext, lazy_gettext as _l

from .. import jobs
from ..extensions import db
from ..formatting import locale as _locale
from ..services import inputs
from ..services.errors import BusinessError
from ..models import Ledger, YearCertificate
from ..security import scope as scopes
from ..services import certificates
from ..services import ledgers as ledger_service
from ..services.records import CATEGORIES, when
from .base import ScopedModelRestApi, ScopedModelView, error_response, expose
from .classes import STATUS_COLUMNS, STATUS_FIELDS, STATUS_FORMATTERS
from .jobs import accepted, redirect_to as job_page, start_or_back
from .workflow import RecordPage, WorkflowApi, WorkflowView

LEDGER_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "person": (_l("Professional"), _l("Whose year this is")),
    "person.id": (_l("Professional ID"), _l("Record number of the professional")),
    "person.name": (_l("Person name"), _l("Name of the professional")),
    "unit": (_l("Unit"), _l("Employer when the ledger was computed")),
    "unit.name": (_l("Unit name"), _l("Employer name")),
    "district": (_l("District"), _l("District of the employer")),
    "district.name": (_l("District"), _l("District name")),
    "year": (_l("Year"), _l("Calendar year")),
    "in_scope": (_l("Recognised here"), _l("False for series recognised by other departments")),
    "public": (_l("Public hours"), _l("Credited public-subject hours")),
    "professional": (_l("Professional hours"), _l("Credited professional-subject hours")),
    "total": (_l("Total hours"), _l("Public plus professional")),
    "compliant": (_l("Met the requirement"), _l("At least 30 public and 60 professional hours")),
    "shortfall_public": (_l("Public shortfall"), _l("Public hours still missing")),
    "shortfall_professional": (_l("Professional shortfall"), _l("Professional hours still missing")),
    "computed_at": (_l("Computed"), _l("When the rules engine last computed the ledger")),
}


def _yes_no(value) -> str:
    return gettext("Yes") if value else gettext("No")


def _compliance(value) -> str:
    """是 / 否 / 不适用 (an out-of-scope person has no verdict)."""
    return gettext("Not applicable") if value is None else _yes_no(value)


def _hours_or_dash(value) -> str:
    return "—" if value is None else str(value)


class LedgerView(ScopedModelView):
    datamodel = SQLAInterface(Ledger)
    fields = LEDGER_FIELDS
    list_title = _l("Ledgers")
    show_title = _l("Ledger")
    key_columns = ["person", "public", "professional", "compliant"]
    list_columns = ["person", "unit", "district", "year", "public", "professional", "total",
                    "compliant", "shortfall_public", "shortfall_professional"]
    show_columns = ["person", "unit", "year", "public", "professional", "total", "compliant",
                    "shortfall_public", "shortfall_professional", "computed_at"]
    search_columns = ["person", "unit", "district", "year", "compliant", "in_scope"]
    order_columns = ["year", "public", "professional", "total"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_certificate", "can_recompute",
                        "can_recompute_selected"]
    show_template = "xueshi/ledger_show.html"
    list_template = "xueshi/ledger_list.html"
    formatters_columns = {"compliant": _compliance, "in_scope": _yes_no,
                          "shortfall_public": _hours_or_dash,
                          "shortfall_professional": _hours_or_dash}

    @expose("/recompute", methods=["POST"])
    @has_access
    @permission_name("recompute")
    def recompute(self):
        """Recompute a year's ledgers city-wide: a job (its page shows the progress)."""
        try:
            job = jobs.start("recompute", scopes.current_scope(),
                             year=inputs.year(request.form.get("year"), with_rules=True))
        except BusinessError as exc:
            flash(str(exc), "danger")
            return redirect(url_for(".list"))
        return job_page(job)

    @action("recompute_selected", _l("Recompute"), _l("Recompute the chosen ledgers?"),
            "fa-refresh")
    @permission_name("recompute_selected")
    def recompute_selected(self, items):
        """重新核算 of the chosen ledgers (in the actor's scope; base.py checks each id): a job."""
        items = items if isinstance(items, list) else [items]
        return start_or_back(self, "recompute_ledgers", ledger_ids=[item.id for item in items])

    @expose("/recompute_stale", methods=["POST"])
    @has_access
    @permission_name("recompute")
    def recompute_stale(self):
        """Recompute the stale ledgers of the city, a district (code) or a unit (credit code)."""
        try:
            target = ledger_service.coverage(request.form.get("district"), request.form.get("unit"))
        except BusinessError as exc:
            flash(str(exc), "danger")
            return redirect(url_for(".list"))
        return start_or_back(self, "recompute_stale", **target)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        ledger = scopes.get_or_404(Ledger, pk)
        widgets = self._show(ledger.id)
        return self.render_template(
            self.show_template, pk=ledger.id, title=self.show_title, widgets=widgets,
            related_views=[], ledger=ledger, when=when, categories=CATEGORIES,
            items=ledger_service.explained_items(ledger, _locale()),
            compliance=ledger_service.compliance_text(ledger.compliant, ledger.person.series,
                                                      ledger.year),
            stale=ledger_service.is_stale(ledger),
        )

    @expose("/certificate/<pk>", methods=["GET"])
    @has_access
    @permission_name("certificate")
    def certificate(self, pk):
        ledger = scopes.get_or_404(Ledger, pk)
        return _or_back(ledger, certificate_response)


    @expose("/credential/<pk>", methods=["GET"])
    @has_access
    @permission_name("certificate")
    def credential(self, pk):
        from .classes import credential_response

        ledger = scopes.get_or_404(Ledger, pk)
        return _or_back(ledger, lambda row: credential_response(certificates.year_certificate(row)))


def _or_back(ledger: Ledger, respond) -> Response:
    """A download, or back to the ledger's page with the reason it was refused."""
    try:
        return respond(ledger)
    except BusinessError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for(".show", pk=ledger.id))


def certificate_response(ledger: Ledger) -> Response:
    """The year certificate: numbered and stored on first download, reissued once the year changed."""
    cert, body = certificates.year_pdf_bytes(ledger)
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{cert.number}.pdf"'})


class LedgerApi(ScopedModelRestApi):
    resource_name = "ledger"
    datamodel = SQLAInterface(Ledger)
    fields = LEDGER_FIELDS
    base_permissions = ["can_get", "can_info", "can_certificate", "can_recompute",
                        "can_recompute_selected"]
    list_columns = ["id", "person.id", "person.name", "unit.name", "district.name", "year",
                    "public", "professional", "total", "compliant", "shortfall_public",
                    "shortfall_professional"]
    show_columns = list_columns + ["in_scope", "computed_at"]
    search_columns = ["person", "unit", "district", "year", "compliant"]
    order_columns = ["id", "year", "total"]

    def pre_get(self, data):
        super().pre_get(data)
        result = data.get("result") or {}
        ledger = db.session.get(Ledger, result.get("id"))
        if ledger is None:
            return
        locale = _locale()
        result["items"] = [
            {"activity_id": it["activity"].id if it["activity"] else None,
             "title": it["activity"].title if it["activity"] else "",
             "kind": it["kind"], "clause": it["clause"], "date": when(it["activity"]),
             "public": float(it["public"]) if "." in it["public"] else int(it["public"]),
             "professional": (float(it["professional"]) if "." in it["professional"]
                              else int(it["professional"])),
             "notes": [{"code": code, "explanation": text} for code, text in it["notes"]],
             "reason": it["reason"]}
            for it in ledger_service.explained_items(ledger, locale)
        ]

    @api_expose("/recompute", methods=["POST"])
    @protect()
    @safe
    @permission_name("recompute")
    def recompute(self):
        """Recompute a year's ledgers city-wide as a job: {"year": 2026}
        ---
        post:
          responses:
            202: {description: The job, to poll at /api/v1/jobs/<id>}
            400: {$ref: '#/components/responses/400'}
        """
        body = request.get_json(silent=True) or {}
        try:
            job = jobs.start("recompute", scopes.current_scope(),
                             year=inputs.year(body.get("year"), with_rules=True))
        except BusinessError as exc:
            return error_response(self, exc)
        return accepted(self, job)

    @api_expose("/recompute_selected", methods=["POST"])
    @protect()
    @safe
    @permission_name("recompute_selected")
    def recompute_selected(self):
        """重新核算 of chosen ledgers as a job: {"ids": [ledger ids]}; ids outside the
        caller's scope are left out
        ---
        post:
          responses:
            202: {description: The job, to poll at /api/v1/jobs/<id>}
            400: {$ref: '#/components/responses/400'}
        """
        body = request.get_json(silent=True)
        ids = body.get("ids") if isinstance(body, dict) else None
        try:
            if not ids or not isinstance(ids, list) or not all(
                    type(i) is int and scopes.as_id(i) is not None for i in ids) or len(ids) > 10000:
                raise BusinessError(gettext("Give the ledgers as a list of record numbers."),
                                    field="ids")
            job = jobs.start("recompute_ledgers", scopes.current_scope(), ledger_ids=ids)
        except BusinessError as exc:
            return error_response(self, exc)
        return accepted(self, job)

    @api_expose("/recompute_stale", methods=["POST"])
    @protect()
    @safe
    @permission_name("recompute")
    def recompute_stale(self):
        """Recompute stale ledgers as a job: {} for the city, {"district": code} or
        {"unit": credit code}
        ---
        post:
          responses:
            202: {description: The job, to poll at /api/v1/jobs/<id>}
            400: {$ref: '#/components/responses/400'}
        """
        body = request.get_json(silent=True)
        body = body if isinstance(body, dict) else {}
        try:
            target = ledger_service.coverage(*(str(body[k]) if body.get(k) is not None else None
                                               for k in ("district", "unit")))
            job = jobs.start("recompute_stale", scopes.current_scope(), **target)
        except BusinessError as exc:
            return error_response(self, exc)
        return accepted(self, job)

    @api_expose("/<int:pk>/certificate", methods=["GET"])
    @protect()
    @safe
    @permission_name("certificate")
    def certificate(self, pk):
        """The year certificate as PDF
        ---
        get:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: PDF}
            404: {$ref: '#/components/responses/404'}
        """
        ledger = scopes.get_in_scope(Ledger, pk)
        if ledger is None:
            return self.response_404()
        try:
            return certificate_response(ledger)
        except BusinessError as exc:
            return error_response(self, exc)


# -- year certificates (年度学时证明): list, page, suspension and revocation -------

YEAR_CERTIFICATE_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "number": (_l("Certificate number"), _l("Unique number of the certificate")),
    "person": (_l("Professional"), _l("Holder of the certificate")),
    "person.id": (_l("Professional ID"), _l("Record number of the professional")),
    "person.name": (_l("Person name"), _l("Name of the professional")),
    "year": (_l("Year"), _l("Calendar year")),
    "version": (_l("Version"), _l("Issued again as the next version when the year's hours change")),
    "public": (_l("Public hours"), _l("Public-subject hours as printed")),
    "professional": (_l("Professional hours"), _l("Professional-subject hours as printed")),
    "total": (_l("Total hours"), _l("Public plus professional")),
    "compliant": (_l("Met the requirement"), _l("At least 30 public and 60 professional hours")),
    "issued_at": (_l("Issued"), _l("When the certificate was issued")),
    **STATUS_FIELDS,
}
YEAR_COLUMNS = ["number", "person", "year", "version", "total", "issued_at", "revoked", "suspended"]


class YearCertificateView(RecordPage, WorkflowView, ScopedModelView):
    datamodel = SQLAInterface(YearCertificate)
    workflow = certificates.YEAR_WORKFLOW
    fields = YEAR_CERTIFICATE_FIELDS
    list_title = _l("Year certificates")
    show_title = _l("Year certificate")
    key_columns = ["number", "person", "total"]
    list_columns = YEAR_COLUMNS
    show_columns = ["number", "person", "year", "version", "public", "professional", "total",
                    "compliant", "issued_at"] + STATUS_COLUMNS
    search_columns = ["number", "person", "year", "revoked", "suspended"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show"]
    formatters_columns = {**STATUS_FORMATTERS, "compliant": _compliance}


class YearCertificateApi(WorkflowApi, ScopedModelRestApi):
    resource_name = "year_certificate"
    datamodel = SQLAInterface(YearCertificate)
    workflow = certificates.YEAR_WORKFLOW
    fields = YEAR_CERTIFICATE_FIELDS
    base_permissions = ["can_get", "can_info"]
    list_columns = ["id", "number", "person.id", "person.name", "year", "version", "public",
                    "professional", "total", "compliant", "issued_at", "revoked", "suspended"]
    show_columns = list_columns + ["revoked_at", "revoke_reason", "suspended_at", "suspend_reason",
                                   "status_category", "case_id"]
    search_columns = ["number", "person", "year", "revoked", "suspended"]
