"""Entry points (QR codes), their scans, and participants."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.helpers.text import search_key
from contest.models.base import REASON_MAX_LENGTH, Base, UTCDateTime, new_public_id, utcnow
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

#: The personal code's letters: digits and capitals that read aloud and print without
#: confusion (no 0/O/Q/D-like pairs: 0, 1, B, F, G, I, J, L, O, Q, S, W, Z are left out).
PERSONAL_CODE_ALPHABET = "23456789ACDEHKMNPRTUVXY"
PERSONAL_CODE_LENGTH = 8
ENTRY_POINT_LABEL_MAX_LENGTH = 200
ENTRY_POINT_PLACE_MAX_LENGTH = 300
PARTICIPANT_NAME_MAX_LENGTH = 120
UNIT_OTHER_MAX_LENGTH = 200


def new_personal_code() -> str:
    """A random mã dự thi: 8 of 23 characters, about 7.8·10¹⁰ codes."""
    return "".join(secrets.choice(PERSONAL_CODE_ALPHABET) for _ in range(PERSONAL_CODE_LENGTH))


def identity_key(full_name: str | None, birth_year: int | None) -> str | None:
    """Name (as compared: case, spacing and diacritics aside) and birth year, or None
    without a birth year. Unique per (contest, phone): the same person registering twice
    at once gets one participant."""
    if birth_year is None or not search_key(full_name):
        return None
    return f"{search_key(full_name)[:180]}|{birth_year}"


class EntryPoint(Base):
    """A QR code printed on a poster: where a resident came in from."""

    __tablename__ = "entry_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contest.id"), index=True)
    #: Short code in the URL /q/<code>.
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    label: Mapped[str] = mapped_column(sa.String(ENTRY_POINT_LABEL_MAX_LENGTH))
    place: Mapped[str] = mapped_column(sa.String(ENTRY_POINT_PLACE_MAX_LENGTH), default="")
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
    full_name: Mapped[str] = mapped_column(sa.String(PARTICIPANT_NAME_MAX_LENGTH))
    #: E.164, e.g. +84912345678. Not unique: a second registration with another person's
    #: details creates its own participant (see contest.services.taking.registration).
    phone: Mapped[str] = mapped_column(sa.String(20))
    birth_year: Mapped[int | None]
    #: "male", "female", "other" or None (see GENDERS).
    gender: Mapped[str | None] = mapped_column(sa.String(10))
    #: CCCD, 12 digits; personal data, shown masked. A CCCD given twice is a suspected
    #: duplicate for the organisers, never a refusal that would reveal it.
    citizen_id: Mapped[str | None] = mapped_column(sa.String(12))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    #: Free text when the resident picked "Khác" instead of a listed unit.
    unit_other: Mapped[str | None] = mapped_column(sa.String(UNIT_OTHER_MAX_LENGTH))
    category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participant_category.id"), index=True
    )
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    entry_point_id: Mapped[int | None] = mapped_column(sa.ForeignKey("entry_point.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    disqualified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disqualified_reason: Mapped[str | None] = mapped_column(sa.String(REASON_MAX_LENGTH))
    #: Organisers reviewed this participant as a suspected duplicate and cleared it.
    duplicate_cleared: Mapped[bool] = mapped_column(default=False)
    #: Mã dự thi: resumes the entry on any phone; unique per contest.
    personal_code: Mapped[str] = mapped_column(sa.String(PERSONAL_CODE_LENGTH),
                                               default=new_personal_code)
    #: :func:`identity_key` of the name and birth year, kept in step on every write.
    identity_key: Mapped[str | None] = mapped_column(sa.String(200))

    unit: Mapped[Unit | None] = relationship()
    category: Mapped[ParticipantCategory | None] = relationship()
    entry_point: Mapped[EntryPoint | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("contest_id", "phone", "identity_key"),
        sa.UniqueConstraint("contest_id", "personal_code"),
    )

    @property
    def personal_code_display(self) -> str:
        """``7KX4MP2A`` → ``7KX4-MP2A``: two groups of four, easier to read aloud."""
        code = self.personal_code or ""
        return f"{code[:4]}-{code[4:]}" if len(code) == PERSONAL_CODE_LENGTH else code

    @property
    def is_disqualified(self) -> bool:
        return self.disqualified_at is not None

    @property
    def unit_name(self) -> str:
        return self.unit.name if self.unit else (self.unit_other or "")


@sa.event.listens_for(Participant, "before_insert")
@sa.event.listens_for(Participant, "before_update")
def _keep_identity_key(mapper, connection, participant: Participant) -> None:
    participant.identity_key = identity_key(participant.full_name, participant.birth_year)


class IdentityTry(Base):
    """A registration or confirmation with a phone that did not resume a participant.

    Counted per phone to hold it after too many (see contest.services.taking.phone_holds);
    rows older than the counting window are deleted as new ones come in.
    """

    __tablename__ = "identity_try"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contest.id", ondelete="CASCADE"))
    #: E.164, whether or not anyone registered it.
    phone: Mapped[str] = mapped_column(sa.String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (sa.Index("ix_identity_try_phone_at", "contest_id", "phone", "at"),)


class PhoneHold(Base):
    """A phone held after too many wrong tries: no registration or confirmation with it
    until the organisers release it (a browser that remembers its resident is not held)."""

    __tablename__ = "phone_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contest.id", ondelete="CASCADE"),
                                            index=True)
    phone: Mapped[str] = mapped_column(sa.String(20))
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set by the organisers' release; tries before it no longer count.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    __table_args__ = (sa.UniqueConstraint("contest_id", "phone"),)

    @property
    def is_active(self) -> bool:
        return self.released_at is None
