"""Lists that cost the same for a city of a million as for a demo.

Every scoped screen and API lists through `CityInterface`:
- counts are exact up to `COUNT_CAP` rows (a count over a LIMIT-ed subquery)
  and otherwise an estimate from the planner (PostgreSQL) shown as
  "约 2,400,000 条", or "more than 1,000" where there is no planner estimate;
- pages go no deeper than `MAX_ROWS` rows and no larger than `MAX_PAGE_SIZE`;
- yes/no columns are filtered by a real boolean (`?_flt_0_compliant=n`);
- ID numbers are searched by exact value only (a prefix search would let a
  masked viewer rebuild a number digit by digit).

Relations to tables that grow with the city (people, units, classes, bases)
are chosen by search-as-you-type (`LookupField`, answered by `lookup.py`),
never by a dropdown of every row.
"""
from __future__ import annotations

import re

from flask import request, url_for
from flask_appbuilder import baseviews as fab_baseviews
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.filters import (
    FilterEqual, FilterNotEqual, SQLAFilterConverter,
)
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext, lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import inspect as sa_inspect, select
from sqlalchemy.orm import selectinload
from wtforms import Field, SelectField

from ..extensions import db
from ..formatting import count as format_count
from ..models.choices import codes_of
from ..security import scope
from .fields import code_select

# rows counted exactly; past this the count is an estimate. A thousand: counting
# ten thousand of a district's rows (its classes, each an EXISTS over participants)
# cost a million-person city 20-30 ms a page, as much as the page itself
COUNT_CAP = 1_000
MAX_ROWS = 10_000  # the deepest row a list pages to: narrow the search for more
MAX_PAGE_SIZE = 100
DEFERRED_FROM = 200  # rows skipped past which a page reads its keys first
MASKED_COLUMNS = ("id_number",)


class Count(int):
    """A list's row count: its int value is what pagination may reach; it
    renders as the exact figure, "约 N 条" (estimated) or "more than N" (`more`:
    the N rows counted)."""

    def __new__(cls, value: int, *, estimate: int | None = None, more: int | None = None):
        obj = super().__new__(cls, value)
        obj.estimate = estimate
        obj.more = more
        return obj

    def __html__(self) -> str:
        return str(escape(str(self)))

    def __str__(self) -> str:
        if self.estimate is not None:
            return gettext("about %(n)s (estimated)", n=format_count(self.estimate))
        if self.more is not None:
            return gettext("more than %(n)s", n=format_count(self.more))
        return format_count(int(self))


def planner_estimate(query) -> int | None:
    """PostgreSQL's estimate of the rows a query returns (EXPLAIN, no execution)."""
    bind = db.session.get_bind()
    if bind.dialect.name != "postgresql":
        return None
    compiled = query.statement.compile(dialect=bind.dialect)
    plan = db.session.connection().exec_driver_sql(
        "EXPLAIN (FORMAT JSON) " + compiled.string, compiled.params).scalar()
    return int(plan[0]["Plan"]["Plan Rows"])


def _keys_only(query):
    """`query` reading only its entity's primary key: the count's rows come from an
    index (a scope's own columns included) without fetching every row of the table."""
    entity = query.column_descriptions[0].get("entity") if len(query.column_descriptions) == 1 else None
    mapper = sa_inspect(entity, raiseerr=False) if entity is not None else None
    if getattr(mapper, "is_mapper", False) and mapper.class_ is query.column_descriptions[0].get("type"):
        return query.with_entities(*mapper.primary_key)
    return query


def capped_count(query, cap: int | None = None) -> Count:
    """The rows of `query`: exact up to `cap` (COUNT_CAP), else estimated; never a
    full count. Past the cap, pages reach MAX_ROWS (an estimate may be short)."""
    cap = cap or COUNT_CAP
    exact = _keys_only(query).limit(cap + 1).count()
    if exact <= cap:
        return Count(exact)
    estimate = planner_estimate(query)
    if estimate is not None:
        return Count(MAX_ROWS, estimate=max(estimate, cap + 1))
    return Count(MAX_ROWS, more=cap)


_TRUE = {"y", "1", "true", "t", "yes", "on", "是"}
_FALSE = {"n", "0", "false", "f", "no", "off", "否"}


def yes_no(value) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


class _YesNo:
    """Filters on a boolean column take y/n (screens) or true/false (API)."""

    def apply(self, query, value):
        wanted = yes_no(value)
        if wanted is None:
            return query.filter(False)  # neither yes nor no: no row matches
        return super().apply(query, wanted)


class YesNoEqual(_YesNo, FilterEqual):
    pass


class YesNoNotEqual(_YesNo, FilterNotEqual):
    pass


def coded_columns(model) -> dict[str, dict]:
    """The model's columns declared with a code table (`choices.coded`), by name."""
    return {c.key: table for c in sa_inspect(model).columns if (table := codes_of(c))}


class CityFilters(SQLAFilterConverter):
    def convert(self, col_name):
        if col_name in MASKED_COLUMNS:
            return [FilterEqual(col_name, self.datamodel)]
        if col_name in coded_columns(self.datamodel.obj):
            # a code is chosen from a select: 等于/不等于, which the column's index serves
            return [FilterEqual(col_name, self.datamodel), FilterNotEqual(col_name, self.datamodel)]
        if self.datamodel.is_boolean(col_name):
            return [YesNoEqual(col_name, self.datamodel), YesNoNotEqual(col_name, self.datamodel)]
        return super().convert(col_name)


class CityInterface(SQLAInterface):
    filter_converter_class = CityFilters
    # the many-to-one relations a list page shows, as paths ("unit", then
    # "district" of the unit for unit.district): loaded for the page in one
    # query each (selectin), not one query per row
    listed_relations: tuple[tuple[str, ...], ...] = ()

    def apply_all(self, query, *args, **kwargs):
        options = []
        for path in self.listed_relations:
            model, option = self.obj, None
            for name in path:
                attribute = getattr(model, name)
                option = selectinload(attribute) if option is None else option.selectinload(attribute)
                model = attribute.property.mapper.class_
            options.append(option)
        if options:
            query = query.options(*options)
        return super().apply_all(query, *args, **kwargs)

    def apply_pagination(self, query, page, page_size):
        """A deep page (past DEFERRED_FROM rows) finds its keys first, from the index
        that serves its filter and sort, then reads its rows by key: the rows it skips
        cost index entries, not table rows (offset 1,225 of a district's people read
        1,250 people from all over the table)."""
        if not (page and page_size) or page * page_size < DEFERRED_FROM:
            return super().apply_pagination(query, page, page_size)
        key = sa_inspect(self.obj).primary_key[0]
        keys = query.with_entities(key).offset(page * page_size).limit(page_size).subquery()
        return query.filter(key.in_(select(keys.c[0]))).limit(page_size)

    def relation_path(self, column: str) -> tuple[str, ...]:
        """The leading many-to-one relations of a (dotted) list column: ("unit",
        "district") for unit.district, ("unit",) for unit.name, () for name."""
        path, model = [], self.obj
        for name in column.split("."):
            prop = getattr(model, name, None)
            relation = getattr(prop, "property", None)
            if getattr(relation, "direction", None) is None or relation.direction.name != "MANYTOONE":
                break
            path.append(name)
            model = relation.mapper.class_
        return tuple(path)

    def is_unique(self, col_name: str) -> bool:
        """FAB's form validator would report a duplicate ID number before the
        scope is checked; base.check_unique() reports it after."""
        return col_name not in MASKED_COLUMNS and super().is_unique(col_name)

    def query_count(self, query, filters=None, select_columns=None) -> Count:
        """The API's count without the page's columns: their relations (person.name…)
        are outer joins of many-to-one, which add no row and no condition (a filter on
        a relation joins it itself), so the count reads the list's own keys from an index."""
        return capped_count(self._apply_inner_all(query, filters, aliases_mapping={}))


def indexed(model: type, column: str) -> bool:
    """Whether an index (or the primary key, or a unique key) starts with the column."""
    table = model.__table__
    if column not in table.columns:
        return False
    col = table.columns[column]
    if col.primary_key or col.unique:
        return True
    leading = [list(ix.columns)[0] for ix in table.indexes]
    leading += [list(c.columns)[0] for c in table.constraints
                if c.__class__.__name__ == "UniqueConstraint" and c.columns]
    return any(c is col for c in leading)


def city_interface(datamodel: SQLAInterface) -> CityInterface:
    if isinstance(datamodel, CityInterface):
        return datamodel
    return CityInterface(datamodel.obj, session=datamodel.session)


# -- search-as-you-type relations -------------------------------------------

def big_relations(datamodel: SQLAInterface) -> dict[str, type]:
    """Relations of the model to tables that grow with the city, by column name."""
    from .lookup import GROWING

    found = {}
    for name in datamodel.get_columns_list():
        if datamodel.is_relation_many_to_one(name):
            model = datamodel.get_related_model(name)
            if model in GROWING:
                found[name] = model
    return found


class LookupWidget:
    """A Select2 box that asks the lookup endpoint as the user types; it holds
    only the chosen row (and, in a search form, the rows already filtered on)."""

    def __init__(self, model: type):
        self.model = model

    def __call__(self, field, **kwargs):
        from .lookup import label_of, lookup_name

        chosen = []
        if field.data:
            chosen.append(field.data)
        else:  # a search form: the active filters' ids on this column
            pattern = re.compile(rf"_flt_\d+_{re.escape(field.name)}$")
            chosen = [v for k, v in request.args.items(multi=True) if pattern.match(k)]
        options = [Markup('<option value=""></option>')]
        for row in label_of(self.model, chosen[:5]):
            options.append(Markup('<option value="{}" selected>{}</option>').format(row[0], row[1]))
        attrs = {
            "id": kwargs.pop("id", field.id), "name": field.name,
            "class": "form-control xueshi-lookup",
            "data-endpoint": url_for("LookupView.search", kind=lookup_name(self.model)),
            "data-placeholder": str(_l("Type to search")),
            **{k: v for k, v in kwargs.items() if k.startswith("data-")},  # e.g. data-shown-when
        }
        html = " ".join(f'{k}="{escape(v)}"' for k, v in attrs.items())
        return Markup(f"<select {html}>") + Markup("").join(options) + Markup("</select>")


class LookupField(Field):
    """A related row chosen by id; the row is loaded through the user's scope
    (an id outside it is refused like an unknown one)."""

    def __init__(self, label=None, validators=None, model=None, **kwargs):
        super().__init__(label, validators, widget=LookupWidget(model), **kwargs)
        self.model = model
        self.chosen = None

    def process_data(self, value):
        self.chosen = value
        self.data = getattr(value, "id", value)

    def process_formdata(self, valuelist):
        self.chosen = None
        self.data = None
        if valuelist and valuelist[0]:
            self.chosen = scope.get_in_scope(self.model, valuelist[0])
            if self.chosen is None:
                raise ValueError(gettext("Choose a record from the list."))
            self.data = self.chosen.id

    def populate_obj(self, obj, name):
        setattr(obj, name, self.chosen)


def choose_the_only_rows(form) -> None:
    """An empty lookup of a new record starts with the row chosen when the login
    sees exactly one row of its kind (a unit reviewer's unit, a professional's
    own record): nothing to search for. One query of at most two ids each."""
    for field in form:
        if isinstance(field, LookupField) and field.data is None:
            found = db.session.execute(
                scope.scoped(field.model).with_only_columns(field.model.id).limit(2)).scalars().all()
            if len(found) == 1:
                field.data = found[0]


def filters_in_words(view, filters) -> list[str]:
    """The list's active filters as the user reads them ("状态 等于 已提交",
    "状态：待我处理", "用人单位：青岛…"): a list opened from a to-do link is
    filtered where the folded search panel does not show it. Values go
    through the column's screen formatter (an ID number masked as in the
    list); a chosen record by its name, if the viewer may see it."""
    from .lookup import LOOKUPS, label_of

    out = []
    for flt, value in filters.get_filters_values():
        column = flt.column_name
        label = str(view.label_columns.get(column, column))
        values = value if isinstance(value, (list, tuple)) else [value]
        if getattr(flt, "arg_name", "") in ("act", "mine"):  # a flag on the rows: its name says it
            out.append(f"{label}：{flt.name}")
            continue
        model = view.datamodel.get_related_model(column) if view.datamodel.is_relation(column) else None
        if model is not None:
            names = [name for _, name in label_of(model, values)] if model in LOOKUPS else []
            out.append(f"{label}：{'、'.join(names) or flt.name}")
            continue
        shown = []
        for one in values:
            if view.datamodel.is_boolean(column):
                shown.append(gettext("Yes") if str(one).lower() in ("y", "1", "true") else gettext("No"))
                continue
            try:
                shown.append(str(view.formatters_columns.get(column, str)(one)))
            except Exception:  # noqa: BLE001 - formatters are for stored values, not typed ones
                shown.append(str(one))
        out.append(f"{label} {flt.name} {'、'.join(shown)}")
    return out


def lookup_fields(view, columns, labels) -> dict:
    """A LookupField for each big relation among `columns`."""
    return {name: LookupField(labels.get(name, name), model=model)
            for name, model in big_relations(view.datamodel).items() if name in columns}


def code_fields(datamodel: CityInterface, columns, labels) -> dict:
    """A select of labelled codes for each coded column among `columns`."""
    return {name: code_select(labels.get(name, name), table)
            for name, table in coded_columns(datamodel.obj).items() if name in columns}


def yes_no_search_fields(datamodel: CityInterface, columns, labels) -> dict:
    """A 是/否 choice for each yes/no column of a search form (a checkbox cannot say no)."""
    return {name: SelectField(labels.get(name, name), choices=[("y", _l("Yes")), ("n", _l("No"))],
                              widget=Select2Widget())
            for name in columns if datamodel.is_boolean(name)}



# -- filters of a list -------------------------------------------------------

def offer_filter(view, flt, position: int | None = None) -> None:
    """Offer `flt` on its column of the view's search form (and in its links), at
    `position` among the column's filters, or after them."""
    column = flt.column_name
    for filters in (view._filters.get_search_filters(), view._filters._all_filters):
        options = filters[column]
        options.insert(len(options) if position is None else position, flt)


def filter_arg(view, column: str, kind: type = FilterEqual) -> str:
    """The request argument of the view's filter of class `kind` on `column`."""
    for index, flt in enumerate(view._filters._all_filters.get(column, [])):
        if isinstance(flt, kind):
            return f"_flt_{index}_{column}"
    raise LookupError(f"{type(view).__name__}: no {kind.__name__} on {column}")


def get_filter_args(filters, disallow_if_not_in_search=True):
    """`flask_appbuilder.urltools.get_filter_args` reading every digit of
    `_flt_<n>_<column>`: FAB's reads one, so a column's eleventh filter (a state
    column's 不属于 after 待我处理) was dropped and the list shown unfiltered."""
    filters.clear_filters()
    searchable = filters.get_search_filters()
    for arg in set(request.args):
        found = _FILTER_ARG.fullmatch(arg)
        if not found:
            continue
        index, column = int(found[1]), found[2]
        if disallow_if_not_in_search and column not in searchable:
            continue
        if index >= len(filters._all_filters.get(column, [])):
            continue  # no such filter (a hand-made address): ignored, as an unknown column is
        filters.add_filter_index(column, index, request.args.getlist(arg))


_FILTER_ARG = re.compile(r"_flt_(\d+)_(.+)")
fab_baseviews.get_filter_args = get_filter_args  # the one FAB function every list, add and edit calls
