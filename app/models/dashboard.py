"""Dashboard figures as last computed (app/services/dashboard.py), one row per
(what, year, district): every worker reads them, and a background job computes
them again when they are older than XUESHI_DASHBOARD_TTL or a ledger changed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model


class DashboardSnapshot(Model):
    __tablename__ = "dashboard_snapshot"
    __audit__ = False  # figures derived from audited rows, not a record anybody changes

    key: Mapped[str] = mapped_column(String(40), primary_key=True)  # "figures:2026:0"
    payload: Mapped[str | None] = mapped_column(Text)  # the figures as JSON; None until computed
    computed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # when it began
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # a ledger since
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # a refresh asked
