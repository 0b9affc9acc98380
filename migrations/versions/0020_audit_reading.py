"""Verify-page lookups counted per client and hour, written to the audit log once the hour ends;
indexes for the auditor's search (a record's history, a claim by its title)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 17:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'verify_lookup_count',
        sa.Column('hour', sa.String(length=16), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('lookups', sa.Integer(), nullable=False),
        sa.Column('not_found', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('hour', 'client'),
    )
    op.create_index('ix_audit_entry_record', 'audit_entry', ['table_name', 'record_id', 'seq'])
    op.create_index('ix_claim_title', 'claim', ['title'])


def downgrade():
    op.drop_index('ix_claim_title', table_name='claim')
    op.drop_index('ix_audit_entry_record', table_name='audit_entry')
    op.drop_table('verify_lookup_count')
