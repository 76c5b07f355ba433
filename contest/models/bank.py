"""The question bank: questions and their immutable content versions."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, UTCDateTime, utcnow
from contest.models.reference import ContentArea

OPTION_LETTERS = "ABCDEF"
MIN_OPTIONS, MAX_OPTIONS = 2, 6
QUESTION_MAX_LENGTH = 1000
OPTION_MAX_LENGTH = 500
EXPLANATION_MAX_LENGTH = 2000
SOURCE_MAX_LENGTH = 500


class Question(Base):
    """A multiple-choice question in the bank.

    The editable content lives here; every distinct content is also frozen as a
    :class:`QuestionVersion`, and attempts point at the version they served, so
    editing the bank never changes a past attempt. A question that has been
    served is never deleted, only deactivated.
    """

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_area_id: Mapped[int] = mapped_column(sa.ForeignKey("content_area.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    #: Option texts in their authored order (A, B, C...); 2 to 6 of them.
    options: Mapped[list[str]] = mapped_column(sa.JSON)
    #: 0-based index into ``options`` of the one right option.
    correct_option: Mapped[int]
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    #: Căn cứ: plan section or legal document the answer rests on.
    source: Mapped[str] = mapped_column(sa.String(SOURCE_MAX_LENGTH), default="")
    #: 1 easy, 2 medium, 3 hard.
    difficulty: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True, index=True)
    #: In the practice pool (Ôn tập): shown to anyone practising, so never drawn in a round.
    practice: Mapped[bool] = mapped_column(default=False, server_default=sa.false(), index=True)
    #: Normalised question text (NFC, case-folded, whitespace collapsed): duplicates share it.
    fingerprint: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: Lower-case text without diacritics, for searching "cai cach" → "cải cách".
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    content_area: Mapped[ContentArea] = relationship(lazy="joined")
    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question", order_by="QuestionVersion.number"
    )

    __table_args__ = (
        sa.CheckConstraint("correct_option >= 0 AND correct_option < 6", name="correct_option"),
        sa.CheckConstraint("difficulty BETWEEN 1 AND 3", name="difficulty"),
    )

    @property
    def correct_letter(self) -> str:
        return OPTION_LETTERS[self.correct_option]

    @hybrid_property
    def in_round_pool(self) -> bool:
        """A round may draw it: active and not in the practice pool (the one rule, in SQL too)."""
        return self.active and not self.practice

    @in_round_pool.inplace.expression
    @classmethod
    def _in_round_pool_expression(cls):
        return sa.and_(cls.active, sa.not_(cls.practice))


class QuestionVersion(Base):
    """An immutable snapshot of a question's content, as served to residents."""

    __tablename__ = "question_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id"), index=True)
    number: Mapped[int]
    #: Exactly one version per question is current: the one new attempts draw.
    is_current: Mapped[bool] = mapped_column(default=True)
    content_area_id: Mapped[int] = mapped_column(sa.ForeignKey("content_area.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    options: Mapped[list[str]] = mapped_column(sa.JSON)
    correct_option: Mapped[int]
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    source: Mapped[str] = mapped_column(sa.String(SOURCE_MAX_LENGTH), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship(back_populates="versions")

    __table_args__ = (
        sa.UniqueConstraint("question_id", "number"),
        sa.Index(
            "uq_question_version_current",
            "question_id",
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        ),
    )


class ColumnMapping(Base):
    """How an organiser said a sheet's columns map to the bank's, kept for the same headers.

    A ward's spreadsheets come from the same hands, so the next file with the same header
    row imports without asking again.
    """

    __tablename__ = "column_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The header row, normalised (see ``import_export.header_signature``), hashed.
    signature_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: 0-based column index (as text, JSON keys are strings) → column key ("text", "option_A").
    mapping: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
