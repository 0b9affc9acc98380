"""Year certificates (年度学时证明) are numbered, stored documents

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 14:00:00
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "year_certificate",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(40), nullable=False, unique=True),
        sa.Column("token", sa.String(64), nullable=False, unique=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id", name="fk_year_certificate_person_id"),
                  nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("ledger_digest", sa.String(40), nullable=False),
        sa.Column("public", sa.Numeric(6, 1), nullable=False),
        sa.Column("professional", sa.Numeric(6, 1), nullable=False),
        sa.Column("total", sa.Numeric(6, 1), nullable=False),
        sa.Column("compliant", sa.Boolean(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stored_name", sa.String(80)),
        sa.Column("sha256", sa.String(64)),
        sa.UniqueConstraint("person_id", "year", "version", name="uq_year_certificate_version"),
    )


def downgrade():
    op.drop_table("year_certificate")
