"""待确认 roster links: a roster row naming a person of another organisation's unit waits for
that unit's reviewer

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 21:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'roster_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('class_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('phone', sa.String(length=30), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['class_id'], ['training_class.id']),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_roster_link_class_id', 'roster_link', ['class_id'])
    op.create_index('ix_roster_link_unit_state', 'roster_link', ['unit_id', 'state'])
    op.create_index('ix_roster_link_person', 'roster_link', ['person_id', 'unit_id', 'state'])


def downgrade():
    op.drop_index('ix_roster_link_person', table_name='roster_link')
    op.drop_index('ix_roster_link_unit_state', table_name='roster_link')
    op.drop_index('ix_roster_link_class_id', table_name='roster_link')
    op.drop_table('roster_link')
