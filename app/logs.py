"""Structured logs: one JSON object a line, each with the request id (or the job
id) it belongs to. Only method, path, status and timings are logged, never a
query string, a form or a name: no personal data in the logs."""
from __future__ import annotations

import logging
import logging.config
import re
import uuid
from contextvars import ContextVar

from flask import g, has_request_context, request

_job: ContextVar[str | None] = ContextVar("xueshi_log_job", default=None)
_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id() -> str | None:
    if has_request_context():
        if "request_id" not in g:
            given = request.headers.get("X-Request-ID", "")
            g.request_id = given if _ID.match(given) else uuid.uuid4().hex
        return g.request_id
    return _job.get()


def set_job(name: str | None):
    """Tag the log lines of a running job (returns the token to reset)."""
    return _job.set(name)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id()
        return True


class AccessFilter(logging.Filter):
    """gunicorn's access line (its atoms are the record's args) as fields."""

    FIELDS = {"h": "remote", "m": "method", "U": "path", "s": "status", "B": "bytes",
              "M": "duration_ms", "p": "pid", "{x-request-id}o": "request_id"}

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args if isinstance(record.args, dict) else {}
        for atom, name in self.FIELDS.items():
            if atom in atoms:
                setattr(record, name, atoms[atom])
        record.msg, record.args = "request", ()
        return True


FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"
JSON = "pythonjsonlogger.json.JsonFormatter"


def config_dict(level: str = "INFO") -> dict:
    """The logging setup of every process (gunicorn's logconfig_dict, the consumer)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}, "access": {"()": AccessFilter}},
        "formatters": {"json": {"()": JSON, "fmt": FORMAT,
                                "rename_fields": {"asctime": "time", "levelname": "level",
                                                  "name": "logger"}}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json",
                       "filters": ["request_id"], "stream": "ext://sys.stderr"},
            "access": {"class": "logging.StreamHandler", "formatter": "json",
                       "filters": ["access"], "stream": "ext://sys.stdout"},
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
            "huey": {"level": level, "handlers": ["stderr"], "propagate": False},
        },
    }


def configure(level: str = "INFO") -> None:
    logging.config.dictConfig(config_dict(level))
