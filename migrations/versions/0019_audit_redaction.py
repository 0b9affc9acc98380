"""An audit entry can be redacted without breaking the chain: `redacted` holds
the audit key's MAC of what is left, bound to the entry's original MAC
(services/audit_redaction.py; `flask xueshi audit-redact`)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 17:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(sa.Column("redacted", sa.String(64), nullable=True))


def downgrade():
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_column("redacted")
