"""The web process around the app: request ids, the one trusted reverse proxy,
`/healthz` and `/readyz` for the proxy and the orchestrator."""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, current_app, jsonify, request
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from . import logs
from .extensions import csrf, db

log = logging.getLogger("xueshi")
health = Blueprint("health", __name__)


class TrustedProxy:
    """ProxyFix for one reverse proxy, applied only to requests that come from
    it (XUESHI_FORWARDED_ALLOW_IPS, as gunicorn's forwarded_allow_ips): a client
    talking to the server directly cannot choose its own address."""

    def __init__(self, wsgi_app, allowed: list[str]):
        self.direct = wsgi_app
        self.fixed = ProxyFix(wsgi_app, x_for=1, x_proto=1, x_host=1)
        self.allowed = set(allowed)

    def __call__(self, environ, start_response):
        if "*" in self.allowed or environ.get("REMOTE_ADDR") in self.allowed:
            return self.fixed(environ, start_response)
        return self.direct(environ, start_response)


@health.get("/healthz")
def healthz():
    """The process is up (no database call)."""
    return jsonify(status="ok")


@health.get("/readyz")
def readyz():
    """Ready for traffic: the database answers, the queue storage answers and a
    consumer has sent a heartbeat lately."""
    from .jobs import queue

    checks, ready = {}, True
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # report, do not raise: the orchestrator reads the status
        db.session.rollback()
        checks["database"], ready = f"error: {type(exc).__name__}", False
    try:
        queue.ping()
        age = queue.heartbeat_age()
        checks["queue"] = queue.storage_kind()
        if age is None or age > current_app.config["XUESHI_HEARTBEAT_MAX_AGE"]:
            checks["consumer"], ready = "no heartbeat", False
        else:
            checks["consumer"] = f"heartbeat {age:.0f}s ago"
    except Exception as exc:
        checks["queue"], ready = f"error: {type(exc).__name__}", False
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503


class ProbeFreeSessions(SecureCookieSessionInterface):
    """The session cookie, written only by what a user does: never by a health check
    (probes are not visitors), a static file or the favicon, and by a script's
    background request only when it changed the session. Such responses carry the
    cookie the browser sent with them; arriving after a step's redirect, they would
    put back the session from before the step and lose its message (已提交…)."""

    def save_session(self, app, session, response):
        if request.blueprint == health.name or _is_static(request.endpoint):
            return
        if not session.modified and request.headers.get("Sec-Fetch-Mode", "navigate") != "navigate":
            return  # a background fetch refreshes no idle timeout and restores nothing
        super().save_session(app, session, response)


def _is_static(endpoint: str | None) -> bool:
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))


class NotReadyForProduction(RuntimeError):
    """XUESHI_ENV=production without what production needs; the message says what."""


def production_problems(settings) -> list[str]:
    """What keeps these settings from running in production (empty: nothing)."""
    from flask_babel import gettext

    problems = []
    if not settings.get("XUESHI_SECRET_FROM_ENV") or len(settings.get("SECRET_KEY") or "") < 32:
        problems.append(gettext("XUESHI_SECRET_KEY: set a random key of at least 32 characters."))
    if (not settings.get("XUESHI_PUBLIC_BASE_URL_FROM_ENV")
            or not str(settings.get("XUESHI_PUBLIC_BASE_URL", "")).startswith("https://")):
        problems.append(gettext("XUESHI_PUBLIC_BASE_URL: set the public https:// address."))
    if str(settings.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        problems.append(gettext("XUESHI_DATABASE_URL: production runs on PostgreSQL, not SQLite."))
    if not settings.get("XUESHI_REDIS_URL"):
        problems.append(gettext("XUESHI_REDIS_URL: production keeps the job queue in Redis."))
    if str(settings.get("RATELIMIT_STORAGE_URI", "memory://")).startswith("memory"):
        problems.append(gettext(
            "XUESHI_RATELIMIT_STORAGE_URI: rate limits must be shared by every worker (Redis)."))
    return problems


def check_production(app: Flask) -> None:
    """Refuse to start in production mode with development settings."""
    if app.config.get("XUESHI_ENV") != "production":
        return
    from flask_babel import force_locale

    with app.app_context(), force_locale("zh"):
        problems = production_problems(app.config)
    if problems:
        from flask_babel import gettext

        with app.app_context(), force_locale("zh"):
            title = gettext("XUESHI_ENV=production: Xueshi will not start until these are set:")
        raise NotReadyForProduction("\n".join([title] + problems))


def install(app: Flask) -> None:
    app.wsgi_app = TrustedProxy(app.wsgi_app, app.config["XUESHI_FORWARDED_ALLOW_IPS"])
    app.session_interface = ProbeFreeSessions()
    csrf.exempt(health)
    app.register_blueprint(health)

    @app.before_request
    def _request_id():
        logs.request_id()

    @app.after_request
    def _echo_request_id(response):
        response.headers["X-Request-ID"] = logs.request_id()
        return response
