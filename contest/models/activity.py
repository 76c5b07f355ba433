"""The outreach activity log and the assessments written into reports."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, UTCDateTime, utcnow
from contest.models.reference import ActivityForm, ContentArea, Unit

TITLE_MAX_LENGTH = 300
PLACE_MAX_LENGTH = 300
QUANTITY_UNIT_MAX_LENGTH = 60
EVIDENCE_URL_MAX_LENGTH = 500
#: A description or a report's assessment: stored as text, kept to what a report page holds.
TEXT_MAX_LENGTH = 5000

activity_content_area = sa.Table(
    "activity_content_area",
    Base.metadata,
    sa.Column("activity_id", sa.ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("content_area_id", sa.ForeignKey("content_area.id"), primary_key=True),
)


class Activity(Base):
    """One outreach activity a unit carried out under the plan (hoạt động tuyên truyền)."""

    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("activity_form.id"), index=True)
    date_start: Mapped[date] = mapped_column(index=True)
    date_end: Mapped[date | None]
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX_LENGTH))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    place: Mapped[str] = mapped_column(sa.String(PLACE_MAX_LENGTH), default="")
    people_reached: Mapped[int | None]
    quantity: Mapped[int | None]
    #: Unit of measure for ``quantity``: "pano", "tin bài", "video"...
    quantity_unit: Mapped[str] = mapped_column(sa.String(QUANTITY_UNIT_MAX_LENGTH), default="")
    evidence_url: Mapped[str] = mapped_column(sa.String(EVIDENCE_URL_MAX_LENGTH),
                                              default="")
    #: The evidence file's name as shown (cleaned), and its type judged by content;
    #: its bytes are in :class:`ActivityAttachment`.
    attachment_name: Mapped[str | None] = mapped_column(sa.String(200))
    attachment_type: Mapped[str | None] = mapped_column(sa.String(60))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    #: The entry form's one-time id: "Lưu" pressed twice (a slow phone) records it once.
    submission_id: Mapped[str | None] = mapped_column(sa.String(32), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship()
    form: Mapped[ActivityForm] = relationship()
    content_areas: Mapped[list[ContentArea]] = relationship(
        secondary=activity_content_area, order_by="ContentArea.position"
    )
    #: Loaded only when asked for: lists of activities never carry the files.
    attachment_file: Mapped[ActivityAttachment | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="select"
    )

    __table_args__ = (
        sa.CheckConstraint("date_end IS NULL OR date_end >= date_start", name="date_order"),
    )


class ActivityAttachment(Base):
    """The evidence file of an activity, kept in the database rather than on one server's
    disk: every server behind a load balancer serves it, and a database backup holds it."""

    __tablename__ = "activity_attachment"

    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    size: Mapped[int]


class ReportNote(Base):
    """The written assessment (strengths, limits, proposals) kept with a period's report."""

    __tablename__ = "report_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    #: 1–4, or None for the annual report.
    quarter: Mapped[int | None]
    #: None for the ward's consolidated report.
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    strengths: Mapped[str] = mapped_column(sa.Text, default="")
    limitations: Mapped[str] = mapped_column(sa.Text, default="")
    proposals: Mapped[str] = mapped_column(sa.Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("year", "quarter", "unit_id"),
        # A UNIQUE constraint counts NULLs as all different, so the annual notes (no
        # quarter) and the ward's notes (no unit) need partial indexes to stay one per
        # period: two first saves at the same moment would otherwise both insert.
        sa.Index("uq_report_note_annual", "year", "unit_id", unique=True,
                 sqlite_where=sa.text("quarter IS NULL AND unit_id IS NOT NULL"),
                 postgresql_where=sa.text("quarter IS NULL AND unit_id IS NOT NULL")),
        sa.Index("uq_report_note_ward_quarter", "year", "quarter", unique=True,
                 sqlite_where=sa.text("unit_id IS NULL AND quarter IS NOT NULL"),
                 postgresql_where=sa.text("unit_id IS NULL AND quarter IS NOT NULL")),
        sa.Index("uq_report_note_ward_annual", "year", unique=True,
                 sqlite_where=sa.text("quarter IS NULL AND unit_id IS NULL"),
                 postgresql_where=sa.text("quarter IS NULL AND unit_id IS NULL")),
    )
