"""The audit log's single-column table_name index goes: (table_name, seq) and
(table_name, record_id, seq) both lead with the column and answer every query
the single one did; each audited row wrote one index entry more than needed.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03 11:00:00
"""
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_audit_entry_table_name', table_name='audit_entry')


def downgrade():
    op.create_index('ix_audit_entry_table_name', 'audit_entry', ['table_name'])
