"""Jobs remember the scope they were started in: a job and its result file are
seen only while the starter's scope is still that one (a job started before
this revision has none, so only the association sees it)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 17:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("scope_key", sa.String(200), nullable=True))


def downgrade():
    with op.batch_alter_table("job") as batch:
        batch.drop_column("scope_key")
