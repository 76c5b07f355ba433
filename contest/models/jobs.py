"""Bookkeeping for jobs that every server may schedule but only one should run."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from contest.models.base import Base, UTCDateTime


class ScheduledRun(Base):
    """When a scheduled job (``attempts sweep``...) last started, on any server."""

    __tablename__ = "scheduled_run"

    name: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
