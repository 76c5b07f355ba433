"""Entry points (QR codes), their scans, and participants."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.models.base import Base, UTCDateTime, new_public_id, utcnow
from contest.models.reference import ParticipantCategory, Unit

ENTRY_POINT_KINDS = {
    "pano": "Pano",
    "bang_ron": "Băng rôn",
    "ap_phich": "Áp phích",
    "to_roi": "Tờ rơi",
    "website": "Trang thông tin điện tử",
    "social": "Mạng xã hội",
    "other": "Khác",
}

GENDERS = {"male": "Nam", "female": "Nữ", "other": "Khác"}


class EntryPoint(Base):
    """A QR code printed on a poster: where a resident came in from."""

    __tablename__ = "entry_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contest.id"), index=True)
    #: Short code in the URL /q/<code>.
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    label: Mapped[str] = mapped_column(sa.String(200))
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Poster kind / channel (see ENTRY_POINT_KINDS).
    kind: Mapped[str] = mapped_column(sa.String(20), default="ap_phich")
    #: Denormalised counter so lists need no aggregate; Scan rows hold the detail.
    scan_count: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def kind_label(self) -> str:
        return ENTRY_POINT_KINDS.get(self.kind, self.kind)


class Scan(Base):
    """One opening of a QR link. Deliberately holds no personal data."""

    __tablename__ = "scan"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_point_id: Mapped[int] = mapped_column(sa.ForeignKey("entry_point.id"), index=True)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Participant(Base):
    """A resident or official registered for one contest (thí sinh)."""

    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random id for URLs and the browser cookie.
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contest.id"), index=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    #: E.164, e.g. +84912345678; unique per contest.
    phone: Mapped[str] = mapped_column(sa.String(20))
    birth_year: Mapped[int | None]
    #: "male", "female", "other" or None (see GENDERS).
    gender: Mapped[str | None] = mapped_column(sa.String(10))
    #: CCCD, 12 digits; personal data, shown masked; unique per contest when given.
    citizen_id: Mapped[str | None] = mapped_column(sa.String(12))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    #: Free text when the resident picked "Khác" instead of a listed unit.
    unit_other: Mapped[str | None] = mapped_column(sa.String(200))
    category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participant_category.id"), index=True
    )
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    entry_point_id: Mapped[int | None] = mapped_column(sa.ForeignKey("entry_point.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    disqualified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disqualified_reason: Mapped[str | None] = mapped_column(sa.String(500))
    #: Organisers reviewed this participant as a suspected duplicate and cleared it.
    duplicate_cleared: Mapped[bool] = mapped_column(default=False)

    unit: Mapped[Unit | None] = relationship()
    category: Mapped[ParticipantCategory | None] = relationship()
    entry_point: Mapped[EntryPoint | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("contest_id", "phone"),
        sa.UniqueConstraint("contest_id", "citizen_id"),
    )

    @property
    def is_disqualified(self) -> bool:
        return self.disqualified_at is not None

    @property
    def unit_name(self) -> str:
        return self.unit.name if self.unit else (self.unit_other or "")
