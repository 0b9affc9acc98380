"""The validity of issued certificates: each one's entry in a Bitstring Status
List, and why it is suspended or revoked (app/services/status_list.py)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .base import Model


class CertificateStatus:
    """Columns of a class or year certificate: its status list entry (one index
    across both kinds), and since when and why it is suspended or revoked. The
    reason category is public (the verify page shows it); the text is not."""

    status_index: Mapped[int] = mapped_column(Integer, index=True, unique=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    suspend_reason: Mapped[str | None] = mapped_column(Text)
    status_category: Mapped[str | None] = mapped_column(String(20))

    @declared_attr
    def case_id(cls) -> Mapped[int | None]:
        """The 移交核查 case a suspension waits for: closing it lifts the suspension."""
        return mapped_column(ForeignKey("case_handover.id"), index=True)


class StatusList(Model):
    """One published status list: `bits` holds 2 bits per certificate (suspended,
    revoked) for LIST_SIZE certificates; derived from the certificates' states,
    written in the same transaction, so not audited itself."""

    __tablename__ = "status_list"
    __audit__ = False

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
