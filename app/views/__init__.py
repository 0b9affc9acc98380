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
from .people import PersonApi, PersonView

# Menu categories: (name, label, icon)
PEOPLE = ("People", _l("People and units"), "fa-users")
TRAINING = ("Training", _l("Training"), "fa-graduation-cap")
REFERENCE = ("Reference", _l("Reference data"), "fa-book")
AUDIT = ("Audit", _l("Security audit"), "fa-shield")


def _add(appbuilder, view, name, label, icon, category):
    cat_name, cat_label, cat_icon = category
    appbuilder.add_view(
        view, name, label=label, icon=icon,
        category=cat_name, category_label=cat_label, category_icon=cat_icon,
    )


def register_views(appbuilder) -> None:
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
    for api in (PersonApi, UnitApi, TrainingBaseApi, DepartmentApi, DistrictApi, AuditEntryApi):
        appbuilder.add_api(api)
