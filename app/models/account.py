"""The link from a login (FAB's ab_user) to the rows it may see."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model
from .department import Department
from .district import District
from .person import Person
from .training_base import TrainingBase
from .unit import Unit

SCOPE_COLUMNS = ("district_id", "department_id", "unit_id", "base_id", "person_id")


class UserScope(Model):
    __tablename__ = "user_scope"
    __table_args__ = (
        CheckConstraint(
            " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in SCOPE_COLUMNS)
            + " <= 1",
            name="ck_user_scope_one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), unique=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    base_id: Mapped[int | None] = mapped_column(ForeignKey("training_base.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    district: Mapped[District | None] = relationship()
    department: Mapped[Department | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    base: Mapped[TrainingBase | None] = relationship()
    person: Mapped[Person | None] = relationship()

    def __str__(self) -> str:
        target = self.district or self.department or self.unit or self.base or self.person
        return str(target) if target else ""
