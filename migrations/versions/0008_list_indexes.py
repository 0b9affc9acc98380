"""City-scale lists: an index behind every offered sort and filter

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 14:30:00

Names and codes are searched as you type and sorted; a reviewer's queue,
the 是否达标 filter and revoked certificates are a filter followed by the
default newest-first order, so each gets a (filter, id) index.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_person_name", "person", ["name"]),
    ("ix_person_series", "person", ["series"]),
    ("ix_person_title_level", "person", ["title_level"]),
    ("ix_unit_name", "unit", ["name"]),
    ("ix_training_base_name", "training_base", ["name"]),
    ("ix_training_class_name", "training_class", ["name"]),
    ("ix_training_class_start_date", "training_class", ["start_date"]),
    ("ix_claim_state_id", "claim", ["state", "id"]),
    ("ix_ledger_compliant_id", "ledger", ["compliant", "id"]),
    ("ix_certificate_revoked_id", "certificate", ["revoked", "id"]),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
