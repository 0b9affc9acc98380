"""Verify-page lookups counted per client and hour, written to the audit log once the hour ends

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 17:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
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


def downgrade():
    op.drop_table('verify_lookup_count')
