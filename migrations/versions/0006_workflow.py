"""Workflow: evidence has one owner (table and id) instead of four nullable keys;
a class whose completion was sent back has its own state

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-10 09:00:00

Existing rows keep their owners (claim, class, base evaluation, inspection)
and their state; a downgrade gives them back their old columns.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None

# old column -> owner table
OWNERS = {
    "claim_id": "claim",
    "class_id": "training_class",
    "evaluation_id": "base_evaluation",
    "inspection_id": "inspection",
}
OLD_FOREIGN_KEYS = {  # named in 0003/0004; 0002's claim key has no name
    "class_id": "fk_evidence_class_id",
    "evaluation_id": "fk_evidence_evaluation_id",
    "inspection_id": "fk_evidence_inspection_id",
}


def _unnamed_claim_key() -> str | None:
    for fk in sa.inspect(op.get_bind()).get_foreign_keys("evidence"):
        if fk["constrained_columns"] == ["claim_id"]:
            return fk.get("name")
    return None


def upgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_type', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
    for column, table in OWNERS.items():
        op.execute(f"UPDATE evidence SET owner_type = '{table}', owner_id = {column} "
                   f"WHERE {column} IS NOT NULL AND owner_type IS NULL")
    claim_key = _unnamed_claim_key()
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.alter_column('owner_type', existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column('owner_id', existing_type=sa.Integer(), nullable=False)
        for column, name in OLD_FOREIGN_KEYS.items():
            batch_op.drop_constraint(name, type_='foreignkey')
        if claim_key:
            batch_op.drop_constraint(claim_key, type_='foreignkey')
        for column in OWNERS:
            batch_op.drop_index(f'ix_evidence_{column}')
            batch_op.drop_column(column)
        batch_op.create_index('ix_evidence_owner', ['owner_type', 'owner_id'], unique=False)

    op.execute("UPDATE training_class SET state = 'completion_rejected' "
               "WHERE state = 'rejected' AND rejected_stage = 'completion'")
    with op.batch_alter_table('training_class', schema=None) as batch_op:
        batch_op.drop_column('rejected_stage')


def downgrade():
    with op.batch_alter_table('training_class', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rejected_stage', sa.String(length=20), nullable=True))
    op.execute("UPDATE training_class SET rejected_stage = 'filing' WHERE state = 'rejected'")
    op.execute("UPDATE training_class SET state = 'rejected', rejected_stage = 'completion' "
               "WHERE state = 'completion_rejected'")
    op.execute("UPDATE training_class SET state = 'draft' WHERE state = 'withdrawn'")
    op.execute("UPDATE claim SET state = 'rejected' WHERE state = 'withdrawn'")  # terminal there too

    with op.batch_alter_table('evidence', schema=None) as batch_op:
        for column in OWNERS:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
    for column, table in OWNERS.items():
        op.execute(f"UPDATE evidence SET {column} = owner_id WHERE owner_type = '{table}'")
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index('ix_evidence_owner')
        batch_op.drop_column('owner_id')
        batch_op.drop_column('owner_type')
        for column, table in OWNERS.items():
            batch_op.create_index(f'ix_evidence_{column}', [column], unique=False)
            name = OLD_FOREIGN_KEYS.get(column, 'evidence_claim_id_fkey')
            batch_op.create_foreign_key(name, table, [column], ['id'])
