"""Screens and REST APIs, registered by area. Menus group what each role does."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..security import visibility  # noqa: F401  (registers the scope rules)
from .accounts import UserScopeView
from .audit import AuditEntryApi, AuditEntryView
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
from .eligibility import EligibilityApi, EligibilityView
from .exports import ExportBatchApi, ExportBatchView
from .imports import PlatformImportApi, PlatformImportView
from .ledgers import LedgerApi, LedgerView
from .people import PersonApi, PersonView

# Menu categories: (name, label, icon)
PEOPLE = ("People", _l("People and units"), "fa-users")
HOURS = ("Hours", _l("Hours"), "fa-clock-o")
TRAINING = ("Training", _l("Training"), "fa-graduation-cap")
REFERENCE = ("Reference", _l("Reference data"), "fa-book")
AUDIT = ("Audit", _l("Security audit"), "fa-shield")


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
    _add(appbuilder, ClaimView, "Claims", _l("Claims"), "fa-pencil-square-o", HOURS)
    _link(appbuilder, "New claim", _l("New claim"), "ClaimView.choose_kind", "fa-plus", HOURS)
    _add(appbuilder, LedgerView, "Ledgers", _l("Ledgers"), "fa-book", HOURS)
    _add(appbuilder, EligibilityView, "Hours check", _l("Hours check"), "fa-check-square-o", HOURS)
    _add(appbuilder, ExportBatchView, "Provincial exports", _l("Provincial exports"), "fa-upload", HOURS)
    _link(appbuilder, "New export", _l("New provincial export"), "ExportBatchView.new", "fa-file-excel-o", HOURS)
    _add(appbuilder, PlatformImportView, "Platform import", _l("Platform course import"), "fa-download", HOURS)
    _add(appbuilder, PersonView, "Professionals", _l("Professionals"), "fa-user", PEOPLE)
    _add(appbuilder, UnitView, "Units", _l("Units"), "fa-building", PEOPLE)
    _add(appbuilder, TrainingBaseView, "Training bases", _l("Training bases"), "fa-university", TRAINING)
    _add(appbuilder, DepartmentView, "Departments", _l("Departments"), "fa-sitemap", REFERENCE)
    _add(appbuilder, DistrictView, "Districts", _l("Districts"), "fa-map", REFERENCE)
    _add(appbuilder, AuditEntryView, "Audit log", _l("Audit log"), "fa-list-alt", AUDIT)
    appbuilder.add_view(
        UserScopeView, "Login scopes", label=_l("Login scopes"), icon="fa-key",
        category="Security", category_label=_l("Security"),
    )
    for api in (PersonApi, UnitApi, TrainingBaseApi, DepartmentApi, DistrictApi, AuditEntryApi,
                ClaimApi, LedgerApi, EligibilityApi, ExportBatchApi, PlatformImportApi):
        appbuilder.add_api(api)
