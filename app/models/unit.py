"""用人单位: employers, keyed by the unified social credit code."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..validators import normalize_credit_code
from .base import Model, TimestampMixin
from .department import Department
from .district import District


class Unit(TimestampMixin, Model):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(30))

    district: Mapped[District] = relationship()
    department: Mapped[Department | None] = relationship()

    @validates("credit_code")
    def _check_credit_code(self, key, value):
        return normalize_credit_code(value)

    def __str__(self) -> str:
        return self.name
