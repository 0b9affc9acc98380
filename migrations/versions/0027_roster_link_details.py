"""A roster link carries the participant as the roster described them (number, series,
level, manager); a new person's link names nobody until the unit's reviewer confirms it,
and the person is created then: an import writes the same rows for a number nobody has
as for one registered elsewhere (issue 14, no timing oracle). Existing links take their
person's details.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 13:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('roster_link') as batch:
        batch.add_column(sa.Column('id_number', sa.String(length=18), nullable=True))
        batch.add_column(sa.Column('series', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('title_level', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('is_enterprise_manager', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.alter_column('person_id', existing_type=sa.Integer(), nullable=True)
    op.execute("UPDATE roster_link SET id_number = (SELECT p.id_number FROM person p WHERE p.id = person_id), "
               "series = (SELECT p.series FROM person p WHERE p.id = person_id), "
               "title_level = (SELECT p.title_level FROM person p WHERE p.id = person_id), "
               "is_enterprise_manager = (SELECT p.is_enterprise_manager FROM person p WHERE p.id = person_id)")


def downgrade():
    # a new person's link still waiting names nobody: it goes with the columns
    op.execute("DELETE FROM roster_link WHERE person_id IS NULL")
    with op.batch_alter_table('roster_link') as batch:
        batch.alter_column('person_id', existing_type=sa.Integer(), nullable=False)
        batch.drop_column('is_enterprise_manager')
        batch.drop_column('title_level')
        batch.drop_column('series')
        batch.drop_column('id_number')
