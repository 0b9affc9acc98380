"""A district's persons list reads its count and the rows a deep page skips from
its index alone: the district's two indexes on person carry the unit too (the
待确认 check of a district's people reads the person's unit). The single-column series
index goes: (series, id) answers the filter and the list's sort, and the planner took the
narrower one and sorted.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 13:00:00
"""
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

OLD = [('ix_person_series', ['series']),  # (series, id) serves the series filter and its sort
       ('ix_person_district_id_id', ['district_id', 'id']),
       ('ix_person_district_series_id', ['district_id', 'series', 'id'])]
NEW = [('ix_person_district_id_unit', ['district_id', 'id', 'unit_id']),
       ('ix_person_district_series_unit', ['district_id', 'series', 'id', 'unit_id'])]


def _swap(drop, create):
    for name, columns in create:
        op.create_index(name, 'person', columns)
    for name, _ in drop:
        op.drop_index(name, table_name='person')


def upgrade():
    _swap(OLD, NEW)


def downgrade():
    _swap(NEW, OLD)
