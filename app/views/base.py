"""Base classes for every business screen and REST API.

They close the gaps fab-notes lists: base filters on every query (including
actions), scoped related-field dropdowns and search forms, listed columns
only, masked ID numbers, Chinese field descriptions, 400 with the field name
on bad input, and a scope check on what a write produces."""
from __future__ import annotations

import functools
from datetime import datetime, timezone
from decimal import Decimal

from flask import abort, request
from flask_appbuilder import Model, ModelRestApi, ModelView
from flask_appbuilder.api import expose as expose_api
from flask_appbuilder.api import protect, safe
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy import DateTime, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..formatting import hours, local_time
from ..security import masking, scope
from ..services.errors import BusinessError
from . import lists
from .errors import refuse
from .fields import code_formatter, code_validator
from .lists import MASKED_COLUMNS

# Written against Flask-AppBuilder 5.3.0: the FAB methods re-implemented below
# (and BaseApi.operation_helper in workflow.py). tests/test_fab_version.py pins
# the version and each method's source, so an upgrade fails loudly until
# every re-implementation is checked against the new FAB.
FAB_VERSION = "5.3.0"
REIMPLEMENTED = {
    "ModelView": ("action", "action_post", "download"),
    "ModelRestApi": ("post_headless", "put_headless", "delete_headless"),
    "BaseApi": ("operation_helper",),
}


class ScopeFilter(BaseFilter):
    """Restricts a query to the rows the current user's scope may see."""

    name = "scope"

    def apply(self, query, value):
        return query.filter(scope.clause(self.model))


SCOPE_FILTER = [["id", ScopeFilter, None]]


def plain_value(value):
    """Screens show nothing for None, local time to the minute for timestamps,
    and numbers through the one formatter (never "5E+1")."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time(value)
    if isinstance(value, Decimal):
        return hours(value)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    return value


def mask_for_viewer(value):
    return masking.shown(value) if value else value


def scoped_relations(datamodel: SQLAInterface) -> dict:
    """A related-query filter for every relation of the model, so dropdowns
    and search forms offer only rows in scope."""
    return {
        name: SCOPE_FILTER
        for name in datamodel.get_columns_list()
        if datamodel.is_relation(name)
    }


def fields_labels(fields: dict) -> dict:
    return {name: spec[0] for name, spec in fields.items()}


def fields_descriptions(fields: dict) -> dict:
    return {name: spec[1] for name, spec in fields.items()}


def ensure_in_scope(item) -> None:
    """After a write is flushed, refuse it if the row left the user's scope."""
    db.session.add(item)
    db.session.flush()
    if not scope.contains(item):
        db.session.rollback()
        raise BusinessError(
            gettext("You may not create or change records outside your scope."), status=403
        )


def error_response(api, exc: BusinessError):
    """A refused step as JSON: each message under its field (400), or alone with
    its status; a file refused row by row lists its problems."""
    db.session.rollback()
    message = {field: [text] for field, text in exc.by_field().items()} or str(exc)
    extra = {}
    if getattr(exc, "problems", None):
        extra["problems"] = [{"row": p.row, "column": p.column, "problem": p.message}
                             for p in exc.problems]
    return api.response(exc.status, message=translate_messages(message), **extra)


def refuse_if_referenced(item) -> None:
    """A record that others point to (hours, claims, certificates, logins…)
    is not deleted; the user is told why instead of a database error."""
    table = type(item).__table__
    for other in Model.metadata.tables.values():
        for fk in other.foreign_keys:
            if fk.column.table is table and fk.column.name == "id":
                found = db.session.execute(
                    select(fk.parent).where(fk.parent == item.id).limit(1)).first()
                if found is not None:
                    raise BusinessError(gettext(
                        "Other records refer to this one (for example hours, claims, classes or "
                        "logins); it cannot be deleted."), status=409)


def _refuse_out_of_scope_relations(item) -> None:
    """Before a duplicate is reported, every record the row points to must lie
    in the writer's scope: a unit reviewer naming another unit learns "outside
    your scope", never whether the ID number is registered there."""
    outside = False
    with db.session.no_autoflush:
        for rel in sa_inspect(type(item)).relationships:
            if rel.direction.name != "MANYTOONE":
                continue
            target = getattr(item, rel.key, None)
            if target is None or getattr(target, "id", None) is None:
                continue
            if scope.has_rules(type(target)) and not scope.contains(target):
                outside = True
                break
    if outside:
        db.session.rollback()
        raise BusinessError(
            gettext("You may not create or change records outside your scope."), status=403
        )


def check_unique(item) -> None:
    """Report a duplicate on the field that must be unique, before the database
    does, and only to a writer whose row lies in its scope: the scope is
    checked first, for every write, so a taken value and a free one outside
    the scope take the same path."""
    _refuse_out_of_scope_relations(item)
    model = type(item)
    for column in model.__table__.columns:
        if not column.unique or column.primary_key:
            continue
        value = getattr(item, column.key)
        if value is None:
            continue
        with db.session.no_autoflush:
            clash = db.session.execute(
                select(model.id).where(getattr(model, column.key) == value, model.id != item.id)
            ).first()
        if clash:
            raise BusinessError(gettext("This value is already registered."), field=column.key)


def translate_messages(messages):
    """marshmallow reports in English; give each message the user's language."""
    if isinstance(messages, dict):
        return {k: translate_messages(v) for k, v in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [translate_messages(v) for v in messages]
    return gettext(str(messages)) if isinstance(messages, str) else messages


class ScopedModelView(ModelView):
    """A FAB ModelView whose every path goes through the scope."""

    # (label, description) per column; subclasses fill it.
    fields: dict = {}
    # The list columns a phone keeps (the others are hidden below 768 px); empty: all.
    key_columns: list = []
    base_filters = SCOPE_FILTER
    page_size = 25

    def get_action_permission_name(self, name: str) -> str:
        """An action marked @permission_name(p) is guarded by `can_p`, as any other
        method (FAB would check the bare action name)."""
        permission = getattr(self.actions[name].func, "_permission_name", None)
        return f"can_{permission}" if permission else super().get_action_permission_name(name)

    def __init__(self, **kwargs):
        # capped counts, yes/no filters, exact ID-number search (lists.py)
        self.datamodel = lists.city_interface(self.datamodel)
        rel = scoped_relations(self.datamodel)
        self.add_form_query_rel_fields = {**rel, **(self.add_form_query_rel_fields or {})}
        self.edit_form_query_rel_fields = {**rel, **(self.edit_form_query_rel_fields or {})}
        self.search_form_query_rel_fields = {
            **rel,
            **(self.search_form_query_rel_fields or {}),
        }
        self.label_columns = {**fields_labels(self.fields), **(self.label_columns or {})}
        self.description_columns = {
            **fields_descriptions(self.fields),
            **(self.description_columns or {}),
        }
        self._lookup_fields()
        formatters = dict(self.formatters_columns or {})
        for col in MASKED_COLUMNS:
            formatters.setdefault(col, mask_for_viewer)
        for col, table in lists.coded_columns(self.datamodel.obj).items():
            formatters.setdefault(col, code_formatter(table))
        self.formatters_columns = formatters
        super().__init__(**kwargs)
        if not set(self.key_columns) <= set(self.list_columns):
            raise ValueError(f"{type(self).__name__}.key_columns must be list columns")
        for col in list(self.list_columns) + list(self.show_columns):
            self.formatters_columns.setdefault(col, plain_value)
        paths = {self.datamodel.relation_path(c) for c in self.list_columns}
        # a path also loads its prefixes: keep only the longest of each
        self.datamodel.listed_relations = tuple(sorted(
            p for p in paths if p and not any(q != p and q[:len(p)] == p for q in paths)))
        # sorting is offered on indexed columns only: an unindexed sort of a
        # city-wide table reads every row
        self.order_columns = [c for c in self.order_columns if lists.indexed(self.datamodel.obj, c)]

    def _lookup_fields(self) -> None:
        """Relations to big tables are searched as you type, in search, add and
        edit forms alike; yes/no columns are searched by 是/否."""
        labels = self.label_columns
        search = self.search_columns or []
        self.search_form_extra_fields = {
            **lists.lookup_fields(self, search, labels),
            **lists.yes_no_search_fields(self.datamodel, search, labels),
            **lists.code_fields(self.datamodel, search, labels),
            **(self.search_form_extra_fields or {}),
        }
        for form in ("add", "edit"):
            columns = getattr(self, f"{form}_columns") or []
            extra = getattr(self, f"{form}_form_extra_fields") or {}
            setattr(self, f"{form}_form_extra_fields",
                    {**lists.lookup_fields(self, columns, labels),
                     **lists.code_fields(self.datamodel, columns, labels), **extra})

    def _get_list_widget(self, filters, actions=None, order_column="", order_direction="",
                         page=None, page_size=None, widgets=None, **kwargs):
        """Page size capped, sorting on offered columns only, no page past MAX_ROWS."""
        if order_column and order_column not in self.order_columns:
            refuse(400, gettext("This list cannot be sorted by that column."))
        page_size = min(page_size or self.page_size, lists.MAX_PAGE_SIZE)
        if page_size < 1 or (page or 0) < 0:
            refuse(400, gettext("Invalid page."))
        if (page or 0) * page_size >= lists.MAX_ROWS:
            refuse(400, gettext(
                "Only the first %(n)s rows can be paged through; narrow the search with a filter.",
                n=lists.MAX_ROWS))
        return super()._get_list_widget(
            filters, actions=actions, order_column=order_column, order_direction=order_direction,
            page=page, page_size=page_size, widgets=widgets, key_columns=self.key_columns,
            filter_summary=lists.filters_in_words(self, filters), **kwargs)

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        lists.choose_the_only_rows(form)
        return super()._get_add_widget(form, exclude_cols=exclude_cols, widgets=widgets)

    # Writes: the result must stay in scope; nothing referenced is deleted.
    def pre_add(self, item):
        check_unique(item)
        ensure_in_scope(item)

    def pre_update(self, item):
        check_unique(item)
        ensure_in_scope(item)

    def pre_delete(self, item):
        refuse_if_referenced(item)

    # FAB's generic file download serves any name under UPLOAD_FOLDER; files
    # here go through their record's scope (claims, classes, exports) instead.
    @expose("/download/<string:filename>")
    def download(self, filename):
        abort(404)

    # FAB's actions load rows with datamodel.get(pk) and skip base filters;
    # these load them through the scope instead.
    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        if not self.is_get_mutation_allowed():
            abort(405)
        if name not in self.actions:
            abort(404)
        if not self.appbuilder.sm.has_access(
            self.get_action_permission_name(name), self.class_permission_name
        ):
            abort(403)
        item = scope.get_in_scope(self.datamodel.obj, pk)
        if item is None:
            abort(404)
        return self.actions[name].func(item)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        name = request.form.get("action", "")
        if name not in self.actions:
            abort(404)
        if not self.appbuilder.sm.has_access(
            self.get_action_permission_name(name), self.class_permission_name
        ):
            abort(403)
        pks = request.form.getlist("rowid")
        items = [scope.get_in_scope(self.datamodel.obj, pk) for pk in pks]
        if not items or any(item is None for item in items):
            abort(404)
        return self.actions[name].func(items)


class Descriptions(dict):
    """FAB's `_info` asks for `description_columns.get(col, "")` and translates
    it; gettext("") is the catalog header. A field without a description of
    its own is described by its label."""

    def __init__(self, descriptions: dict, labels: dict):
        super().__init__(descriptions)
        self.labels = labels

    def get(self, key, default=None):
        return super().get(key) or self.labels.get(key) or key


@functools.lru_cache(maxsize=None)
def _utc_columns(model) -> tuple[str, ...]:
    """The model's timestamp columns (DateTime with time zone, all written in UTC)."""
    return tuple(c.key for c in model.__table__.columns
                 if isinstance(c.type, DateTime) and c.type.timezone)


class ScopedModelRestApi(ModelRestApi):
    """A FAB ModelRestApi that serialises only listed columns, masks ID
    numbers, describes every field, and keeps writes within the scope."""

    fields: dict = {}
    base_filters = SCOPE_FILTER
    # a list asked for no order is in key order: FAB's would have no ORDER BY,
    # and a client paging through it could see a row twice and another never
    base_order = ("id", "asc")
    allow_browser_login = False  # JWT only: a cookie-authenticated API write would skip CSRF

    def __init__(self):
        self.datamodel = lists.city_interface(self.datamodel)
        self.validators_columns = {
            **{col: code_validator(table) for col, table in lists.coded_columns(self.datamodel.obj).items()},
            **(self.validators_columns or {}),
        }
        rel = scoped_relations(self.datamodel)
        self.add_query_rel_fields = {**rel, **(self.add_query_rel_fields or {})}
        self.edit_query_rel_fields = {**rel, **(self.edit_query_rel_fields or {})}
        self.label_columns = {**fields_labels(self.fields), **(self.label_columns or {})}
        self.description_columns = Descriptions(
            {**fields_descriptions(self.fields), **(self.description_columns or {})},
            self.label_columns,
        )
        super().__init__()
        self.order_columns = [c for c in self.order_columns if lists.indexed(self.datamodel.obj, c)]

    # Masking, and times as the document says ---------------------------------
    def pre_get(self, data):
        self._mask(data.get("result") or {})

    def pre_get_list(self, data):
        for row in data.get("result") or []:
            self._mask(row)

    def _mask(self, row: dict) -> None:
        for col in MASKED_COLUMNS:
            if col in row:
                row[col] = mask_for_viewer(row[col])
        for col in _utc_columns(self.datamodel.obj):
            if isinstance(row.get(col), str):  # written in UTC; SQLite keeps no offset, RFC 3339 needs one
                at = datetime.fromisoformat(row[col])
                row[col] = (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).isoformat()

    # Writes --------------------------------------------------------------
    def _bad_request(self, messages):
        return self.response(400, message=translate_messages(messages))

    def _save(self, item, code: int, schema):
        try:
            check_unique(item)
            ensure_in_scope(item)
            self.check_item(item)
            db.session.commit()
        except BusinessError as exc:
            return error_response(self, exc)
        except IntegrityError:
            db.session.rollback()
            return self._bad_request(gettext("The record conflicts with an existing one."))
        except ValueError as exc:  # model-level validators
            db.session.rollback()
            return self._bad_request(str(exc))
        body = {"result": schema.dump(item, many=False)}
        if code == 201:
            body["id"] = item.id
        self._mask(body["result"])
        return self.response(code, **body)

    def check_item(self, item) -> None:
        """Subclasses raise BusinessError(field=...) for cross-field problems."""

    def post_headless(self):
        if not request.is_json:
            return self._bad_request(gettext("The request body must be JSON."))
        try:
            item = self.add_model_schema.load(request.json)
        except ValidationError as err:
            return self._bad_request(err.messages)
        except ValueError as exc:
            return self._bad_request(str(exc))
        return self._save(item, 201, self.add_model_schema)

    def delete_headless(self, pk):
        item = scope.get_in_scope(self.datamodel.obj, pk)
        if item is None:
            return self.response_404()
        try:
            refuse_if_referenced(item)
        except BusinessError as exc:
            return error_response(self, exc)
        db.session.delete(item)
        db.session.commit()
        return self.response(200, message="OK")

    def put_headless(self, pk):
        item = scope.get_in_scope(self.datamodel.obj, pk)
        if item is None:
            return self.response_404()
        if not request.is_json:
            return self._bad_request(gettext("The request body must be JSON."))
        try:
            data = self._merge_update_item(item, request.json)
            item = self.edit_model_schema.load(data, instance=item)
        except ValidationError as err:
            db.session.rollback()
            return self._bad_request(err.messages)
        except ValueError as exc:
            db.session.rollback()
            return self._bad_request(str(exc))
        return self._save(item, 200, self.edit_model_schema)


__all__ = [
    "ScopedModelRestApi",
    "ScopedModelView",
    "SCOPE_FILTER",
    "ScopeFilter",
    "expose",
    "expose_api",
    "permission_name",
    "protect",
    "safe",
]
