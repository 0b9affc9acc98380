"""Certificate status: every class and year certificate gets an index in a
Bitstring Status List; suspension (pending a case) and revocation of both kinds

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 17:00:00

Existing certificates are numbered in order (class certificates first), and
the lists are written with the certificates already revoked.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

LIST_SIZE, STATUS_SIZE, REVOKED = 131_072, 2, 2
TABLES = ("certificate", "year_certificate")


def _status_columns(table: str, with_revoked: bool):
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column("status_index", sa.Integer(), nullable=True))
        if with_revoked:
            batch.add_column(sa.Column("revoked", sa.Boolean(), nullable=False, server_default=sa.false()))
            batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
            batch.add_column(sa.Column("revoke_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("suspended", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("suspend_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("status_category", sa.String(20), nullable=True))
        batch.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(f"fk_{table}_case_id", "case_handover", ["case_id"], ["id"])


def upgrade():
    _status_columns("certificate", with_revoked=False)
    _status_columns("year_certificate", with_revoked=True)
    conn = op.get_bind()
    top = conn.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM certificate")).scalar()
    conn.execute(sa.text("UPDATE certificate SET status_index = id - 1"))
    conn.execute(sa.text("UPDATE year_certificate SET status_index = id - 1 + :top"), {"top": top})
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("status_index", existing_type=sa.Integer(), nullable=False)
            batch.alter_column("suspended", existing_type=sa.Boolean(), server_default=None)
            if table == "year_certificate":
                batch.alter_column("revoked", existing_type=sa.Boolean(), server_default=None)
        op.create_index(f"ix_{table}_status_index", table, ["status_index"], unique=True)
        op.create_index(f"ix_{table}_case_id", table, ["case_id"])
    status_list = op.create_table(
        "status_list",
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("bits", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    highest = conn.execute(sa.text(
        "SELECT MAX(status_index) FROM (SELECT status_index FROM certificate UNION ALL "
        "SELECT status_index FROM year_certificate) AS s")).scalar()
    lists = {n: bytearray(LIST_SIZE * STATUS_SIZE // 8)
             for n in range(1, (highest or 0) // LIST_SIZE + 2)}
    for (index,) in conn.execute(sa.text("SELECT status_index FROM certificate WHERE revoked = :t"),
                                 {"t": True}):
        bit = (index % LIST_SIZE) * STATUS_SIZE  # value 2: the first of its two bits
        lists[index // LIST_SIZE + 1][bit // 8] |= 0x80 >> (bit % 8)
    now = datetime.now(timezone.utc)
    op.bulk_insert(status_list, [{"number": n, "bits": bytes(bits), "updated_at": now}
                                 for n, bits in sorted(lists.items())])


def downgrade():
    op.drop_table("status_list")
    for table in TABLES:
        op.drop_index(f"ix_{table}_case_id", table_name=table)
        op.drop_index(f"ix_{table}_status_index", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_case_id", type_="foreignkey")
            for column in ("case_id", "status_category", "suspend_reason", "suspended_at",
                           "suspended", "status_index"):
                batch.drop_column(column)
            if table == "year_certificate":
                for column in ("revoke_reason", "revoked_at", "revoked"):
                    batch.drop_column(column)
