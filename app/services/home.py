"""Each role's home page: its to-do queues, its figures, its next steps.

Every figure is one aggregate query over the rows in the viewer's scope;
lists are capped (`TOP`), so a page costs the same for a unit of ten and a
city of a million. To-do queues come from the workflow declarations
(`Workflow.actionable`: rows in my scope on which I can take a step), so a
new transition shows up here without touching this module. Every count comes
with the link to the filtered list behind it (`Link`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext
from flask_appbuilder.models.sqla import filters as sqla_filters
from sqlalchemy import case, func, select, union_all
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    AuditEntry, Claim, Inspection, Ledger, Person,
)
from ..rules import registry
from ..security import roles as role_table
from ..security import scope as scopes
from ..security.scope import Scope
from . import dashboard, ledgers, messages, workflow, years
from .audit_search import describe, table_label
from .progress import next_steps
from .workflow import Workflow

TOP = 10  # rows listed under a count; the count itself links to all of them
SECURITY_TABLES = ("ab_user", "ab_role", "ab_user_role", "user_scope", "export_batch")


@dataclass
class Link:
    """A count and the list that shows exactly those rows."""

    label: Any
    count: int
    url: str | None = None
    oldest: datetime | None = None  # when the longest-waiting row last moved
    next_step: str = ""

    @property
    def days_waiting(self) -> int | None:
        return days_since(self.oldest)


@dataclass
class Queue:
    title: Any
    links: list[Link] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(link.count for link in self.links)


def now() -> datetime:
    return datetime.now(timezone.utc)


def days_since(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max((now() - moment).days, 0)


# -- links to filtered lists -------------------------------------------------

def _view(name: str):
    return next((v for v in current_app.appbuilder.baseviews if type(v).__name__ == name), None)


def list_url(view_name: str, *filters: tuple[str, str | type, Any]) -> str | None:
    """The list screen of `view_name` filtered by (column, FAB filter class or its name,
    value), or None when the view is not registered."""
    from ..views.lists import filter_arg

    view = _view(view_name)
    if view is None:
        return None
    args = {}
    for column, filter_name, value in filters:
        wanted = getattr(sqla_filters, filter_name) if isinstance(filter_name, str) else filter_name
        args[filter_arg(view, column, wanted)] = value
    return messages.path(f"{view_name}.list", **args)


def state_url(wf: Workflow, state: str, *, to_do: bool = False) -> str | None:
    """The list of the workflow's rows in `state`; `to_do`: only those the viewer can act on."""
    from ..views.workflow import FilterICanAct

    column = wf.state.column.key
    return list_url(f"{wf.resource}View", (column, "FilterEqual", state),
                    *([(column, FilterICanAct, "y")] if to_do else []))


def show_url(resource: str, pk) -> str:
    return url_for(f"{resource}View.show", pk=pk)


def _by_state(wf: Workflow, stmt) -> list[tuple[str, int, datetime | None]]:
    """(state, count, oldest update) of the rows `stmt` (a select of the workflow's
    model) finds: one GROUP BY on the same WHERE."""
    model, state = wf.model, wf.state.column
    moved = func.min(model.updated_at) if hasattr(model, "updated_at") else func.count()
    rows = db.session.execute(stmt.with_only_columns(state, func.count(), moved).group_by(state))
    return [(value, count, oldest if hasattr(model, "updated_at") else None)
            for value, count, oldest in rows]


def queue(wf: Workflow, scope: Scope) -> Queue:
    """Rows of one workflow waiting for the viewer, by state: count, age, link."""
    out = Queue(title=wf.record)
    if wf.state is None:
        return out
    found = {value: (count, oldest) for value, count, oldest in _by_state(wf, wf.actionable(scope))}
    out.links = [Link(wf.label(s), found[s][0], state_url(wf, s, to_do=True), found[s][1],
                      next_steps(wf, s))
                 for s in wf.states if s in found]
    return out


def queues(scope: Scope, leave_out=()) -> list[Queue]:
    """Every workflow's to-do queue for the viewer that has something in it
    (less the models whose queue the page shows otherwise)."""
    found = []
    for wf in workflow.workflows():
        if wf.model in leave_out or not any(t.waits and wf.may(scope, t.permission) for t in wf.transitions.values()):
            continue
        q = queue(wf, scope)
        if q.links:
            found.append(q)
    return found


def by_state(wf: Workflow, scope: Scope) -> list[Link]:
    """Every row of the workflow in the viewer's scope, by state (not only the to-dos)."""
    found = {value: (count, oldest) for value, count, oldest in _by_state(wf, scopes.scoped(wf.model, scope))}
    return [Link(wf.label(s), found[s][0], state_url(wf, s), found[s][1], next_steps(wf, s))
            for s in wf.states if s in found]


# -- figures -------------------------------------------------------------------

@dataclass
class Compliance:
    """People in scope whose hours count here, and their ledgers of the year: the
    lists behind `met` and `short` are the ledger list with the same filters."""

    people: int
    met: int
    short: int
    met_url: str | None = None
    short_url: str | None = None
    people_url: str | None = None
    unrecorded_url: str | None = None
    as_of: datetime | None = None  # the dashboard's stored figures: when they were computed
    pending: bool = False  # they are being computed for the first time

    @property
    def without_ledger(self) -> int:
        return max(self.people - self.met - self.short, 0)


def requirement(year: int):
    rule_set = registry.get(year)
    if rule_set is None:
        return None, None
    return rule_set.required_public, rule_set.required_professional


def ledger_url(year: int, compliant: bool, *filters) -> str | None:
    return list_url("LedgerView", ("year", "FilterEqual", year), ("in_scope", "FilterEqual", "y"),
                    ("compliant", "FilterEqual", "y" if compliant else "n"), *filters)


def people_urls(year: int) -> tuple[str | None, str | None]:
    """The person lists (in the viewer's scope) of the people the year's figures count,
    and of those of them with no hours recorded for the year yet."""
    from ..views.people import FilterCountedIn, FilterUnrecorded

    return (list_url("PersonView", ("unit", FilterCountedIn, year)),
            list_url("PersonView", ("unit", FilterUnrecorded, year)))


def _ledgers(scope: Scope, year: int):
    return (Ledger.year == year, Ledger.in_scope.is_(True), scopes.clause(Ledger, scope))


def compliance(scope: Scope, year: int) -> Compliance:
    """People in scope and their ledgers of the year: for the city or one district the
    dashboard's cached figures (`area`), else two aggregate queries."""
    found = area(scope)
    if found is not None:
        kept = dashboard.district_rates(year, found or None)
        rates = kept.figures or []
        return Compliance(sum(r.people for r in rates), sum(r.compliant for r in rates),
                          sum(r.short for r in rates), ledger_url(year, True), ledger_url(year, False),
                          *people_urls(year), as_of=kept.as_of, pending=kept.figures is None)
    people = db.session.execute(select(func.count()).select_from(Person).where(
        scopes.clause(Person, scope), dashboard.counted(year))).scalar()
    met = func.sum(case((Ledger.compliant.is_(True), 1), else_=0))
    total, done = db.session.execute(select(func.count(), met).where(*_ledgers(scope, year))).one()
    done = int(done or 0)
    return Compliance(people, done, total - done, ledger_url(year, True), ledger_url(year, False),
                      *people_urls(year))


def area(scope: Scope) -> int | None:
    """0 for a scope that sees the whole city, the district's id for one that sees
    exactly one district, else None (the figures are then the scope's own queries)."""
    if scopes.sees_everything(Person, scope):
        return 0
    if scope.district_id and scopes.ruled_roles(Person, scope) == {"district_officer"}:
        return scope.district_id
    return None


def compliance_by_district(scope: Scope, year: int) -> list[tuple[str, Compliance]]:
    """The city's people, compliant and short by district (the dashboard's cached
    aggregate), each count linking to the ledger list of that district."""
    if area(scope) != 0:
        return []
    found = []
    for rate in dashboard.district_rates(year).figures or []:
        where = ("district", "FilterRelationOneToManyEqual", rate.key)
        found.append((rate.label, Compliance(rate.people, rate.compliant, rate.short,
                                             ledger_url(year, True, where), ledger_url(year, False, where))))
    return found


def short_people(scope: Scope, year: int, limit: int = TOP) -> list[Ledger]:
    """The first `limit` ledgers in scope short of the year's hours."""
    stmt = (select(Ledger).where(*_ledgers(scope, year), Ledger.compliant.is_(False))
            .options(joinedload(Ledger.person), joinedload(Ledger.unit))
            .order_by(Ledger.id).limit(limit))
    return db.session.execute(stmt).scalars().all()


# -- the pages -----------------------------------------------------------------


def person_home(scope: Scope, year: int) -> dict:
    from . import planner

    person = db.session.get(Person, scope.person_id) if scope.person_id else None
    if person is None:
        return {"person": None}
    ledger = db.session.execute(select(Ledger).where(
        Ledger.person_id == person.id, Ledger.year == year)).scalar_one_or_none()
    values = ledgers.ledger_or_compute(person, year, ledger) if years.in_scope(person.series, year) else None
    public_need, professional_need = requirement(year)
    claims = dict(db.session.execute(
        select(Claim.state, func.count()).where(scopes.clause(Claim, scope), Claim.year == year)
        .group_by(Claim.state)).all())
    wf = workflow.for_model(Claim)
    return {
        "person": person, "ledger": ledger, "values": values,
        "need": {"public": public_need, "professional": professional_need},
        "recent": (ledgers.explained_items(ledger)[::-1][:TOP] if ledger is not None else []),
        "claims": [Link(wf.label(s), claims[s], list_url(
            "ClaimView", ("state", "FilterEqual", s), ("year", "FilterEqual", year)),
            next_step=next_steps(wf, s)) for s in wf.states if s in claims],
        "plan": planner.plan(person, year, values) if values and not values["compliant"] else None,
    }


def requests_asked(scope: Scope) -> Link | None:
    """The scope's own registration requests still waiting, with their list: one
    count whatever their kind and whoever decides them (None: no such list)."""
    from ..views.person_requests import FilterAskedByMyUnit
    from .person_requests import WORKFLOW, pending_asked

    if not WORKFLOW.may(scope, "list") or scope.unit_id is None:
        return None
    count = db.session.execute(select(func.count()).select_from(pending_asked(scope).subquery())).scalar()
    state = WORKFLOW.state.column.key
    return Link(gettext("My requests pending confirmation"), count, list_url(
        "PersonRequestView", (state, FilterAskedByMyUnit, "y"), (state, "FilterEqual", "pending")))


def unit_home(scope: Scope, year: int) -> dict:
    wf = workflow.for_model(Claim)
    pending_stmt = wf.actionable(scope).where(Claim.state == "submitted")
    pending_count = db.session.execute(
        select(func.count()).select_from(pending_stmt.subquery())).scalar()
    oldest = db.session.execute(pending_stmt.options(joinedload(Claim.person))
                                .order_by(Claim.submitted_at, Claim.id).limit(TOP)).scalars().all()
    returned = db.session.execute(select(func.count()).select_from(
        scopes.scoped(Claim, scope).where(Claim.state == "rejected").subquery())).scalar()
    return {
        "pending": Link(wf.label("submitted"), pending_count, state_url(wf, "submitted", to_do=True)),
        "oldest": [{"claim": c, "days": days_since(c.submitted_at)} for c in oldest],
        "returned": Link(wf.label("rejected"), returned, state_url(wf, "rejected")),
        "requests": requests_asked(scope),
        "compliance": compliance(scope, year),
        "short": short_people(scope, year),
        "export_url": url_for("HomeView.short_sheet", year=year),
        "queues": queues(scope, leave_out=(Claim,)),  # roster links, its own classes
    }


def organiser_home(scope: Scope, year: int) -> dict:
    from .classes import WORKFLOW as CLASSES
    from .evaluations import WORKFLOW as EVALUATIONS

    return {
        "classes": by_state(CLASSES, scope),
        "evaluations": by_state(EVALUATIONS, scope),
        "queues": queues(scope),
    }


def association_home(scope: Scope, year: int) -> dict:
    open_inspections = db.session.execute(select(func.count()).select_from(
        scopes.scoped(Inspection, scope).where(Inspection.violation.is_(True)).subquery())).scalar()
    return {
        "queues": queues(scope),
        "inspections": Link(gettext("Inspections that found a violation"), open_inspections,
                            list_url("InspectionView", ("violation", "FilterEqual", "y"))),
        "city": compliance(scope, year),
        "districts": compliance_by_district(scope, year),
    }


def district_home(scope: Scope, year: int) -> dict:
    return {
        "compliance": compliance(scope, year),
        "short": short_people(scope, year),
        "export_url": url_for("HomeView.short_sheet", year=year),
        "queues": queues(scope),
    }


def security_events(scope: Scope, limit: int = 2 * TOP) -> list[AuditEntry]:
    """The newest `limit` entries on the security tables, newest first. Each table's
    newest come from the (table_name, seq) index, so the cost stays the same however
    long the log grows (one IN over all of them would walk the whole seq index)."""
    newest = [select(AuditEntry.seq).where(scopes.clause(AuditEntry, scope), AuditEntry.table_name == t)
              .order_by(AuditEntry.seq.desc()).limit(limit).subquery() for t in SECURITY_TABLES]
    seqs = union_all(*(select(top.c.seq) for top in newest))
    stmt = select(AuditEntry).where(AuditEntry.seq.in_(seqs)).order_by(AuditEntry.seq.desc()).limit(limit)
    return list(db.session.execute(stmt).scalars())


def audit_home(scope: Scope, year: int) -> dict:
    return {  # in the audit log's own Chinese words (actions, tables, record titles)
        "events": describe(security_events(scope)),
        "tables": [(table_label(t), list_url("AuditEntryView", ("table_name", "FilterEqual", t)))
                   for t in SECURITY_TABLES],
    }

PAGES = {
    "person": person_home,
    "unit": unit_home,
    "organiser": organiser_home,
    "association": association_home,
    "district": district_home,
    "audit": audit_home,
    "admin": lambda scope, year: {},
}


def page(scope: Scope, year: int) -> tuple[str | None, dict]:
    kind = role_table.home_page(scope.roles)
    if kind is None:
        return None, {}
    return kind, PAGES[kind](scope, year)


def short_rows(scope: Scope, year: int, limit: int = 50_000) -> list[list]:
    """The people in scope short of the year's hours, for the Excel download."""
    from ..formatting import hours

    rows = []
    for ledger in short_people(scope, year, limit=limit):
        person = ledger.person
        rows.append([person.name, person.id_number if scope.sees_full_id_numbers
                     else person.id_number_masked, str(ledger.unit or ""),
                     hours(ledger.shortfall_public), hours(ledger.shortfall_professional)])
    return rows
