"""六(一) annual plans: departments and bases propose projects for a year; the
association accepts them into the year's list and publishes the list, due in
the first quarter. Classes under a published project count double."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import PlanProject, PlanPublication, TrainingBase
from ..models.base import utcnow
from ..models.plan import ACCEPTED, PROPOSED, REJECTED
from ..security.scope import Scope
from . import inputs, records
from .organisers import organiser
from .errors import BusinessError
from .workflow import REASON, Transition, Workflow, atomic


def published(year: int) -> bool:
    return db.session.execute(
        select(PlanPublication.id).where(PlanPublication.year == year)).first() is not None


def _list_open(project: PlanProject) -> None:
    if published(project.year):
        raise BusinessError(gettext("The %(year)d list is already published; it takes no more projects.",
                                    year=project.year), status=409)


WORKFLOW = Workflow(PlanProject, "PlanProject", _l("plan project"), {
    PROPOSED: _l("Proposed"),
    ACCEPTED: _l("Accepted into the list"),
    REJECTED: _l("Not accepted"),
}, [
    Transition("accept", _l("Accept into the list"), {PROPOSED}, ACCEPTED, "review",
               checks=(_list_open,), style="success", done=_l("Accepted into the list.")),
    Transition("reject", _l("Do not accept"), {PROPOSED}, REJECTED, "review", inputs=(REASON,),
               checks=(_list_open,), style="warning", done=_l("Not accepted.")),
])


@atomic
def propose(scope: Scope, data: dict) -> PlanProject:
    """A department's or a base's project for the year's plan."""
    WORKFLOW.require(scope, "create")
    proposer = organiser(scope, ("base_id", "department_id"),
                         _l("Only departments and bases propose projects."))
    if proposer.get("base_id") and db.session.get(TrainingBase, proposer["base_id"]).is_withdrawn:
        raise BusinessError(gettext("A withdrawn base cannot propose projects."), status=409)
    category = data.get("category")
    if category not in records.CATEGORIES:
        raise BusinessError(gettext("The category must be public or professional."), field="category")
    project = PlanProject(
        year=inputs.year(data.get("year")),
        name=inputs.required(data.get("name"), "name", gettext("Project name")),
        category=category,
        audience=inputs.required(data.get("audience"), "audience", gettext("Target audience")),
        planned_hours=records.parse_hours(data.get("planned_hours"), "hours"),
        months=inputs.required(data.get("months"), "months", gettext("Months")), state=PROPOSED,
        proposed_by=scope.user_id, **proposer)
    db.session.add(project)
    db.session.flush()
    return project


@WORKFLOW.step("accept")
def accept(scope: Scope, project: PlanProject, data: dict) -> None:
    project.review_reason = None


@WORKFLOW.step("reject")
def reject(scope: Scope, project: PlanProject, data: dict) -> None:
    project.review_reason = inputs.reason(data.get("reason"))


@atomic
def publish(scope: Scope, year, published_on: date) -> tuple[PlanPublication, bool]:
    """Publish the year's accepted projects; (publication, late) — due in the first quarter."""
    WORKFLOW.require(scope, "publish")
    year = inputs.year(year)
    if published(year):
        raise BusinessError(gettext("The %(year)d list is already published.", year=year), status=409)
    accepted = db.session.execute(select(PlanProject.id).where(
        PlanProject.year == year, PlanProject.state == ACCEPTED)).first()
    if accepted is None:
        raise BusinessError(gettext("No accepted project of %(year)d to publish.", year=year))
    late = published_on > date(year, 3, 31)
    publication = PlanPublication(year=year, published_on=published_on, published_at=utcnow(),
                                  published_by=scope.user_id, late=late)
    db.session.add(publication)
    return publication, late


def published_projects(year: int) -> list[PlanProject]:
    if not published(year):
        return []
    return db.session.execute(select(PlanProject).where(
        PlanProject.year == year, PlanProject.state == ACCEPTED).order_by(PlanProject.id)).scalars().all()
