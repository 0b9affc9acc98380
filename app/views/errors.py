"""Error pages: every HTTP error a person can meet is told in Chinese, in the
site's frame with a way back; an API caller gets the same words as JSON."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_login import current_user
from flask_babel import gettext, lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from ..formatting import local_time

TITLES = {
    400: _l("The request could not be understood"),
    401: _l("Please log in"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Not possible here"),
    409: _l("The record has changed"),
    413: _l("The file is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
}
TEXTS = {
    400: _l("Some of what was sent is missing or not valid. Go back, check the entries and try again."),
    401: _l("This needs a login. Log in and try again."),
    403: _l("Your login may not open this page or take this step."),
    404: _l("There is no such page or record, or it is outside your login's scope."),
    405: _l("This address does not take that kind of request. Use the buttons on the page."),
    409: _l("Someone changed the record meanwhile, or it is no longer in a state for this step. "
            "Open it again to see where it stands."),
    500: _l("The system could not finish this request; nothing was saved. Try again later, and "
            "tell the administrator if it happens again."),
}


def _retry_seconds(exc: HTTPException) -> int:
    """Seconds until the rate limit lets the client in again."""
    appbuilder = getattr(current_app, "appbuilder", None)
    limiter = getattr(appbuilder.sm, "limiter", None) if appbuilder is not None else None
    try:
        limit = limiter.current_limit if limiter is not None else None
    except Exception:  # noqa: BLE001 - the page must render whatever the limiter says
        limit = None
    if limit is not None:
        return max(1, int(limit.reset_at - datetime.now(timezone.utc).timestamp()))
    header = exc.get_response().headers.get("Retry-After", "")
    return int(header) if header.isdigit() else 60


def message(exc: HTTPException, retry: int | None = None) -> tuple[str, str]:
    """(title, text) for an HTTP error, in the user's language (`retry`: seconds
    until a rate-limited client may try again)."""
    code = exc.code or 500
    if code == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        text = gettext("A file or form may be at most %(mb)s MB. Choose a smaller file.",
                       mb=max(1, limit // (1024 * 1024)))
    elif code == 429:
        seconds = retry if retry is not None else _retry_seconds(exc)
        when = datetime.now(timezone.utc) + timedelta(seconds=seconds)
        text = gettext("Too many attempts from this address in a short time. Try again in "
                       "%(seconds)d seconds (after %(time)s).",
                       seconds=seconds, time=local_time(when, "%H:%M:%S"))
    elif getattr(exc, "explained", None):  # a refusal that says why (see refuse())
        text = str(exc.explained)
    else:
        text = str(TEXTS.get(code) or TEXTS[500 if code >= 500 else 400])
    title = str(TITLES.get(code) or TITLES[500 if code >= 500 else 400])
    return title, text


def refuse(code: int, text: str):
    """Abort with an error page (or JSON) that gives `text` as the reason."""
    error = default_exceptions[code]()
    error.explained = text
    raise error


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def respond(exc: HTTPException):
    code = exc.code or 500
    headers = {}
    retry = _retry_seconds(exc) if code == 429 else None
    if retry is not None:
        headers["Retry-After"] = str(retry)
    title, text = message(exc, retry)
    allowed = getattr(exc, "valid_methods", None)
    if code == 405 and allowed:
        headers["Allow"] = ", ".join(allowed)
    if wants_json():
        resp = jsonify(message=text, title=title, code=code)
    else:
        try:
            appbuilder = current_app.appbuilder
            if not hasattr(g, "user"):  # refused before FAB's before_request set it (429)
                g.user = current_user
            body = render_template("xueshi/error.html", code=code, title=title, text=text,
                                   appbuilder=appbuilder, base_template=appbuilder.base_template)
        except Exception:  # noqa: BLE001 - a broken frame still gets a plain Chinese page
            current_app.logger.exception("error page frame failed")
            body = (f'<!doctype html><meta charset="utf-8"><title>{title}</title>'
                    f'<h1>{title}</h1><p>{text}</p><p><a href="/">{gettext("Home page")}</a></p>')
        resp = current_app.response_class(body, mimetype="text/html")
    resp.status_code = code
    resp.headers.update(headers)
    return resp


# Flask-AppBuilder's API answers these in English whatever the language ("Fatal error":
# any exception inside its @safe).
FAB_STOCK = {"Not found", "Forbidden", "Not authorized", "Internal error", "Fatal error",
             "Arguments are not correct",
             "Could not process entity", "Request is not JSON", "Not a valid rison/json argument",
             "Not a valid rison argument", "Method Not Allowed"}


def _api_in_chinese(resp):
    """An API error with FAB's stock English message gets ours for its status."""
    if resp.status_code < 400 or not request.path.startswith("/api/") or not resp.is_json:
        return resp
    body = resp.get_json(silent=True)
    if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"] in FAB_STOCK:
        exc = HTTPException()
        exc.code = resp.status_code
        body["title"], body["message"] = message(exc)
        resp.set_data(json.dumps(body, ensure_ascii=False))
    return resp


def install(app: Flask) -> None:
    app.register_error_handler(HTTPException, respond)
    app.register_error_handler(InternalServerError, respond)
    app.after_request(_api_in_chinese)
