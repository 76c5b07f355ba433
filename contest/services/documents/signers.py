"""Number, signer and title of the documents the office signs, set once and changed per document.

Each kind of document has a setting (``DocumentSetting``) the office fills once in the back
office; a download may change any part of it for that one document (``override``), e.g. to
write the number the clerk gave or the name of a deputy signing in the chairman's place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from contest.extensions import db
from contest.helpers import audit
from contest.helpers.nd30 import Signature
from contest.helpers.text import (
    clean,
    control_characters_message,
    has_control_characters,
    too_long_message,
)
from contest.models import DocumentSetting
from contest.models.document import (
    AUTHORITY_MAX_LENGTH,
    NUMBER_MAX_LENGTH,
    POSITION_MAX_LENGTH,
    SIGNER_NAME_MAX_LENGTH,
)
from contest.services.errors import DomainError


@dataclass(frozen=True)
class Kind:
    label: str
    #: Which documents the setting signs, as the settings page lists them.
    documents: str
    number: str
    authority: tuple[str, ...]
    position: str


KINDS: dict[str, Kind] = {
    "ward_report": Kind(
        "Báo cáo của UBND phường",
        "Báo cáo quý, năm về thông tin, tuyên truyền cải cách hành chính (toàn phường)",
        "/BC-UBND", ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"), "PHÓ CHỦ TỊCH"),
    "decision": Kind(
        "Quyết định công nhận, khen thưởng",
        "Quyết định công nhận kết quả và khen thưởng người đạt giải của một đợt thi",
        "/QĐ-UBND", ("KT. CHỦ TỊCH",), "PHÓ CHỦ TỊCH"),
    "committee": Kind(
        "Văn bản của Ban tổ chức",
        "Danh sách công bố kết quả, danh sách nhận giải (ký nhận), giấy chứng nhận",
        "", ("TM. BAN TỔ CHỨC",), "TRƯỞNG BAN"),
}

#: A unit's own report is signed by its head; the unit reporter writes the name per download.
UNIT_REPORT_NUMBER = "/BC"
UNIT_REPORT_SIGNATURE = Signature(position="THỦ TRƯỞNG ĐƠN VỊ")

#: (field, Vietnamese label, longest length) of what a setting or a download may change.
FIELDS = (
    ("number", "Số, ký hiệu", NUMBER_MAX_LENGTH),
    ("authority", "Quyền hạn ký (TM., KT.…)", AUTHORITY_MAX_LENGTH),
    ("position", "Chức vụ người ký", POSITION_MAX_LENGTH),
    ("signer", "Họ tên người ký", SIGNER_NAME_MAX_LENGTH),
)
#: Field → most characters, for the forms' maxlength.
FIELD_LIMITS = {name: longest for name, _label, longest in FIELDS}
MAX_AUTHORITY_LINES = 3


class DocumentValueError(DomainError):
    """A setting or a download's value refused, with a Vietnamese message and its field."""


@dataclass(frozen=True)
class Signing:
    """What a document shows of its number and its signer."""

    number: str
    signature: Signature

    def form_values(self) -> dict[str, str]:
        """The values a form starts from (authority one line each)."""
        return {"number": self.number, "authority": "\n".join(self.signature.authority),
                "position": self.signature.position, "signer": self.signature.name}


def _authority_lines(text: str) -> tuple[str, ...]:
    return tuple(clean(line).upper() for line in text.splitlines() if clean(line))


def _signing(number: str, authority: str, position: str, name: str) -> Signing:
    return Signing(clean(number), Signature(authority=_authority_lines(authority),
                                            position=clean(position).upper(),
                                            name=clean(name)))


def setting_row(kind: str) -> DocumentSetting | None:
    if kind not in KINDS:
        raise KeyError(kind)
    return db.session.scalar(sa.select(DocumentSetting).where(DocumentSetting.kind == kind))


def current(kind: str) -> Signing:
    """The office's setting for ``kind``, or the defaults while it has none."""
    row = setting_row(kind)
    if row is None:
        default = KINDS[kind]
        return Signing(default.number, Signature(default.authority, default.position, ""))
    return _signing(row.number, row.authority, row.position, row.signer_name)


def unit_report() -> Signing:
    return Signing(UNIT_REPORT_NUMBER, UNIT_REPORT_SIGNATURE)


def _checked(values: Mapping[str, str | None]) -> dict[str, str]:
    """Only the known fields that are present, cleaned and checked (lengths, control
    characters, at most three lines of authority)."""
    checked: dict[str, str] = {}
    for name, label, longest in FIELDS:
        if name not in values:
            continue
        raw = values.get(name) or ""
        if has_control_characters(raw.replace("\r", "").replace("\n", "")):
            raise DocumentValueError(control_characters_message(label), name)
        if name == "authority":
            lines = _authority_lines(raw)
            if len(lines) > MAX_AUTHORITY_LINES:
                raise DocumentValueError(
                    f"{label}: tối đa {MAX_AUTHORITY_LINES} dòng.", name)
            value = "\n".join(lines)
        else:
            value = clean(raw)
        if len(value) > longest:
            raise DocumentValueError(too_long_message(label, longest), name)
        checked[name] = value
    return checked


def override(base: Signing, values: Mapping[str, str | None]) -> Signing:
    """``base`` with the fields present in ``values`` replaced, for one document.

    A field present but empty is emptied (a document without a number); absent fields keep the
    setting. Raises ``DocumentValueError`` for a value too long or holding control characters.
    """
    given = _checked(values)
    start = base.form_values()
    start.update(given)
    return _signing(start["number"], start["authority"], start["position"], start["signer"])


def save(kind: str, values: Mapping[str, str | None], *, actor_id: int | None) -> Signing:
    """Store the office's setting for ``kind`` (audited). The caller commits."""
    if kind not in KINDS:
        raise DocumentValueError("Không có loại văn bản này.")
    given = _checked({name: values.get(name) or "" for name, _label, _longest in FIELDS})
    row = setting_row(kind)
    before = None
    if row is None:
        row = DocumentSetting(kind=kind)
        db.session.add(row)
    else:
        before = audit.snapshot(row, ["number", "authority", "position", "signer_name"])
    row.number = given["number"]
    row.authority = given["authority"]
    row.position = given["position"].upper()
    row.signer_name = given["signer"]
    row.updated_by_id = actor_id
    db.session.flush()
    audit.record(actor_id, "documents.signer", object_type="document_setting", object_id=kind,
                 summary=f"Cập nhật số văn bản và người ký: {KINDS[kind].label}",
                 before=before,
                 after=audit.snapshot(row, ["number", "authority", "position", "signer_name"]))
    return current(kind)
