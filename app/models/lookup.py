"""身份证号查询记录: every check or import that looks people up by full ID number.

Each single check, bulk check and roster import leaves one row (who, when,
how many rows, how many were not found or did not match), so the audit log
holds them and the day's totals limit each login. A login whose not-found
rows cross the day's threshold raises one alert for the association."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, utcnow


class IdLookup(Model):
    __tablename__ = "id_lookup"
    __table_args__ = (Index("ix_id_lookup_user_day", "user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    day: Mapped[date] = mapped_column(Date)  # the calendar day in Asia/Shanghai
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # check, bulk_check or roster
    rows: Mapped[int] = mapped_column(Integer)
    not_found: Mapped[int] = mapped_column(Integer)  # not found, outside the scope or mismatched

    def __str__(self) -> str:
        return f"{self.username} {self.kind} {self.day.isoformat()}"


class LookupAlert(Model):
    """A login crossed the day's threshold of not-found ID numbers: its checks
    stop for the day and the association reads this alert."""

    __tablename__ = "lookup_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    day: Mapped[date] = mapped_column(Date, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    username: Mapped[str] = mapped_column(String(100))
    rows: Mapped[int] = mapped_column(Integer)
    not_found: Mapped[int] = mapped_column(Integer)

    def __str__(self) -> str:
        return f"{self.username} {self.day.isoformat()}"
