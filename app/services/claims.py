"""学时申报 workflow: draft → submitted → approved | rejected; approved → revoked.

A rejected claim goes back to its filer, who corrects it (fields and
evidence) and submits it again; a draft or a rejected claim can be
withdrawn. Only the filer changes or submits a claim, and nobody reviews a
claim they filed or submitted (four eyes). Approval and revocation move the
hours and recompute the person's ledger in the same transaction."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select

from .. import rules
from ..rules import model as rules_model
from ..rules import registry
from ..extensions import db
from ..formatting import hours, locale as _locale
from ..models import Activity, Claim, Ledger, Person
from ..models.base import utcnow
from ..models.claim import APPROVED, DRAFT, REJECTED, REVOKED, SUBMITTED, WITHDRAWN
from ..security import scope as scopes
from ..security.scope import Scope
from . import evidence as evidence_files
from . import inputs, ledgers, records, years
from .errors import BusinessError
from .workflow import REASON, Guard, Transition, Workflow, atomic

FILER = Guard(
    _l("Only whoever filed a claim changes, submits or withdraws it."),
    lambda scope, claim: claim.created_by is not None and claim.created_by == scope.user_id,
    lambda scope: Claim.created_by == scope.user_id)
FOUR_EYES = Guard(
    _l("Nobody reviews a claim they filed or submitted themself."),
    lambda scope, claim: scope.user_id not in (claim.submitted_by, claim.created_by),
    lambda scope: Claim.created_by.is_distinct_from(scope.user_id)
    & Claim.submitted_by.is_distinct_from(scope.user_id))
YOURS = (DRAFT, REJECTED)  # the claim is with its filer


def refuse_out_of_scope(person: Person, year: int) -> None:
    """The series is recognised by another department in `year` (二)."""
    if not years.in_scope(person.series, year):
        raise BusinessError(gettext(
            "Hours of this title series are recognised by %(handler)s, not on this platform "
            "(notice 二).", handler=years.handler(person.series, year) or person.series))


def _series_recognised(claim: Claim) -> None:
    refuse_out_of_scope(claim.person, claim.year)


def _has_evidence(claim: Claim) -> None:
    if not evidence_files.has(claim):
        raise BusinessError(gettext("Attach at least one evidence file before submitting."))


WORKFLOW = Workflow(Claim, "Claim", _l("claim"), {
    DRAFT: _l("Draft"),
    SUBMITTED: _l("Submitted"),
    APPROVED: _l("Approved"),
    REJECTED: _l("Rejected"),
    REVOKED: _l("Revoked"),
    WITHDRAWN: _l("Withdrawn by the claimant"),
}, [
    Transition("change", _l("Edit"), YOURS, None, "change", guards=(FILER,), custom=True),
    Transition("upload", _l("Upload evidence"), YOURS, None, "upload", guards=(FILER,), custom=True),
    Transition("submit", _l("Submit to the unit"), YOURS, SUBMITTED, "submit", guards=(FILER,),
               checks=(_series_recognised, _has_evidence),
               done=_l("The claim was submitted to your unit.")),
    Transition("withdraw", _l("Withdraw the claim"), YOURS, WITHDRAWN, "withdraw", guards=(FILER,),
               style="default", done=_l("The claim was withdrawn.")),
    Transition("approve", _l("Approve"), {SUBMITTED}, APPROVED, "review", guards=(FOUR_EYES,),
               style="success", done=_l("Approved: the hours are in the ledger."),
               report=lambda claim: approved_message(claim)),
    Transition("reject", _l("Reject"), {SUBMITTED}, REJECTED, "review", guards=(FOUR_EYES,),
               inputs=(REASON,), style="warning",
               done=_l("The claim went back to its filer with the reason.")),
    Transition("revoke", _l("Revoke"), {APPROVED}, REVOKED, "revoke", inputs=(REASON,),
               style="danger", waits=False, done=_l("Revoked: the hours left the ledger.")),
])


def claimable(year: int) -> list[rules_model.KindRule]:
    """The kinds a person claims themself in `year` (its rule set says which)."""
    rule_set = registry.get(year)
    return list(rule_set.claimable_kinds()) if rule_set else []


def _clean(kind: str, data: dict, form_year: int | None = None) -> dict:
    """A claim's values, checked against the rule set of its own year (the year its
    dates name; `form_year`, the year of its form, until they can be read)."""
    year = records.record_year(data) or form_year or years.with_rules()
    if registry.get(year) is not None and kind not in {r.kind for r in claimable(year)}:
        raise BusinessError(gettext("This kind of record cannot be claimed in %(year)d.", year=year),
                            field="kind")
    title = inputs.required(data.get("title"), "title", records.FIELD_LABELS["title"])
    values = records.clean(kind, data, form_year)
    values["title"] = title[:300]
    return values


def _apply(claim: Claim, values: dict) -> None:
    for field in ledgers.ENGINE_FIELDS:
        setattr(claim, field, values.get(field))
    claim.title = values["title"]
    claim.year = values["first_year"]


@atomic
def create(scope: Scope, person_id, kind: str, data: dict,
           files: list[tuple[str, bytes]] = (), form_year: int | None = None) -> Claim:
    """A draft claim, with its evidence if given, for a person in the actor's
    scope: the actor themself, or someone of their staff. `form_year`: the year
    of the form it was filed on."""
    WORKFLOW.require(scope, "create")
    person_id = scope.person_id or person_id
    if person_id is None:
        raise BusinessError(gettext("Choose the professional."), field="person")
    person = scopes.get_in_scope(Person, person_id, scope)
    if person is None:
        raise BusinessError(gettext("No such person in your scope."), field="person", status=404)
    refuse_out_of_scope(person, records.record_year(data) or form_year or years.with_rules())
    claim = Claim(person_id=person.id, kind=kind, state=DRAFT, created_by=scope.user_id)
    _apply(claim, _clean(kind, data, form_year))
    db.session.add(claim)
    db.session.flush()
    evidence_files.store_all(list(files), scope.user_id, claim)
    return claim


def _current(claim: Claim) -> dict:
    data = {f: getattr(claim, f) for f in ledgers.ENGINE_FIELDS}
    data["title"] = claim.title
    return {k: v for k, v in data.items() if v is not None}


@WORKFLOW.step("change")
def update(scope: Scope, claim: Claim, data: dict) -> None:
    _apply(claim, _clean(claim.kind, {**_current(claim), **data}, claim.year))


@WORKFLOW.step("upload")
def add_evidence(scope: Scope, claim: Claim, data: dict) -> list:
    """data["files"]: every file is stored, or none."""
    return evidence_files.attach(data.get("files") or [], scope.user_id, claim)


@WORKFLOW.step("submit")
def submit(scope: Scope, claim: Claim, data: dict) -> None:
    claim.submitted_by, claim.submitted_at = scope.user_id, utcnow()


@WORKFLOW.step("withdraw")
def withdraw(scope: Scope, claim: Claim, data: dict) -> None:
    """The filer gives the claim up; it stays on record, with its evidence."""


def _reviewed(scope: Scope, claim: Claim) -> None:
    claim.reviewed_by, claim.reviewed_at = scope.user_id, utcnow()


@WORKFLOW.step("approve")
def approve(scope: Scope, claim: Claim, data: dict) -> None:
    """The hours go into the ledger; an earlier rejection stays in the audit log only."""
    _reviewed(scope, claim)
    claim.reject_reason = None
    ledgers.lock_person(claim.person_id)
    db.session.add(activity_from(claim))
    ledgers.recompute_person(claim.person_id, _years_changed(claim))


@WORKFLOW.step("reject")
def reject(scope: Scope, claim: Claim, data: dict) -> None:
    """Back to the filer, with what to correct."""
    claim.reject_reason = inputs.reason(data.get("reason"))
    _reviewed(scope, claim)


@WORKFLOW.step("revoke")
def revoke(scope: Scope, claim: Claim, data: dict) -> None:
    claim.revoke_reason = inputs.reason(data.get("reason"))
    claim.revoked_by, claim.revoked_at = scope.user_id, utcnow()
    ledgers.lock_person(claim.person_id)
    for activity in db.session.execute(
        select(Activity).where(Activity.source == "claim", Activity.source_id == claim.id)
    ).scalars():
        db.session.delete(activity)
    ledgers.recompute_person(claim.person_id, _years_changed(claim))


@dataclass(frozen=True)
class Credit:
    """What a claim earns: on its own (the kind's rule) and in the person's years
    (after daily pools, annual caps…), with why it is less."""

    alone: Decimal
    credited: Decimal
    notes: tuple[str, ...]


def _credit(person: Person, activity: Activity, years: range, locale: str) -> Credit:
    alone = credited = Decimal(0)
    notes: list[str] = []
    item = ledgers.engine_item(activity)
    for year in years:
        if not ledgers.has_rules(year):
            continue
        single = rules.evaluate(ledgers.person_year(person.id, person.series, year, [item]))
        alone += sum((i["public"] + i["professional"] for i in single["items"]), Decimal(0))
        ledger = db.session.execute(select(Ledger).where(
            Ledger.person_id == person.id, Ledger.year == year)).scalar_one_or_none()
        for stored in ledgers.stored_items(ledger) if ledger is not None else ():
            if stored.activity_id == activity.id:
                credited += Decimal(stored.public) + Decimal(stored.professional)
                for code in stored.notes:
                    text = rules.explain(code, locale, year, activity.kind)
                    if text not in notes:
                        notes.append(text)
    return Credit(alone, credited, tuple(notes))


def credit(claim: Claim) -> Credit | None:
    """An approved claim's hours as credited in its person's ledgers."""
    activity = db.session.execute(select(Activity).where(
        Activity.source == "claim", Activity.source_id == claim.id)).scalar_one_or_none()
    if activity is None:
        return None
    return _credit(claim.person, activity, range(activity.first_year, activity.last_year + 1),
                   _locale())


def approved_message(claim: Claim) -> str:
    """"已批准:认定 10 学时", and when fewer than the claim alone earns, how many and why."""
    got = credit(claim)
    if got is None:
        return gettext("Approved: the hours are in the ledger.")
    if got.credited < got.alone:
        return gettext(
            "Approved: %(credited)s hours credited, fewer than the %(alone)s this claim earns on "
            "its own, because: %(why)s",
            credited=hours(got.credited), alone=hours(got.alone), why=" ".join(got.notes))
    return gettext("Approved: %(credited)s hours credited.", credited=hours(got.credited))


def _years(claim: Claim) -> range:
    first, last = ledgers.years_of(claim.kind, date_=claim.date, days=claim.days,
                                   start=claim.start, end=claim.end)
    return range(first, last + 1)


def _years_changed(claim: Claim) -> list[int]:
    """The claim's own years, and the later years its project is a prior project of."""
    years = _years(claim)
    return [*years, *ledgers.later_years(claim.person_id, claim.kind, years.stop - 1)]


def activity_from(claim: Claim) -> Activity:
    years = _years(claim)
    activity = Activity(person_id=claim.person_id, kind=claim.kind, title=claim.title,
                        first_year=years.start, last_year=years.stop - 1, source="claim",
                        source_id=claim.id)
    for field in ledgers.ENGINE_FIELDS:
        setattr(activity, field, getattr(claim, field))
    return activity


# -- before approving: what the engine will credit, and the same achievement --

PREVIEW_ID = "preview"


@dataclass(frozen=True)
class Preview:
    """What a claim would earn if approved now: on its own, and in the person's
    years as they stand (None without a person); the person's first year so far."""

    alone: Decimal
    credited: Decimal | None
    notes: tuple[str, ...]
    year: int
    so_far: dict | None            # public, professional, required_public, required_professional
    same_achievements: tuple[Activity, ...]


def _item(kind: str, values: dict) -> dict:
    item = {"id": PREVIEW_ID, "kind": kind}
    item.update({f: values[f] for f in ledgers.ENGINE_FIELDS if values.get(f) is not None})
    return item


def _hours_of(result: dict, item_id: str) -> tuple[Decimal, list[str]]:
    for it in result["items"]:
        if it["id"] == item_id:
            return it["public"] + it["professional"], it["notes"]
    return Decimal(0), []


def _preview(person: Person | None, kind: str, values: dict, exclude_claim: int | None) -> Preview:
    item = _item(kind, values)
    alone, credited, notes = Decimal(0), Decimal(0), []
    first, last = values["first_year"], values["last_year"]
    for year in range(first, last + 1):
        if not ledgers.has_rules(year):
            continue
        series = person.series if person is not None else None
        single = rules.evaluate(ledgers.person_year(person.id if person else 0, series, year, [item]))
        alone += _hours_of(single, PREVIEW_ID)[0]
        if person is None:
            continue
        got, codes = _hours_of(ledgers.compute(person, year, [item]), PREVIEW_ID)
        credited += got
        for code in codes:
            text = rules.explain(code, _locale(), year, kind)
            if text not in notes:
                notes.append(text)
    so_far = None
    if person is not None and ledgers.has_rules(first):
        rule_set = registry.get(first)
        values_now = ledgers.ledger_or_compute(person, first)
        so_far = {"public": values_now["public"], "professional": values_now["professional"],
                  "required_public": rule_set.required_public,
                  "required_professional": rule_set.required_professional}
    same = tuple(same_achievements(person.id, values.get("project"), exclude_claim)) \
        if person is not None else ()
    return Preview(alone, credited if person is not None else None, tuple(notes), first, so_far, same)


def preview(scope: Scope, person_id, kind: str, data: dict, form_year: int | None = None) -> Preview:
    """What a claim being filed would earn (nothing is written). Raises
    BusinessError on the first field to fix, like saving would."""
    person_id = scope.person_id or person_id
    person = scopes.get_in_scope(Person, person_id, scope) if person_id else None
    if person_id and person is None:
        raise BusinessError(gettext("No such person in your scope."), field="person", status=404)
    return _preview(person, kind, _clean(kind, data, form_year), None)


def preview_claim(claim: Claim) -> Preview:
    """What a claim not yet approved would earn if approved now (the reviewer's view)."""
    return _preview(claim.person, claim.kind, {**_current(claim), "first_year": _years(claim).start,
                                               "last_year": _years(claim).stop - 1}, claim.id)


def same_achievements(person_id: int, project: str | None,
                      exclude_claim: int | None = None) -> list[Activity]:
    """The person's approved records of any year with the same project key as
    `project` (四(三)3 同一项目成果,不重复计算), besides the claim's own."""
    if not project or not rules_model.project_key(project):
        return []
    key = rules_model.project_key(project)
    stmt = select(Activity).where(Activity.person_id == person_id, Activity.project.is_not(None))
    if exclude_claim is not None:
        stmt = stmt.where(~((Activity.source == "claim") & (Activity.source_id == exclude_claim)))
    return [a for a in db.session.execute(stmt.order_by(Activity.first_year, Activity.id)).scalars()
            if rules_model.project_key(a.project) == key]
