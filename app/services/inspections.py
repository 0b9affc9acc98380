"""五(五) inspections (督导检查) of classes and bases. A finding of violation on a
class takes its hours out of every ledger; doubtful material is handed over
to the district concerned as a case."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l

from ..extensions import db
from ..models import Case, Inspection, Person, TrainingBase, TrainingClass, Unit
from ..security import scope as scopes
from ..security.scope import Scope
from . import cases, classes, inputs, records
from .errors import BusinessError
from .workflow import Input, Transition, Workflow, atomic


def record_number(data: dict, field: str) -> int | None:
    """An optional record number from form or JSON input."""
    value = data.get(field)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BusinessError(gettext("Must be a whole number."), field=field)


def in_scope(scope: Scope, model, data: dict, field: str):
    """The row named by `data[field]`, if the scope sees it (a refusal on the field otherwise)."""
    pk = record_number(data, field)
    if pk is None:
        return None
    row = scopes.get_in_scope(model, pk, scope)
    if row is None:
        raise BusinessError(gettext("Not found."), field=field)
    return row


def unit_choices() -> list[tuple[str, str]]:
    stmt = scopes.scoped(Unit).order_by(Unit.id.desc()).limit(500)
    return [("", "—")] + [(str(u.id), str(u)) for u in db.session.execute(stmt).scalars()]


WORKFLOW = Workflow(Inspection, "Inspection", _l("inspection"), {}, [
    Transition("hand_over", _l("Hand over to the district for checking"), None, None, "hand_over",
               inputs=(Input("subject", _l("Subject")), Input("details", _l("Details"), "textarea"),
                       Input("unit_id", _l("Unit concerned"), "select", unit_choices, optional=True,
                             schema={"type": "integer"}),
                       Input("person_id", _l("Person concerned (record number)"), optional=True,
                             schema={"type": "integer"})),
               style="warning", waits=False, done=_l("Handed over to the district.")),
])


@atomic
def record(scope: Scope, data: dict) -> Inspection:
    """Record a finding; `violation` on a class takes its hours out of ledgers."""
    WORKFLOW.require(scope, "create")
    cls, base = in_scope(scope, TrainingClass, data, "class_id"), in_scope(scope, TrainingBase, data, "base_id")
    if (cls is None) == (base is None):
        raise BusinessError(gettext("Inspect either a class or a base."), field="class_id")
    violation = str(data.get("violation", "")).lower() in ("1", "true", "y", "yes", "on")
    if violation and cls is None:
        raise BusinessError(gettext("Only a class can be marked in violation."), field="violation")
    inspection = Inspection(
        inspected_on=records.parse_date(data.get("inspected_on"), "date"),
        class_id=cls.id if cls else None, base_id=base.id if base else None,
        inspector=inputs.required(data.get("inspector"), "inspector", gettext("Inspector")),
        findings=inputs.required(data.get("findings"), "findings", gettext("Findings")),
        violation=violation)
    db.session.add(inspection)
    db.session.flush()
    if violation:
        classes.mark_violation(scope, cls.id, {"reason": inspection.findings})  # joins this transaction
    return inspection


@WORKFLOW.step("hand_over")
def hand_over(scope: Scope, inspection: Inspection, data: dict) -> Case:
    """移交核查: a case for the district of the unit or the person concerned."""
    unit, person = in_scope(scope, Unit, data, "unit_id"), in_scope(scope, Person, data, "person_id")
    if unit is None and person is None:
        raise BusinessError(gettext("Name the unit or the person concerned."), field="unit_id")
    case = Case(district_id=(unit or person.unit).district_id, inspection_id=inspection.id,
                unit_id=unit.id if unit else None, person_id=person.id if person else None,
                subject=inputs.required(data.get("subject"), "subject", gettext("Subject")),
                details=inputs.required(data.get("details"), "details", gettext("Details")),
                state=cases.OPEN)
    db.session.add(case)
    db.session.flush()
    return case
