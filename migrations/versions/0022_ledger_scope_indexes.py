"""Composite indexes for a district's and a unit's ledgers (their scope and list filters,
newest first, and 是否达标 within a district); they replace the single-column ones

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 21:00:00
"""
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_ledger_district_id_id', 'ledger', ['district_id', 'id'])
    op.create_index('ix_ledger_district_compliant_id', 'ledger', ['district_id', 'compliant', 'id'])
    op.create_index('ix_ledger_unit_id_id', 'ledger', ['unit_id', 'id'])
    op.drop_index('ix_ledger_district_id', table_name='ledger')
    op.drop_index('ix_ledger_unit_id', table_name='ledger')


def downgrade():
    op.create_index('ix_ledger_unit_id', 'ledger', ['unit_id'])
    op.create_index('ix_ledger_district_id', 'ledger', ['district_id'])
    op.drop_index('ix_ledger_unit_id_id', table_name='ledger')
    op.drop_index('ix_ledger_district_compliant_id', table_name='ledger')
    op.drop_index('ix_ledger_district_id_id', table_name='ledger')
