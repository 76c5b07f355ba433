"""Wrong tries counted per phone, and phones held after too many.

A *try* is a registration or a confirmation with a phone that did not resume a
participant of that phone: a failed confirmation, and also every registration
that creates a participant. Both count whether or not anyone registered the
phone, so a hold (and how soon it comes) says nothing about who registered it
(contest.services.taking.registration explains why). :data:`TRY_LIMIT` tries
within :data:`WINDOW` hold the phone until the organisers release it; tries
before a release no longer count. Holds are per contest, like registrations.

A hold stops only registering and confirming with that phone. A browser that
already remembers its resident never registers or confirms again, so nothing
here can block it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from contest.extensions import db
from contest.helpers import audit
from contest.helpers.formatting import mask_phone
from contest.models import IdentityTry, Participant, PhoneHold
from contest.services.errors import DomainError

#: Tries that did not resume a participant, per phone, before it is held.
TRY_LIMIT = 5
#: The window they are counted in.
WINDOW = timedelta(hours=24)

HELD_MESSAGE = (
    "Số điện thoại này đã bị tạm khóa đăng ký và xác nhận vì nhập sai thông tin quá nhiều "
    "lần. Vui lòng liên hệ Ban tổ chức để được mở lại. Nếu có mã dự thi, bạn vẫn có thể "
    "dùng mã để tiếp tục."
)


class HoldError(DomainError):
    """A release refused, with a Vietnamese message."""


class PhoneHeld(DomainError):  # noqa: N818 - reads better at call sites
    """Registering or confirming with a held phone: :data:`HELD_MESSAGE`, about the phone."""

    def __init__(self) -> None:
        super().__init__(HELD_MESSAGE, "phone")


def active_hold(contest_id: int, phone: str) -> PhoneHold | None:
    return db.session.scalar(sa.select(PhoneHold).where(
        PhoneHold.contest_id == contest_id, PhoneHold.phone == phone,
        PhoneHold.released_at.is_(None)))


def is_held(contest_id: int, phone: str) -> bool:
    return active_hold(contest_id, phone) is not None


def record_try(contest_id: int, phone: str, now: datetime) -> bool:
    """Count one try against the phone and commit; True when this try held it."""
    since = now - WINDOW
    db.session.execute(sa.delete(IdentityTry).where(
        IdentityTry.contest_id == contest_id, IdentityTry.phone == phone,
        IdentityTry.at < since))
    db.session.add(IdentityTry(contest_id=contest_id, phone=phone, at=now))
    hold = db.session.scalar(sa.select(PhoneHold).where(
        PhoneHold.contest_id == contest_id, PhoneHold.phone == phone))
    if hold is not None and hold.released_at is not None and hold.released_at > since:
        since = hold.released_at
    tries = db.session.scalar(sa.select(sa.func.count(IdentityTry.id)).where(
        IdentityTry.contest_id == contest_id, IdentityTry.phone == phone,
        IdentityTry.at >= since))
    newly_held = tries >= TRY_LIMIT and (hold is None or hold.released_at is not None)
    if newly_held:
        if hold is None:
            db.session.add(PhoneHold(contest_id=contest_id, phone=phone, held_at=now))
        else:
            hold.held_at, hold.released_at, hold.released_by_id = now, None, None
    try:
        db.session.commit()
    except IntegrityError:
        # Another registration held the phone at the same moment: held all the same.
        db.session.rollback()
        db.session.add(IdentityTry(contest_id=contest_id, phone=phone, at=now))
        db.session.commit()
    return newly_held


def held_phones(contest_id: int, *, include_released: bool = False) -> list[dict]:
    """Holds of the contest, newest first, each with how many participants use the phone."""
    registered = (sa.select(sa.func.count(Participant.id))
                  .where(Participant.contest_id == PhoneHold.contest_id,
                         Participant.phone == PhoneHold.phone)
                  .correlate(PhoneHold).scalar_subquery())
    query = sa.select(PhoneHold, registered).where(PhoneHold.contest_id == contest_id)
    if not include_released:
        query = query.where(PhoneHold.released_at.is_(None))
    rows = db.session.execute(query.order_by(PhoneHold.held_at.desc())).all()
    return [{"hold": hold, "participants": count} for hold, count in rows]


def release(hold: PhoneHold, *, actor_id: int | None, now: datetime) -> None:
    """The organisers checked with the resident: the phone may register and confirm again.
    Audited; the caller commits."""
    if hold.released_at is not None:
        raise HoldError("Số điện thoại này đã được mở khóa trước đó.")
    before = audit.snapshot(hold, ["released_at", "released_by_id"])
    hold.released_at, hold.released_by_id = now, actor_id
    audit.record(actor_id, "phone_hold.release", object_type="phone_hold", object_id=hold.id,
                 summary=f"Mở khóa số điện thoại {mask_phone(hold.phone)} "
                         f"(cuộc thi #{hold.contest_id})",
                 before=before, after=audit.snapshot(hold, ["released_at", "released_by_id"]))
