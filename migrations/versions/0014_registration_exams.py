"""注册类考试: a qualification exam says whether it is a registration exam (rules rev. 2, 四(三)4)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 17:00:00

Before revision 2 the number of courses was asked only to count a registration
exam per course, so an existing qualification exam of more than one course is
taken as a registration exam and the others as not; the ledgers those records
feed are marked stale (rule_revision 1) for `flask xueshi recompute --stale`.
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TABLES = ('claim', 'activity')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('registration', sa.Boolean(), nullable=True))
        op.execute(f"UPDATE {table} SET registration = (courses > 1) "
                   "WHERE kind = 'qualification_exam'")
        op.execute(f"UPDATE {table} SET courses = NULL "
                   "WHERE kind = 'qualification_exam' AND courses = 1")
    op.execute("UPDATE ledger SET rule_revision = 1 WHERE person_id IN ("
               "SELECT person_id FROM activity WHERE kind = 'qualification_exam' "
               "AND registration)")


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('registration')
