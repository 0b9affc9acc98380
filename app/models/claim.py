"""学时申报: a person's own record of a claimable kind of the year (the rule set
says which), with evidence, reviewed by the person's unit."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .activity import RecordFields
from .base import Model, TimestampMixin
from .evidence import HasEvidence
from .person import Person
from .placement import DISTRICT_PLACED, UNIT_PLACED, PersonPlaced

DRAFT, SUBMITTED, APPROVED, REJECTED, REVOKED, WITHDRAWN = (
    "draft", "submitted", "approved", "rejected", "revoked", "withdrawn",
)


class Claim(PersonPlaced, HasEvidence, RecordFields, TimestampMixin, Model):
    __tablename__ = "claim"
    # a reviewer's queue: state filter, newest first
    __table_args__ = (Index("ix_claim_state_id", "state", "id"),
                      Index("ix_claim_title", "title"),  # the auditor finds a claim by its title
                      # a district's and a unit's claims (scope), newest first, and by state in it
                      Index("ix_claim_district_id_id", "district_id", "id", *DISTRICT_PLACED),
                      Index("ix_claim_district_state_id", "district_id", "state", "id", *DISTRICT_PLACED),
                      Index("ix_claim_unit_id_id", "unit_id", "id", *UNIT_PLACED),
                      Index("ix_claim_unit_state_id", "unit_id", "state", "id", *UNIT_PLACED))

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

    def __str__(self) -> str:
        return self.title
