"""Contests and their rounds."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, UTCDateTime, utcnow
from contest.models.reference import ParticipantCategory

TITLE_MAX_LENGTH = 300
#: The contest's address (/c/<slug>).
SLUG_MAX_LENGTH = 80
ORGANISER_MAX_LENGTH = 200
DEFAULT_ORGANISER = "UBND phường Phù Vân"
RULES_MAX_LENGTH = 50_000
ROUND_NAME_MAX_LENGTH = 200
#: The longest study text (Tài liệu tìm hiểu) an organiser may save, in characters.
STUDY_MAX_LENGTH = 50_000

#: Lengths of what organisers tell residents on the contest page.
PURPOSE_MAX_LENGTH = 300
CONTACT_PHONE_MAX_LENGTH = 30
CONTACT_ADDRESS_MAX_LENGTH = 300
PRIZE_VALUE_MAX_LENGTH = 200

class FieldMode(StrEnum):
    """How an optional registration field (birth year, gender, CCCD) is asked."""

    HIDDEN = "hidden"
    OPTIONAL = "optional"
    REQUIRED = "required"


FIELD_MODE_LABELS = {
    FieldMode.HIDDEN: "Không hỏi",
    FieldMode.OPTIONAL: "Không bắt buộc",
    FieldMode.REQUIRED: "Bắt buộc",
}



class ContestStatus(StrEnum):
    """Whether residents see a contest, stored as its value (the column stays a string)."""

    DRAFT = "draft"  # organisers only
    PUBLISHED = "published"  # residents see it and take part


class RoundState(StrEnum):
    """Where a round stands at a moment, from its open and close times (not stored)."""

    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


#: Ages a contest may set as its minimum or maximum; the oldest plausible resident.
AGE_BOUNDS = (0, 120)

#: How the back office names each state, on every page that shows one.
ROUND_STATE_LABELS = {
    RoundState.UPCOMING: "Sắp mở",
    RoundState.OPEN: "Đang mở",
    RoundState.CLOSED: "Đã kết thúc",
}


contest_category = sa.Table(
    "contest_category",
    Base.metadata,
    sa.Column("contest_id", sa.ForeignKey("contest.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "category_id",
        sa.ForeignKey("participant_category.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class Contest(Base):
    """A knowledge contest: its published rules (thể lệ) and registration settings."""

    __tablename__ = "contest"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX_LENGTH))
    slug: Mapped[str] = mapped_column(sa.String(SLUG_MAX_LENGTH), unique=True)
    #: Thể lệ as typed or pasted from Word (lines, "I."/"1." headings, "-" lists kept; see the
    #: ``rules`` filter); rules saved as Markdown still render as Markdown, raw HTML disabled.
    rules: Mapped[str] = mapped_column(sa.Text, default="")
    #: One of :class:`ContestStatus`.
    status: Mapped[str] = mapped_column(sa.String(20), default=ContestStatus.DRAFT)
    organiser: Mapped[str] = mapped_column(sa.String(ORGANISER_MAX_LENGTH),
                                           default=DEFAULT_ORGANISER)
    birth_year_mode: Mapped[str] = mapped_column(sa.String(10), default=FieldMode.OPTIONAL)
    gender_mode: Mapped[str] = mapped_column(sa.String(10), default=FieldMode.OPTIONAL)
    citizen_id_mode: Mapped[str] = mapped_column(sa.String(10), default=FieldMode.OPTIONAL)
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    #: A participant wins at most one prize across the whole contest.
    one_prize_per_contest: Mapped[bool] = mapped_column(default=False)
    #: Rank each category ranking group (e.g. officials, residents) separately.
    rank_by_category_group: Mapped[bool] = mapped_column(default=False)
    #: Tài liệu tìm hiểu: plain text by the organisers (headings, lists), public with the contest.
    study_material: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: Anyone may practise (Ôn tập) on the practice pool, without registering.
    practice_enabled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: After the contest ended, organisers opened the whole bank to practice.
    practice_whole_bank: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: One sentence on why the contest is held, at the top of the contest page.
    purpose: Mapped[str] = mapped_column(sa.String(PURPOSE_MAX_LENGTH), default="",
                                         server_default="")
    #: The organisers' hotline or Zalo number, shown to residents ("liên hệ Ban tổ chức").
    contact_phone: Mapped[str] = mapped_column(sa.String(CONTACT_PHONE_MAX_LENGTH), default="",
                                               server_default="")
    #: Where to find the organisers (office, room), shown beside the number.
    contact_address: Mapped[str] = mapped_column(sa.String(CONTACT_ADDRESS_MAX_LENGTH),
                                                 default="", server_default="")
    #: A resident who submitted may download a Giấy chứng nhận tham gia.
    participation_certificates: Mapped[bool] = mapped_column(default=False,
                                                             server_default=sa.false())
    #: The contest's prize structure, copied into each new round (which may then change it);
    #: tiers as in :attr:`Round.prize_tiers`. Empty: new rounds copy the previous round.
    prize_tiers: Mapped[list[dict]] = mapped_column(sa.JSON, default=list,
                                                    server_default=sa.text("'[]'"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rounds: Mapped[list[Round]] = relationship(
        back_populates="contest", order_by="Round.opens_at", cascade="all, delete-orphan"
    )
    categories: Mapped[list[ParticipantCategory]] = relationship(
        secondary=contest_category, order_by="ParticipantCategory.position"
    )

    __table_args__ = (sa.CheckConstraint("status IN ('draft', 'published')", name="status"),)

    def asks(self, field: str) -> bool:
        """Whether registration asks for ``field`` ("birth_year", "gender", "citizen_id")."""
        return getattr(self, f"{field}_mode") != FieldMode.HIDDEN

    def requires(self, field: str) -> bool:
        return getattr(self, f"{field}_mode") == FieldMode.REQUIRED

    @property
    def is_published(self) -> bool:
        return self.status == ContestStatus.PUBLISHED

    def round_open_at(self, now: datetime) -> Round | None:
        return next((r for r in self.rounds if r.is_open(now)), None)

    def next_round_after(self, now: datetime) -> Round | None:
        return next((r for r in self.rounds if r.opens_at > now), None)

    def has_ended(self, now: datetime) -> bool:
        """It has rounds and every one of them has closed."""
        return bool(self.rounds) and all(r.closes_at <= now for r in self.rounds)

    def takes_registrations(self, now: datetime) -> bool:
        """Whether residents may register: a round is open or still to come.

        The one rule for the contest page (form or not) and the registration view.
        """
        return any(r.closes_at > now for r in self.rounds)


class CountedAttempt(StrEnum):
    """Which of a resident's attempts in a round counts for the ranking."""

    BEST = "best"
    FIRST = "first"
    LAST = "last"


class PredictionTarget(StrEnum):
    """What the round's prediction question asks residents to guess."""

    FULL_MARKS = "full_marks"
    PARTICIPANTS = "participants"


class RevealPolicy(StrEnum):
    """When residents see the answer key of their attempt."""

    AFTER_CLOSE = "after_close"
    AFTER_SUBMIT = "after_submit"
    NEVER = "never"


COUNTED_ATTEMPT_RULES = {
    CountedAttempt.BEST: "Lượt có kết quả tốt nhất",
    CountedAttempt.FIRST: "Lượt đầu tiên",
    CountedAttempt.LAST: "Lượt cuối cùng",
}
PREDICTION_TARGETS = {
    PredictionTarget.FULL_MARKS: "Số người trả lời đúng tất cả các câu hỏi",
    PredictionTarget.PARTICIPANTS: "Số người tham gia dự thi",
}
REVEAL_POLICIES = {
    RevealPolicy.AFTER_CLOSE: "Sau khi đợt thi kết thúc",
    RevealPolicy.AFTER_SUBMIT: "Ngay sau khi nộp bài",
    RevealPolicy.NEVER: "Không công bố đáp án",
}


class Round(Base):
    """One timed round (đợt thi) with its own open/close times, question quota and prizes."""

    __tablename__ = "round"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contest.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(ROUND_NAME_MAX_LENGTH))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    time_limit_minutes: Mapped[int] = mapped_column(default=15)
    #: Questions drawn per content area code, e.g. {"a": 2, "đ": 2}.
    question_quota: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    attempts_allowed: Mapped[int] = mapped_column(default=1)
    #: Which attempt counts for ranking (:class:`CountedAttempt`).
    counted_attempt: Mapped[str] = mapped_column(sa.String(10), default=CountedAttempt.BEST)
    has_prediction: Mapped[bool] = mapped_column(default=True)
    #: What the prediction guesses (:class:`PredictionTarget`).
    prediction_target: Mapped[str] = mapped_column(sa.String(20),
                                                   default=PredictionTarget.FULL_MARKS)
    #: When residents see the answer key (:class:`RevealPolicy`).
    reveal_answers: Mapped[str] = mapped_column(sa.String(20), default=RevealPolicy.AFTER_CLOSE)
    #: Prize tiers down the ranking, e.g. [{"name": "Giải Nhất", "count": 1,
    #: "value": "Giấy khen và 1.000.000 đồng", "min_score": 15}, ...]; "value" (what the
    #: prize is) and "min_score" (no one below it gets that tier) are optional.
    prize_tiers: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    #: The prediction's actual figure, fixed once when the round closes.
    prediction_actual: Mapped[int | None]
    prediction_actual_fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contest: Mapped[Contest] = relationship(back_populates="rounds")

    __table_args__ = (
        sa.CheckConstraint("closes_at > opens_at", name="closes_after_opens"),
        sa.CheckConstraint("time_limit_minutes > 0", name="time_limit_positive"),
        sa.CheckConstraint("attempts_allowed > 0", name="attempts_allowed_positive"),
        sa.CheckConstraint("counted_attempt IN ('best', 'first', 'last')", name="counted_attempt"),
    )

    @property
    def question_count(self) -> int:
        return sum(self.question_quota.values())

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    def state(self, now: datetime) -> RoundState:
        if now < self.opens_at:
            return RoundState.UPCOMING
        if now < self.closes_at:
            return RoundState.OPEN
        return RoundState.CLOSED

    @property
    def ever_reveals_answers(self) -> bool:
        return self.reveal_answers != RevealPolicy.NEVER

    def answers_visible(self, now: datetime, submitted: bool) -> bool:
        if self.reveal_answers == RevealPolicy.NEVER:
            return False
        if self.reveal_answers == RevealPolicy.AFTER_SUBMIT:
            return submitted
        return now >= self.closes_at
