"""What each role sees of each model. One place, one glance.

A role missing from a model's rules sees none of its rows."""
from __future__ import annotations

from sqlalchemy import select

from ..models import (
    Activity, AuditEntry, Claim, Department, District, ExportBatch, Ledger, Person, TrainingBase,
    Unit, UserScope,
)
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

rule(TrainingBase, "association_admin")(everything)
rule(TrainingBase, "authority_staff")(lambda s: TrainingBase.department_id == s.department_id)
rule(TrainingBase, "base_staff")(lambda s: TrainingBase.id == s.base_id)


def units_where(*conditions):
    return select(Unit.id).where(*conditions)


rule(Person, "association_admin")(everything)
rule(Person, "district_officer")(
    lambda s: Person.unit_id.in_(units_where(Unit.district_id == s.district_id))
)
rule(Person, "authority_staff")(
    lambda s: Person.unit_id.in_(units_where(Unit.department_id == s.department_id))
)
rule(Person, "unit_reviewer")(lambda s: Person.unit_id == s.unit_id)
rule(Person, "professional")(lambda s: Person.id == s.person_id)

rule(UserScope, ADMIN_ROLE)(everything)
rule(AuditEntry, "auditor")(everything)


def _people_visible(person_id_column, scope):
    """Rows whose person the scope may see (claims, ledgers, activities)."""
    return person_id_column.in_(select(Person.id).where(clause(Person, scope)))


PERSON_ROLES = ("association_admin", "district_officer", "unit_reviewer", "professional")
for _model in (Claim, Ledger, Activity):
    rule(_model, *PERSON_ROLES)(lambda s, _m=_model: _people_visible(_m.person_id, s))

# Export batches: the association sees all; others the batches they made.
rule(ExportBatch, "association_admin")(everything)
rule(ExportBatch, "unit_reviewer", "professional")(lambda s: ExportBatch.user_id == s.user_id)
