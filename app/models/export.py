"""省平台导出批次: every provincial export is recorded and can be downloaded again."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, utcnow


class ExportBatch(Model):
    __tablename__ = "export_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_no: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    username: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    scope_kind: Mapped[str] = mapped_column(String(20))  # person, unit or all
    unit_id: Mapped[int | None] = mapped_column(Integer, index=True)
    person_id: Mapped[int | None] = mapped_column(Integer, index=True)
    file_format: Mapped[str] = mapped_column(String(10))  # xlsx or csv
    rows: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)

    def __str__(self) -> str:
        return self.batch_no
