"""The auditor's home reads each security table's newest audit entries from an
index on (table_name, seq), at the same cost however long the log grows; the
chain's entries and hashes are untouched

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 02:00:00
"""
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_entry_table_seq', 'audit_entry', ['table_name', 'seq'])


def downgrade():
    op.drop_index('ix_audit_entry_table_seq', table_name='audit_entry')
