"""备案培训班次: classes filed by bases, departments and units; their
participants (参训记录) with daily attendance; electronic certificates."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import JSONType, Model, TimestampMixin
from .department import Department
from .evidence import HasEvidence
from .person import Person
from .placement import DISTRICT_PLACED, UNIT_PLACED, PersonPlaced
from .plan import PlanProject, Seminar
from .status import CertificateStatus
from .training_base import TrainingBase
from .unit import Unit

# the states; their labels and transitions are declared in app/services/classes.py
DRAFT, FILED, ACCEPTED, COMPLETION_REQUESTED, REVIEWED = (
    "draft", "filed", "accepted", "completion_requested", "reviewed")
REJECTED, COMPLETION_REJECTED, VIOLATION, WITHDRAWN = (
    "rejected", "completion_rejected", "violation", "withdrawn")
MODES = ("offline", "online")
# the online channels of a year, and those refused (四(二)4), are in its rule set


class TrainingClass(HasEvidence, TimestampMixin, Model):
    __tablename__ = "training_class"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    # the organiser: exactly one of base, department, unit
    base_id: Mapped[int | None] = mapped_column(ForeignKey("training_base.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    mode: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str | None] = mapped_column(String(30))
    category: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date] = mapped_column(Date)
    hours_per_day: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    venue: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    plan_project_id: Mapped[int | None] = mapped_column(ForeignKey("plan_project.id"))
    seminar_id: Mapped[int | None] = mapped_column(ForeignKey("seminar.id"))
    state: Mapped[str] = mapped_column(String(30), default=DRAFT, index=True)
    reason: Mapped[str | None] = mapped_column(Text)  # last rejection or violation reason
    filed_by: Mapped[int | None] = mapped_column(Integer)
    filed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    certificates_total: Mapped[int] = mapped_column(Integer, default=0)
    certificates_rendered: Mapped[int] = mapped_column(Integer, default=0)

    base: Mapped[TrainingBase | None] = relationship()
    department: Mapped[Department | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    plan_project: Mapped[PlanProject | None] = relationship()
    seminar: Mapped[Seminar | None] = relationship()

    @property
    def organiser(self):
        return self.base or self.department or self.unit

    @property
    def days(self) -> list[date]:
        from datetime import timedelta

        count = (self.end_date - self.start_date).days + 1
        return [self.start_date + timedelta(days=i) for i in range(count)]

    def __str__(self) -> str:
        return self.name


class Enrolment(PersonPlaced, TimestampMixin, Model):
    """参训记录: a person in a class, with hours attended per day."""

    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("class_id", "person_id", name="uq_enrolment_class_person"),
                      # a district's and a unit's participants, newest first; a district's classes
                      Index("ix_enrolment_district_id_id", "district_id", "id", *DISTRICT_PLACED),
                      Index("ix_enrolment_unit_id_id", "unit_id", "id", *UNIT_PLACED),
                      Index("ix_enrolment_class_district", "class_id", "district_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(30))
    # {"2026-04-01": 8, ...}
    attendance: Mapped[dict] = mapped_column(JSONType, default=dict)

    training_class: Mapped[TrainingClass] = relationship()
    person: Mapped[Person] = relationship()

    @property
    def attended_hours(self) -> Decimal:
        return sum((Decimal(str(h)) for h in (self.attendance or {}).values()), Decimal(0))

    def __str__(self) -> str:
        return f"{self.person} @ {self.training_class}"


class Certificate(PersonPlaced, CertificateStatus, Model):
    """电子证书: one per participant and class; a public token behind a QR code."""

    __tablename__ = "certificate"
    __table_args__ = (Index("ix_certificate_class", "class_id"),
                      Index("ix_certificate_revoked_id", "revoked", "id"),
                      # a district's and a unit's certificates, newest first, and 已撤销 in a district
                      Index("ix_certificate_district_id_id", "district_id", "id", *DISTRICT_PLACED),
                      Index("ix_certificate_district_revoked_id", "district_id", "revoked", "id", *DISTRICT_PLACED),
                      Index("ix_certificate_unit_id_id", "unit_id", "id", *UNIT_PLACED))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    stored_name: Mapped[str | None] = mapped_column(String(80))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)  # the verify page finds uploads by it

    training_class: Mapped[TrainingClass] = relationship()
    enrolment: Mapped[Enrolment] = relationship()
    person: Mapped[Person] = relationship()

    def __str__(self) -> str:
        return self.number
