"""Shared column helpers for business models."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import ClassVar

from flask_appbuilder import Model
from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .choices import TITLE_LEVELS, TITLE_SERIES, coded


# JSON documents: JSONB on PostgreSQL (comparable, compact), JSON text elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )



class DescribedPersonMixin:
    """A participant as someone outside the registry described them (a
    registration request, a roster row), kept as given until a decision makes
    them a person (app/services/people.py `register`). `id_number_required`:
    whether every row names a number."""

    id_number_required: ClassVar[bool] = True

    @declared_attr
    def id_number(cls) -> Mapped[str | None]:
        return mapped_column(String(18), nullable=not cls.id_number_required)

    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(30))
    series: Mapped[str | None] = mapped_column(String(40), info=coded(TITLE_SERIES))
    title_level: Mapped[str | None] = mapped_column(String(20), info=coded(TITLE_LEVELS))
    is_enterprise_manager: Mapped[bool] = mapped_column(Boolean, default=False)


class DecisionMixin:
    """Who decided a waiting row and when (app/services/workflow.py `decided`),
    and the reason given for a rejection."""

    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


__all__ = ["DecisionMixin", "DescribedPersonMixin", "JSONType", "Model", "TimestampMixin", "utcnow"]
