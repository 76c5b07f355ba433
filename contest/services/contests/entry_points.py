"""QR entry points: short codes, create/edit, per-code statistics, and the QR images.

Plain functions: the caller passes the actor, the base URL and commits.
"""

from __future__ import annotations

import io
import ipaddress
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import qrcode
import qrcode.image.svg
import sqlalchemy as sa
from qrcode.constants import ERROR_CORRECT_Q

from contest.extensions import db
from contest.helpers import audit
from contest.helpers.text import clean, too_long_message
from contest.models import (
    ENTRY_POINT_KINDS,
    Attempt,
    AttemptStatus,
    Contest,
    EntryPoint,
    Participant,
    Scan,
)
from contest.models.people import ENTRY_POINT_LABEL_MAX_LENGTH, ENTRY_POINT_PLACE_MAX_LENGTH
from contest.services.errors import DomainError

#: No 0/O, 1/I/L: a code read aloud or typed from a poster cannot be mistaken.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GENERATED_CODE_LENGTH = 6
CODE_MIN_LENGTH, CODE_MAX_LENGTH = 4, 20
CODE_HINT = (f"{CODE_MIN_LENGTH}–{CODE_MAX_LENGTH} chữ cái không dấu hoặc chữ số. Mã tự tạo gồm "
             f"{GENERATED_CODE_LENGTH} ký tự, không dùng 0, O, 1, I, L để khỏi nhầm.")
_CODE_PATTERN = re.compile(r"[A-Z0-9]+")
ENTRY_POINT_FIELDS = ["contest_id", "code", "label", "place", "kind", "active"]
#: Pixels per module for PNG downloads: a version-3 code (29 modules + 8 quiet) comes
#: out near 1,500 px, i.e. 12.5 cm at 300 dpi — sharp on an A3 poster or a pano.
PNG_BOX_SIZE = 40
PRINT_DPI = 300


class EntryPointError(DomainError):
    """A QR code change refused; ``field`` names the form field to mark (or None)."""


@dataclass
class EntryPointData:
    contest_id: int
    label: str
    place: str = ""
    kind: str = "ap_phich"
    #: Empty: generate one.
    code: str = ""
    active: bool = True


def public_url(base_url: str, code: str) -> str:
    """What the QR code encodes and the poster types out: ``<base>/q/<code>``."""
    return f"{base_url.rstrip('/')}/q/{code}"


#: Host names that only the machine itself or the local network resolves.
_LOCAL_NAMES = ("localhost", ".localhost", ".local", ".lan", ".internal", ".home.arpa")


def local_address_warning(base_url: str) -> str:
    """A plain warning when ``base_url`` is a loopback or private address ('' when public).

    Phones on the mobile network cannot open such an address, so a QR code or poster
    printed with it leads nowhere; the text says how to set the public one.
    """
    host = (urlsplit(base_url).hostname or "").lower()
    local = not host or host == "localhost" or host.endswith(_LOCAL_NAMES[1:])
    if not local:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            local = "." not in host  # a bare machine name
        else:
            local = (address.is_loopback or address.is_private or address.is_link_local
                     or address.is_unspecified)
    if not local:
        return ""
    return (f"Địa chỉ công khai đang là {base_url}: đây là địa chỉ nội bộ, điện thoại của "
            "người dân không mở được. Mã QR và áp phích in lúc này chỉ là BẢN THỬ. Hãy đặt "
            "địa chỉ thật của trang thi bằng biến môi trường CONTEST_PUBLIC_BASE_URL (ví dụ "
            "CONTEST_PUBLIC_BASE_URL=https://thi.phuvan.gov.vn) rồi khởi động lại ứng dụng "
            "trước khi in.")


def normalise_code(text: str | None) -> str:
    return clean(text).upper()


def code_taken(code: str, exclude_id: int | None = None) -> bool:
    query = sa.select(EntryPoint.id).where(sa.func.upper(EntryPoint.code) == code.upper())
    if exclude_id is not None:
        query = query.where(EntryPoint.id != exclude_id)
    return db.session.scalar(query) is not None


def check_code(code: str, exclude_id: int | None = None) -> str:
    """A chosen code, upper-cased; raises EntryPointError saying what to fix."""
    code = normalise_code(code)
    if not _CODE_PATTERN.fullmatch(code or "-"):
        raise EntryPointError(
            "Mã chỉ gồm chữ cái không dấu (A–Z) và chữ số, không có khoảng trắng.", "code"
        )
    if not CODE_MIN_LENGTH <= len(code) <= CODE_MAX_LENGTH:
        raise EntryPointError(
            f"Mã dài từ {CODE_MIN_LENGTH} đến {CODE_MAX_LENGTH} ký tự.", "code"
        )
    if code_taken(code, exclude_id):
        raise EntryPointError(f"Mã {code} đã được dùng cho mã QR khác.", "code")
    return code


def generate_code(length: int = GENERATED_CODE_LENGTH, attempts: int = 20) -> str:
    """A random unused code from the unambiguous alphabet."""
    for _ in range(attempts):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
        if not code_taken(code):
            return code
    # 31^6 ≈ 887 million codes: reaching here means something else is wrong.
    raise EntryPointError("Không tạo được mã mới; vui lòng thử lại.", "code")


def _validate(data: EntryPointData, exclude_id: int | None = None) -> EntryPointData:
    label, place = clean(data.label), clean(data.place)
    if not label:
        raise EntryPointError("Vui lòng nhập tên gọi của mã QR.", "label")
    if len(label) > ENTRY_POINT_LABEL_MAX_LENGTH:
        raise EntryPointError(too_long_message("Tên gọi", ENTRY_POINT_LABEL_MAX_LENGTH), "label")
    if len(place) > ENTRY_POINT_PLACE_MAX_LENGTH:
        raise EntryPointError(too_long_message("Vị trí", ENTRY_POINT_PLACE_MAX_LENGTH), "place")
    if data.kind not in ENTRY_POINT_KINDS:
        raise EntryPointError("Loại ấn phẩm không hợp lệ.", "kind")
    if db.session.get(Contest, data.contest_id) is None:
        raise EntryPointError("Vui lòng chọn cuộc thi.", "contest_id")
    code = check_code(data.code, exclude_id) if clean(data.code) else ""
    return EntryPointData(data.contest_id, label, place, data.kind, code, bool(data.active))


def create_entry_point(data: EntryPointData, actor_id: int | None) -> EntryPoint:
    data = _validate(data)
    entry = EntryPoint(contest_id=data.contest_id, code=data.code or generate_code(),
                       label=data.label, place=data.place, kind=data.kind, active=data.active)
    db.session.add(entry)
    db.session.flush()
    audit.record(actor_id, "entry_point.create", object_type="entry_point", object_id=entry.id,
                 summary=f"Tạo mã QR {entry.code} ({entry.label})",
                 after=audit.snapshot(entry, ENTRY_POINT_FIELDS))
    return entry


def update_entry_point(entry: EntryPoint, data: EntryPointData,
                       actor_id: int | None) -> EntryPoint:
    """Edit; an empty code keeps the current one (printed posters must keep working)."""
    if not clean(data.code):
        data.code = entry.code
    data = _validate(data, exclude_id=entry.id)
    before = audit.snapshot(entry, ENTRY_POINT_FIELDS)
    entry.contest_id, entry.code, entry.label = data.contest_id, data.code, data.label
    entry.place, entry.kind, entry.active = data.place, data.kind, data.active
    after = audit.snapshot(entry, ENTRY_POINT_FIELDS)
    if before != after:
        audit.record(actor_id, "entry_point.update", object_type="entry_point",
                     object_id=entry.id, summary=f"Sửa mã QR {entry.code}",
                     before=before, after=after)
    return entry


def set_active(entry: EntryPoint, active: bool, actor_id: int | None) -> EntryPoint:
    if entry.active != active:
        entry.active = active
        audit.record(actor_id, "entry_point.activate" if active else "entry_point.deactivate",
                     object_type="entry_point", object_id=entry.id,
                     summary=f"{'Bật lại' if active else 'Tắt'} mã QR {entry.code}",
                     before={"active": not active}, after={"active": active})
    return entry


def record_scan(code: str, now: datetime) -> EntryPoint | None:
    """Count a scan of the QR code ``code`` (no personal data); None when no code matches.

    Codes are stored upper-case; people typing the printed URL often don't. The
    count is one guarded UPDATE, so simultaneous scans all count. The caller commits.
    """
    if len(code) > 32:
        return None
    entry_point = db.session.scalar(
        sa.select(EntryPoint).where(EntryPoint.code == code.strip().upper()))
    if entry_point is None:
        return None
    db.session.add(Scan(entry_point_id=entry_point.id, scanned_at=now))
    db.session.execute(
        sa.update(EntryPoint).where(EntryPoint.id == entry_point.id)
        .values(scan_count=EntryPoint.scan_count + 1)
    )
    return entry_point


@dataclass(frozen=True)
class EntryStats:
    scans: int = 0
    registrations: int = 0
    completed: int = 0


def entry_point_stats(entry_ids: Iterable[int] | None = None) -> dict[int, EntryStats]:
    """Scans, registrations and submitted attempts per entry point, in one query."""
    submitted = sa.and_(Attempt.participant_id == Participant.id,
                        Attempt.status == AttemptStatus.SUBMITTED)
    query = (
        sa.select(
            EntryPoint.id,
            EntryPoint.scan_count,
            sa.func.count(sa.distinct(Participant.id)),
            sa.func.count(sa.distinct(Attempt.id)),
        )
        .outerjoin(Participant, Participant.entry_point_id == EntryPoint.id)
        .outerjoin(Attempt, submitted)
        .group_by(EntryPoint.id, EntryPoint.scan_count)
    )
    if entry_ids is not None:
        query = query.where(EntryPoint.id.in_(list(entry_ids)))
    return {
        row[0]: EntryStats(scans=row[1] or 0, registrations=row[2], completed=row[3])
        for row in db.session.execute(query)
    }


# --- images ---------------------------------------------------------------------------------

def _qr(url: str, box_size: int, border: int = 4) -> qrcode.QRCode:
    # Q (25 % recovery): posters outdoors get dirty, torn and photographed at an angle.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, box_size=box_size, border=border)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_image(url: str, box_size: int = PNG_BOX_SIZE):
    """The QR code as a PIL image (black on white)."""
    return _qr(url, box_size).make_image(fill_color="black", back_color="white").get_image()


def qr_png(url: str, box_size: int = PNG_BOX_SIZE) -> bytes:
    """PNG for print: large, with a 300 dpi tag so layout programs size it sensibly."""
    out = io.BytesIO()
    qr_image(url, box_size).convert("1").save(out, format="PNG", dpi=(PRINT_DPI, PRINT_DPI))
    return out.getvalue()


def qr_svg(url: str) -> bytes:
    """SVG: scales to any size (pano, băng rôn) without blur."""
    image = _qr(url, box_size=10).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()
