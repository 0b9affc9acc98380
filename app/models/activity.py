"""学时来源记录: one approved source of hours, in the rules engine's terms.

Platform courses, approved claims and reviewed classes each become one
activity. `first_year`..`last_year` are the years whose ledgers it feeds.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import JSONType, Model, TimestampMixin
from .person import Person

SOURCES = ("platform", "claim", "class")


class RecordFields:
    """The engine's fields of one activity (rules-2026.md, Input); a kind uses some."""

    category: Mapped[str | None] = mapped_column(String(20))
    date: Mapped[date | None] = mapped_column(Date)
    hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    # [{"date": "2026-04-01", "hours": 8}, ...]
    days: Mapped[list | None] = mapped_column(JSONType)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    registration: Mapped[bool | None] = mapped_column(Boolean)  # 注册类考试 (四(三)4)
    courses: Mapped[int | None] = mapped_column(Integer)
    project: Mapped[str | None] = mapped_column(String(300))
    channel: Mapped[str | None] = mapped_column(String(40))
    start: Mapped[date | None] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(20))


class Activity(RecordFields, TimestampMixin, Model):
    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_person_years", "person_id", "first_year", "last_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # platform rows: a digest of the imported row, so re-imports add nothing
    dedupe_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    person: Mapped[Person] = relationship()

    def __str__(self) -> str:
        return self.title
