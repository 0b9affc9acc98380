"""The web process around the app: request ids, the one trusted reverse proxy,
`/healthz` and `/readyz` for the proxy and the orchestrator."""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, current_app, jsonify
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


def install(app: Flask) -> None:
    app.wsgi_app = TrustedProxy(app.wsgi_app, app.config["XUESHI_FORWARDED_ALLOW_IPS"])
    csrf.exempt(health)
    app.register_blueprint(health)

    @app.before_request
    def _request_id():
        logs.request_id()

    @app.after_request
    def _echo_request_id(response):
        response.headers["X-Request-ID"] = logs.request_id()
        return response
