"""Practice (Ôn tập): anonymous counts of practice answers, per contest, content area and day."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from contest.models.base import Base


class PracticeTally(Base):
    """How many practice answers were given, and how many were right, on one day.

    Nothing here names a person: practice is open to anyone and only counted.
    It never touches attempts, ranking or the contest's statistics.
    """

    __tablename__ = "practice_tally"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contest.id", ondelete="CASCADE"))
    content_area_id: Mapped[int] = mapped_column(sa.ForeignKey("content_area.id"))
    #: The local (Asia/Ho_Chi_Minh) day of the answers.
    day: Mapped[date] = mapped_column(sa.Date)
    answered: Mapped[int] = mapped_column(default=0)
    correct: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        sa.UniqueConstraint("contest_id", "content_area_id", "day"),
        sa.CheckConstraint("correct >= 0 AND correct <= answered", name="correct_within"),
    )
