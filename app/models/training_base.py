"""市继续教育基地: training bases under a department."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, TimestampMixin
from .choices import BASE_STATUSES, coded
from .department import Department


class TrainingBase(TimestampMixin, Model):
    __tablename__ = "training_base"
    __table_args__ = (
        CheckConstraint(
            "status IN (%s)" % ", ".join(f"'{s}'" for s in BASE_STATUSES),
            name="ck_training_base_status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="active", info=coded(BASE_STATUSES))
    address: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(30))

    department: Mapped[Department] = relationship()

    @property
    def is_withdrawn(self) -> bool:
        return self.status == "withdrawn"

    def __str__(self) -> str:
        return self.name
