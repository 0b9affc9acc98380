"""登录范围: which district, department, unit, base or person a login sees."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext, lazy_gettext as _l

from ..extensions import db
from ..models import UserScope
from ..services import accounts
from ..services.workflow import Input
from .base import ScopedModelView, expose
from .workflow import build_form, form_data

SCOPE_FIELDS = {
    "user": (_l("User"), _l("The login")),
    "district": (_l("District"), _l("District officers see this district")),
    "department": (_l("Department"), _l("Authority staff see this department")),
    "unit": (_l("Unit"), _l("Unit reviewers see this unit")),
    "base": (_l("Training base"), _l("Base staff see this base")),
    "person": (_l("Professional"), _l("Professionals see themselves")),
}
LINK_INPUTS = (
    Input("username", _l("Username")),
    Input("district", _l("District code (district officers)"), placeholder="370202"),
    Input("department", _l("Department name (authority staff)")),
    Input("unit", _l("Unit credit code (unit reviewers)")),
    Input("base", _l("Base code (base staff)")),
    Input("person", _l("ID number (professionals)")),
)


class UserScopeView(ScopedModelView):
    """The system administrator links each login to what it sees (as `xueshi create-user` does)."""

    datamodel = SQLAInterface(UserScope)
    fields = SCOPE_FIELDS
    list_title = _l("Login scopes")
    show_title = _l("Login scope")
    list_columns = ["user_id", "district", "department", "unit", "base", "person"]
    show_columns = list_columns
    label_columns = {"user_id": _l("User ID")}
    base_permissions = ["can_list", "can_show", "can_link"]

    @expose("/link", methods=["GET", "POST"])
    @has_access
    @permission_name("link")
    def link(self):
        form = build_form(LINK_INPUTS, request.args.to_dict() or None)
        if request.method == "POST" and form.validate_on_submit():
            data = form_data(form)
            try:
                row = accounts.link_scope(self.appbuilder, username=data.pop("username"), targets=data)
            except accounts.AccountError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
            else:
                flash(gettext("The login's scope is set."), "success")
                return redirect(url_for(".show", pk=row.id))
        return self.render_template(
            "xueshi/form.html", form=form, title=gettext("Set a login's scope"), back_url=url_for(".list"),
            submit=gettext("Save"), note=gettext(
                "Fill in only the field of the login's role: district officers a district code, "
                "authority staff a department, unit reviewers a credit code, base staff a base "
                "code, professionals an ID number."))
