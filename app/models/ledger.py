"""年度学时: what the rules engine returned for one person and year.

Derived data: recomputed from activities in the transaction of every change,
so it is not audited itself (its sources are)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean, DateTime, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import JSONType, Model, utcnow
from .district import District
from .person import Person
from .placement import DISTRICT_PLACED, UNIT_PLACED
from .status import CertificateStatus
from .unit import Unit


class Ledger(Model):
    __tablename__ = "ledger"
    __audit__ = False
    __table_args__ = (
        UniqueConstraint("person_id", "year", name="uq_ledger_person_year"),
        Index("ix_ledger_year_compliant", "year", "compliant"),
        Index("ix_ledger_compliant_id", "compliant", "id"),  # 是否达标 filter, newest first
        # a district's or unit's ledgers (scope and list filter), newest first, and 是否达标 in it
        Index("ix_ledger_district_id_id", "district_id", "id", *DISTRICT_PLACED),
        Index("ix_ledger_district_compliant_id", "district_id", "compliant", "id", *DISTRICT_PLACED),
        Index("ix_ledger_unit_id_id", "unit_id", "id", *UNIT_PLACED),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    year: Mapped[int] = mapped_column(Integer)
    # where the person works (kept when the person or the unit moves): list filters, and
    # the scope of a district officer and a unit reviewer
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    in_scope: Mapped[bool] = mapped_column(Boolean)
    public: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    professional: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    total: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    # None for an out-of-scope person: the platform makes no finding (不适用)
    compliant: Mapped[bool | None] = mapped_column(Boolean)
    shortfall_public: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    shortfall_professional: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    # [{"activity_id": 1, "public": "6", "professional": "0", "notes": ["daily_cap"]}, ...]
    items: Mapped[list] = mapped_column(JSONType)
    digest: Mapped[str] = mapped_column(String(40))
    # the revision of the year's rule set that computed it; older ones are stale
    rule_revision: Mapped[int] = mapped_column(Integer, server_default="1", index=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    person: Mapped[Person] = relationship()
    unit: Mapped[Unit | None] = relationship()
    district: Mapped[District | None] = relationship()

    def __str__(self) -> str:
        return f"{self.year} {self.person}"


class YearCertificate(CertificateStatus, Model):
    """年度学时证明: a numbered, stored document of one person's year as it stood.

    A download issues one when the ledger has none yet or changed since (same
    serial, next version); the stored file is what every later download and
    verification sees. The figures are kept as printed."""

    __tablename__ = "year_certificate"
    __table_args__ = (
        UniqueConstraint("person_id", "year", "version", name="uq_year_certificate_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    ledger_digest: Mapped[str] = mapped_column(String(40))
    public: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    professional: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    total: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    compliant: Mapped[bool] = mapped_column(Boolean)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    stored_name: Mapped[str | None] = mapped_column(String(80))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)  # the verify page finds uploads by it

    person: Mapped[Person] = relationship()

    def __str__(self) -> str:
        return self.number
