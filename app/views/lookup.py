"""Search-as-you-type for relations that grow with the city.

`GET /lookup/<kind>/?q=…` answers at most `LIMIT` rows in the caller's scope,
as Select2 wants them: `{"results": [{"id": 1, "text": "…"}]}`. People are
found by the start of the name or by the full ID number (exact: a prefix
would rebuild a masked number), units by name or credit code, classes by
name, bases by name or code, districts by name or code, departments by
name. Labels mask ID numbers as screens do.

`GET /lookup/unit-directory/?q=…` is the organisers' directory of units: any
unit's name and credit code (public registration facts) to fill a roster,
outside the scope, since it shows nothing else of the unit."""
from __future__ import annotations

from flask import jsonify, request
from flask_appbuilder import BaseView
from flask_appbuilder.security.decorators import has_access, permission_name
from sqlalchemy import or_, select

from ..extensions import db
from ..models import Department, District, Person, TrainingBase, TrainingClass, Unit
from ..security import masking, scope
from .base import expose

LIMIT = 20
MAX_QUERY = 50


def _person_label(p: Person) -> str:
    number = masking.shown(p.id_number)
    return f"{p.name} {number}"


def _person_match(q: str):
    if len(q) == 18:
        return Person.id_number == q.upper()
    return Person.name.startswith(q, autoescape=True)


# model -> (name in the URL, where clause for the typed text, label, order)
LOOKUPS = {
    Person: ("person", _person_match, _person_label, Person.name),
    Unit: ("unit", lambda q: or_(Unit.name.startswith(q, autoescape=True), Unit.credit_code == q.upper()),
           lambda u: f"{u.name} {u.credit_code}", Unit.name),
    TrainingClass: ("class", lambda q: TrainingClass.name.startswith(q, autoescape=True),
                    lambda c: f"{c.name} {c.start_date:%Y-%m-%d}", TrainingClass.name),
    TrainingBase: ("base", lambda q: or_(TrainingBase.name.startswith(q, autoescape=True),
                                         TrainingBase.code == q),
                   lambda b: f"{b.name} {b.code}", TrainingBase.name),
    District: ("district", lambda q: or_(District.name.startswith(q, autoescape=True), District.code == q),
               lambda d: f"{d.name} {d.code}", District.code),
    Department: ("department", lambda q: Department.name.contains(q, autoescape=True),
                 lambda d: d.name, Department.name),
}
_BY_NAME = {spec[0]: model for model, spec in LOOKUPS.items()}
# Tables that grow with the city: every form's relation to one is searched as
# you type (lists.big_relations); districts and departments stay dropdowns
# there, and are searched only where a form asks for it (the login form).
GROWING = (Person, Unit, TrainingClass, TrainingBase)


def lookup_name(model: type) -> str:
    return LOOKUPS[model][0]


def label_of(model: type, ids) -> list[tuple[int, str]]:
    """(id, label) of the rows among `ids` that the scope may see."""
    wanted = []
    for value in ids:
        try:
            wanted.append(int(value))
        except (TypeError, ValueError):
            continue
    if not wanted:
        return []
    label = LOOKUPS[model][2]
    rows = db.session.execute(select(model).where(model.id.in_(wanted), scope.clause(model))
                              .limit(len(wanted))).scalars()
    return [(row.id, label(row)) for row in rows]


def search(model: type, text: str) -> list[dict]:
    _, match, label, order = LOOKUPS[model]
    text = text.strip()[:MAX_QUERY]
    if not text:
        return []
    stmt = (select(model).where(match(text), scope.clause(model)).order_by(order, model.id)
            .limit(LIMIT))
    return [{"id": row.id, "text": label(row)} for row in db.session.execute(stmt).scalars()]


def unit_directory(text: str) -> list[dict]:
    """Units by name or credit code, city-wide: the credit code and the name only."""
    text = text.strip()[:MAX_QUERY]
    if not text:
        return []
    stmt = (select(Unit.name, Unit.credit_code).where(LOOKUPS[Unit][1](text))
            .order_by(Unit.name, Unit.id).limit(LIMIT))
    return [{"id": code, "text": f"{name} {code}"} for name, code in db.session.execute(stmt)]


class LookupView(BaseView):
    route_base = "/lookup"
    base_permissions = ["can_search", "can_unit_directory"]

    @expose("/unit-directory/", methods=["GET"])
    @has_access
    @permission_name("unit_directory")
    def unit_directory(self):
        return jsonify({"results": unit_directory(request.args.get("q", ""))})

    @expose("/<kind>/", methods=["GET"])
    @has_access
    @permission_name("search")
    def search(self, kind):
        model = _BY_NAME.get(kind)
        if model is None:
            return jsonify({"results": []}), 404
        return jsonify({"results": search(model, request.args.get("q", ""))})
