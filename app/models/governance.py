"""Governance (notice 六(三), 五(五), 七(一)): base evaluations, inspections,
cases handed to districts, dishonesty records."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Date, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import JSONType, Model, TimestampMixin
from .district import District
from .evidence import HasEvidence
from .person import Person
from .training_base import TrainingBase
from .training_class import TrainingClass
from .unit import Unit

# 基地考核评估: the stages and their steps are declared in app/services/evaluations.py
EVAL_RESULTS = ("excellent", "qualified", "failed")


class BaseEvaluation(HasEvidence, TimestampMixin, Model):
    __tablename__ = "base_evaluation"
    __table_args__ = (UniqueConstraint("base_id", "year", name="uq_base_evaluation_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    base_id: Mapped[int] = mapped_column(ForeignKey("training_base.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(30), default="draft")
    summary: Mapped[str | None] = mapped_column(Text)          # the base's self-report
    department_opinion: Mapped[str | None] = mapped_column(Text)
    expert_scores: Mapped[list | None] = mapped_column(JSONType)  # [{"expert": "...", "score": 88}]
    expert_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))  # the mean
    site_findings: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(String(20))
    published_on: Mapped[date | None] = mapped_column(Date)
    returned_reason: Mapped[str | None] = mapped_column(Text)
    returned_from: Mapped[str | None] = mapped_column(String(30))

    base: Mapped[TrainingBase] = relationship()

    def __str__(self) -> str:
        return f"{self.year} {self.base}"


class Inspection(HasEvidence, TimestampMixin, Model):
    """督导检查 of a class or a base."""

    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspected_on: Mapped[date] = mapped_column(Date)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("training_class.id"), index=True)
    base_id: Mapped[int | None] = mapped_column(ForeignKey("training_base.id"), index=True)
    inspector: Mapped[str] = mapped_column(String(100))
    findings: Mapped[str] = mapped_column(Text)
    violation: Mapped[bool] = mapped_column(default=False)

    training_class: Mapped[TrainingClass | None] = relationship()
    base: Mapped[TrainingBase | None] = relationship()

    def __str__(self) -> str:
        return f"{self.inspected_on} {self.training_class or self.base}"


class Case(TimestampMixin, Model):
    """移交核查: doubtful material handed to a district for checking."""

    __tablename__ = "case_handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    subject: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="open")  # open or closed
    outcome: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[int | None] = mapped_column(Integer)

    district: Mapped[District] = relationship()
    inspection: Mapped[Inspection | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    person: Mapped[Person | None] = relationship()

    def __str__(self) -> str:
        return self.subject


class DishonestyRecord(TimestampMixin, Model):
    """失信记录: bars the person's title application while active; announced city-wide."""

    __tablename__ = "dishonesty_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_handover.id"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    announced: Mapped[bool] = mapped_column(default=True)

    person: Mapped[Person | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    case: Mapped[Case | None] = relationship()

    def active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    def __str__(self) -> str:
        return f"{self.person or self.unit}: {self.reason[:30]}"
