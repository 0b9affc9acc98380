"""六(二) advanced seminars (高级研修项目): a department or a base applies, the
association approves. Classes of an approved seminar count double and admit
intermediate and senior titles and enterprise managers."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l

from ..extensions import db
from ..models import Seminar
from ..models.plan import APPLIED, APPROVED, REJECTED, SEMINAR_LEVELS
from ..security.scope import Scope
from . import inputs
from .organisers import organiser
from .errors import BusinessError
from .workflow import REASON, Transition, Workflow, atomic

LEVEL_LABELS = {"national": _l("National"), "provincial": _l("Provincial"), "city": _l("City")}

WORKFLOW = Workflow(Seminar, "Seminar", _l("seminar"), {
    APPLIED: _l("Applied"),
    APPROVED: _l("Approved"),
    REJECTED: _l("Not approved"),
}, [
    Transition("approve", _l("Approve"), {APPLIED}, APPROVED, "review", style="success",
               done=_l("Approved.")),
    Transition("reject", _l("Do not approve"), {APPLIED}, REJECTED, "review", inputs=(REASON,),
               style="warning", done=_l("Not approved.")),
])


@atomic
def apply(scope: Scope, data: dict) -> Seminar:
    WORKFLOW.require(scope, "create")
    if data.get("level") not in SEMINAR_LEVELS:
        raise BusinessError(gettext("The level must be national, provincial or city."), field="level")
    seminar = Seminar(year=inputs.year(data.get("year")),
                      name=inputs.required(data.get("name"), "name", gettext("Seminar name")),
                      level=data["level"], state=APPLIED, applied_by=scope.user_id,
                      **organiser(scope, ("base_id", "department_id"),
                                          _l("Only departments and bases propose projects.")))
    db.session.add(seminar)
    db.session.flush()
    return seminar


@WORKFLOW.step("approve")
def approve(scope: Scope, seminar: Seminar, data: dict) -> None:
    seminar.review_reason = None


@WORKFLOW.step("reject")
def reject(scope: Scope, seminar: Seminar, data: dict) -> None:
    seminar.review_reason = inputs.reason(data.get("reason"))
