"""Input that cannot be right answers 4xx, never 500, on every API and screen.

FAB's `@safe` turns every exception inside an API method into a 500 ("Fatal
error"), including an `abort(404)`, a body over MAX_CONTENT_LENGTH (413) and
a number no database column can hold. `input_response_500` answers those by
their cause instead (the transaction rolled back, nothing changed); anything
else stays a 500, so real faults still show. A related record in a body is
named by its number only: marshmallow-sqlalchemy would build a new record
from an object (`{"unit": {"x": 1}}`, a TypeError) or from an unknown number;
`related_by_number` makes both a field error. Screens: page and page-size
arguments must be small whole numbers, and a number no column can hold (in a
filter) is a 400 too."""
from __future__ import annotations

import sys

from flask import abort, request
from flask_appbuilder.api import BaseApi
from flask_babel import gettext
from marshmallow import ValidationError
from marshmallow_sqlalchemy.fields import Related
from prison.decoder import ParserException
from sqlalchemy.exc import DataError, NoResultFound, StatementError
from werkzeug.exceptions import BadRequest, HTTPException

from ..extensions import db

_fab_response_500 = BaseApi.response_500


def _out_of_range(exc: BaseException) -> bool:
    if isinstance(exc, (OverflowError, DataError)):
        return True
    return isinstance(exc, StatementError) and isinstance(exc.orig, OverflowError)


def input_response_500(self, message: str | None = None):
    exc = sys.exc_info()[1]
    if isinstance(exc, HTTPException) and exc.code and exc.code < 500:
        db.session.rollback()
        if exc.code == 413:
            return self.response(413, message=gettext("The request is too large."))
        return self.response(exc.code, message=exc.description or exc.name)
    if isinstance(exc, ParserException) or (isinstance(exc, RecursionError) and "q" in request.args):
        # a malformed rison `q` (deep nesting such as "((((" exhausts prison's recursion)
        db.session.rollback()
        return self.response(400, message=gettext("The query argument q is not valid."))
    if exc is not None and _out_of_range(exc):
        db.session.rollback()
        return self.response(400, message=gettext("A number in the request is out of range."))
    return _fab_response_500(self, message)


def related_by_number(self, value, *args, **kwargs):
    """Related._deserialize for a body: an existing record's number, nothing else."""
    if len(self.related_keys) != 1 or isinstance(value, (dict, list, bool)) or value is None:
        raise ValidationError(gettext("Not a valid integer."))
    try:
        return self._get_existing_instance(self.related_model, {self.related_keys[0].key: value})
    except NoResultFound:
        raise ValidationError(gettext("Not a valid choice.")) from None


def _screen_out_of_range(exc: Exception):
    """A screen's number no column can hold (a filter `?_flt_0_year=99999999999999999999`):
    400 with the reason, the transaction rolled back; any other database error stays a 500."""
    if not _out_of_range(exc):
        raise exc
    db.session.rollback()
    from .errors import respond

    error = BadRequest()
    error.explained = gettext("A number in the request is out of range.")
    return respond(error)


def install(app) -> None:
    BaseApi.response_500 = input_response_500
    Related._deserialize = related_by_number
    for kind in (OverflowError, StatementError):  # DataError is a StatementError
        app.register_error_handler(kind, _screen_out_of_range)

    @app.before_request
    def _page_arguments():
        for name, value in request.args.items():
            if name.startswith(("page_", "psize_")) and not (value.isdigit() and len(value) <= 6):
                abort(400, gettext("The page number and page size must be whole numbers."))
