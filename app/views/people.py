"""专业技术人员: screens and REST API."""
from __future__ import annotations

from flask import flash, g, session
from flask_appbuilder.actions import action
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists
from wtforms import BooleanField

from ..models import Ledger, Person
from ..security.scope import current_scope
from ..services import person_requests
from ..services.dashboard import counted
from ..services.errors import BusinessError
from ..validators import FormCheck, api_check, normalize_id_number
from .base import ScopedModelRestApi, ScopedModelView, error_response
from .jobs import start_or_back
from .lists import offer_filter

PERSON_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "id_number": (_l("ID number"), _l("18-character resident ID number (GB 11643 check digit)")),
    "name": (_l("Person name"), _l("Full name as on the ID card")),
    "unit": (_l("Unit"), _l("Employer (用人单位)")),
    "unit.id": (_l("Unit ID"), _l("Employer record number")),
    "unit.name": (_l("Unit name"), _l("Employer name")),
    "unit.district": (_l("District"), _l("District of the employer")),
    "district_id": (_l("District"), _l("District of the employer")),
    "series": (_l("Title series"), _l("Professional title series code, e.g. engineering")),
    "title_level": (_l("Title level"), _l("junior, intermediate, deputy_senior or senior")),
    "is_enterprise_manager": (
        _l("Enterprise manager"),
        _l("Enterprise operation and management staff (may join advanced seminars)"),
    ),
    "phone": (_l("Phone"), _l("Mobile phone number")),
    "created_at": (_l("Created"), _l("When the record was created")),
    "updated_at": (_l("Updated"), _l("When the record was last changed")),
}

_COLUMNS = ["id_number", "name", "unit", "series", "title_level", "is_enterprise_manager", "phone"]


def _year(value) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


class FilterCountedIn(BaseFilter):
    """On the unit column, the value a year: the people that year's compliance
    figures count (`dashboard.counted`), the list behind a home page's 人员 figure."""

    name = _l("Counted in the year's figures")
    arg_name = "counted"

    def apply(self, query, value):
        year = _year(value)
        return query.filter(counted(year)) if year else query.filter(False)


class FilterUnrecorded(BaseFilter):
    """On the unit column, the value a year: of those people, the ones with no ledger
    of that year yet (neither compliant nor short: 尚无学时记录 on a home page)."""

    name = _l("Counted, no hours recorded in the year")
    arg_name = "unrecorded"

    def apply(self, query, value):
        year = _year(value)
        if not year:
            return query.filter(False)
        return query.filter(counted(year), ~exists().where(
            Ledger.person_id == Person.id, Ledger.year == year, Ledger.compliant.is_not(None)))


class PersonView(ScopedModelView):
    datamodel = SQLAInterface(Person)
    fields = PERSON_FIELDS
    list_title = _l("Professionals")
    show_title = _l("Professional")
    add_title = _l("Add professional")
    edit_title = _l("Edit professional")
    key_columns = ["name", "unit"]
    list_columns = ["id_number", "name", "unit", "unit.district", "series", "title_level"]
    show_columns = _COLUMNS + ["created_at", "updated_at"]
    add_columns = _COLUMNS
    edit_columns = _COLUMNS
    search_columns = ["id_number", "name", "unit", "series", "title_level", "is_enterprise_manager"]
    order_columns = ["name", "series", "title_level"]
    base_order = ("id", "asc")
    validators_columns = {"id_number": [FormCheck(normalize_id_number)]}
    add_form_extra_fields = {
        # a yes/no: FAB would make a NOT NULL boolean required, i.e. ticked
        "is_enterprise_manager": BooleanField(PERSON_FIELDS["is_enterprise_manager"][0],
                                              description=PERSON_FIELDS["is_enterprise_manager"][1]),
    }
    edit_form_extra_fields = add_form_extra_fields

    def pre_add(self, item):
        """A login whose scope is not the city leaves a registration request
        (told as a success, whoever holds the number); the association adds."""
        scope = current_scope()
        if person_requests.by_request(scope):
            person_requests.submit(scope, item)
            g.xueshi_submitted = str(person_requests.SUBMITTED)
            raise BusinessError(g.xueshi_submitted)
        super().pre_add(item)

    def _add(self):
        """FAB flashes whatever `pre_add` raises as an error: a submitted request is good news."""
        widget = super()._add()
        told = g.pop("xueshi_submitted", None)
        if told is not None:
            session["_flashes"] = [m for m in session.get("_flashes", []) if m[1] != told]
            flash(told, "success")
        return widget

    def pre_update(self, item):
        person_requests.refuse_number_change(current_scope(), item)
        super().pre_update(item)

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        if person_requests.by_request(current_scope()):
            form.id_number.description = person_requests.ASKED
        return super()._get_add_widget(form, exclude_cols=exclude_cols, widgets=widgets)

    def _get_edit_widget(self, form, exclude_cols=None, widgets=None):
        """The ID number is shown, not offered, to whoever may not correct it."""
        if person_requests.by_request(current_scope()):
            form.id_number.render_kw = {**(form.id_number.render_kw or {}), "readonly": True}
            form.id_number.description = person_requests.CORRECTED_BY_THE_ASSOCIATION
        return super()._get_edit_widget(form, exclude_cols=exclude_cols, widgets=widgets)

    def _init_properties(self):
        """FAB's filters, plus `FilterCountedIn` and `FilterUnrecorded` after the unit column's own."""
        super()._init_properties()
        for kind in (FilterCountedIn, FilterUnrecorded):
            offer_filter(self, kind("unit", self.datamodel))

    @action("recompute", _l("Recompute"), _l("Recompute the chosen people's ledgers?"),
            "fa-refresh")
    @permission_name("recompute")
    def recompute(self, items):
        """重新核算 of the chosen people's ledgers (in the actor's scope): a job."""
        items = items if isinstance(items, list) else [items]
        return start_or_back(self, "recompute_people", person_ids=[item.id for item in items])


class PersonApi(ScopedModelRestApi):
    resource_name = "person"
    datamodel = SQLAInterface(Person)
    fields = PERSON_FIELDS
    list_columns = ["id", "id_number", "name", "unit.id", "unit.name", "series", "title_level"]
    show_columns = list_columns + ["is_enterprise_manager", "phone"]
    add_columns = _COLUMNS
    edit_columns = _COLUMNS
    search_columns = ["id_number", "name", "unit", "series", "title_level"]
    order_columns = ["id", "name"]
    openapi_spec_methods = {"post": {"post": {"responses": {
        "201": {"description": "Person registered (the association)", "content": {"application/json": {
            "schema": {"type": "object", "properties": {
                "id": {"type": "integer"}, "result": {"$ref": "#/components/schemas/PersonApi.post"}}}}}},
        "202": {"description": "Registration request submitted for confirmation (any other scope)",
                "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "message": {"type": "string"}}}}}},
        "400": {"$ref": "#/components/responses/400"},
        "401": {"$ref": "#/components/responses/401"},
        "422": {"$ref": "#/components/responses/422"},
        "500": {"$ref": "#/components/responses/500"},
    }}}}
    validators_columns = {
        "id_number": api_check(normalize_id_number),
    }

    def _save(self, item, code: int, schema):
        """A new person from a login whose scope is not the city is a registration
        request (202, the same answer whoever holds the number); nobody but the
        association changes an ID number."""
        scope = current_scope()
        try:
            if code == 201 and person_requests.by_request(scope):
                row = person_requests.submit(scope, item)
                return self.response(202, message=str(person_requests.SUBMITTED), id=row.id)
            if code == 200:
                person_requests.refuse_number_change(scope, item)
        except BusinessError as exc:
            return error_response(self, exc)
        return super()._save(item, code, schema)
