"""What each role sees of each model. One place, one glance.

A role missing from a model's rules sees none of its rows."""
from __future__ import annotations

from sqlalchemy import exists, false, or_, select

from ..models import (
    Activity, AuditEntry, BaseEvaluation, Case, Certificate, Claim, Department, DishonestyRecord,
    District, Enrolment, ExportBatch, IdLookup, Inspection, Job, Ledger, LookupAlert, Message, Person,
    PersonRequest, PlanProject, PlanPublication, RosterLink, Seminar, TrainingBase, TrainingClass, Unit, UserScope,
    YearCertificate,
)
from ..models.identity import RoleGrant
from .scope import ADMIN_ROLE, BUSINESS_ROLES, clause, everything, rule

# Reference data: every logged-in role may read it.
rule(District, *BUSINESS_ROLES, ADMIN_ROLE)(everything)
rule(Department, *BUSINESS_ROLES, ADMIN_ROLE)(everything)

rule(Unit, "association_admin")(everything)
rule(Unit, "district_officer")(lambda s: Unit.district_id == s.district_id)
rule(Unit, "authority_staff")(lambda s: Unit.department_id == s.department_id)
rule(Unit, "unit_reviewer")(lambda s: Unit.id == s.unit_id)
rule(Unit, "professional")(
    lambda s: Unit.id.in_(select(Person.unit_id).where(Person.id == s.person_id))
)

# The system administrator picks the unit or base a new login sees, by name or
# code (app/views/lookup.py); no screen or API of units or bases is granted.
rule(Unit, ADMIN_ROLE)(everything)
rule(TrainingBase, ADMIN_ROLE)(everything)

rule(TrainingBase, "association_admin")(everything)
rule(TrainingBase, "authority_staff")(lambda s: TrainingBase.department_id == s.department_id)
rule(TrainingBase, "base_staff")(lambda s: TrainingBase.id == s.base_id)


def _is(column, value):
    return false() if value is None else column == value  # never `IS NULL` for a scope without one


def units_where(*conditions):
    return select(Unit.id).where(*conditions)


def unit_member():
    """The person belongs to their unit: no roster registered them there
    without its reviewer's confirmation (待确认, app/services/roster_links.py)."""
    return ~exists().where(RosterLink.person_id == Person.id, RosterLink.unit_id == Person.unit_id,
                           RosterLink.kind == "new", RosterLink.state != "confirmed")


rule(Person, "association_admin")(everything)
# a district's people by the person's own district (its unit's, app/services/placement.py):
# the persons list reads ix_person_district_id_unit, not every unit of the district
rule(Person, "district_officer")(lambda s: _is(Person.district_id, s.district_id) & unit_member())
rule(Person, "authority_staff")(
    lambda s: Person.unit_id.in_(units_where(Unit.department_id == s.department_id)) & unit_member()
)
rule(Person, "unit_reviewer")(lambda s: (Person.unit_id == s.unit_id) & unit_member())
rule(Person, "professional")(lambda s: Person.id == s.person_id)

rule(UserScope, ADMIN_ROLE)(everything)
rule(RoleGrant, ADMIN_ROLE)(everything)
rule(AuditEntry, "auditor")(everything)
# Messages: each login its own, whatever its role.
rule(Message, *BUSINESS_ROLES, ADMIN_ROLE)(lambda s: Message.user_id == s.user_id)


def _people_visible(person_id_column, scope):
    """Rows whose person the scope may see (activities, year certificates, a professional's own)."""
    return person_id_column.in_(select(Person.id).where(clause(Person, scope)))


def placed_member(model):
    """`unit_member()` for a row that carries its person's unit (app/models/placement.py,
    the ledger): no roster registered the person in that unit without its reviewer's
    confirmation (待确认). The row's unit is the person's (app/services/placement.py)."""
    return ~exists().where(RosterLink.person_id == model.person_id, RosterLink.unit_id == model.unit_id,
                           RosterLink.kind == "new", RosterLink.state != "confirmed")


# Rows that carry their person's unit and district: a district's or a unit's list reads its
# composite index (district_id, id) or (unit_id, id), not every person of the district; the
# person is seen exactly as rule(Person) sees them (in the unit, not 待确认).
def _in_district(model):
    return lambda s: _is(model.district_id, s.district_id) & placed_member(model)


def _in_unit(model):
    return lambda s: _is(model.unit_id, s.unit_id) & placed_member(model)


def _in_department(model):
    return lambda s: (model.unit_id.in_(units_where(Unit.department_id == s.department_id))
                      & placed_member(model))


for _model in (Claim, Ledger, Activity, YearCertificate):
    rule(_model, "association_admin")(everything)  # the city: no subquery on any list
    rule(_model, "district_officer", "unit_reviewer", "professional")(
        lambda s, _m=_model: _people_visible(_m.person_id, s))
for _model in (Claim, Ledger):
    rule(_model, "district_officer")(_in_district(_model))
    rule(_model, "unit_reviewer")(_in_unit(_model))

# Export batches: the association sees all; others the batches they made, while
# their scope still covers the batch (their unit, their own year).
# Jobs: whoever started one, while still in the scope it was started in; the
# association watches the whole queue.
rule(Job, "association_admin")(everything)
rule(Job, "authority_staff", "base_staff", "unit_reviewer", "professional", "district_officer",
     "auditor")(lambda s: (Job.user_id == s.user_id) & (Job.scope_key == s.key))


def _export_covered(s):
    covered = [ExportBatch.unit_id == s.unit_id] if s.unit_id else []
    covered += [ExportBatch.person_id == s.person_id] if s.person_id else []
    return (ExportBatch.user_id == s.user_id) & or_(false(), *covered)


rule(ExportBatch, "association_admin")(everything)
rule(ExportBatch, "unit_reviewer", "professional")(_export_covered)


# Plans and seminars: the published list is for everybody logged in (六(一));
# proposals and applications are their organiser's and the association's.
def _organised_by(model, s):
    """Rows whose organiser (base, department or unit) is the scope's."""
    if s.base_id:
        return model.base_id == s.base_id
    if s.department_id:
        return or_(model.department_id == s.department_id, model.base_id.in_(
            select(TrainingBase.id).where(TrainingBase.department_id == s.department_id)))
    if s.unit_id and hasattr(model, "unit_id"):
        return model.unit_id == s.unit_id
    return false()


OTHERS = tuple(r for r in BUSINESS_ROLES if r not in ("association_admin", "auditor"))
rule(PlanProject, "association_admin")(everything)
rule(PlanProject, *OTHERS)(lambda s: or_(
    (PlanProject.state == "accepted") & PlanProject.year.in_(select(PlanPublication.year)),
    _organised_by(PlanProject, s)))
rule(Seminar, "association_admin")(everything)
rule(Seminar, *OTHERS)(lambda s: or_(Seminar.state == "approved", _organised_by(Seminar, s)))
rule(PlanPublication, *BUSINESS_ROLES)(everything)

rule(TrainingClass, "association_admin")(everything)
rule(TrainingClass, "base_staff", "authority_staff", "unit_reviewer")(
    lambda s: _organised_by(TrainingClass, s))
rule(TrainingClass, "professional")(
    lambda s: TrainingClass.id.in_(select(Enrolment.class_id).where(
        _people_visible(Enrolment.person_id, s))))
# a district's classes: those with a participant of the district (ix_enrolment_class_district)
rule(TrainingClass, "district_officer")(
    lambda s: exists().where(Enrolment.class_id == TrainingClass.id,
                             _is(Enrolment.district_id, s.district_id), placed_member(Enrolment)))

# Participants and certificates: the organiser's classes, and the people in scope.
for _model in (Enrolment, Certificate):
    rule(_model, "association_admin")(everything)
    rule(_model, "professional")(lambda s, _m=_model: _people_visible(_m.person_id, s))
    rule(_model, "district_officer")(_in_district(_model))
    for _role, _placed in (("base_staff", None), ("authority_staff", _in_department(_model)),
                           ("unit_reviewer", _in_unit(_model))):
        rule(_model, _role)(lambda s, _m=_model, _p=_placed: or_(
            _m.class_id.in_(select(TrainingClass.id).where(_organised_by(TrainingClass, s))),
            _p(s) if _p else _people_visible(_m.person_id, s)))

# Governance (五, 六(三), 七(一))
rule(BaseEvaluation, "association_admin")(everything)
rule(BaseEvaluation, "base_staff")(lambda s: BaseEvaluation.base_id == s.base_id)
rule(BaseEvaluation, "authority_staff")(lambda s: BaseEvaluation.base_id.in_(
    select(TrainingBase.id).where(TrainingBase.department_id == s.department_id)))
rule(Inspection, "association_admin")(everything)
rule(Case, "association_admin")(everything)
rule(Case, "district_officer")(lambda s: Case.district_id == s.district_id)
rule(DishonestyRecord, "association_admin")(everything)
rule(IdLookup, "association_admin")(everything)
rule(LookupAlert, "association_admin")(everything)
# 待确认 links: the unit whose reviewer decides, the person they name, the association.
rule(RosterLink, "association_admin")(everything)
# a unit's own roster's new people wait for the association (services/roster_links.for_association)
rule(RosterLink, "unit_reviewer")(lambda s: (RosterLink.unit_id == s.unit_id) & ~(
    (RosterLink.kind == "new") & RosterLink.class_id.in_(
        select(TrainingClass.id).where(_is(TrainingClass.unit_id, s.unit_id)))))
rule(RosterLink, "professional")(lambda s: RosterLink.person_id == s.person_id)
# 登记申请: the requesting unit, the unit a transferred number is registered in, the association.
rule(PersonRequest, "association_admin")(everything)
rule(PersonRequest, "unit_reviewer")(lambda s: or_(
    _is(PersonRequest.unit_id, s.unit_id),
    (PersonRequest.kind == "transfer") & _is(PersonRequest.holder_unit_id, s.unit_id)))
