"""六(三) base evaluation: the base reports → the department's first review →
expert scores → on-site check → published result. A failed base is withdrawn
(退出) and files no new classes. Whoever reviews a stage may return the
evaluation to the base with a reason."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import or_, select

from ..extensions import db
from ..models import BaseEvaluation
from ..models.governance import EVAL_RESULTS
from ..security.scope import Scope
from . import evidence, inputs, records
from .errors import BusinessError
from .workflow import REASON, Guard, Input, Transition, Workflow, atomic, column_state, may

DRAFT, SUBMITTED, DEPARTMENT_REVIEWED, EXPERT_REVIEWED, SITE_CHECKED, PUBLISHED = (
    "draft", "submitted", "department_reviewed", "expert_reviewed", "site_checked", "published")
RESULT_LABELS = {"excellent": _l("Excellent"), "qualified": _l("Qualified"), "failed": _l("Failed")}
# what a published result makes of the base (六(三): failed bases exit)
BASE_STATUS_FOR = {"excellent": "excellent", "qualified": "active", "failed": "withdrawn"}
# who reviews each stage, and so may return it to the base
STAGE_REVIEW = {SUBMITTED: "first_review", DEPARTMENT_REVIEWED: "evaluate", EXPERT_REVIEWED: "evaluate"}

STAGE_REVIEWER = Guard(
    _l("Only whoever reviews this stage returns the evaluation."),
    lambda scope, row: row.stage not in STAGE_REVIEW
    or may(scope, STAGE_REVIEW[row.stage], "BaseEvaluation"),
    lambda scope: or_(BaseEvaluation.stage.not_in(list(STAGE_REVIEW)), BaseEvaluation.stage.in_(
        [stage for stage, permission in STAGE_REVIEW.items() if may(scope, permission, "BaseEvaluation")])))


def _has_material(evaluation: BaseEvaluation) -> None:
    if not evidence.has(evaluation):
        raise BusinessError(gettext("Upload the evaluation materials first."))


WORKFLOW = Workflow(BaseEvaluation, "BaseEvaluation", _l("base evaluation"), {
    DRAFT: _l("Being prepared by the base"),
    SUBMITTED: _l("Submitted by the base"),
    DEPARTMENT_REVIEWED: _l("Passed the department's first review"),
    EXPERT_REVIEWED: _l("Scored by experts"),
    SITE_CHECKED: _l("Checked on site"),
    PUBLISHED: _l("Result published"),
}, [
    Transition("upload", _l("Upload material"), {DRAFT}, None, "upload", custom=True),
    Transition("submit", _l("Submit to the department"), {DRAFT}, SUBMITTED, "submit",
               inputs=(Input("summary", _l("Self-assessment"), "textarea"),), checks=(_has_material,),
               done=_l("Submitted.")),
    Transition("department_review", _l("Pass the first review"), {SUBMITTED}, DEPARTMENT_REVIEWED,
               "first_review", inputs=(Input("opinion", _l("Department opinion"), "textarea"),),
               style="success", done=_l("First review passed.")),
    Transition("expert_review", _l("Record the experts' scores"), {DEPARTMENT_REVIEWED},
               EXPERT_REVIEWED, "evaluate",
               inputs=(Input("scores", _l("Scores, one expert per line: name score"), "textarea",
                             placeholder="王教授 88", schema={
                                 "type": "array", "items": {"type": "object", "properties": {
                                     "expert": {"type": "string"}, "score": {"type": "number"}}}}),),
               done=_l("Scores recorded.")),
    Transition("site_check", _l("Record the on-site check"), {EXPERT_REVIEWED}, SITE_CHECKED,
               "evaluate", inputs=(Input("findings", _l("On-site findings"), "textarea"),),
               done=_l("On-site check recorded.")),
    Transition("publish", _l("Publish the result"), {SITE_CHECKED}, PUBLISHED, "evaluate",
               inputs=(Input("result", _l("Result"), "select",
                             lambda: [(k, str(v)) for k, v in RESULT_LABELS.items()]),
                       Input("published_on", _l("Publication date"), "date", optional=True)),
               style="success", done=_l("Result published; the base's status follows it.")),
    Transition("return", _l("Return to the base"), set(STAGE_REVIEW), DRAFT, "return",
               inputs=(REASON,), guards=(STAGE_REVIEWER,), style="warning",
               done=_l("Returned to the base.")),
], state=column_state(BaseEvaluation.stage))


@atomic
def open_evaluation(scope: Scope, year) -> BaseEvaluation:
    """The base's evaluation of a year (one per base and year), created if new."""
    WORKFLOW.require(scope, "create")
    if not scope.base_id:
        raise BusinessError(gettext("Only a training base opens its evaluation."), status=403)
    year = inputs.year(year)
    existing = db.session.execute(select(BaseEvaluation).where(
        BaseEvaluation.base_id == scope.base_id, BaseEvaluation.year == year)).scalar_one_or_none()
    if existing is not None:
        return existing
    evaluation = BaseEvaluation(base_id=scope.base_id, year=year, stage=DRAFT)
    db.session.add(evaluation)
    db.session.flush()
    return evaluation


def material(evaluation: BaseEvaluation) -> list:
    return evidence.of(evaluation)


@WORKFLOW.step("upload")
def add_material(scope: Scope, evaluation: BaseEvaluation, data: dict) -> list:
    """data["files"]: the base's materials while it prepares its report; all or none."""
    return evidence.attach(data.get("files") or [], scope.user_id, evaluation)


def _forward(evaluation: BaseEvaluation) -> None:
    evaluation.returned_reason = evaluation.returned_from = None


@WORKFLOW.step("submit")
def submit(scope: Scope, evaluation: BaseEvaluation, data: dict) -> None:
    evaluation.summary = inputs.required(data.get("summary"), "summary", gettext("Self-assessment"))
    _forward(evaluation)


@WORKFLOW.step("department_review")
def department_review(scope: Scope, evaluation: BaseEvaluation, data: dict) -> None:
    evaluation.department_opinion = inputs.required(data.get("opinion"), "opinion", gettext("Opinion"))
    _forward(evaluation)


def parse_scores(value) -> list[dict]:
    """Lines of "name score" (a form) or a list of {expert, score} (JSON), checked."""
    if isinstance(value, str):
        entries = []
        for line in value.splitlines():
            parts = line.rsplit(maxsplit=1)
            if len(parts) == 2:
                entries.append({"expert": parts[0], "score": parts[1]})
            elif line.strip():
                entries.append({"expert": line.strip(), "score": None})
        value = entries
    cleaned = []
    for entry in value if isinstance(value, list) else []:
        entry = entry if isinstance(entry, dict) else {}
        expert = str(entry.get("expert", "")).strip()
        try:
            score = Decimal(str(entry.get("score")))
        except Exception:
            score = None
        if not expert or score is None or not score.is_finite() or not 0 <= score <= 100:
            raise BusinessError(gettext("Each expert needs a name and a score from 0 to 100."),
                                field="scores")
        cleaned.append({"expert": expert, "score": str(score)})
    if not cleaned:
        raise BusinessError(gettext("Give at least one expert's score."), field="scores")
    return cleaned


@WORKFLOW.step("expert_review")
def expert_review(scope: Scope, evaluation: BaseEvaluation, data: dict) -> None:
    scores = parse_scores(data.get("scores"))
    evaluation.expert_scores = scores
    mean = sum(Decimal(c["score"]) for c in scores) / len(scores)
    evaluation.expert_score = mean.quantize(Decimal("0.1"))
    _forward(evaluation)


@WORKFLOW.step("site_check")
def site_check(scope: Scope, evaluation: BaseEvaluation, data: dict) -> None:
    evaluation.site_findings = inputs.required(data.get("findings"), "findings", gettext("Findings"))
    _forward(evaluation)


@WORKFLOW.step("publish")
def publish(scope: Scope, evaluation: BaseEvaluation, data: dict) -> None:
    """发文公布: the result sets the base's status; a failed base is withdrawn (退出)."""
    result = data.get("result")
    if result not in EVAL_RESULTS:
        raise BusinessError(gettext("The result must be excellent, qualified or failed."), field="result")
    evaluation.result = result
    evaluation.published_on = records.parse_date(data.get("published_on") or date.today().isoformat(),
                                                 "date")
    evaluation.base.status = BASE_STATUS_FOR[result]
    _forward(evaluation)


@WORKFLOW.step("return")
def return_to_base(scope: Scope, evaluation: BaseEvaluation, data: dict) -> None:
    """Back to the base, from the stage the actor reviews."""
    evaluation.returned_reason = inputs.reason(data.get("reason"))
    evaluation.returned_from = evaluation.stage
