"""The office's settings for the documents it signs: number, signer and title."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from contest.models.base import Base, UTCDateTime, utcnow

NUMBER_MAX_LENGTH = 60
AUTHORITY_MAX_LENGTH = 200
POSITION_MAX_LENGTH = 100
SIGNER_NAME_MAX_LENGTH = 100


class DocumentSetting(Base):
    """Số và ký hiệu, quyền hạn, chức vụ and họ tên người ký for one kind of document.

    Filled once in the back office ("Văn bản và người ký"); each download may change them
    for that one document. A kind without a row uses the defaults in
    ``contest.services.documents.signers``.
    """

    __tablename__ = "document_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "ward_report", "decision" or "committee" (see signers.KINDS).
    kind: Mapped[str] = mapped_column(sa.String(30), unique=True)
    #: Số, ký hiệu: "/BC-UBND" leaves the number to the clerk; "15/BC-UBND" fills it.
    number: Mapped[str] = mapped_column(sa.String(NUMBER_MAX_LENGTH), default="")
    #: Quyền hạn, one line each: "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH".
    authority: Mapped[str] = mapped_column(sa.String(AUTHORITY_MAX_LENGTH), default="")
    #: Chức vụ của người ký: "PHÓ CHỦ TỊCH".
    position: Mapped[str] = mapped_column(sa.String(POSITION_MAX_LENGTH), default="")
    #: Họ tên người ký.
    signer_name: Mapped[str] = mapped_column(sa.String(SIGNER_NAME_MAX_LENGTH), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
