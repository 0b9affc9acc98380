"""Xueshi's FAB security manager.

On top of FAB: lockout and per-client CAPTCHA (`identity.py`, `captcha.py`),
a per-login token version checked on every session cookie and JWT, a new
session at login (the pre-login CSRF secret does not carry over), logout that
ends every session and token, single-use refresh tokens with reuse detection,
password history/expiry/forced change, login limits per client and per
account, and every field of FAB's user and role APIs described (an
undescribed field's `_info` would otherwise show the catalog header under zh).
"""
from __future__ import annotations

import secrets
import time
from datetime import datetime, timezone

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_appbuilder.api import safe
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.filters import FilterNotEqual
from flask_appbuilder.security import api as fab_api, views as fab_views
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.security.forms import LoginForm_db, ResetPasswordForm
from flask_appbuilder.security.sqla.apis.role.api import RoleApi
from flask_appbuilder.security.sqla.apis.user.api import UserApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import UserDBModelView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_appbuilder.views import expose
from flask_appbuilder.widgets import ListWidget, ShowWidget
from flask_babel import gettext, lazy_gettext as _l
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    decode_token,
    get_jwt,
    jwt_required,
)
from flask_login import login_user, logout_user
from sqlalchemy import inspect, select, update
from werkzeug.security import check_password_hash
from wtforms import StringField, ValidationError
from wtforms.validators import DataRequired, Email, InputRequired, Optional

from ..extensions import db
from ..formatting import placeholder_email, real_email, shown_email
from ..models.identity import RefreshToken
from ..services import audit
from . import captcha, identity, mfa, scope
from .roles import needs_second_administrator
from .scope import granted

USER_FIELDS = {
    "roles": (_l("Roles"), _l("Roles of the login (one business role per login)")),
    "first_name": (_l("Display name"), _l("Name shown in the menu bar")),
    "last_name": (_l("Remark"), _l("Free remark")),
    "username": (_l("Username"), _l("Login name")),
    "active": (_l("Login active"), _l("Inactive logins cannot sign in")),
    "email": (_l("E-mail"), _l("Contact e-mail, unique")),
    "password": (_l("Password"), _l("At least 10 characters mixing three of: lower case, upper case, digits, symbols")),
    "groups": (_l("Groups"), _l("Groups the login belongs to")),
    "id": (_l("ID"), _l("Internal record number")),
    "roles.id": (_l("Role ID"), _l("Internal number of the role")),
    "roles.name": (_l("Role"), _l("Name of the role")),
    "created_on": (_l("Created"), _l("When the record was created")),
    "created_by.id": (_l("Created by"), _l("Internal number of the login that created it")),
    "changed_on": (_l("Updated"), _l("When the record was last changed")),
    "changed_by.id": (_l("Changed by"), _l("Internal number of the login that last changed it")),
    "last_login": (_l("Last sign-in"), _l("When the login last signed in")),
    "login_count": (_l("Sign-ins"), _l("How many times the login has signed in")),
    "fail_login_count": (_l("Failed sign-ins"), _l("Wrong passwords since the last sign-in")),
}
ROLE_FIELDS = {"id": (_l("ID"), _l("Internal record number")),
               "name": (_l("Name"), _l("Role name; roles are defined in code and synced by xueshi init"))}
SESSION_VERSION = "_xv"
# Between a right password and the second factor: the login waiting for its code
# (or its enrolment). Nothing is signed in until the factor is given.
PENDING = "_mfa_pending"
PENDING_SECONDS = 300
INVALID_LOGIN = _l("Wrong username or password, or the login is locked for a while.")


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


def _address_unless_placeholder(form, field):
    """An e-mail address, or the placeholder a login without one keeps (sent back
    unchanged by a form that still holds it: it is no address to check)."""
    if real_email(field.data):
        Email(message=_l("Not an e-mail address."))(form, field)


def _role_label(role) -> str:
    from .roles import role_label

    return role_label(role.name)


def _role_names(roles) -> str:
    return "、".join(_role_label(r) for r in roles or ())


class XueshiRoleModelView(fab_views.RoleModelView):
    """FAB's role screen, searched by name and permission (no groups here, and
    FAB's own search labels for users and groups are English)."""

    class_permission_name = "RoleModelView"  # keep FAB's permission names
    search_columns = ["name", "permissions"]
    # the app's own list and show widgets, which apply the formatters: a role and
    # its permissions in words (roles.role_label, roles.permissions_label), not codes
    list_widget = ListWidget
    show_widget = ShowWidget
    formatters_columns = {"name": lambda name: _role_label_of(name),
                          "permissions": lambda pvs: _permissions_label(pvs)}

    def _init_forms(self):
        super()._init_forms()
        self.search_form.permissions.kwargs["get_label"] = _permission_label


def _role_label_of(name: str) -> str:
    from .roles import role_label

    return role_label(name)


def _permissions_label(pvs) -> str:
    from .roles import permissions_label

    return permissions_label(pvs)


def _permission_label(pv) -> str:
    from .roles import permission_label

    return permission_label(pv.permission.name, pv.view_menu.name)


class XueshiUserDBModelView(UserDBModelView):
    """FAB's user screen without groups (a group would carry roles around the
    one-role rule) and without FAB's surname field, one role per login, and
    nobody changes their own roles. Logins are created on the one form of
    login, role and scope (UserScopeView.new): FAB's add page leads there. A
    role change or deactivation ends the login's sessions and tokens."""

    class_permission_name = "UserDBModelView"  # keep FAB's permission names
    list_columns = ["username", "first_name", "roles", "active"]
    edit_columns = ["first_name", "username", "active", "email", "roles"]
    show_fieldsets = [(label, {**spec, "fields": [f for f in spec["fields"] if f != "last_name"]})
                      for label, spec in UserDBModelView.show_fieldsets]
    user_show_fieldsets = [(label, {**spec, "fields": [f for f in spec["fields"] if f != "last_name"]})
                           for label, spec in UserDBModelView.user_show_fieldsets]
    validators_columns = {"roles": [_one_role]}
    description_columns = {  # FAB's speak of LDAP and OID, which Xueshi has not
        "first_name": _l("Shown in the menu bar"),
        "username": _l("The name typed at sign-in"),
        "active": UserDBModelView.description_columns["active"],
        "email": _l("Optional"),
        "roles": _l("One role per login; a role that needs a second administrator is proposed to one"),
    }
    formatters_columns = {"roles": _role_names, "email": shown_email,
                          "active": lambda active: gettext("Yes") if active else gettext("No")}
    edit_form_query_rel_fields = {"roles": [["name", FilterNotEqual, "Public"]]}

    def _init_forms(self):
        super()._init_forms()
        self.edit_form.roles.kwargs["get_label"] = _role_label  # FAB offers a role by its code
        # the e-mail is optional (nothing in Xueshi needs one): blank keeps the placeholder
        email = self.edit_form.email.kwargs
        email["validators"] = [Optional(), _address_unless_placeholder] + [
            v for v in email.get("validators", []) if not isinstance(v, (InputRequired, DataRequired))]

    def prefill_form(self, form, pk):
        if not real_email(form.email.data):
            form.email.data = ""  # the placeholder is no address to show or edit

    def pre_update(self, item):
        if not (item.email or "").strip():
            item.email = placeholder_email(item.username)
        self._pre_update(item)

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        return redirect(url_for("UserScopeView.new"))

    def _held_back(self, item, before) -> list[str]:
        """三员分立: a role that needs a second administrator is not granted here.
        The login keeps the roles it had (`before`); the attempt is audited and
        becomes a proposal for another administrator (role_grants)."""
        from ..services import role_grants

        wanted = [r.name for r in item.roles if r.name not in {b.name for b in before}]
        held = [name for name in wanted if needs_second_administrator(name)]
        if held:
            item.roles = list(before)
            for name in held:
                role_grants.refuse_alone(item, name, by=g.user)
        return held

    def _propose(self, item, held) -> None:
        from ..services import role_grants

        for name in held:
            role_grants.propose(item, name, by=g.user)
        flash(gettext("A second administrator must approve this role: the grant is proposed "
                      "(Security → Role grants)."), "warning")

    def _pre_update(self, item):
        attrs = inspect(item).attrs
        if item.id == g.user.id and attrs.roles.history.has_changes():
            raise ValueError(gettext("Nobody changes their own roles."))
        history = attrs.roles.history
        held = self._held_back(item, list(history.unchanged or ()) + list(history.deleted or ()))
        if held:
            self._propose(item, held)
        super().pre_update(item)
        if attrs.roles.history.has_changes() or attrs.active.history.has_changes():
            identity.end_sessions(item, "roles" if attrs.roles.history.has_changes() else "active")


class _NewPasswordForm(ResetPasswordForm):
    """FAB's form, plus the history check for the login whose password changes."""

    def subject(self):
        return g.user

    def validate_password(self, field):
        problem = identity.new_password_problem(self.subject(), field.data or "")
        if problem:
            raise ValidationError(problem)


class _AdminResetForm(_NewPasswordForm):
    def subject(self):
        return current_app.appbuilder.sm.get_user_by_id(_pk_arg())


def _pk_arg() -> int | None:
    value = request.args.get("pk", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


# Same class names as FAB's: endpoints and permission names stay FAB's.
class ResetMyPasswordView(fab_views.ResetMyPasswordView):
    form = _NewPasswordForm
    message = _l("Password changed. Your other sessions and tokens have ended.")

    def form_post(self, form) -> None:
        identity.set_password(g.user, form.password.data, by_administrator=False)
        db.session.commit()
        # this session goes on under the new version; every other one has ended
        session[SESSION_VERSION] = identity.current_version(g.user.id)
        flash(str(self.message), "info")


class ResetPasswordView(fab_views.ResetPasswordView):
    form = _AdminResetForm
    message = _l("Password reset. The login must choose a new one at its next sign-in.")

    @expose("/form", methods=["POST"])
    @has_access
    def this_form_post(self):
        if self.appbuilder.sm.get_user_by_id(_pk_arg()) is None:
            from flask import abort

            abort(404)
        return super().this_form_post()

    def form_post(self, form) -> None:
        user = self.appbuilder.sm.get_user_by_id(_pk_arg())
        identity.set_password(user, form.password.data, by_administrator=True)
        db.session.commit()
        flash(str(self.message), "info")


class LoginForm(LoginForm_db):
    pass


class SecondFactorForm(DynamicForm):
    code = StringField(_l("Code"), validators=[DataRequired()])


def _fresh_session() -> None:
    """Nothing from before login carries over (CSRF secret included), but the language."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def begin_second_factor(user, next_url: str) -> None:
    _fresh_session()
    session[PENDING] = {"uid": user.id, "ver": identity.current_version(user.id),
                        "exp": int(time.time()) + PENDING_SECONDS, "next": next_url}


def pending_user():
    """The login whose password was right and whose second factor is awaited, or None."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("exp", 0) < time.time():
        return None
    user = current_app.appbuilder.sm.get_user_by_id(pending.get("uid"))
    if user is None or not user.is_active or pending.get("ver") != identity.current_version(user.id):
        return None  # locked, reset or logged out everywhere meanwhile
    return user


class AuthDBView(fab_views.AuthDBView):
    login_template = "xueshi/login.html"
    invalid_login_message = INVALID_LOGIN

    @expose("/login/", methods=["GET", "POST"])
    def login(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(self._get_safe_next_url())
        sm = self.appbuilder.sm
        address = audit.client_address()
        form = LoginForm()
        need_captcha = identity.captcha_needed(address)
        if form.validate_on_submit():
            next_url = get_safe_redirect(request.args.get("next", ""))
            if need_captcha and not captcha.check(request.form.get("captcha")):
                identity.client_failed(address)
                audit.security_event("login.failure", username=form.username.data,
                                     reason="captcha", channel="form", commit=True)
                flash(gettext("The characters in the picture were not typed correctly."), "warning")
                return redirect(self.appbuilder.get_url_for_login_with(next_url))
            user = sm.authenticate(form.username.data, form.password.data, channel="form")
            if user is None:
                flash(str(self.invalid_login_message), "warning")
                return redirect(self.appbuilder.get_url_for_login_with(next_url))
            state = identity.state_of(user.id)
            if mfa.enrolled(state) or mfa.required(user):
                begin_second_factor(user, next_url)
                return redirect(url_for(f".{'code' if mfa.enrolled(state) else 'enrol'}"))
            sm.start_session(user, channel="form")
            return redirect(next_url)
        return self.render_template(self.login_template, title=self.title, form=form,
                                    appbuilder=self.appbuilder, need_captcha=need_captcha)

    @expose("/login/code", methods=["GET", "POST"])
    def code(self):
        """The second step: a code from the authenticator app, or a recovery code."""
        user = pending_user()
        if user is None:
            session.pop(PENDING, None)
            flash(gettext("Sign in again: the sign-in was not completed in time."), "warning")
            return redirect(self.appbuilder.get_url_for_login)
        form = SecondFactorForm()
        if form.validate_on_submit():
            if mfa.verify(user, form.code.data):
                next_url = session.get(PENDING, {}).get("next") or self.appbuilder.get_url_for_index
                self.appbuilder.sm.start_session(user, channel="form")
                return redirect(get_safe_redirect(next_url))
            flash(gettext("Wrong or already used code."), "warning")
            return redirect(url_for(".code"))
        return self.render_template("xueshi/login_code.html", title=gettext("Second factor"),
                                    form=form, appbuilder=self.appbuilder)

    @expose("/login/enrol", methods=["GET", "POST"])
    def enrol(self):
        """Enrol an authenticator app: a QR code, a first code, then the recovery codes.
        The pending login of a role that requires it, or any signed-in login."""
        signed_in = g.user is not None and g.user.is_authenticated
        user = g.user if signed_in else pending_user()
        if user is None:
            return redirect(self.appbuilder.get_url_for_login)
        if mfa.enrolled(identity.state_of(user.id)):
            flash(gettext("The second factor is already set up. The system administrator "
                          "can reset it (xueshi reset-2fa)."), "info")
            return redirect(self.appbuilder.get_url_for_index)
        form = SecondFactorForm()
        if form.validate_on_submit():
            codes = mfa.confirm(user, form.code.data)
            if codes is None:
                flash(gettext("Wrong code: check the time on your phone and type the current code."),
                      "warning")
                return redirect(url_for(".enrol"))
            next_url = self.appbuilder.get_url_for_index
            if not signed_in:
                next_url = get_safe_redirect(session.get(PENDING, {}).get("next") or next_url)
                self.appbuilder.sm.start_session(user, channel="form")
            return self.render_template("xueshi/recovery_codes.html", title=gettext("Recovery codes"),
                                        codes=codes, next_url=next_url, appbuilder=self.appbuilder)
        secret = mfa.candidate(user)
        uri = mfa.provisioning_uri(user, secret)
        return self.render_template(
            "xueshi/enrol.html", title=gettext("Set up the second factor"), form=form,
            qr=mfa.qr_data_uri(uri), secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
            required=mfa.required(user), appbuilder=self.appbuilder)

    @expose("/login/captcha.png")
    def captcha_image(self):
        from flask import make_response

        resp = make_response(captcha.new_image())
        resp.headers["Content-Type"] = "image/png"
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @expose("/logout/")
    def logout(self):
        user = g.user if g.user is not None and g.user.is_authenticated else None
        if user is not None:
            identity.end_sessions(user, "logout")
            audit.security_event("logout", user=user, channel="form")
            db.session.commit()
        logout_user()
        session.clear()
        return redirect(self.appbuilder.get_url_for_index)


class SecurityApi(fab_api.SecurityApi):
    """JWT login with lockout, single-use refresh tokens, and a logout."""

    @expose("/login", methods=["POST"])
    @safe
    def login(self):
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response_400(message=gettext("The request body must be JSON."))
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not isinstance(password, str) or body.get("provider", "db") != "db":
            return self.response_400(message=gettext("username, password and provider db are required."))
        sm = self.appbuilder.sm
        user = sm.authenticate(username, password, channel="api")
        if user is None:
            return self.response_401()
        reason = sm.blocked_reason(user)
        if reason:
            db.session.rollback()
            return self.response(403, message=reason)
        if mfa.enrolled(identity.state_of(user.id)):
            code = body.get("totp")
            if not isinstance(code, str) or not code.strip():
                db.session.rollback()
                return self.response(401, message=gettext(
                    "This login signs in with a second factor: send the code as totp."))
            if not mfa.verify(user, code):
                return self.response_401()
        audit.security_event("login.success", user=user, channel="api")
        db.session.commit()
        resp = {"access_token": create_access_token(identity=str(user.id), fresh=True)}
        if body.get("refresh"):
            resp["refresh_token"] = issue_refresh_token(user, secrets.token_hex(16))
            db.session.commit()
        return self.response(200, **resp)

    @expose("/refresh", methods=["POST"])
    @jwt_required(refresh=True)
    @safe
    def refresh(self):
        claims = get_jwt()
        row = db.session.get(RefreshToken, claims.get("jti", ""), with_for_update=True)
        user = g.user
        if row is None or row.revoked or row.user_id != user.id:
            return self.response_401()
        if row.used_at is not None:
            # a used token again: somebody holds a copy; end the whole family and every session
            db.session.execute(update(RefreshToken).where(RefreshToken.family == row.family)
                               .values(revoked=True))
            audit.security_event("token.reuse", user=user, family=row.family[:8])
            identity.end_sessions(user, "refresh token reuse")
            db.session.commit()
            return self.response_401()
        row.used_at = identity.now()
        new_refresh = issue_refresh_token(user, row.family)
        audit.security_event("token.refresh", user=user, family=row.family[:8])
        db.session.commit()
        return self.response(200, access_token=create_access_token(identity=str(user.id), fresh=False),
                             refresh_token=new_refresh)

    @expose("/logout", methods=["POST"])
    @jwt_required(verify_type=False)
    @safe
    def logout(self):
        """End every session and token of the caller's login.
        ---
        post:
          description: End every session, access token and refresh token of this login
          responses:
            200:
              description: Logged out
            401:
              $ref: '#/components/responses/401'
        """
        user = g.user
        identity.end_sessions(user, "logout")
        audit.security_event("logout", user=user, channel="api")
        db.session.commit()
        return self.response(200, message=gettext("Logged out."))


def issue_refresh_token(user, family: str) -> str:
    token = create_refresh_token(identity=str(user.id))
    claims = decode_token(token)
    db.session.add(RefreshToken(
        jti=claims["jti"], user_id=user.id, family=family,
        expires_at=datetime.fromtimestamp(claims["exp"], tz=timezone.utc),
    ))
    return token


def _typed_username() -> str:
    data = request.get_json(silent=True) if request.is_json else request.form
    name = data.get("username") if hasattr(data, "get") else None
    return str(name or "").strip().lower()[:100]


def _username_key() -> str:
    return f"account:{_typed_username()}"


class XueshiSecurityManager(SecurityManager):
    user_api = XueshiUserApi
    role_api = XueshiRoleApi
    userdbmodelview = XueshiUserDBModelView
    rolemodelview = XueshiRoleModelView
    authdbview = AuthDBView
    security_api = SecurityApi
    resetmypasswordview = ResetMyPasswordView
    resetpasswordview = ResetPasswordView

    def register_views(self) -> None:
        super().register_views()
        if self.is_auth_limited:
            account_limit = current_app.config["XUESHI_ACCOUNT_RATE_LIMIT"]
            for view in self.appbuilder.baseviews:
                if isinstance(view, self.security_api):
                    # FAB limits only the form login; the JWT login gets the same limit.
                    self.limiter.limit(self.auth_rate_limit, methods=["POST"])(view.blueprint)
                if isinstance(view, (self.security_api, self.authdbview)):
                    # and both are limited per account name, whichever client asks
                    self.limiter.shared_limit(
                        account_limit, scope="login-account", key_func=_username_key,
                        methods=["POST"], exempt_when=lambda: not _typed_username(),
                    )(view.blueprint)

    def exist_permission_on_roles(self, view_name: str, permission_name: str,
                                  role_ids: list[int]) -> bool:
        """FAB asks this for every menu entry and button of a page: answered from
        the roles' grants, read once per request (scope.granted), not one query each."""
        return (permission_name, view_name) in scope.granted(frozenset(role_ids))

    # ---- authentication --------------------------------------------------------

    def authenticate(self, username: str, password: str, *, channel: str):
        """The login for these credentials, or None; failures counted and audited.
        The answer never tells whether the login exists or is locked."""
        address = audit.client_address()
        username = (username or "").strip()
        user = self.find_user(username=username) if username else None
        fake = current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"]
        reason = None
        if user is None or not user.is_active:
            check_password_hash(fake, "password")
            reason = "unknown" if user is None else "inactive"
        elif identity.locked(identity.state_of(user.id)):
            check_password_hash(fake, "password")
            reason = "locked"
        elif not password or not check_password_hash(user.password, password):
            reason = "password"
        if reason is None:
            if not mfa.enrolled(identity.state_of(user.id)):
                # with a second factor, failures are cleared only once the code is right
                identity.login_succeeded(user)
                identity.client_succeeded(address)
            self.update_user_auth_stat(user, True)  # commits
            return user
        identity.client_failed(address)
        if reason == "password":
            identity.login_failed(user)
            user.fail_login_count = (user.fail_login_count or 0) + 1
        audit.security_event("login.locked" if reason == "locked" else "login.failure",
                             user=user if reason != "unknown" else None,
                             username=username[:64], reason=reason, channel=channel)
        db.session.commit()
        return None

    def blocked_reason(self, user) -> str | None:
        """Why an authenticated login may not use the API yet (it must act on screen)."""
        state = identity.state_of(user.id)
        reason = identity.password_change_reason(state)
        if reason:
            return gettext("Change your password on screen first: %(reason)s", reason=reason)
        if mfa.needs_enrolment(user, state):
            return gettext("Set up the second factor on screen first (sign in there once).")
        return None

    def start_session(self, user, *, channel: str) -> None:
        """A new session: nothing from before login carries over (CSRF secret included)."""
        _fresh_session()
        login_user(user, remember=False)
        session[SESSION_VERSION] = identity.current_version(user.id)
        audit.security_event("login.success", user=user, channel=channel)
        if identity.password_expired(identity.state_of(user.id)):
            audit.security_event("password.expired", user=user)  # the change is forced next
        db.session.commit()

    # ---- every request ---------------------------------------------------------

    def _has_view_access(self, user, permission_name: str, view_name: str) -> bool:
        """FAB's check (a menu item, a `@has_access` view) read from the request's one
        grants query (`scope.granted`) instead of one query per item."""
        roles = self.get_user_roles(user)
        if any(role.name in self.builtin_roles
               and self._has_access_builtin_roles(role, permission_name, view_name) for role in roles):
            return True
        names = frozenset(role.name for role in roles if role.name not in self.builtin_roles)
        return (permission_name, view_name) in granted(names)

    def load_user(self, pk):
        user = super().load_user(pk)
        if user is None:
            return None
        if session.get(SESSION_VERSION) != identity.current_version(user.id):
            return None
        return user

    def load_user_jwt(self, _jwt_header, jwt_data):
        try:
            user = self.get_user_by_id(int(jwt_data["sub"]))
        except (KeyError, TypeError, ValueError):
            return None
        if user is None or not user.is_active:
            return None
        if jwt_data.get("ver") != identity.current_version(user.id):
            return None
        if self.blocked_reason(user):
            return None
        g.user = user
        return user

    def create_jwt_manager(self, app) -> JWTManager:
        manager = super().create_jwt_manager(app)

        @manager.additional_claims_loader
        def _version(identity_value):
            return {"ver": identity.current_version(int(identity_value))}

        return manager

    def reset_password(self, userid, password):
        """Every password change goes through the history and the token version."""
        user = self.get_user_by_id(userid)
        by_admin = not (g.get("user") is not None and getattr(g.user, "id", None) == user.id)
        identity.set_password(user, password, by_administrator=by_admin)
        db.session.commit()
