"""人员登记申请: a unit reviewer's new person waits for the association (a number
nobody has) or for the reviewer of the unit that holds the number (a transfer),
so that adding a person answers the same whoever holds the number (issue 14).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'person_request',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('unit_id', sa.Integer(), sa.ForeignKey('unit.id'), nullable=False),
        sa.Column('holder_unit_id', sa.Integer(), sa.ForeignKey('unit.id'), nullable=True),
        sa.Column('person_id', sa.Integer(), sa.ForeignKey('person.id'), nullable=True),
        sa.Column('requested_by', sa.Integer(), nullable=True),
        sa.Column('id_number', sa.String(length=18), nullable=False),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('phone', sa.String(length=30), nullable=True),
        sa.Column('series', sa.String(length=40), nullable=True),
        sa.Column('title_level', sa.String(length=20), nullable=True),
        sa.Column('is_enterprise_manager', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_person_request_unit', 'person_request', ['unit_id', 'id'])
    op.create_index('ix_person_request_holder', 'person_request', ['holder_unit_id', 'id'])
    op.create_index('ix_person_request_state', 'person_request', ['state', 'kind', 'id'])


def downgrade():
    op.drop_index('ix_person_request_state', table_name='person_request')
    op.drop_index('ix_person_request_holder', table_name='person_request')
    op.drop_index('ix_person_request_unit', table_name='person_request')
    op.drop_table('person_request')
