"""Logins and what they see: the one form of login, role and scope (新建账号),
a login's scope changed, and role grants decided by two administrators."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Optional

from ..extensions import db
from ..models import Department, District, TrainingBase, Unit, UserScope
from ..models.identity import RoleGrant
from ..security import scope as scopes
from ..security.roles import ROLE_LABELS, needs_second_administrator
from ..services import accounts, role_grants
from ..services.errors import BusinessError
from ..services.workflow import Input
from .base import ScopedModelView, expose
from .lists import LookupField
from .workflow import build_form, form_data


def _username(user_id) -> str:
    from flask import current_app

    user = current_app.appbuilder.sm.get_user_by_id(user_id) if user_id else None
    return user.username if user is not None else ""


SCOPE_FIELDS = {
    "user_id": (_l("Login"), _l("The login")),
    "district": (_l("District"), _l("District officers see this district")),
    "department": (_l("Department"), _l("Authority staff see this department")),
    "unit": (_l("Unit"), _l("Unit reviewers see this unit")),
    "base": (_l("Training base"), _l("Base staff see this base")),
    "person": (_l("Professional"), _l("Professionals see themselves")),
}
SCOPE_TARGETS = ("district", "department", "unit", "base", "person")


def _role_choices():
    """Every Xueshi role by its Chinese name (FAB's Public is none of them); a
    role granted only with a second administrator says so."""
    return [("", gettext("Choose a role"))] + [
        (name, gettext("%(role)s (needs a second administrator)", role=label)
         if needs_second_administrator(name) else str(label))
        for name, label in ROLE_LABELS.items()]


class ScopeForm(FlaskForm):
    """What a login sees: one district, department, unit or base chosen from a
    list searched as you type (rows through the administrator's scope), or the
    ID number of the professional it belongs to."""

    district = LookupField(SCOPE_FIELDS["district"][0], model=District)
    department = LookupField(SCOPE_FIELDS["department"][0], model=Department)
    unit = LookupField(SCOPE_FIELDS["unit"][0], model=Unit)
    base = LookupField(SCOPE_FIELDS["base"][0], model=TrainingBase)
    person = StringField(_l("ID number of the professional"), filters=[lambda v: (v or "").strip()])

    def targets(self) -> dict:
        """Scope target -> the chosen row (or the typed ID number)."""
        return {name: (self[name].chosen if name != "person" else self[name].data)
                for name in SCOPE_TARGETS}


class AccountForm(ScopeForm):
    username = StringField(_l("Username"), [DataRequired()], description=_l("The name typed at sign-in"))
    full_name = StringField(_l("Real name"), [DataRequired()], description=_l("Shown in the menu bar"))
    email = StringField(_l("E-mail"), [Optional(), Email(message=_l("Not an e-mail address."))],
                        description=_l("Optional"))
    role = SelectField(_l("Role"), [DataRequired()], choices=_role_choices)
    password = PasswordField(_l("Temporary password"), [DataRequired()], description=_l(
        "At least 10 characters mixing three of: lower case, upper case, digits, symbols. "
        "The login chooses its own password at its first sign-in."))
    conf_password = PasswordField(_l("Repeat the password"), [
        DataRequired(), EqualTo("password", message=_l("The passwords differ."))])

    ORDER = ("username", "full_name", "email", "role", *SCOPE_TARGETS, "password", "conf_password")


class LinkForm(ScopeForm):
    username = StringField(_l("Username"), [DataRequired()])

    ORDER = ("username", *SCOPE_TARGETS)


def _scope_page(view, form, *, title, submit, note):
    """The account and scope forms: on the account form only the scope field
    that fits the chosen role is shown, and it is required (the scope form shows
    them all, for one of them to be chosen)."""
    if "role" in form._fields:
        for target in SCOPE_TARGETS:
            roles = [role for role in ROLE_LABELS if accounts.scope_target(role) == target]
            form[target].render_kw = {"data-shown-when": "role=" + ",".join(roles), "required": True}
    return view.render_template(
        "xueshi/form.html", form=form, fields=[form[name] for name in form.ORDER], form_id="account-form",
        title=title, submit=submit, note=note, back_url=url_for(".list"))


def _show_error(form, exc: accounts.AccountError) -> None:
    """An account refused: the message under the field it concerns, else at the top."""
    if exc.field in form._fields:
        form[exc.field].errors = [*form[exc.field].errors, str(exc)]
    else:
        flash(str(exc), "danger")


class UserScopeView(ScopedModelView):
    """The system administrator creates logins with their role and scope on one
    form, and changes what an existing login sees."""

    datamodel = SQLAInterface(UserScope)
    fields = SCOPE_FIELDS
    list_title = _l("Login scopes")
    show_title = _l("Login scope")
    list_columns = ["user_id", "district", "department", "unit", "base", "person"]
    show_columns = list_columns
    base_permissions = ["can_list", "can_show", "can_create", "can_link"]

    formatters_columns = {"user_id": _username}

    @expose("/new", methods=["GET", "POST"])
    @has_access
    @permission_name("create")
    def new(self):
        form = AccountForm()
        if form.validate_on_submit():
            try:
                user = accounts.create_user(
                    self.appbuilder, username=form.username.data, password=form.password.data,
                    role=form.role.data, targets=form.targets(), full_name=form.full_name.data,
                    email=form.email.data, must_change=True, by=g.user)
            except accounts.AccountError as exc:
                db.session.rollback()
                _show_error(form, exc)
            else:
                if user.roles:
                    flash(gettext("Login %(username)s created: it signs in now and chooses its own "
                                  "password first.", username=user.username), "success")
                else:
                    flash(gettext("Login %(username)s created without a role: a second administrator "
                                  "must approve %(role)s (Security → Role grants).",
                                  username=user.username, role=ROLE_LABELS[form.role.data]), "warning")
                return redirect(url_for(f"{self.appbuilder.sm.user_view.endpoint}.show", pk=user.id))
        return _scope_page(self, form, title=gettext("New login"), submit=gettext("Create the login"),
                           note=gettext("Choose the role first; then choose what the login sees. Roles "
                                        "marked 三员分立 are granted only when another administrator "
                                        "approves."))

    @expose("/link", methods=["GET", "POST"])
    @has_access
    @permission_name("link")
    def link(self):
        form = LinkForm(data=request.args.to_dict() or None)
        if form.validate_on_submit():
            try:
                row = accounts.link_scope(self.appbuilder, username=form.username.data,
                                          targets=form.targets())
            except accounts.AccountError as exc:
                db.session.rollback()
                _show_error(form, exc)
            else:
                flash(gettext("The login's scope is set."), "success")
                return redirect(url_for(".show", pk=row.id))
        return _scope_page(self, form, title=gettext("Set a login's scope"), submit=gettext("Save"),
                           note=gettext("Choose what the login sees: the field of its role."))


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


def _privileged_roles() -> list[tuple[str, str]]:
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
