"""登录范围: which district, department, unit, base or person a login sees."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from ..models import UserScope
from .base import ScopedModelView

SCOPE_FIELDS = {
    "user": (_l("User"), _l("The login")),
    "district": (_l("District"), _l("District officers see this district")),
    "department": (_l("Department"), _l("Authority staff see this department")),
    "unit": (_l("Unit"), _l("Unit reviewers see this unit")),
    "base": (_l("Training base"), _l("Base staff see this base")),
    "person": (_l("Professional"), _l("Professionals see themselves")),
}


class UserScopeView(ScopedModelView):
    """Read-only: scopes are set with `flask xueshi create-user`."""

    datamodel = SQLAInterface(UserScope)
    fields = SCOPE_FIELDS
    list_title = _l("Login scopes")
    show_title = _l("Login scope")
    list_columns = ["user_id", "district", "department", "unit", "base", "person"]
    show_columns = list_columns
    label_columns = {"user_id": _l("User ID")}
