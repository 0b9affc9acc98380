"""ID-number lookups: every check and roster import recorded per login and day;
alerts for the association when a login's not-found numbers cross the threshold;
platform-course dedupe keys re-keyed as HMACs (no plain hash of an ID number)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 14:00:00
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "id_lookup",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("not_found", sa.Integer(), nullable=False),
    )
    op.create_index("ix_id_lookup_user_day", "id_lookup", ["user_id", "day"])
    op.create_table(
        "lookup_alert",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("not_found", sa.Integer(), nullable=False),
    )
    op.create_index("ix_lookup_alert_day", "lookup_alert", ["day"])
    op.create_index("ix_lookup_alert_user_id", "lookup_alert", ["user_id"])
    _rekey_platform_courses()


def _rekey_platform_courses(batch: int = 1000):
    """sha256("platform|<ID number>|…") becomes HMAC(key, "platform|<person id>|…")."""
    import config
    from app.formatting import hours
    from app.security.keyed import platform_course_key

    key = config.digest_key()
    activity = sa.table("activity", sa.column("id", sa.Integer), sa.column("person_id", sa.Integer),
                        sa.column("title", sa.String), sa.column("category", sa.String),
                        sa.column("date", sa.Date), sa.column("hours", sa.Numeric(6, 1)),
                        sa.column("source", sa.String), sa.column("dedupe_key", sa.String))
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.select(activity).where(
            activity.c.source == "platform", activity.c.dedupe_key.isnot(None), activity.c.id > last)
            .order_by(activity.c.id).limit(batch)).all()
        if not rows:
            break
        bind.execute(activity.update().where(activity.c.id == sa.bindparam("row_id")).values(
            dedupe_key=sa.bindparam("new_key")), [
            {"row_id": r.id, "new_key": platform_course_key(r.person_id, r.title, r.category, r.date,
                                                            hours(r.hours), key=key)}
            for r in rows])
        last = rows[-1].id


def downgrade():
    op.drop_table("lookup_alert")
    op.drop_table("id_lookup")
