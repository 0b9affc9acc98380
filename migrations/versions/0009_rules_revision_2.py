"""Rules revision 2: a ledger knows the rule-set revision that computed it, and
an out-of-scope person's ledger has no compliance or shortfall (不适用)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 14:00:00

Existing ledgers were computed under revision 1: they get rule_revision 1 and
are stale until `flask xueshi recompute --stale` recomputes them.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

NULLABLE = (("compliant", sa.Boolean()), ("shortfall_public", sa.Numeric(6, 1)),
            ("shortfall_professional", sa.Numeric(6, 1)))


def upgrade():
    with op.batch_alter_table('ledger', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule_revision', sa.Integer(), server_default='1',
                                      nullable=False))
        batch_op.create_index(batch_op.f('ix_ledger_rule_revision'), ['rule_revision'],
                              unique=False)
        for name, type_ in NULLABLE:
            batch_op.alter_column(name, existing_type=type_, nullable=True)


def downgrade():
    # revision 1 had a verdict for everyone: out-of-scope people read as not compliant
    op.execute("UPDATE ledger SET compliant = false WHERE compliant IS NULL")
    op.execute("UPDATE ledger SET shortfall_public = 30, shortfall_professional = 60 "
               "WHERE shortfall_public IS NULL")
    with op.batch_alter_table('ledger', schema=None) as batch_op:
        for name, type_ in NULLABLE:
            batch_op.alter_column(name, existing_type=type_, nullable=False)
        batch_op.drop_index(batch_op.f('ix_ledger_rule_revision'))
        batch_op.drop_column('rule_revision')
