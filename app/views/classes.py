"""备案培训班次, participants and electronic certificates: screens and REST.
Views translate requests into calls of app/services/classes.py."""
from __future__ import annotations

from flask import Response, abort, redirect, request, url_for
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.api import protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, SelectField, StringField

from .. import jobs, rules
from ..extensions import db
from ..formatting import locale as _locale
from ..models import Certificate, Enrolment, PlanProject, Seminar, TrainingClass
from ..models.plan import APPROVED as SEMINAR_APPROVED
from ..security import scope as scopes
from ..services import certificates, classes
from ..services import evidence as evidence_files
from ..services.errors import BusinessError
from ..services.records import CATEGORIES
from ..services.sheets import XLSX_MIME, report_response, uploaded
from .base import ScopedModelRestApi, ScopedModelView, error_response, expose
from .jobs import accepted, redirect_to
from .lists import MAX_ROWS, capped_count
from .workflow import (
    WorkflowApi, WorkflowView, api_answer, back_to, label_of, on_screen, refuse, report_record,
    show_error,
)

CLASS_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "name": (_l("Class name"), _l("Name of the class as filed")),
    "base": (_l("Training base"), _l("Organising base, if a base organises it")),
    "department": (_l("Department"), _l("Organising department, if a department organises it")),
    "unit": (_l("Unit"), _l("Organising unit, if a unit organises it")),
    "mode": (_l("Mode"), _l("offline or online")),
    "channel": (_l("Online channel"), _l("platform, live, video_meeting, other (WeChat is refused)")),
    "category": (_l("Category"), _l("public or professional")),
    "start_date": (_l("Start date"), _l("First day of the class")),
    "end_date": (_l("End date"), _l("Last day of the class")),
    "hours_per_day": (_l("Planned hours per day"), _l("At most 24; attendance may not exceed it")),
    "venue": (_l("Location or platform"), _l("Where the class takes place")),
    "capacity": (_l("Capacity"), _l("Largest number of participants")),
    "plan_project": (_l("Plan project"), _l("A project of the published annual list (counts double)")),
    "plan_project_id": (_l("Plan project"), _l("Record number of the plan project")),
    "seminar": (_l("Advanced seminar"), _l("An approved advanced seminar (counts double)")),
    "seminar_id": (_l("Advanced seminar"), _l("Record number of the seminar")),
    "state": (_l("State"), _l("draft, filed, accepted, completion_requested, reviewed, rejected, completion_rejected, violation or withdrawn")),
    "reason": (_l("Reason given"), _l("Reason of the last rejection or violation")),
    "filed_at": (_l("Filed at"), _l("When the class was filed")),
    "reviewed_at": (_l("Reviewed at"), _l("When the completion was approved")),
    "certificates_total": (_l("Certificates issued"), _l("Certificates issued for the class")),
    "certificates_rendered": (_l("Certificates written"), _l("Certificate PDFs written so far")),
}
LIST_COLUMNS = ["name", "base", "department", "unit", "mode", "category", "start_date", "end_date",
                "state"]


FORMATTERS = {
    "state": classes.WORKFLOW.label,
    "mode": label_of(classes.MODE_LABELS),
    "channel": lambda code: rules.channels(_locale()).get(code, code or ""),
    "category": label_of(CATEGORIES),
}


REQUIRED = {"required": True}  # starred, and asked for by the browser; the service checks the rest


def _class_form(data=None):
    projects = db.session.execute(
        scopes.scoped(PlanProject).order_by(PlanProject.year.desc(), PlanProject.name)).scalars()
    seminars = db.session.execute(
        scopes.scoped(Seminar).where(Seminar.state == SEMINAR_APPROVED).order_by(Seminar.name)).scalars()

    class ClassForm(FlaskForm):
        name = StringField(_l("Class name"), render_kw=REQUIRED)
        mode = SelectField(_l("Mode"), choices=[(k, str(v)) for k, v in classes.MODE_LABELS.items()],
                           render_kw=REQUIRED)
        channel = SelectField(_l("Online channel"), choices=[("", "—")] + list(
            rules.channels(_locale()).items()),  # the latest year's (the year's own are checked on filing)
            validate_choice=False,  # judged by the service; not sent while hidden (offline)
            render_kw={"data-shown-when": "mode=online", **REQUIRED})
        category = SelectField(_l("Category"), choices=[(k, str(v)) for k, v in CATEGORIES.items()],
                               render_kw=REQUIRED)
        start_date = StringField(_l("Start date"), render_kw={"type": "date", **REQUIRED})
        end_date = StringField(_l("End date"), render_kw={"type": "date", **REQUIRED})
        hours_per_day = StringField(_l("Planned hours per day"), render_kw=REQUIRED)
        venue = StringField(_l("Location or platform"), render_kw=REQUIRED)
        capacity = StringField(_l("Capacity"), render_kw=REQUIRED)
        plan_project_id = SelectField(_l("Plan project (published list, counts double)"),
                                      choices=[("", "—")] + [(str(p.id), str(p)) for p in projects])
        seminar_id = SelectField(_l("Advanced seminar (counts double)"),
                                 choices=[("", "—")] + [(str(s.id), str(s)) for s in seminars])
        approval_form = MultipleFileField(_l("Class approval form (开班审批表)"))

    return ClassForm(data=data)


def _xlsx(body: bytes, name: str) -> Response:
    return Response(body, mimetype=XLSX_MIME,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


SHEET_JOBS = {"import_roster": "roster_import", "import_attendance": "attendance_import"}


def _sheet_or_job(step, pk) -> tuple[tuple[str, bytes], object]:
    """The uploaded roster or attendance file, and the job that takes it when it
    is longer than XUESHI_JOB_ROWS (None: the request takes it). A job is started
    only for a row in scope on which the step may be taken now."""
    upload = uploaded(request.files.get("file"))
    if not jobs.large(*upload):
        return upload, None
    scope = scopes.current_scope()
    cls = scopes.get_in_scope(TrainingClass, pk, scope)
    if cls is None:
        raise BusinessError(gettext("Record not found."), status=404)
    refused = classes.WORKFLOW.refusal(step.transition.name, scope, cls)
    if refused is not None:
        raise refused
    return upload, jobs.start(SHEET_JOBS[step.transition.name], scope, class_id=cls.id,
                              **jobs.keep_input(*upload))


def _write_certificates(cls: TrainingClass) -> None:
    """The approval numbered the certificates; a job writes their PDFs."""
    jobs.start("certificates", scopes.current_scope(), class_id=cls.id)


def _sheet_done(message):
    return lambda result: message % {"added": result.added, "unchanged": result.unchanged}


class TrainingClassView(WorkflowView, ScopedModelView):
    datamodel = SQLAInterface(TrainingClass)
    workflow = classes.WORKFLOW
    after_steps = {"approve": _write_certificates}
    fields = CLASS_FIELDS
    list_title = _l("Filed classes")
    show_title = _l("Filed class")
    key_columns = ["name", "start_date", "state"]
    list_columns = LIST_COLUMNS
    show_columns = ["name", "base", "department", "unit", "mode", "channel", "category",
                    "start_date", "end_date", "hours_per_day", "venue", "capacity", "plan_project",
                    "seminar", "state", "reason", "filed_at", "reviewed_at"]
    search_columns = ["name", "base", "department", "unit", "mode", "category", "state", "start_date"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_download"]
    show_template = "xueshi/class_show.html"
    formatters_columns = FORMATTERS

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        cls = scopes.get_or_404(TrainingClass, pk)
        # a district officer or a participant sees the class, but only the people in scope
        in_class = scopes.scoped(Enrolment).where(Enrolment.class_id == cls.id)
        people = db.session.execute(in_class.order_by(Enrolment.id).limit(200)).scalars().all()
        return self.render_template(
            self.show_template, pk=cls.id, title=self.show_title, widgets=self._show(cls.id),
            related_views=[], cls=cls, people=people,
            # as many as the class holds, not the city: exact up to MAX_ROWS
            people_count=capped_count(db.session.query(in_class.subquery()), cap=MAX_ROWS),
            material=classes.class_evidence(cls), purposes=classes.PURPOSES,
            purposes_now=classes.material_purposes(cls), days=[d.isoformat() for d in cls.days],
            priority=classes.is_priority(cls),
            waiting=classes.waiting_rows(scopes.current_scope(), cls),
            ended=cls.state in classes.EDITABLE and classes.has_ended(cls),
            can_zip=scopes.current_scope().may("download", self.class_permission_name),
            **self.step_context(cls))

    @expose("/new", methods=["GET", "POST"])
    @has_access
    @permission_name("organise")
    def new(self):
        form = _class_form()
        if request.method == "POST" and form.validate_on_submit():
            try:
                forms = evidence_files.read_uploads(request.files.getlist("approval_form"))
                cls = classes.create(scopes.current_scope(), request.form.to_dict(), forms)
            except BusinessError as exc:
                show_error(form, exc)
            else:
                return back_to(cls.id, gettext("The class was saved as a draft."))
        return self.render_template("xueshi/form.html", form=form, title=gettext("File a class"),
                                    back_url=url_for(".list"), note=gettext(
                                        "Online classes run through WeChat or WeChat groups earn no hours "
                                        "(notice 四(二)4). Upload the class approval form before filing."))

    @expose("/change/<pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("organise")
    def change(self, pk):
        cls = scopes.get_or_404(TrainingClass, pk)
        refused = self.refuse_unless("change", cls)
        if refused is not None:
            return refused
        data = {name: getattr(cls, name) for name in classes.FIELDS}
        data = {k: ("" if v is None else str(v)) for k, v in data.items()}
        form = _class_form(data if request.method == "GET" else None)
        if request.method == "POST" and form.validate_on_submit():
            try:
                classes.update(scopes.current_scope(), cls.id, request.form.to_dict())
            except BusinessError as exc:
                show_error(form, exc)
            else:
                return back_to(cls.id, gettext("The class was saved."))
        return self.render_template("xueshi/form.html", form=form, title=cls.name,
                                    back_url=url_for(".show", pk=cls.id))

    @expose("/material/<pk>", methods=["POST"])
    @has_access
    @permission_name("organise")
    def material(self, pk):
        def attach(scope, class_id):
            files = evidence_files.read_uploads(request.files.getlist("files"))
            return classes.add_evidence(scope, class_id, {"purpose": request.form.get("purpose"),
                                                          "files": files})

        return on_screen(attach, pk, success=gettext("Material uploaded."))

    @expose("/material/<pk>/<int:evidence_id>", methods=["GET"])
    @has_access
    @permission_name("download")
    def material_file(self, pk, evidence_id):
        return evidence_files.file_response(evidence_id, scopes.get_or_404(TrainingClass, pk))

    def _sheet(self, pk, step, message):
        try:
            upload, job = _sheet_or_job(step, pk)
        except BusinessError as exc:
            refuse(exc)
            return redirect(url_for(".show", pk=pk))
        if job is not None:
            return redirect_to(job)
        return on_screen(lambda scope, class_id: step(scope, class_id, {"file": upload}), pk,
                         success=_sheet_done(message))

    @expose("/roster/<pk>", methods=["POST"])
    @has_access
    @permission_name("organise")
    def roster(self, pk):
        return self._sheet(pk, classes.import_roster,
                           gettext("Roster: %(added)d added, %(unchanged)d already on it."))

    @expose("/roster-template/<pk>", methods=["GET"])
    @has_access
    @permission_name("organise")
    def roster_template(self, pk):
        cls = scopes.get_or_404(TrainingClass, pk)
        return _xlsx(classes.roster_template(cls), f"roster-{cls.id}.xlsx")

    @expose("/attendance/<pk>", methods=["POST"])
    @has_access
    @permission_name("organise")
    def attendance(self, pk):
        return self._sheet(pk, classes.import_attendance,
                           gettext("Attendance: %(added)d changed, %(unchanged)d unchanged."))

    @expose("/attendance-template/<pk>", methods=["GET"])
    @has_access
    @permission_name("organise")
    def attendance_template(self, pk):
        cls = scopes.get_or_404(TrainingClass, pk)
        try:
            body = classes.attendance_template(scopes.current_scope(), cls)
        except BusinessError:
            abort(404)  # only the organiser downloads it
        return _xlsx(body, f"attendance-{cls.id}.xlsx")

    @expose("/problems/<pk>/<token>", methods=["GET"])
    @has_access
    @permission_name("organise")
    def problems(self, pk, token):
        """The problem report of a refused roster or attendance file: for the
        login that uploaded it, while the class is in its scope (else 404)."""
        scopes.get_or_404(TrainingClass, pk)
        return report_response(token, report_record(pk), scopes.current_scope())

    @expose("/certificates-zip/<pk>", methods=["POST"])
    @has_access
    @permission_name("download")
    def certificates_zip(self, pk):
        """All the class's certificates as one ZIP, built by a job (its page follows)."""
        cls = scopes.get_or_404(TrainingClass, pk)
        return redirect_to(jobs.start("certificates_zip", scopes.current_scope(), class_id=cls.id))

    @expose("/progress/<pk>", methods=["GET"])
    @has_access
    @permission_name("show")
    def progress(self, pk):
        cls = scopes.get_or_404(TrainingClass, pk)
        return {"total": cls.certificates_total, "written": cls.certificates_rendered}


ENROLMENT_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "training_class": (_l("Class"), _l("The filed class")),
    "person": (_l("Professional"), _l("The participant")),
    "phone": (_l("Phone"), _l("Mobile phone number")),
    "attendance": (_l("Attendance"), _l("Hours attended per day")),
    "attended_hours": (_l("Hours attended"), _l("Sum of the hours attended")),
}


def _attendance_text(value) -> str:
    return ";".join(f"{d} {h}" for d, h in sorted((value or {}).items()))


class EnrolmentView(ScopedModelView):
    datamodel = SQLAInterface(Enrolment)
    fields = ENROLMENT_FIELDS
    list_title = _l("Participants")
    show_title = _l("Participant")
    key_columns = ["training_class", "person", "attended_hours"]
    list_columns = ["training_class", "person", "attended_hours"]
    show_columns = ["training_class", "person", "phone", "attendance", "attended_hours"]
    search_columns = ["training_class", "person"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show"]
    formatters_columns = {"attendance": _attendance_text}


CERTIFICATE_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "number": (_l("Certificate number"), _l("Unique number of the certificate")),
    "training_class": (_l("Class"), _l("The class the certificate is for")),
    "person": (_l("Professional"), _l("Holder of the certificate")),
    "hours": (_l("Hours"), _l("Hours the class earned")),
    "issued_at": (_l("Issued"), _l("When the certificate was issued")),
}
STATUS_FIELDS = {
    "revoked": (_l("Revoked"), _l("Whether the certificate was revoked")),
    "revoked_at": (_l("Revoked at"), _l("When the certificate was revoked")),
    "revoke_reason": (_l("Reason for revocation"), _l("Why it was revoked")),
    "suspended": (_l("Suspended"), _l("Whether the certificate is suspended pending a check")),
    "suspended_at": (_l("Suspended at"), _l("When the certificate was last suspended")),
    "suspend_reason": (_l("Reason for suspension"), _l("Why it was last suspended")),
    "status_category": (_l("Reason category"), _l("Public category of the reason it is not valid")),
    "case_id": (_l("Case"), _l("Record number of the case whose closing lifts the suspension")),
}
STATUS_COLUMNS = ["revoked", "revoked_at", "revoke_reason", "suspended", "suspended_at",
                  "suspend_reason", "status_category", "case_id"]


def _status_category(value) -> str:
    label = certificates.CATEGORIES_OF_STATUS.get(value)
    return str(label) if label else ""


STATUS_FORMATTERS = {"revoked": lambda v: gettext("Yes") if v else gettext("No"),
                     "suspended": lambda v: gettext("Yes") if v else gettext("No"),
                     "status_category": _status_category}
CERTIFICATE_FIELDS.update(STATUS_FIELDS)


class CertificateView(WorkflowView, ScopedModelView):
    datamodel = SQLAInterface(Certificate)
    workflow = certificates.WORKFLOW
    fields = CERTIFICATE_FIELDS
    list_title = _l("Certificates")
    show_title = _l("Certificate")
    key_columns = ["training_class", "person", "hours"]
    list_columns = ["number", "training_class", "person", "hours", "issued_at", "revoked", "suspended"]
    show_columns = ["number", "training_class", "person", "hours", "issued_at"] + STATUS_COLUMNS
    search_columns = ["number", "training_class", "person", "revoked", "suspended"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_pdf"]
    show_template = "xueshi/certificate_show.html"
    formatters_columns = STATUS_FORMATTERS

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        cert = scopes.get_or_404(Certificate, pk)
        return self.render_template(
            self.show_template, pk=cert.id, title=self.show_title, widgets=self._show(cert.id),
            related_views=[], cert=cert, verify=certificates.verify_url(cert.token),
            can_pdf=scopes.current_scope().may("pdf", self.class_permission_name),
            **self.step_context(cert))

    @expose("/pdf/<pk>", methods=["GET"])
    @has_access
    @permission_name("pdf")
    def pdf(self, pk):
        return _pdf_response(scopes.get_or_404(Certificate, pk))

    @expose("/credential/<pk>", methods=["GET"])
    @has_access
    @permission_name("pdf")
    def credential(self, pk):
        return credential_response(scopes.get_or_404(Certificate, pk))


def credential_response(cert) -> Response:
    """The signed Open Badges credential of a class or year certificate, as a download."""
    from ..models import YearCertificate

    token = (certificates.year_credential(cert) if isinstance(cert, YearCertificate)
             else certificates.credential(cert))
    return Response(token, mimetype="application/vc+jwt", headers={
        "Content-Disposition": f'attachment; filename="{cert.number}.jwt"'})


def _pdf_response(cert: Certificate) -> Response:
    body = certificates.pdf_bytes(cert)
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{cert.number}.pdf"'})


# -- REST -------------------------------------------------------------------

class TrainingClassApi(WorkflowApi, ScopedModelRestApi):
    resource_name = "training_class"
    datamodel = SQLAInterface(TrainingClass)
    workflow = classes.WORKFLOW
    after_steps = {"approve": _write_certificates}
    fields = CLASS_FIELDS
    base_permissions = ["can_get", "can_info", "can_download"]
    list_columns = ["id", "name", "mode", "channel", "category", "start_date", "end_date",
                    "hours_per_day", "capacity", "state"]
    show_columns = list_columns + ["venue", "plan_project_id", "seminar_id", "reason", "filed_at",
                                   "reviewed_at", "certificates_total", "certificates_rendered"]
    search_columns = ["name", "mode", "category", "state", "start_date"]

    def _body(self) -> dict:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else {}

    def _sheet(self, step, pk):
        try:
            upload, job = _sheet_or_job(step, pk)
        except BusinessError as exc:
            return error_response(self, exc)
        if job is not None:
            return accepted(self, job)
        return api_answer(self, step, scopes.current_scope(), pk, {"file": upload}, answer=vars)

    @api_expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("organise")
    def post(self):
        """File a new class (draft)
        ---
        post:
          responses:
            201: {description: Draft created}
            400: {$ref: '#/components/responses/400'}
        """
        return api_answer(self, classes.create, scopes.current_scope(), self._body(), code=201)

    @api_expose("/<int:pk>", methods=["PUT"])
    @protect()
    @safe
    @permission_name("organise")
    def put(self, pk):
        """Change a draft or a filing sent back
        ---
        put:
          parameters: [{in: path, name: pk, schema: {type: integer}}]
          responses:
            200: {description: Changed}
            409: {description: Not editable}
        """
        return api_answer(self, classes.update, scopes.current_scope(), pk, self._body())

    @api_expose("/<int:pk>/material", methods=["POST"])
    @protect()
    @safe
    @permission_name("organise")
    def material(self, pk):
        """Upload material: multipart `file` and `purpose` (approval_form, sign_in, photo, roster, screenshot, assessment)
        ---
        post:
          parameters: [{in: path, name: pk, schema: {type: integer}}]
          responses:
            200: {description: Stored}
            400: {$ref: '#/components/responses/400'}
        """
        def attach(scope, class_id):
            upload = evidence_files.read_upload(request.files.get("file"))
            return classes.add_evidence(scope, class_id, {"purpose": request.form.get("purpose"),
                                                          "files": [upload]})[0]

        return api_answer(self, attach, scopes.current_scope(), pk,
                          answer=lambda row: {"id": row.id, "digest": row.digest})

    @api_expose("/<int:pk>/certificates-zip", methods=["POST"])
    @protect()
    @safe
    @permission_name("download")
    def certificates_zip(self, pk):
        """Start a job that puts the class's valid certificates into one ZIP
        ---
        post:
          parameters: [{in: path, name: pk, schema: {type: integer}}]
          responses:
            202: {description: The job; poll its URL, then GET its file}
            404: {$ref: '#/components/responses/404'}
        """
        cls = scopes.get_in_scope(TrainingClass, pk)
        if cls is None:
            return self.response_404()
        return accepted(self, jobs.start("certificates_zip", scopes.current_scope(), class_id=cls.id))

    @api_expose("/<int:pk>/roster", methods=["POST"])
    @protect()
    @safe
    @permission_name("organise")
    def roster(self, pk):
        """Upload the roster (multipart `file`: 姓名, 身份证号, 单位统一社会信用代码, 手机)
        ---
        post:
          parameters: [{in: path, name: pk, schema: {type: integer}}]
          responses:
            200: {description: Added and unchanged participants}
            400: {description: Problems by row and column; nothing written}
        """
        return self._sheet(classes.import_roster, pk)

    @api_expose("/<int:pk>/attendance", methods=["POST"])
    @protect()
    @safe
    @permission_name("organise")
    def attendance(self, pk):
        """Upload attendance (multipart `file`: 身份证号, 姓名 and one column per class day)
        ---
        post:
          parameters: [{in: path, name: pk, schema: {type: integer}}]
          responses:
            200: {description: Changed and unchanged participants}
            400: {description: Problems by row and column; nothing written}
        """
        return self._sheet(classes.import_attendance, pk)


class EnrolmentApi(ScopedModelRestApi):
    resource_name = "enrolment"
    datamodel = SQLAInterface(Enrolment)
    fields = {**ENROLMENT_FIELDS,
              "training_class.id": (_l("Class ID"), _l("Record number of the class")),
              "training_class.name": (_l("Class name"), _l("Name of the class")),
              "person.id": (_l("Professional ID"), _l("Record number of the professional")),
              "person.name": (_l("Person name"), _l("Name of the professional"))}
    base_permissions = ["can_get", "can_info"]
    list_columns = ["id", "training_class.id", "training_class.name", "person.id", "person.name",
                    "attendance"]
    show_columns = list_columns + ["phone"]
    search_columns = ["training_class", "person"]


class CertificateApi(WorkflowApi, ScopedModelRestApi):
    resource_name = "certificate"
    datamodel = SQLAInterface(Certificate)
    workflow = certificates.WORKFLOW
    fields = {**CERTIFICATE_FIELDS,
              "training_class.id": (_l("Class ID"), _l("Record number of the class")),
              "training_class.name": (_l("Class name"), _l("Name of the class")),
              "person.id": (_l("Professional ID"), _l("Record number of the professional")),
              "person.name": (_l("Person name"), _l("Name of the professional"))}
    base_permissions = ["can_get", "can_info", "can_pdf"]
    list_columns = ["id", "number", "training_class.id", "training_class.name", "person.id",
                    "person.name", "hours", "issued_at", "revoked", "suspended"]
    show_columns = list_columns + ["revoked_at", "revoke_reason", "suspended_at", "suspend_reason",
                                   "status_category", "case_id"]
    search_columns = ["number", "training_class", "person", "revoked", "suspended"]

    @api_expose("/<int:pk>/pdf", methods=["GET"])
    @protect()
    @safe
    @permission_name("pdf")
    def pdf(self, pk):
        """The certificate as PDF
        ---
        get:
          parameters: [{in: path, name: pk, schema: {type: integer}}]
          responses: {200: {description: PDF}, 404: {$ref: '#/components/responses/404'}}
        """
        cert = scopes.get_in_scope(Certificate, pk)
        if cert is None:
            return self.response_404()
        return _pdf_response(cert)
