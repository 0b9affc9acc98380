"""培训项目计划 (六(一)) and 高级研修项目 (六(二)): what makes a class count double."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, TimestampMixin
from .department import Department
from .training_base import TrainingBase

PROPOSED, ACCEPTED, REJECTED = "proposed", "accepted", "rejected"
SEMINAR_LEVELS = ("national", "provincial", "city")
APPLIED, APPROVED = "applied", "approved"


def titled(year: int, name: str) -> str:
    """The year and the name, once: "2026年智能制造…" names its year already."""
    return name if str(name).startswith(str(year)) else f"{year} {name}"


class PlanProject(TimestampMixin, Model):
    """A project proposed for a year by a department or a base."""

    __tablename__ = "plan_project"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    audience: Mapped[str] = mapped_column(String(200))
    planned_hours: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    months: Mapped[str] = mapped_column(String(50))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    base_id: Mapped[int | None] = mapped_column(ForeignKey("training_base.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=PROPOSED)
    review_reason: Mapped[str | None] = mapped_column(Text)
    proposed_by: Mapped[int | None] = mapped_column(Integer)

    department: Mapped[Department | None] = relationship()
    base: Mapped[TrainingBase | None] = relationship()

    @property
    def organiser(self):
        return self.base or self.department

    def __str__(self) -> str:
        return titled(self.year, self.name)


class PlanPublication(Model):
    """The association publishes a year's accepted projects (due in the first quarter)."""

    __tablename__ = "plan_publication"
    __table_args__ = (UniqueConstraint("year", name="uq_plan_publication_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    published_on: Mapped[date] = mapped_column(Date)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[int | None] = mapped_column(Integer)
    late: Mapped[bool] = mapped_column(default=False)

    def __str__(self) -> str:
        return f"{self.year}"


class Seminar(TimestampMixin, Model):
    """An advanced seminar (national, provincial or city level)."""

    __tablename__ = "seminar"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    base_id: Mapped[int | None] = mapped_column(ForeignKey("training_base.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=APPLIED)
    review_reason: Mapped[str | None] = mapped_column(Text)
    applied_by: Mapped[int | None] = mapped_column(Integer)

    department: Mapped[Department | None] = relationship()
    base: Mapped[TrainingBase | None] = relationship()

    def __str__(self) -> str:
        return titled(self.year, self.name)
