"""人员登记申请: a new professional added by a login whose scope is not the
whole city waits for someone outside that scope (issue 14, no existence
oracle on ID numbers).

A unit reviewer who adds a person to their unit is told "已提交，待确认"
whoever holds the number: a number nobody has becomes a request the
association decides (confirmed: the person is registered in the unit); a
number registered in another unit becomes a transfer that unit's reviewer
decides (confirmed: the person moves to the requesting unit, with their
hours), or the association while that unit has no active login that may.
Both kinds run the same statements and leave the same row, and the requester
sees neither the kind nor the unit that holds the number nor who decides. A
number held in the requester's own unit is reported at once (in scope). Nobody but
the association changes a person's ID number, for the same reason."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import and_, exists, false, inspect as sa_inspect, or_, select
from sqlalchemy.sql import ColumnElement

from ..extensions import db
from ..models import Person, PersonRequest, Unit, UserScope
from ..models.person_request import CONFIRMED, PENDING, REGISTER, REJECTED, TRANSFER
from ..security import scope as scopes
from ..security.scope import Scope
from . import inputs, people, workflow
from .errors import BusinessError
from .workflow import REASON, Guard, Transition, Workflow, decided, transaction

__all__ = ["ASKED", "CORRECTED_BY_THE_ASSOCIATION", "SUBMITTED", "WORKFLOW", "by_request", "refuse_number_change", "submit"]

ASKED = _l("18-character resident ID number. A new professional is registered once confirmed: by the "
           "association, or by the unit the number is registered in now.")
CORRECTED_BY_THE_ASSOCIATION = _l("Only the association corrects an ID number; ask it to correct this one.")
SUBMITTED = _l("Submitted for confirmation: the person joins your unit's staff list once the "
               "request is confirmed. Follow it under “Registration requests”.")


DECIDE = "decide"  # the steps' permission


def _unit_decides(unit_id) -> ColumnElement:
    """Whether unit `unit_id` (a value, or the row's column) has a login that
    may decide its transfers: active, scoped to the unit, its role granted the
    step's permission. A unit without one leaves its transfers to the
    association, else they would wait forever."""
    return exists().where(UserScope.unit_id == unit_id,
                          UserScope.user_id.in_(workflow.who_may(DECIDE, "PersonRequest")))


def _decides(scope: Scope, row: PersonRequest) -> bool:
    if scopes.sees_everything(Person, scope):
        return row.kind == REGISTER or (row.kind == TRANSFER and (
            row.holder_unit_id is None
            or not db.session.execute(select(_unit_decides(row.holder_unit_id))).scalar()))
    return row.kind == TRANSFER and row.holder_unit_id is not None and row.holder_unit_id == scope.unit_id


def _deciding(scope: Scope):
    if scopes.sees_everything(Person, scope):
        return or_(PersonRequest.kind == REGISTER,
                   and_(PersonRequest.kind == TRANSFER, ~_unit_decides(PersonRequest.holder_unit_id)))
    if scope.unit_id is None:
        return false()
    return and_(PersonRequest.kind == TRANSFER, PersonRequest.holder_unit_id == scope.unit_id)


DECIDER = Guard(_l("Only the association, or the reviewer of the unit the person works in now, "
                   "decides a registration request."), _decides, _deciding)

WORKFLOW = Workflow(PersonRequest, "PersonRequest", _l("registration request"), {
    PENDING: _l("Pending confirmation"),
    CONFIRMED: _l("Registered"),
    REJECTED: _l("Not confirmed"),
}, [
    Transition("confirm", _l("Confirm the registration"), {PENDING}, CONFIRMED, DECIDE,
               guards=(DECIDER,), style="success",
               done=_l("Confirmed: the person is in the requesting unit's staff list.")),
    Transition("reject", _l("Reject the registration"), {PENDING}, REJECTED, DECIDE, inputs=(REASON,),
               guards=(DECIDER,), style="warning", done=_l("Rejected; nothing changed in the registry.")),
])


def by_request(scope: Scope) -> bool:
    """Does a new person added by `scope` wait for confirmation (its scope is not the city)?"""
    return not scopes.sees_everything(Person, scope)


def _unit_in_scope(scope: Scope, person: Person) -> int:
    unit_id = person.unit.id if person.unit is not None else person.unit_id
    unit = db.session.get(Unit, unit_id) if unit_id is not None else None
    if unit is None or not scopes.contains(unit, scope):
        raise BusinessError(gettext("You may not create or change records outside your scope."), status=403)
    return unit.id


def submit(scope: Scope, person: Person) -> PersonRequest:
    """The request a new person (a transient row from the add form or the API)
    leaves, committed; the person itself is not created."""
    with transaction():
        if person in db.session:
            db.session.expunge(person)
        unit_id = _unit_in_scope(scope, person)
        holder = db.session.execute(select(Person.id, Person.unit_id).where(
            Person.id_number == person.id_number)).first()
        if holder is not None and holder.unit_id == unit_id:  # the requester's own staff: in scope
            raise BusinessError(gettext("This value is already registered."), field="id_number")
        if db.session.execute(select(PersonRequest.id).where(
                PersonRequest.unit_id == unit_id, PersonRequest.id_number == person.id_number,
                PersonRequest.state == PENDING)).first() is not None:
            raise BusinessError(gettext("Your unit has already asked to register this ID number; "
                                        "the request is pending."), field="id_number")
        row = PersonRequest(
            kind=TRANSFER if holder else REGISTER, state=PENDING, unit_id=unit_id,
            holder_unit_id=holder.unit_id if holder else None, person_id=holder.id if holder else None,
            requested_by=scope.user_id, id_number=person.id_number, name=person.name, phone=person.phone,
            series=person.series, title_level=person.title_level,
            is_enterprise_manager=bool(person.is_enterprise_manager), reason=None, decided_by=None,
            decided_at=None)
        db.session.add(row)
        db.session.flush()
    return row


def refuse_number_change(scope: Scope, person: Person) -> None:
    """Only the association corrects an ID number: for anyone else, any new
    number is refused alike, before the registry is read."""
    if by_request(scope) and sa_inspect(person).attrs.id_number.history.has_changes():
        db.session.rollback()
        raise BusinessError(str(CORRECTED_BY_THE_ASSOCIATION), field="id_number")


@WORKFLOW.step("confirm")
def confirm(scope: Scope, row: PersonRequest, data: dict) -> None:
    """A new number: the person is registered in the requesting unit. A
    transfer: the person moves to the requesting unit (their hours go with
    them; their district follows the unit, app/services/placement.py)."""
    decided(scope, row)
    if row.kind == REGISTER:
        if db.session.execute(select(Person.id).where(Person.id_number == row.id_number)).first():
            raise BusinessError(gettext("This ID number has been registered since; reject the request."),
                                status=409)
        row.person_id = people.register(row, row.unit_id).id
        return
    person = db.session.get(Person, row.person_id, with_for_update=True)
    if person is None or person.unit_id != row.holder_unit_id:
        raise BusinessError(gettext("The person no longer works in your unit; reject the request."),
                            status=409)
    person.unit_id = row.unit_id
    db.session.flush()


@WORKFLOW.step("reject")
def reject(scope: Scope, row: PersonRequest, data: dict) -> None:
    row.reason = inputs.reason(data.get("reason"))
    decided(scope, row)
