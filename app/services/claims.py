"""学时申报 workflow: draft → submitted → approved | rejected; approved → revoked.

Each step is one transaction: it locks the claim (and, when hours move, the
person), checks the state and the actor, writes, recomputes the ledger and
commits. A refused step raises BusinessError and changes nothing."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import CLAIM_KINDS, Activity, Claim, Person
from ..models.base import utcnow
from ..models.choices import OUT_OF_SCOPE_SERIES
from ..models.claim import APPROVED, DRAFT, REJECTED, REVOKED, SUBMITTED
from ..security import scope as scopes
from ..security.scope import Scope
from . import evidence as evidence_files
from . import inputs, ledgers, records
from .errors import BusinessError

STATE_LABELS = {
    DRAFT: _l("Draft"),
    SUBMITTED: _l("Submitted"),
    APPROVED: _l("Approved"),
    REJECTED: _l("Rejected"),
    REVOKED: _l("Revoked"),
}
# action -> (states it may start from, state it leads to)
TRANSITIONS = {
    "submit": ((DRAFT,), SUBMITTED),
    "approve": ((SUBMITTED,), APPROVED),
    "reject": ((SUBMITTED,), REJECTED),
    "revoke": ((APPROVED,), REVOKED),
}


def _load(scope: Scope, claim_id) -> Claim:
    claim = scopes.get_in_scope(Claim, claim_id, scope, for_update=True)
    if claim is None:
        raise BusinessError(gettext("No such claim."), status=404)
    return claim


def _move(claim: Claim, action: str) -> None:
    sources, target = TRANSITIONS[action]
    if claim.state not in sources:
        raise BusinessError(
            gettext("A claim that is %(state)s cannot be %(action)s.",
                    state=STATE_LABELS[claim.state], action=ACTION_LABELS[action]),
            status=409,
        )
    claim.state = target


ACTION_LABELS = {
    "submit": _l("submitted"),
    "approve": _l("approved"),
    "reject": _l("rejected"),
    "revoke": _l("revoked"),
}


def refuse_out_of_scope(person: Person) -> None:
    handler = OUT_OF_SCOPE_SERIES.get(person.series)
    if handler is not None:
        raise BusinessError(gettext(
            "Hours of this title series are recognised by %(handler)s, not on this platform "
            "(notice 二).", handler=handler))


def _require(scope: Scope, *roles: str) -> None:
    if not scope.has(*roles):
        raise BusinessError(gettext("Your role may not do this."), status=403)


def _clean(kind: str, data: dict) -> dict:
    if kind not in CLAIM_KINDS:
        raise BusinessError(gettext("This kind of record cannot be claimed."), field="kind")
    title = inputs.required(data.get("title"), "title", records.FIELD_LABELS["title"])
    values = records.clean(kind, data)
    if not ledgers.has_rules(values["first_year"]):
        raise BusinessError(gettext("Hours of %(year)d cannot be claimed: no rules for that year.",
                                    year=values["first_year"]), field="date")
    values["title"] = title[:300]
    return values


def _apply(claim: Claim, values: dict) -> None:
    for field in ledgers.ENGINE_FIELDS:
        setattr(claim, field, values.get(field))
    claim.title = values["title"]
    claim.year = values["first_year"]


def create(scope: Scope, person_id, kind: str, data: dict) -> Claim:
    """A draft claim for a person in the actor's scope (themself, or their staff)."""
    _require(scope, "professional", "unit_reviewer")
    if person_id is None:
        raise BusinessError(gettext("Choose the professional."), field="person")
    person = scopes.get_in_scope(Person, person_id, scope)
    if person is None:
        raise BusinessError(gettext("No such person in your scope."), field="person", status=404)
    refuse_out_of_scope(person)
    values = _clean(kind, data)
    claim = Claim(person_id=person.id, kind=kind, state=DRAFT, created_by=scope.user_id)
    _apply(claim, values)
    db.session.add(claim)
    db.session.commit()
    return claim


def _own_draft(scope: Scope, claim: Claim, message) -> None:
    """A draft is changed only by whoever filed it: a reviewer who set the
    figures could otherwise approve them (four eyes)."""
    if claim.state != DRAFT:
        raise BusinessError(message, status=409)
    if claim.created_by != scope.user_id:
        raise BusinessError(gettext("Only whoever filed a draft changes it."), status=403)


def update(scope: Scope, claim_id, data: dict) -> Claim:
    claim = _load(scope, claim_id)
    _own_draft(scope, claim, gettext("Only drafts can be changed."))
    _apply(claim, _clean(claim.kind, {**_current(claim), **data}))
    db.session.commit()
    return claim


def _current(claim: Claim) -> dict:
    data = {f: getattr(claim, f) for f in ledgers.ENGINE_FIELDS}
    data["title"] = claim.title
    return {k: v for k, v in data.items() if v is not None}


def add_evidence(scope: Scope, claim_id, files: list[tuple[str, bytes]]) -> list:
    """Evidence files on a draft: all of them, or none."""
    claim = _load(scope, claim_id)
    _own_draft(scope, claim, gettext("Evidence can only be added to drafts."))
    return evidence_files.attach(files, scope.user_id, claim=claim)


def submit(scope: Scope, claim_id) -> Claim:
    _require(scope, "professional", "unit_reviewer")
    claim = _load(scope, claim_id)
    _move(claim, "submit")
    refuse_out_of_scope(claim.person)
    if not claim.evidence:
        raise BusinessError(gettext("Attach at least one evidence file before submitting."))
    claim.submitted_by = scope.user_id
    claim.submitted_at = utcnow()
    db.session.commit()
    return claim


def _review(scope: Scope, claim_id, action: str) -> Claim:
    _require(scope, "unit_reviewer")
    claim = _load(scope, claim_id)
    _move(claim, action)
    if scope.user_id in (claim.submitted_by, claim.created_by):
        raise BusinessError(gettext("Nobody reviews a claim they filed or submitted themself."),
                            status=403)
    claim.reviewed_by = scope.user_id
    claim.reviewed_at = utcnow()
    return claim


def approve(scope: Scope, claim_id) -> Claim:
    claim = _review(scope, claim_id, "approve")
    ledgers.lock_person(claim.person_id)
    db.session.add(activity_from(claim))
    ledgers.recompute_person(claim.person_id, _years(claim))
    db.session.commit()
    return claim


def reject(scope: Scope, claim_id, reason: str) -> Claim:
    claim = _review(scope, claim_id, "reject")
    claim.reject_reason = inputs.reason(reason)
    db.session.commit()
    return claim


def revoke(scope: Scope, claim_id, reason: str) -> Claim:
    _require(scope, "association_admin")
    claim = _load(scope, claim_id)
    _move(claim, "revoke")
    claim.revoked_by = scope.user_id
    claim.revoked_at = utcnow()
    claim.revoke_reason = inputs.reason(reason)
    ledgers.lock_person(claim.person_id)
    for activity in db.session.execute(
        select(Activity).where(Activity.source == "claim", Activity.source_id == claim.id)
    ).scalars():
        db.session.delete(activity)
    ledgers.recompute_person(claim.person_id, _years(claim))
    db.session.commit()
    return claim


def delete_draft(scope: Scope, claim_id) -> None:
    claim = _load(scope, claim_id)
    _own_draft(scope, claim, gettext("Only drafts can be deleted."))
    files = list(claim.evidence)
    db.session.delete(claim)
    db.session.commit()
    evidence_files.discard_files(files)


def _years(claim: Claim) -> range:
    first, last = ledgers.years_of(claim.kind, date_=claim.date, days=claim.days,
                                   start=claim.start, end=claim.end)
    return range(first, last + 1)


def activity_from(claim: Claim) -> Activity:
    first, last = ledgers.years_of(claim.kind, date_=claim.date, days=claim.days,
                                   start=claim.start, end=claim.end)
    activity = Activity(person_id=claim.person_id, kind=claim.kind, title=claim.title,
                        first_year=first, last_year=last, source="claim", source_id=claim.id)
    for field in ledgers.ENGINE_FIELDS:
        setattr(activity, field, getattr(claim, field))
    return activity

