"""Per-request guards: a login that must change its password reaches only the
password form (and logout), one that must set up its second factor only the
enrolment page; security headers on every response."""
from __future__ import annotations

import secrets

from flask import Flask, current_app, flash, g, redirect, request, url_for

from . import identity, mfa

# endpoints a login may reach before it has done what it must do first
_OPEN = {"static", "appbuilder.static", "LocaleView.index"}


def _open_endpoints() -> set[str]:
    sm = current_app.appbuilder.sm
    return _OPEN | {
        f"{sm.auth_view.endpoint}.logout",
        f"{sm.auth_view.endpoint}.login",
        f"{sm.auth_view.endpoint}.code",
        f"{sm.auth_view.endpoint}.enrol",
        "ResetMyPasswordView.this_form_get",
        "ResetMyPasswordView.this_form_post",
    }


def _must_act():
    user = g.get("user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if request.endpoint in _open_endpoints() or request.path.startswith("/api/"):
        return None  # the API checks the same in the JWT loader
    state = identity.state_of(user.id)
    if mfa.needs_enrolment(user, state):
        return redirect(url_for(f"{current_app.appbuilder.sm.auth_view.endpoint}.enrol"))
    reason = identity.password_change_reason(state)
    if reason:
        flash(reason, "warning")
        return redirect(url_for("ResetMyPasswordView.this_form_get"))
    return None


def _nonce() -> str:
    """The request's CSP nonce (FAB's templates put `csp_nonce()` on every script)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _headers(response):
    config = current_app.config
    headers = response.headers
    headers.setdefault("Content-Security-Policy", config["XUESHI_CSP"].format(nonce=_nonce()))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if config["SESSION_COOKIE_SECURE"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint and (request.endpoint.endswith(".login") or request.path.startswith("/api/v1/security")):
        headers["Cache-Control"] = "no-store"
    headers.pop("Server", None)
    return response


def install(app: Flask) -> None:
    app.before_request(_must_act)
    app.after_request(_headers)
    # a global, not a context variable: FAB's widgets import baselib without context
    app.jinja_env.globals["csp_nonce"] = _nonce
