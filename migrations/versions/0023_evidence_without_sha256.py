"""Evidence files keep no plain SHA-256 of their content (a file may hold
personal data): the keyed digest alone finds the same file elsewhere

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 01:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("evidence") as batch:
        batch.drop_index("ix_evidence_sha256")
        batch.drop_column("sha256")


def downgrade():
    """The column comes back empty and nullable: a plain hash cannot be recomputed
    from the keyed digest, and the revision before this one reads it nowhere."""
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("sha256", sa.String(64), nullable=True))
        batch.create_index("ix_evidence_sha256", ["sha256"])
