"""专业技术人员: the person earning hours, keyed by the resident ID number."""
from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..validators import mask_id_number, normalize_id_number
from .base import Model, TimestampMixin
from .choices import TITLE_LEVELS, TITLE_SERIES, coded
from .placement import unit_district
from .unit import Unit


def _in(column: str, values) -> str:
    return "%s IN (%s)" % (column, ", ".join(f"'{v}'" for v in values))


class Person(TimestampMixin, Model):
    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint(_in("series", TITLE_SERIES), name="ck_person_series"),
        CheckConstraint(_in("title_level", TITLE_LEVELS), name="ck_person_title_level"),
        # the persons list (default sort: id) of the city and of a district, with and
        # without the series filter, and a district's list by name (migrations 0026, 0028);
        # a district's carry the unit (its 待确认 check, unit_member): its count and the
        # rows a deep page skips are read from the index alone
        Index("ix_person_series_id", "series", "id"),
        Index("ix_person_district_id_unit", "district_id", "id", "unit_id"),
        Index("ix_person_district_series_unit", "district_id", "series", "id", "unit_id"),
        Index("ix_person_district_name", "district_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(50), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    # the unit's district, kept in step by app/services/placement.py: a district
    # officer's persons list reads its own index, not every unit of the district.
    # A copy, without a reference of its own (the unit's holds; SQLite can drop it again)
    district_id: Mapped[int | None] = mapped_column(Integer, default=unit_district)
    series: Mapped[str] = mapped_column(String(40), info=coded(TITLE_SERIES))
    title_level: Mapped[str] = mapped_column(String(20), index=True, info=coded(TITLE_LEVELS))
    is_enterprise_manager: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str | None] = mapped_column(String(30))

    unit: Mapped[Unit] = relationship()

    @validates("id_number")
    def _check_id_number(self, key, value):
        return normalize_id_number(value)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    def __str__(self) -> str:
        return f"{self.name}({self.id_number_masked})"
