"""学时申报: a person's own record of 四(二)1 or 四(三)1–7, with evidence,
reviewed by the person's unit."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .activity import RecordFields
from .base import Model, TimestampMixin, utcnow
from .person import Person

# Kinds a person claims themself (notice 四(二)1 and 四(三)1-7).
CLAIM_KINDS = (
    "public_subject_exam",
    "academic_activity",
    "education_or_tour",
    "achievement",
    "qualification_exam",
    "expert_service",
    "assignment",
    "leave_exemption",
)

DRAFT, SUBMITTED, APPROVED, REJECTED, REVOKED = (
    "draft", "submitted", "approved", "rejected", "revoked",
)
STATES = (DRAFT, SUBMITTED, APPROVED, REJECTED, REVOKED)


class Claim(RecordFields, TimestampMixin, Model):
    __tablename__ = "claim"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    created_by: Mapped[int | None] = mapped_column(Integer)
    submitted_by: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[int | None] = mapped_column(Integer)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by: Mapped[int | None] = mapped_column(Integer)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship()
    evidence: Mapped[list["Evidence"]] = relationship(
        back_populates="claim", order_by="Evidence.id", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.title


class Evidence(Model):
    """证明材料: an uploaded file, stored outside the web root under a random name."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id"), index=True)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("training_class.id"), index=True)
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("base_evaluation.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"), index=True)
    # for classes: approval_form, sign_in, photo, roster, screenshot, assessment
    purpose: Mapped[str | None] = mapped_column(String(30))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by: Mapped[int | None] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    claim: Mapped[Claim | None] = relationship(back_populates="evidence")

    def __str__(self) -> str:
        return self.original_name
