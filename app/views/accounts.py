"""登录范围: which district, department, unit, base or person a login sees."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext, lazy_gettext as _l

from ..extensions import db
from ..models import UserScope
from ..models.identity import RoleGrant
from ..security import scope as scopes
from ..services import accounts, role_grants
from ..services.errors import BusinessError
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


GRANT_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "user_id": (_l("Login"), _l("The login that is to get the role")),
    "role_name": (_l("Role"), _l("A role that needs a second administrator")),
    "proposed_by": (_l("Proposed by"), _l("The administrator who proposed the grant")),
    "proposed_at": (_l("Proposed at"), _l("When the grant was proposed")),
    "state": (_l("State"), _l("Proposed, approved or refused")),
    "decided_by": (_l("Decided by"), _l("The second administrator")),
    "decided_at": (_l("Decided at"), _l("When the grant was decided")),
}
GRANT_STATES = {"proposed": _l("Proposed"), "approved": _l("Approved"), "refused": _l("Refused")}


def _username(user_id) -> str:
    from flask import current_app

    user = current_app.appbuilder.sm.get_user_by_id(user_id) if user_id else None
    return user.username if user is not None else ""


def _privileged_roles() -> list[tuple[str, str]]:
    from ..security.roles import ROLE_LABELS, needs_second_administrator

    return [(name, str(label)) for name, label in ROLE_LABELS.items() if needs_second_administrator(name)]


PROPOSE_INPUTS = (
    Input("username", _l("Username")),
    Input("role", _l("Role"), "select", choices=_privileged_roles),
)
DECIDE_INPUTS = (
    Input("decision", _l("Decision"), "select",
          choices=lambda: [("approve", gettext("Approve")), ("refuse", gettext("Refuse"))]),
)


class RoleGrantView(ScopedModelView):
    """角色授予审批 (三员分立): one administrator proposes a privileged role, another decides."""

    datamodel = SQLAInterface(RoleGrant)
    fields = GRANT_FIELDS
    list_title = _l("Role grants")
    show_title = _l("Role grant")
    key_columns = ["user_id", "role_name", "state"]
    list_columns = ["id", "user_id", "role_name", "state", "proposed_by", "proposed_at", "decided_by",
                    "decided_at"]
    show_columns = list_columns
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_propose", "can_decide"]
    formatters_columns = {"user_id": _username, "proposed_by": _username, "decided_by": _username,
                          "state": lambda s: str(GRANT_STATES.get(s, s))}

    @expose("/propose", methods=["GET", "POST"])
    @has_access
    @permission_name("propose")
    def propose(self):
        form = build_form(PROPOSE_INPUTS, request.args.to_dict() or None)
        if request.method == "POST" and form.validate_on_submit():
            data = form_data(form)
            user = self.appbuilder.sm.find_user(username=(data["username"] or "").strip())
            if user is None:
                flash(gettext("No user %(username)s.", username=data["username"]), "danger")
            else:
                try:
                    grant = role_grants.propose(user, data["role"], by=g.user)
                    db.session.commit()
                except BusinessError as exc:
                    db.session.rollback()
                    flash(str(exc), "danger")
                else:
                    flash(gettext("Proposed: another administrator must approve it."), "success")
                    return redirect(url_for(".show", pk=grant.id))
        return self.render_template(
            "xueshi/form.html", form=form, title=gettext("Propose a role"), back_url=url_for(".list"),
            submit=gettext("Propose"), note=gettext(
                "Roles that need a second administrator (三员分立) are granted only when another "
                "administrator approves the proposal."))

    @expose("/decide/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("decide")
    def decide(self, pk):
        grant = scopes.get_or_404(RoleGrant, pk)
        form = build_form(DECIDE_INPUTS)
        if request.method == "POST" and form.validate_on_submit():
            try:
                role_grants.decide(grant.id, by=g.user, approve=form.decision.data == "approve")
            except BusinessError as exc:
                db.session.rollback()
                if exc.status == 404:
                    abort(404)
                flash(str(exc), "danger")
            else:
                flash(gettext("Decided."), "success")
            return redirect(url_for(".show", pk=pk))
        return self.render_template(
            "xueshi/form.html", form=form, title=gettext("Decide a role grant"),
            back_url=url_for(".show", pk=pk), submit=gettext("Save"),
            note=gettext("%(role)s for %(username)s, proposed by %(proposer)s.",
                         role=grant.role_name, username=_username(grant.user_id),
                         proposer=_username(grant.proposed_by)))
