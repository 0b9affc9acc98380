"""待确认: roster rows that name a person the organiser may not see wait for
the reviewer of the person's unit, who confirms or rejects the link (notice
四(二): the unit keeps its staff list; a base only runs its classes).

Three kinds, one workflow: a new person the roster registers (who joins the
unit's staff list, and every scope that follows the unit, only when
confirmed), a registered person exactly as registered, and a registered
number with other details. Nobody is enrolled until the reviewer confirms.
The organiser cannot tell the kinds apart: its answer is the one any row
gets, and its class lists each such row alike (`organiser_rows`), 待单位确认
until the reviewer decides, then enrolled or 单位未确认."""
from __future__ import annotations

from collections import Counter

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import exists, select

from ..extensions import db
from ..models import Enrolment, Person, RosterLink, TrainingClass
from ..models.roster_link import CONFIRMED, DIFFERS, NEW, PENDING, REJECTED, SAME
from ..security import scope as scopes
from ..security.scope import Scope
from ..validators import mask_id_number, mask_name
from . import inputs, messages, people
from .errors import BusinessError
from .workflow import REASON, Guard, Transition, Workflow, decided

__all__ = ["DIFFERS", "NEW", "PENDING", "SAME", "WORKFLOW", "organiser_rows", "tell_reviewers", "waiting"]

KINDS = {NEW: _l("New person in your unit"), SAME: _l("Your unit's person on another organiser's roster"),
         DIFFERS: _l("Details differ from your record")}
# What the organiser sees of a row: the same for every kind.
ORGANISER_STATES = {PENDING: _l("Awaiting the unit's confirmation"), REJECTED: _l("Not confirmed by the unit")}


def for_association(cls: TrainingClass, kind: str, unit_id: int) -> bool:
    """A new person in the organising unit's own staff list waits for the
    association: were it the unit's own to confirm, the unit would see in its
    list which of its roster's numbers nobody has (issue 14)."""
    return kind == NEW and cls.unit_id is not None and cls.unit_id == unit_id


def _decides(scope: Scope, link: RosterLink) -> bool:
    mine = for_association(link.training_class, link.kind, link.unit_id)
    return mine if scopes.sees_everything(RosterLink, scope) else not mine


def _deciding(scope: Scope):
    mine = (RosterLink.kind == NEW) & exists().where(  # `for_association` in SQL
        TrainingClass.id == RosterLink.class_id, TrainingClass.unit_id == RosterLink.unit_id)
    return mine if scopes.sees_everything(RosterLink, scope) else ~mine


DECIDER = Guard(_l("A unit's reviewer decides the links of its staff; the association, the new people a "
                   "unit's own roster names."), _decides, _deciding)

WORKFLOW = Workflow(RosterLink, "RosterLink", _l("roster link"), {
    PENDING: _l("Pending confirmation"),
    CONFIRMED: _l("Confirmed"),
    REJECTED: _l("Rejected"),
}, [
    Transition("confirm", _l("Confirm the link"), {PENDING}, CONFIRMED, "review", guards=(DECIDER,),
               style="success", done=_l("Confirmed: the person is linked to the unit.")),
    Transition("reject", _l("Reject the link"), {PENDING}, REJECTED, "review", inputs=(REASON,),
               guards=(DECIDER,), style="warning", done=_l("Rejected; the hours stay with the person.")),
])


def waiting(kind: str, cls: TrainingClass, person_id: int | None, unit_id: int, given) -> dict:
    """The link a row of `cls`'s roster leaves for `unit_id`'s reviewer: the
    person the number names (`person_id`, None for a number nobody has), with
    the participant as the row describes them (`given`, classes.NewPerson),
    the same columns for every kind."""
    return {"kind": kind, "class_id": cls.id, "person_id": person_id, "unit_id": unit_id,
            "name": given.name, "phone": given.phone, "id_number": given.id_number,
            "series": given.series, "title_level": given.title_level,
            "is_enterprise_manager": given.is_enterprise_manager}


def organiser_rows(cls: TrainingClass) -> list[dict]:
    """The class's rows still waiting or rejected, as its organiser sees them:
    the name and number masked, the state in neutral words, nothing of the kind."""
    found = db.session.execute(
        select(RosterLink.name, RosterLink.state, RosterLink.id_number)
        .where(RosterLink.class_id == cls.id, RosterLink.state != CONFIRMED)
        .order_by(RosterLink.id)).all()
    return [{"name": mask_name(name), "id_number": mask_id_number(number),
             "state": str(ORGANISER_STATES[state])} for name, state, number in found]


def tell_reviewers(cls: TrainingClass, links: list[dict]) -> None:
    """Each unit's reviewers (or the association, `for_association`) hear how
    many rows of the roster wait for them (`links`: each waiting row)."""
    audience = [None if for_association(cls, link["kind"], link["unit_id"]) else link["unit_id"]
                for link in links]
    for unit_id, n in sorted(Counter(audience).items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
        ids = db.session.execute(messages.deciders(unit_id)).scalars().all()
        subject = gettext("Pending confirmation: %(n)d participants of the class “%(name)s” name your unit",
                          n=n, name=cls.name[:80])
        messages.write(ids, subject[:200], gettext("Confirm or reject each link."),
                       messages.path("RosterLinkView.list"), "RosterLink", None, "import_roster")


def _new_person(link: RosterLink) -> Person:
    """The person a `NEW` link describes, created now that the unit's reviewer
    confirms them (the number may have been registered since: in this unit,
    the link means that person; elsewhere, it cannot be confirmed)."""
    person = db.session.execute(select(Person).where(Person.id_number == link.id_number)).scalar_one_or_none()
    if person is not None:
        if person.unit_id != link.unit_id:
            raise BusinessError(gettext("This person can no longer be registered in your unit; "
                                        "reject the link."), status=409)
        return person
    return people.register(link, link.unit_id)


@WORKFLOW.step("confirm")
def confirm(scope: Scope, link: RosterLink, data: dict) -> None:
    """The row means the unit's person: they are enrolled (a new person is
    created now, in the unit's staff list)."""
    decided(scope, link)
    if link.person_id is None:
        link.person = _new_person(link)
        db.session.flush()
    if db.session.execute(select(Enrolment.id).where(
            Enrolment.class_id == link.class_id, Enrolment.person_id == link.person_id)).first() is None:
        db.session.add(Enrolment(class_id=link.class_id, person_id=link.person_id, phone=link.phone,
                                 attendance={}))


@WORKFLOW.step("reject")
def reject(scope: Scope, link: RosterLink, data: dict) -> None:
    """Not the unit's: nobody is enrolled, and a new person is never created
    (the link keeps the row as the roster gave it)."""
    link.reason = inputs.reason(data.get("reason"))
    decided(scope, link)
