"""Screens and REST APIs, registered by area. Menus group what each role does."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder import ModelRestApi
from flask_babel import lazy_gettext as _l

from ..extensions import csrf
from ..security import visibility  # noqa: F401  (registers the scope rules)
from .accounts import RoleGrantView, UserScopeView
from .audit import AuditEntryApi, AuditEntryView
from .base import Descriptions
from .org import (
    DepartmentApi,
    DepartmentView,
    DistrictApi,
    DistrictView,
    TrainingBaseApi,
    TrainingBaseView,
    UnitApi,
    UnitView,
)
from .claims import ClaimApi, ClaimView
from .classes import (
    CertificateApi, CertificateView, EnrolmentApi, EnrolmentView, TrainingClassApi,
    TrainingClassView,
)
from .eligibility import EligibilityApi, EligibilityView
from .cases import CaseApi, CaseView
from .dashboard import DashboardView
from .dishonesty import DishonestyRecordApi, DishonestyRecordView
from .evaluations import BaseEvaluationApi, BaseEvaluationView
from .inspections import InspectionApi, InspectionView
from .plans import PlanProjectApi, PlanProjectView, PublishedPlanView
from .seminars import SeminarApi, SeminarView
from .exports import ExportBatchApi, ExportBatchView
from .imports import PlatformImportApi, PlatformImportView
from .jobs import JobApi, JobView
from .ledgers import LedgerApi, LedgerView, YearCertificateApi, YearCertificateView
from .menu import navbar_menu
from .messages import MessageView, unread_messages
from .lookup import LookupView
from .lookup_alerts import LookupAlertView
from .person_requests import PersonRequestApi, PersonRequestView
from .roster_links import RosterLinkApi, RosterLinkView
from . import openapi
from .people import PersonApi, PersonView
from .status import StatusListView
from .verify import VerifyView, WellKnownView

# Menu categories: (name, label, icon)
PEOPLE = ("People", _l("People and units"), "fa-users")
HOURS = ("Hours", _l("Hours administration"), "fa-clock-o")
TRAINING = ("Training", _l("Training"), "fa-graduation-cap")
REFERENCE = ("Reference", _l("Reference data"), "fa-book")
AUDIT = ("Audit", _l("Security audit"), "fa-shield")
GOVERNANCE = ("Governance", _l("Supervision"), "fa-gavel")


def _add(appbuilder, view, name, label, icon, category):
    cat_name, cat_label, cat_icon = category
    appbuilder.add_view(
        view, name, label=label, icon=icon,
        category=cat_name, category_label=cat_label, category_icon=cat_icon,
    )


def _link(appbuilder, name, label, endpoint, icon, category):
    cat_name, cat_label, cat_icon = category
    appbuilder.add_link(
        name, href=endpoint, label=label, icon=icon,
        category=cat_name, category_label=cat_label, category_icon=cat_icon,
    )


def register_views(appbuilder) -> None:
    _add(appbuilder, TrainingClassView, "Filed classes", _l("Filed classes"), "fa-calendar", TRAINING)
    _link(appbuilder, "File a class", _l("File a class"), "TrainingClassView.new", "fa-plus", TRAINING)
    _add(appbuilder, EnrolmentView, "Participants", _l("Participants"), "fa-id-card-o", TRAINING)
    _add(appbuilder, CertificateView, "Certificates", _l("Certificates"), "fa-certificate", TRAINING)
    _add(appbuilder, ClaimView, "Claims", _l("Claims"), "fa-pencil-square-o", HOURS)
    _link(appbuilder, "New claim", _l("New claim"), "ClaimView.choose_kind", "fa-plus", HOURS)
    _add(appbuilder, LedgerView, "Ledgers", _l("Ledgers"), "fa-book", HOURS)
    _add(appbuilder, YearCertificateView, "Year certificates", _l("Year certificates"),
         "fa-file-text-o", HOURS)
    _add(appbuilder, EligibilityView, "Hours check", _l("Hours check"), "fa-check-square-o", HOURS)
    _add(appbuilder, ExportBatchView, "Provincial exports", _l("Provincial exports"), "fa-upload", HOURS)
    _link(appbuilder, "New export", _l("New provincial export"), "ExportBatchView.new", "fa-file-excel-o", HOURS)
    _add(appbuilder, PlatformImportView, "Platform import", _l("Platform course import"), "fa-download", HOURS)
    _add(appbuilder, JobView, "My jobs", _l("My jobs"), "fa-tasks", HOURS)
    _add(appbuilder, PersonView, "Professionals", _l("Professionals"), "fa-user", PEOPLE)
    _add(appbuilder, UnitView, "Units", _l("Units"), "fa-building", PEOPLE)
    _add(appbuilder, PersonRequestView, "Registration requests", _l("Registration requests"),
         "fa-user-plus", PEOPLE)
    _add(appbuilder, RosterLinkView, "Roster links", _l("Roster links to confirm"), "fa-link", PEOPLE)
    _add(appbuilder, TrainingBaseView, "Training bases", _l("Training bases"), "fa-university", TRAINING)
    _add(appbuilder, DepartmentView, "Departments", _l("Departments"), "fa-sitemap", REFERENCE)
    _add(appbuilder, DistrictView, "Districts", _l("Districts"), "fa-map", REFERENCE)
    _add(appbuilder, AuditEntryView, "Audit log", _l("Audit log"), "fa-list-alt", AUDIT)
    _add(appbuilder, DashboardView, "Dashboard", _l("Dashboard"), "fa-bar-chart", GOVERNANCE)
    _add(appbuilder, PublishedPlanView, "Published projects", _l("Published training projects"),
         "fa-bullhorn", GOVERNANCE)
    _add(appbuilder, PlanProjectView, "Plan projects", _l("Plan projects"), "fa-list-ol", GOVERNANCE)
    _link(appbuilder, "Publish the list", _l("Publish the annual list"), "PlanProjectView.publish",
          "fa-paper-plane", GOVERNANCE)
    _add(appbuilder, SeminarView, "Advanced seminars", _l("Advanced seminars"), "fa-star", GOVERNANCE)
    _add(appbuilder, BaseEvaluationView, "Base evaluations", _l("Base evaluations"), "fa-check-circle",
         GOVERNANCE)
    _add(appbuilder, InspectionView, "Inspections", _l("Inspections"), "fa-search", GOVERNANCE)
    _add(appbuilder, CaseView, "Cases", _l("Cases handed to districts"), "fa-folder-open", GOVERNANCE)
    _add(appbuilder, DishonestyRecordView, "Dishonesty records", _l("Dishonesty records"), "fa-ban",
         GOVERNANCE)
    _add(appbuilder, LookupAlertView, "Lookup alerts", _l("ID-number lookup alerts"),
         "fa-bell", GOVERNANCE)
    _link(appbuilder, "City-wide notice", _l("City-wide notice"), "DishonestyRecordView.notice",
          "fa-exclamation-triangle", GOVERNANCE)
    appbuilder.add_link(
        "New login", href="UserScopeView.new", label=_l("New login"), icon="fa-user-plus",
        category="Security", category_label=_l("Security"),
    )
    appbuilder.add_view(
        UserScopeView, "Login scopes", label=_l("Login scopes"), icon="fa-key",
        category="Security", category_label=_l("Security"),
    )
    appbuilder.add_link(
        "Set a login's scope", href="UserScopeView.link", label=_l("Set a login's scope"),
        icon="fa-link", category="Security",
    )
    appbuilder.add_view(
        RoleGrantView, "Role grants", label=_l("Role grants"), icon="fa-user-plus", category="Security",
    )
    appbuilder.add_link(
        "Propose a role", href="RoleGrantView.propose", label=_l("Propose a role"),
        icon="fa-plus", category="Security",
    )
    for api in (PersonApi, UnitApi, TrainingBaseApi, DepartmentApi, DistrictApi, AuditEntryApi,
                ClaimApi, LedgerApi, YearCertificateApi, EligibilityApi, ExportBatchApi, PlatformImportApi,
                TrainingClassApi, EnrolmentApi, CertificateApi, PlanProjectApi, SeminarApi,
                BaseEvaluationApi, InspectionApi, CaseApi, DishonestyRecordApi, JobApi, RosterLinkApi,
                PersonRequestApi):
        appbuilder.add_api(api)
    openapi.register(appbuilder)
    # FAB's own security APIs too: no field's `_info` may fall back to gettext("")
    for view in appbuilder.baseviews:
        if isinstance(view, ModelRestApi) and not isinstance(view.description_columns, Descriptions):
            view.description_columns = Descriptions(view.description_columns or {}, view.label_columns or {})
    appbuilder.add_view_no_menu(MessageView)
    current_app.context_processor(lambda: {"unread_messages": unread_messages, "navbar_menu": navbar_menu})
    appbuilder.add_view_no_menu(LookupView)
    appbuilder.add_view_no_menu(WellKnownView)
    status = appbuilder.add_view_no_menu(StatusListView)
    appbuilder.sm.limiter.limit(current_app.config["XUESHI_VERIFY_RATE_LIMIT"])(status.blueprint)
    verify = appbuilder.add_view_no_menu(VerifyView)
    limiter = appbuilder.sm.limiter
    limiter.limit(current_app.config["XUESHI_VERIFY_RATE_LIMIT"])(verify.blueprint)
    lookup = "VerifyView.lookup"  # stricter: a name is guessed one request at a time
    current_app.view_functions[lookup] = limiter.limit(
        current_app.config["XUESHI_VERIFY_LOOKUP_RATE_LIMIT"])(current_app.view_functions[lookup])
    csrf.exempt(verify.blueprint)  # it reads only (app/views/verify.py)
