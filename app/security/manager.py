"""Xueshi's FAB security manager: rate-limits the API login too, and describes
every field of FAB's user and role APIs (an undescribed field's `_info`
would otherwise show the catalog header under zh)."""
from __future__ import annotations

from flask_appbuilder.security.sqla.apis.role.api import RoleApi
from flask_appbuilder.security.sqla.apis.user.api import UserApi
from flask import g
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import inspect
from wtforms import ValidationError

USER_FIELDS = {
    "roles": (_l("Roles"), _l("Roles of the login (one business role per login)")),
    "first_name": (_l("Display name"), _l("Name shown in the menu bar")),
    "last_name": (_l("Remark"), _l("Free remark")),
    "username": (_l("Username"), _l("Login name")),
    "active": (_l("Login active"), _l("Inactive logins cannot sign in")),
    "email": (_l("E-mail"), _l("Contact e-mail, unique")),
    "password": (_l("Password"), _l("At least 10 characters mixing three of: lower case, upper case, digits, symbols")),
    "groups": (_l("Groups"), _l("Groups the login belongs to")),
}
ROLE_FIELDS = {"name": (_l("Name"), _l("Role name; roles are defined in code and synced by xueshi init"))}


class XueshiUserApi(UserApi):
    allow_browser_login = False  # JWT only, like every Xueshi API
    label_columns = {k: v[0] for k, v in USER_FIELDS.items()}
    description_columns = {k: v[1] for k, v in USER_FIELDS.items()}


class XueshiRoleApi(RoleApi):
    label_columns = {k: v[0] for k, v in ROLE_FIELDS.items()}
    description_columns = {k: v[1] for k, v in ROLE_FIELDS.items()}


def _one_role(form, field):
    if not field.data or len(field.data) != 1:
        raise ValidationError(gettext("A login has exactly one role."))


class XueshiUserDBModelView(UserDBModelView):
    """FAB's user screen without groups (a group would carry roles around the
    one-role rule), one role per login, and nobody changes their own roles."""

    class_permission_name = "UserDBModelView"  # keep FAB's permission names
    list_columns = [c for c in UserDBModelView.list_columns if c != "groups"]
    add_columns = [c for c in UserDBModelView.add_columns if c != "groups"]
    edit_columns = [c for c in UserDBModelView.edit_columns if c != "groups"]
    validators_columns = {"roles": [_one_role]}

    def pre_update(self, item):
        if item.id == g.user.id and inspect(item).attrs.roles.history.has_changes():
            raise ValueError(gettext("Nobody changes their own roles."))
        super().pre_update(item)


class XueshiSecurityManager(SecurityManager):
    user_api = XueshiUserApi
    role_api = XueshiRoleApi
    userdbmodelview = XueshiUserDBModelView

    def register_views(self) -> None:
        super().register_views()
        if self.is_auth_limited:
            # FAB limits only the form login; the JWT login gets the same limit.
            for view in self.appbuilder.baseviews:
                if isinstance(view, self.security_api):
                    self.limiter.limit(self.auth_rate_limit, methods=["POST"])(view.blueprint)
