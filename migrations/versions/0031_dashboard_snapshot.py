"""Dashboard figures are kept in the database and computed by a background job:
a city's hours by month read every ledger item (minutes at a million people), so
no request waits on them and every worker shows the same figures with their time.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-03 16:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'dashboard_snapshot',
        sa.Column('key', sa.String(length=40), primary_key=True),
        sa.Column('payload', sa.Text(), nullable=True),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('queued_at', sa.DateTime(timezone=True), nullable=True),
    )


def downgrade():
    op.drop_table('dashboard_snapshot')
