"""审计日志: an append-only, hash-chained record of every business change."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model

GENESIS_HASH = "0" * 64


class AuditEntry(Model):
    __tablename__ = "audit_entry"
    __table_args__ = (
        # a record's history, newest first (the auditor's record and person filters)
        Index("ix_audit_entry_record", "table_name", "record_id", "seq"),
        # a table's newest entries (the auditor's home: the latest security events)
        Index("ix_audit_entry_table_seq", "table_name", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    roles: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(10), index=True)
    table_name: Mapped[str] = mapped_column(String(64))  # (table_name, seq) and (table_name, record_id, seq) lead with it
    record_id: Mapped[str] = mapped_column(String(64), index=True)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # set when services/audit_redaction.py rewrote the entry: the MAC of what is
    # left, bound to `hash` (the original MAC, which the chain keeps)
    redacted: Mapped[str | None] = mapped_column(String(64))

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.table_name}:{self.record_id}"


class AuditHead(Model):
    """One row: the chain's last sequence number and hash. Appends lock it."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


class VerifyLookupCount(Model):
    """Public verify-page lookups of one client in one hour (UTC), counted until
    `access_log.flush_lookups` turns each finished hour into one audit entry."""

    __tablename__ = "verify_lookup_count"

    hour: Mapped[str] = mapped_column(String(16), primary_key=True)  # "2026-12-01T08"
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    lookups: Mapped[int] = mapped_column(Integer, default=0)
    not_found: Mapped[int] = mapped_column(Integer, default=0)

    __audit__ = False  # each finished hour is one `verify.lookups` event
