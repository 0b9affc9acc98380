"""A person carries their unit's district (kept in step by app/services/placement.py):
a district officer's persons list reads the person's own district through a composite
index instead of every unit of the district; the persons list's default sort (id) and
its series filter get their indexes, for the city and for a district. One UPDATE … FROM
fills the column.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 12:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

INDEXES = [('ix_person_series_id', ['series', 'id']),
           ('ix_person_district_id_id', ['district_id', 'id']),
           ('ix_person_district_series_id', ['district_id', 'series', 'id']),
           ('ix_person_district_name', ['district_id', 'name'])]


def upgrade():
    # a copy of the unit's district, without a reference of its own (the unit's holds): SQLite
    # drops such a column in place on downgrade, where rebuilding person would trip the
    # references of every row that points at a person
    op.add_column('person', sa.Column('district_id', sa.Integer(), nullable=True))
    op.execute("UPDATE person SET district_id = unit.district_id FROM unit WHERE unit.id = person.unit_id")
    for name, columns in INDEXES:
        op.create_index(name, 'person', columns)
    if op.get_bind().dialect.name == 'postgresql' and op.get_bind().execute(
            sa.text("SELECT EXISTS (SELECT 1 FROM person)")).scalar():
        op.execute("ANALYZE person")  # the planner learns the filled column (an empty table: nothing)


def downgrade():
    for name, _ in INDEXES:
        op.drop_index(name, table_name='person')
    op.execute("ALTER TABLE person DROP COLUMN district_id")
