"""Attempts (lượt thi) and the questions served in them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.bank import QuestionVersion
from contest.models.base import REASON_MAX_LENGTH, Base, UTCDateTime, new_public_id, utcnow
from contest.models.contest import Round
from contest.models.people import Participant


class AttemptStatus(StrEnum):
    """Where an attempt stands, stored as its value (the column stays a string)."""

    IN_PROGRESS = "in_progress"
    #: Graded: submitted by the resident or finished at its deadline.
    SUBMITTED = "submitted"


class FinishedBy(StrEnum):
    """Who finished a graded attempt."""

    RESIDENT = "resident"  # pressed "Nộp bài"
    TIMEOUT = "timeout"  # graded at its deadline


class Attempt(Base):
    """One sitting of a round by one participant.

    The deadline is fixed by the server at start; answers are graded from what
    was saved before it, whether the resident submitted or the attempt expired.
    """

    __tablename__ = "attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participant.id"))
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id"), index=True)
    #: 1 for the participant's first attempt in the round, 2 for the second...
    number: Mapped[int] = mapped_column(default=1)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When grading happened from the resident's view: their submit, or the deadline
    #: for an attempt that ran out (never the moment a sweep noticed it).
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=AttemptStatus.IN_PROGRESS)
    #: One of :class:`FinishedBy`.
    finished_by: Mapped[str | None] = mapped_column(sa.String(20))
    question_count: Mapped[int] = mapped_column(default=0)
    score: Mapped[int | None]
    correct_count: Mapped[int | None]
    #: Server-measured time taken, start to submit, in milliseconds.
    duration_ms: Mapped[int | None]
    prediction: Mapped[int | None] = mapped_column(sa.BigInteger)

    participant: Mapped[Participant] = relationship()
    round: Mapped[Round] = relationship()
    items: Mapped[list[AttemptItem]] = relationship(
        back_populates="attempt", order_by="AttemptItem.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("participant_id", "round_id", "number"),
        # One attempt in progress per participant, enforced by the database.
        sa.Index(
            "uq_attempt_one_in_progress",
            "participant_id",
            unique=True,
            sqlite_where=sa.text("status = 'in_progress'"),
            postgresql_where=sa.text("status = 'in_progress'"),
        ),
        # Ranking: each participant's top score in a round, read from the index alone.
        sa.Index("ix_attempt_round_rank", "round_id", "status", "participant_id", "score"),
        # Statistics: attempts grouped by participant (and by day), read from the index alone.
        sa.Index("ix_attempt_participant_stats", "participant_id", "started_at", "status",
                 "round_id", "score", "correct_count", "question_count"),
        sa.CheckConstraint("status IN ('in_progress', 'submitted')", name="status"),
    )

    @property
    def is_submitted(self) -> bool:
        return self.status == AttemptStatus.SUBMITTED


class AttemptItem(Base):
    """A question served in an attempt: which version, in what option order, and the answer."""

    __tablename__ = "attempt_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("attempt.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id"), index=True)
    #: The frozen content served; edits to the bank never reach it.
    question_version_id: Mapped[int] = mapped_column(sa.ForeignKey("question_version.id"))
    content_area_id: Mapped[int] = mapped_column(sa.ForeignKey("content_area.id"), index=True)
    #: 1-based position on the page.
    position: Mapped[int]
    #: Indices into the version's options, in the order shown, e.g. [2, 0, 3, 1].
    option_order: Mapped[list[int]] = mapped_column(sa.JSON)
    #: Index into the version's options (not the shown order) of the answer given.
    chosen_option: Mapped[int | None]
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when the attempt is graded.
    is_correct: Mapped[bool | None]

    attempt: Mapped[Attempt] = relationship(back_populates="items")
    version: Mapped[QuestionVersion] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("attempt_id", "question_id"),
        sa.UniqueConstraint("attempt_id", "position"),
        # No covering index over chosen_option/is_correct for statistics: every answer save
        # would have to update it (and PostgreSQL could no longer update rows in place),
        # while item analysis is computed rarely and cached.
    )


class PreparedDraw(Base):
    """A resident's next draw for a round, made ahead of "Bắt đầu" so that the press
    only stamps the start and the deadline (when a round opens in front of a hall,
    everyone presses at once). Never shown anywhere: the start that uses it deletes it
    in the same transaction, and a stale one (the quota or a question changed since)
    is dropped and drawn afresh."""

    __tablename__ = "prepared_draw"

    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("round.id", ondelete="CASCADE"), primary_key=True, index=True)
    #: The round's quota it was drawn for.
    quota: Mapped[dict] = mapped_column(sa.JSON)
    #: In page order: [question_id, question_version_id, content_area_id, option_order].
    items: Mapped[list] = mapped_column(sa.JSON)
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ResultPublication(Base):
    """A frozen, published ranking of a round (or, with no round, of the whole contest)."""

    __tablename__ = "result_publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contest.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("round.id"), index=True)
    #: 1 for the first publication, 2 for a re-publication...
    version: Mapped[int] = mapped_column(default=1)
    #: Only the latest publication is shown to the public; earlier ones stay for organisers.
    is_current: Mapped[bool] = mapped_column(default=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(sa.String(REASON_MAX_LENGTH), default="")
    prediction_actual: Mapped[int | None]
    #: The ranking and winners as plain rows, exactly as published.
    snapshot: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    def is_outdated_for(self, round_) -> bool:
        """The round was reopened after this publication: it closes after it was published.

        Publishing needs a closed round, so a publication made after the close stays
        valid; reopening moves the close past it, and the next publication fixes that.
        """
        return self.published_at < round_.closes_at


class CachedResult(Base):
    """A computed payload (heavy statistics) kept until its inputs change.

    ``fingerprint`` describes the inputs (e.g. the count and latest time of
    submissions); a reader recomputes only when it no longer matches.
    """

    __tablename__ = "cached_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(200))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
