"""Claims, participants and certificates carry their person's unit and district,
like the ledger (kept in step by app/services/placement.py): a district's or a
unit's list reads a composite index of its own rows, not a subquery over every
person of the district. One UPDATE … FROM per table fills them.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 06:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

TABLES = ('claim', 'enrolment', 'certificate')
INDEXES = {
    'claim': [('ix_claim_district_id_id', ['district_id', 'id']),
              ('ix_claim_district_state_id', ['district_id', 'state', 'id']),
              ('ix_claim_unit_id_id', ['unit_id', 'id']),
              ('ix_claim_unit_state_id', ['unit_id', 'state', 'id'])],
    'enrolment': [('ix_enrolment_district_id_id', ['district_id', 'id']),
                  ('ix_enrolment_unit_id_id', ['unit_id', 'id']),
                  ('ix_enrolment_class_district', ['class_id', 'district_id'])],
    'certificate': [('ix_certificate_district_id_id', ['district_id', 'id']),
                    ('ix_certificate_district_revoked_id', ['district_id', 'revoked', 'id']),
                    ('ix_certificate_unit_id_id', ['unit_id', 'id'])],
}
REFERENCES = (('unit_id', 'unit'), ('district_id', 'district'))


def upgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    for table in TABLES:
        for column, target in REFERENCES:
            # PostgreSQL gets the reference after the fill (one check of the whole table
            # instead of one per updated row); SQLite takes it inline (no ALTER of constraints)
            if postgres:
                op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
            else:
                op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES {target} (id)")
        op.execute(f"UPDATE {table} SET unit_id = person.unit_id, district_id = unit.district_id "
                   f"FROM person JOIN unit ON unit.id = person.unit_id "
                   f"WHERE person.id = {table}.person_id")
        if postgres:
            for column, target in REFERENCES:
                op.create_foreign_key(f'{table}_{column}_fkey', table, target, [column], ['id'])
        for name, columns in INDEXES[table]:
            op.create_index(name, table, columns)
        if postgres and op.get_bind().execute(sa.text(f"SELECT EXISTS (SELECT 1 FROM {table})")).scalar():
            op.execute(f"ANALYZE {table}")  # the planner learns the filled columns (an empty table: nothing)


def downgrade():
    for table in TABLES:
        for name, _ in INDEXES[table]:
            op.drop_index(name, table_name=table)
        with op.batch_alter_table(table) as batch:
            if op.get_bind().dialect.name == 'postgresql':
                for column, _ in REFERENCES:
                    batch.drop_constraint(f'{table}_{column}_fkey', type_='foreignkey')
            batch.drop_column('district_id')
            batch.drop_column('unit_id')
