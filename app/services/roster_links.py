"""待确认: roster rows that name a person of another organisation's unit wait
for that unit's reviewer, who confirms or rejects the link (notice 四(二):
the unit keeps its staff list; a base only runs its classes).

Two kinds, one workflow. A new person the roster registers is enrolled at
once and joins the unit's staff list (and every scope that follows the unit)
only when its reviewer confirms; rejected, they stay outside it. A row whose
details differ from the registered person's is held, nobody enrolled, until
the person's unit reviewer confirms that the row means them. The hours of an
enrolment stay with the person whatever the reviewer decides. The organiser
is told nothing of either: its answer was the one any row gets."""
from __future__ import annotations

from collections import Counter

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import Enrolment, Person, RosterLink, TrainingClass
from ..models.base import utcnow
from ..models.roster_link import CONFIRMED, DIFFERS, NEW, PENDING, REJECTED
from ..security.scope import Scope
from . import inputs, messages
from .workflow import REASON, Transition, Workflow

__all__ = ["DIFFERS", "NEW", "WORKFLOW", "hold", "register", "tell_reviewers"]

KINDS = {NEW: _l("New person in your unit"), DIFFERS: _l("Details differ from your record")}

WORKFLOW = Workflow(RosterLink, "RosterLink", _l("roster link"), {
    PENDING: _l("Pending confirmation"),
    CONFIRMED: _l("Confirmed"),
    REJECTED: _l("Rejected"),
}, [
    Transition("confirm", _l("Confirm the link"), {PENDING}, CONFIRMED, "review", style="success",
               done=_l("Confirmed: the person is linked to your unit.")),
    Transition("reject", _l("Reject the link"), {PENDING}, REJECTED, "review", inputs=(REASON,),
               style="warning", done=_l("Rejected; the hours stay with the person.")),
])


def register(cls: TrainingClass, person_id: int, given) -> dict:
    """The row of the new person `cls`'s roster registered in another
    organisation's unit (`given`: the person as the row describes them)."""
    return {"kind": NEW, "class_id": cls.id, "person_id": person_id, "unit_id": given.unit_id,
            "name": given.name, "phone": given.phone}


def hold(cls: TrainingClass, person: Person, name: str, phone: str | None) -> dict:
    """The row of `cls`'s roster that gives `person`'s number with other details."""
    return {"kind": DIFFERS, "class_id": cls.id, "person_id": person.id, "unit_id": person.unit_id,
            "name": name, "phone": phone}


def tell_reviewers(cls: TrainingClass, unit_ids: list[int]) -> None:
    """Each unit's reviewers hear how many rows of the roster wait for them
    (`unit_ids`: the unit of each waiting row)."""
    for unit_id, n in sorted(Counter(unit_ids).items()):
        ids = db.session.execute(messages.logins(unit_id=unit_id)).scalars().all()
        subject = gettext("Pending confirmation: %(n)d participants of the class “%(name)s” name your unit",
                          n=n, name=cls.name[:80])
        messages.write(ids, subject[:200], gettext("Confirm or reject each link."),
                       messages.path("RosterLinkView.list"), "RosterLink", None, "import_roster")


def _decided(scope: Scope, link: RosterLink) -> None:
    link.decided_by, link.decided_at = scope.user_id, utcnow()


@WORKFLOW.step("confirm")
def confirm(scope: Scope, link: RosterLink, data: dict) -> None:
    """A new person joins the unit's staff list; a held row enrols the person."""
    _decided(scope, link)
    if link.kind == DIFFERS and db.session.execute(select(Enrolment.id).where(
            Enrolment.class_id == link.class_id, Enrolment.person_id == link.person_id)).first() is None:
        db.session.add(Enrolment(class_id=link.class_id, person_id=link.person_id, phone=link.phone,
                                 attendance={}))


@WORKFLOW.step("reject")
def reject(scope: Scope, link: RosterLink, data: dict) -> None:
    """Not the unit's: a new person stays outside its staff list (their hours
    stay with them); a held row enrols nobody."""
    link.reason = inputs.reason(data.get("reason"))
    _decided(scope, link)
