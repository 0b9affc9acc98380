"""Certificate digests are indexed: the verify page finds an uploaded PDF by its SHA-256

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 17:00:00
"""
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_certificate_sha256", "certificate", ["sha256"])
    op.create_index("ix_year_certificate_sha256", "year_certificate", ["sha256"])


def downgrade():
    op.drop_index("ix_year_certificate_sha256", table_name="year_certificate")
    op.drop_index("ix_certificate_sha256", table_name="certificate")
