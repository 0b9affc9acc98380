"""Evidence files carry a keyed digest of their content: the same file on
another claim is found by it, never by the plain SHA-256

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 17:20:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("digest", sa.String(64), nullable=True))
        batch.create_index("ix_evidence_digest", ["digest"])
    _fill_digests()


def _fill_digests(batch: int = 1000):
    import config
    from app.security.keyed import digest

    key = config.digest_key()
    evidence = sa.table("evidence", sa.column("id", sa.Integer), sa.column("sha256", sa.String),
                        sa.column("digest", sa.String))
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(sa.select(evidence.c.id, evidence.c.sha256).where(
            evidence.c.id > last).order_by(evidence.c.id).limit(batch)).all()
        if not rows:
            return
        conn.execute(evidence.update().where(evidence.c.id == sa.bindparam("row_id")).values(
            digest=sa.bindparam("new_digest")), [
            {"row_id": r.id, "new_digest": digest("evidence", r.sha256, key=key)} for r in rows])
        last = rows[-1].id


def downgrade():
    with op.batch_alter_table("evidence") as batch:
        batch.drop_index("ix_evidence_digest")
        batch.drop_column("digest")
