"""七(一) cases (移交核查): doubtful material the association hands to the district
of the unit or person; the district checks it and records the outcome."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l

from ..models import Case
from ..models.base import utcnow
from ..security.scope import Scope
from . import certificates, inputs
from .workflow import Input, Transition, Workflow

OPEN, CLOSED = "open", "closed"

WORKFLOW = Workflow(Case, "Case", _l("case"), {OPEN: _l("Open"), CLOSED: _l("Closed")}, [
    Transition("close", _l("Record the outcome"), {OPEN}, CLOSED, "close",
               inputs=(Input("outcome", _l("Outcome"), "textarea"),), style="success",
               done=_l("Outcome recorded.")),
])


@WORKFLOW.step("close")
def close(scope: Scope, case: Case, data: dict) -> None:
    """The district records its outcome (the only thing district officers write);
    the certificates suspended pending the case are valid again."""
    case.outcome = inputs.required(data.get("outcome"), "outcome", gettext("Outcome"))
    case.closed_at, case.closed_by = utcnow(), scope.user_id
    certificates.lift_for_case(case)  # suspensions that waited for this check end with it
