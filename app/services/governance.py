"""What the notice asks of the association, departments and districts beyond
single records (五, 六, 七): annual plans and advanced seminars, base
evaluations with exit, inspections, cases handed to districts, dishonesty
records. Every step locks its row, checks state and actor, commits once."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import (
    BaseEvaluation, Case, DishonestyRecord, Inspection, Person, PlanProject, PlanPublication,
    Seminar, TrainingBase, TrainingClass, Unit,
)
from ..models.base import utcnow
from ..models.governance import EVAL_RESULTS
from ..models.plan import ACCEPTED, APPLIED, APPROVED, PROPOSED, REJECTED, SEMINAR_LEVELS
from ..security import scope as scopes
from ..security.scope import Scope
from . import classes, evidence, inputs, records
from .errors import BusinessError

PLAN_STATES = {PROPOSED: _l("Proposed"), ACCEPTED: _l("Accepted into the list"),
               REJECTED: _l("Not accepted")}
SEMINAR_STATES = {APPLIED: _l("Applied"), APPROVED: _l("Approved"), REJECTED: _l("Not approved")}
SEMINAR_LEVEL_LABELS = {"national": _l("National"), "provincial": _l("Provincial"), "city": _l("City")}
EVAL_STAGE_LABELS = {
    "draft": _l("Being prepared by the base"),
    "submitted": _l("Submitted by the base"),
    "department_reviewed": _l("Passed the department's first review"),
    "expert_reviewed": _l("Scored by experts"),
    "site_checked": _l("Checked on site"),
    "published": _l("Result published"),
}
EVAL_RESULT_LABELS = {"excellent": _l("Excellent"), "qualified": _l("Qualified"), "failed": _l("Failed")}
# what a published result makes of the base (六(三): failed bases exit)
BASE_STATUS_FOR = {"excellent": "excellent", "qualified": "active", "failed": "withdrawn"}


def _require(scope: Scope, *roles: str) -> None:
    if not scope.has(*roles):
        raise BusinessError(gettext("Your role may not do this."), status=403)


def _load(model, scope: Scope, pk):
    row = scopes.get_in_scope(model, pk, scope, for_update=True)
    if row is None:
        raise BusinessError(gettext("Not found."), status=404)
    return row


def _wrong_state(label) -> BusinessError:
    return BusinessError(gettext("This step is not possible now (the record is %(state)s).",
                                 state=label), status=409)


def _organiser(scope: Scope) -> dict:
    if scope.has("base_staff") and scope.base_id:
        return {"base_id": scope.base_id}
    if scope.has("authority_staff") and scope.department_id:
        return {"department_id": scope.department_id}
    raise BusinessError(gettext("Only departments and bases propose projects."), status=403)


def _id(data: dict, field: str) -> int | None:
    """An optional record number from form or JSON input."""
    value = data.get(field)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BusinessError(gettext("Must be a whole number."), field=field)


def _row(model, pk: int | None):
    if pk is None:
        return None
    row = db.session.get(model, pk)
    if row is None:
        raise BusinessError(gettext("Not found."), status=404)
    return row


def _year(value) -> int:
    return inputs.year(value)


# -- 六(一) annual plans ------------------------------------------------------

def propose_project(scope: Scope, data: dict) -> PlanProject:
    _require(scope, "base_staff", "authority_staff")
    organiser = _organiser(scope)
    if organiser.get("base_id"):
        base = db.session.get(TrainingBase, organiser["base_id"])
        if base.is_withdrawn:
            raise BusinessError(gettext("A withdrawn base cannot propose projects."), status=409)
    category = data.get("category")
    if category not in records.CATEGORIES:
        raise BusinessError(gettext("The category must be public or professional."), field="category")
    project = PlanProject(
        year=_year(data.get("year")),
        name=inputs.required(data.get("name"), "name", gettext("Project name")),
        category=category,
        audience=inputs.required(data.get("audience"), "audience", gettext("Target audience")),
        planned_hours=records.parse_hours(data.get("planned_hours"), "hours"),
        months=inputs.required(data.get("months"), "months", gettext("Months")), state=PROPOSED,
        proposed_by=scope.user_id, **organiser)
    db.session.add(project)
    db.session.commit()
    return project


def review_project(scope: Scope, pk, accept: bool, reason: str | None = None) -> PlanProject:
    _require(scope, "association_admin")
    project = _load(PlanProject, scope, pk)
    if project.state != PROPOSED:
        raise _wrong_state(PLAN_STATES[project.state])
    if db.session.execute(select(PlanPublication.id).where(PlanPublication.year == project.year)).first():
        raise BusinessError(gettext("The %(year)d list is already published; it takes no more projects.",
                                    year=project.year), status=409)
    project.state = ACCEPTED if accept else REJECTED
    project.review_reason = None if accept else inputs.reason(reason)
    db.session.commit()
    return project


def publish_plan(scope: Scope, year, published_on: date) -> tuple[PlanPublication, bool]:
    """Publish the year's accepted projects; (publication, late) — due in the first quarter."""
    _require(scope, "association_admin")
    year = _year(year)
    if db.session.execute(select(PlanPublication).where(PlanPublication.year == year)).first():
        raise BusinessError(gettext("The %(year)d list is already published.", year=year), status=409)
    accepted = db.session.execute(select(PlanProject.id).where(
        PlanProject.year == year, PlanProject.state == ACCEPTED)).first()
    if accepted is None:
        raise BusinessError(gettext("No accepted project of %(year)d to publish.", year=year))
    late = published_on > date(year, 3, 31)
    publication = PlanPublication(year=year, published_on=published_on, published_at=utcnow(),
                                  published_by=scope.user_id, late=late)
    db.session.add(publication)
    db.session.commit()
    return publication, late


def published_projects(year: int) -> list[PlanProject]:
    if not db.session.execute(select(PlanPublication.id).where(PlanPublication.year == year)).first():
        return []
    return db.session.execute(select(PlanProject).where(
        PlanProject.year == year, PlanProject.state == ACCEPTED).order_by(PlanProject.id)).scalars().all()


# -- 六(二) advanced seminars ---------------------------------------------------

def apply_seminar(scope: Scope, data: dict) -> Seminar:
    _require(scope, "base_staff", "authority_staff")
    if data.get("level") not in SEMINAR_LEVELS:
        raise BusinessError(gettext("The level must be national, provincial or city."), field="level")
    seminar = Seminar(year=_year(data.get("year")),
                      name=inputs.required(data.get("name"), "name", gettext("Seminar name")),
                      level=data["level"], state=APPLIED, applied_by=scope.user_id, **_organiser(scope))
    db.session.add(seminar)
    db.session.commit()
    return seminar


def review_seminar(scope: Scope, pk, approve: bool, reason: str | None = None) -> Seminar:
    _require(scope, "association_admin")
    seminar = _load(Seminar, scope, pk)
    if seminar.state != APPLIED:
        raise _wrong_state(SEMINAR_STATES[seminar.state])
    seminar.state = APPROVED if approve else REJECTED
    seminar.review_reason = None if approve else inputs.reason(reason)
    db.session.commit()
    return seminar


# -- 六(三) base evaluation ------------------------------------------------------
# (stage it starts from, stage it leads to, role that does it)
EVAL_STEPS = {
    "submit": ("draft", "submitted", "base_staff"),
    "department_review": ("submitted", "department_reviewed", "authority_staff"),
    "expert_review": ("department_reviewed", "expert_reviewed", "association_admin"),
    "site_check": ("expert_reviewed", "site_checked", "association_admin"),
    "publish": ("site_checked", "published", "association_admin"),
}


def open_evaluation(scope: Scope, year) -> BaseEvaluation:
    """The base's evaluation of a year (one per base and year), created if new."""
    _require(scope, "base_staff")
    year = _year(year)
    existing = db.session.execute(select(BaseEvaluation).where(
        BaseEvaluation.base_id == scope.base_id, BaseEvaluation.year == year)).scalar_one_or_none()
    if existing is not None:
        return existing
    evaluation = BaseEvaluation(base_id=scope.base_id, year=year, stage="draft")
    db.session.add(evaluation)
    db.session.commit()
    return evaluation


def _evaluation_step(scope: Scope, pk, step: str) -> BaseEvaluation:
    source, target, role = EVAL_STEPS[step]
    _require(scope, role)
    evaluation = _load(BaseEvaluation, scope, pk)
    if evaluation.stage != source:
        raise _wrong_state(EVAL_STAGE_LABELS[evaluation.stage])
    evaluation.stage = target
    evaluation.returned_reason = evaluation.returned_from = None
    return evaluation


def submit_evaluation(scope: Scope, pk, summary: str) -> BaseEvaluation:
    evaluation = _evaluation_step(scope, pk, "submit")
    evaluation.summary = inputs.required(summary, "summary", gettext("Self-assessment"))
    if not evaluation_material(evaluation):
        raise BusinessError(gettext("Upload the evaluation materials first."))
    db.session.commit()
    return evaluation


def evaluation_material(evaluation: BaseEvaluation) -> list:
    from ..models import Evidence

    return db.session.execute(select(Evidence).where(Evidence.evaluation_id == evaluation.id)
                              .order_by(Evidence.id)).scalars().all()


def add_evaluation_material(scope: Scope, pk, files: list[tuple[str, bytes]]) -> list:
    """The base's materials, while it prepares its report; all files or none."""
    _require(scope, "base_staff")
    evaluation = _load(BaseEvaluation, scope, pk)
    if evaluation.stage != "draft":
        raise BusinessError(gettext("Material can be added while the base prepares its report."),
                            status=409)
    return evidence.attach(files, scope.user_id, evaluation_id=evaluation.id)


def department_review(scope: Scope, pk, opinion: str) -> BaseEvaluation:
    evaluation = _evaluation_step(scope, pk, "department_review")
    evaluation.department_opinion = inputs.required(opinion, "opinion", gettext("Opinion"))
    db.session.commit()
    return evaluation


def expert_review(scope: Scope, pk, scores: list[dict]) -> BaseEvaluation:
    evaluation = _evaluation_step(scope, pk, "expert_review")
    cleaned = []
    for entry in scores or []:
        expert = str(entry.get("expert", "")).strip()
        try:
            score = Decimal(str(entry.get("score")))
        except Exception:
            score = None
        if not expert or score is None or not 0 <= score <= 100:
            raise BusinessError(gettext("Each expert needs a name and a score from 0 to 100."),
                                field="scores")
        cleaned.append({"expert": expert, "score": str(score)})
    if not cleaned:
        raise BusinessError(gettext("Give at least one expert's score."), field="scores")
    evaluation.expert_scores = cleaned
    mean = sum(Decimal(c["score"]) for c in cleaned) / len(cleaned)
    evaluation.expert_score = mean.quantize(Decimal("0.1"))
    db.session.commit()
    return evaluation


def site_check(scope: Scope, pk, findings: str) -> BaseEvaluation:
    evaluation = _evaluation_step(scope, pk, "site_check")
    evaluation.site_findings = inputs.required(findings, "findings", gettext("Findings"))
    db.session.commit()
    return evaluation


def publish_evaluation(scope: Scope, pk, result: str, published_on: date) -> BaseEvaluation:
    """发文公布: the result sets the base's status; a failed base is withdrawn (退出)."""
    evaluation = _evaluation_step(scope, pk, "publish")
    if result not in EVAL_RESULTS:  # nothing is committed: the caller rolls back
        raise BusinessError(gettext("The result must be excellent, qualified or failed."), field="result")
    evaluation.result, evaluation.published_on = result, published_on
    evaluation.base.status = BASE_STATUS_FOR[result]
    db.session.commit()
    return evaluation


def return_evaluation(scope: Scope, pk, reason: str) -> BaseEvaluation:
    """Send an evaluation back to the base from the stage the actor is responsible for."""
    evaluation = _load(BaseEvaluation, scope, pk)
    owner = {"submitted": "authority_staff", "department_reviewed": "association_admin",
             "expert_reviewed": "association_admin"}.get(evaluation.stage)
    if owner is None:
        raise _wrong_state(EVAL_STAGE_LABELS[evaluation.stage])
    _require(scope, owner)
    evaluation.returned_reason = inputs.reason(reason)
    evaluation.returned_from = evaluation.stage
    evaluation.stage = "draft"
    db.session.commit()
    return evaluation


# -- 五(五), 七(一) inspections, cases, dishonesty ---------------------------------

def record_inspection(scope: Scope, data: dict) -> Inspection:
    """Record a finding; `violation` on a class takes its hours out of ledgers."""
    _require(scope, "association_admin")
    class_id, base_id = _id(data, "class_id"), _id(data, "base_id")
    if (class_id is None) == (base_id is None):
        raise BusinessError(gettext("Inspect either a class or a base."), field="class_id")
    cls, base = _row(TrainingClass, class_id), _row(TrainingBase, base_id)
    violation = str(data.get("violation", "")).lower() in ("1", "true", "y", "yes", "on")
    inspection = Inspection(
        inspected_on=records.parse_date(data.get("inspected_on"), "date"),
        class_id=cls.id if cls else None, base_id=base.id if base else None,
        inspector=inputs.required(data.get("inspector"), "inspector", gettext("Inspector")),
        findings=inputs.required(data.get("findings"), "findings", gettext("Findings")),
        violation=violation)
    db.session.add(inspection)
    if violation:
        if cls is None:
            raise BusinessError(gettext("Only a class can be marked in violation."), field="violation")
        db.session.flush()
        classes.mark_violation(scope, cls.id, inspection.findings)  # commits
    else:
        db.session.commit()
    return inspection


def hand_over(scope: Scope, data: dict) -> Case:
    """移交核查: hand doubtful material to the district of the unit or person."""
    _require(scope, "association_admin")
    inspection = _load(Inspection, scope, data["inspection_id"]) if data.get("inspection_id") else None
    unit, person = _row(Unit, _id(data, "unit_id")), _row(Person, _id(data, "person_id"))
    if unit is None and person is None:
        raise BusinessError(gettext("Name the unit or the person concerned."), field="unit_id")
    district_id = (unit or person.unit).district_id
    case = Case(district_id=district_id, inspection_id=inspection.id if inspection else None,
                unit_id=unit.id if unit else None, person_id=person.id if person else None,
                subject=inputs.required(data.get("subject"), "subject", gettext("Subject")),
                details=inputs.required(data.get("details"), "details", gettext("Details")), state="open")
    db.session.add(case)
    db.session.commit()
    return case


def close_case(scope: Scope, pk, outcome: str) -> Case:
    """The district records its outcome: the only thing district officers write."""
    _require(scope, "district_officer")
    case = _load(Case, scope, pk)
    if case.state != "open":
        raise BusinessError(gettext("The case is already closed."), status=409)
    case.outcome = inputs.required(outcome, "outcome", gettext("Outcome"))
    case.state, case.closed_at, case.closed_by = "closed", utcnow(), scope.user_id
    db.session.commit()
    return case


def add_dishonesty(scope: Scope, data: dict) -> DishonestyRecord:
    _require(scope, "association_admin")
    person, unit = _row(Person, _id(data, "person_id")), _row(Unit, _id(data, "unit_id"))
    if (person is None) == (unit is None):
        raise BusinessError(gettext("A record is against a person or a unit."), field="person_id")
    start = records.parse_date(data.get("start_date"), "start")
    end = records.parse_date(data["end_date"], "end") if data.get("end_date") else None
    if end is not None and end < start:
        raise BusinessError(gettext("The end date is before the start date."), field="end_date")
    case = _row(Case, _id(data, "case_id"))
    record = DishonestyRecord(person_id=person.id if person else None, unit_id=unit.id if unit else None,
                              reason=inputs.required(data.get("reason"), "reason",
                                                     gettext("Reason given")),
                              case_id=case.id if case else None, start_date=start, end_date=end)
    db.session.add(record)
    db.session.commit()
    return record


def active_records(person: Person, on: date | None = None) -> list[DishonestyRecord]:
    on = on or date.today()
    rows = db.session.execute(select(DishonestyRecord).where(
        DishonestyRecord.person_id == person.id)).scalars()
    return [r for r in rows if r.active_on(on)]


def dishonesty_reason(person: Person) -> str | None:
    """Why the person may not apply for a title now, or None."""
    found = active_records(person)
    if not found:
        return None
    return gettext("An active dishonesty record bars the title application (notice 七(一)): %(reason)s",
                   reason=";".join(r.reason for r in found))
