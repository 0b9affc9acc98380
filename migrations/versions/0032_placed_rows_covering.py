"""A district's and a unit's claims, participants, certificates and ledgers are
counted from their index alone: each index of a district's rows carries the
person and the unit, each index of a unit's rows the person (the 待确认 check of
a placed row reads both). At a million people, counting a district's submitted
claims read a heap page per claim (13 ms for 1,001); from the index, 0.6 ms.
The names stay: each index still leads with the columns it is named for.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-04 05:00:00
"""
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

# table: [(index, the columns it had)]; a district's index gains person and unit, a unit's the person
INDEXES = {
    'claim': [('ix_claim_district_id_id', ['district_id', 'id']),
              ('ix_claim_district_state_id', ['district_id', 'state', 'id']),
              ('ix_claim_unit_id_id', ['unit_id', 'id']),
              ('ix_claim_unit_state_id', ['unit_id', 'state', 'id'])],
    'enrolment': [('ix_enrolment_district_id_id', ['district_id', 'id']),
                  ('ix_enrolment_unit_id_id', ['unit_id', 'id'])],
    'certificate': [('ix_certificate_district_id_id', ['district_id', 'id']),
                    ('ix_certificate_district_revoked_id', ['district_id', 'revoked', 'id']),
                    ('ix_certificate_unit_id_id', ['unit_id', 'id'])],
    'ledger': [('ix_ledger_district_id_id', ['district_id', 'id']),
               ('ix_ledger_district_compliant_id', ['district_id', 'compliant', 'id']),
               ('ix_ledger_unit_id_id', ['unit_id', 'id'])],
}


def covering(columns: list[str]) -> list[str]:
    return columns + (['person_id', 'unit_id'] if columns[0] == 'district_id' else ['person_id'])


def _rebuild(widen: bool) -> None:
    for table, indexes in INDEXES.items():
        for name, columns in indexes:
            op.drop_index(name, table_name=table)
            op.create_index(name, table, covering(columns) if widen else columns)


def upgrade():
    _rebuild(widen=True)


def downgrade():
    _rebuild(widen=False)
