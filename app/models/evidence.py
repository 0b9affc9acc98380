"""证明材料: uploaded files, stored outside the web root under random names.

A file belongs to one owner row (a claim, a filed class, a base evaluation,
an inspection…), named by the owner's table and id; a model whose rows own
files mixes in `HasEvidence` and gets `row.evidence`. A new kind of owner
needs no migration."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, and_, select
from sqlalchemy.orm import Mapped, declared_attr, foreign, mapped_column, relationship

from .base import Model, utcnow


class Evidence(Model):
    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_owner", "owner_type", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(40))  # the owner's table
    owner_id: Mapped[int] = mapped_column(Integer)
    # for classes: approval_form, sign_in, photo, roster, screenshot, assessment
    purpose: Mapped[str | None] = mapped_column(String(30))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    # keyed digest of the content (services/evidence.file_digest): finds the same file elsewhere
    digest: Mapped[str | None] = mapped_column(String(64), index=True)
    uploaded_by: Mapped[int | None] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @staticmethod
    def owned_by(owner, purpose: str | None = None):
        """select(Evidence) of `owner`'s files (of one purpose), in upload order."""
        stmt = select(Evidence).where(Evidence.owner_type == owner.__tablename__,
                                      Evidence.owner_id == owner.id)
        if purpose is not None:
            stmt = stmt.where(Evidence.purpose == purpose)
        return stmt.order_by(Evidence.id)

    def belongs_to(self, owner) -> bool:
        return (self.owner_type, self.owner_id) == (owner.__tablename__, owner.id)

    def __str__(self) -> str:
        return self.original_name


class HasEvidence:
    """Mixin: the row's evidence files, read-only (services add them)."""

    @declared_attr
    def evidence(cls) -> Mapped[list[Evidence]]:
        return relationship(
            Evidence, order_by=Evidence.id, viewonly=True,
            primaryjoin=lambda: and_(Evidence.owner_type == cls.__tablename__,
                                     foreign(Evidence.owner_id) == cls.id))
