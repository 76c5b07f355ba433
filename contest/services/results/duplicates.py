"""Suspected duplicate registrations, and the organisers' decisions on them.

Three signals, each a group of two or more participants of one contest:

* the same citizen ID (CCCD), digits only;
* the same phone once normalised (0912 345 678, +84912345678, 84-912-345-678…);
* the same name (compared with :func:`contest.helpers.text.search_key`, so
  case, spacing and diacritics do not matter) + birth year + unit.

A group stays "to review" while two or more of its members are neither
disqualified nor cleared. Decisions are audited; the ranking leaves out
disqualified participants the next time it is computed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

import phonenumbers
import sqlalchemy as sa

from contest.extensions import db
from contest.helpers import audit
from contest.helpers.text import clean, search_key
from contest.models import Participant
from contest.services.errors import DomainError
from contest.services.reasons import checked_reason
from contest.services.statistics import item_analysis

KIND_LABELS = {
    "citizen_id": "Trùng số CCCD",
    "phone": "Trùng số điện thoại",
    "name_birth_unit": "Trùng họ tên, năm sinh và đơn vị",
}
_FIELDS = ["disqualified_at", "disqualified_reason", "duplicate_cleared"]


class DecisionError(DomainError):
    """A decision refused, with a Vietnamese message."""


#: How registration stores a Vietnamese mobile number (E.164).
_STORED_FORM = re.compile(r"\+84[0-9]{9}")


def normalise_phone(raw: str | None) -> str:
    """The phone in E.164 when it parses as a Vietnamese number, else its digits."""
    if not raw:
        return ""
    if _STORED_FORM.fullmatch(raw):
        return raw  # registration already stored it normalised: skip the costly parse
    try:
        parsed = phonenumbers.parse(raw, "VN")
        if phonenumbers.is_possible_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    return re.sub(r"\D", "", raw)


def normalise_citizen_id(raw: str | None) -> str:
    """Digits only, after NFKC (full-width digits from some phone keyboards become ASCII).

    Registration stores a CCCD given twice (refusing it would reveal that it is
    registered), so this signal catches both the same number and another form of it.
    """
    return re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", raw or ""))


@dataclass
class DuplicateGroup:
    kind: str
    key: str
    participant_ids: list[int] = field(default_factory=list)
    pending: bool = True

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def find_duplicates(contest_id: int, *, include_resolved: bool = False) -> list[DuplicateGroup]:
    rows = db.session.execute(
        sa.select(
            Participant.id, Participant.full_name, Participant.phone, Participant.citizen_id,
            Participant.birth_year, Participant.unit_id, Participant.unit_other,
            Participant.disqualified_at, Participant.duplicate_cleared,
        ).where(Participant.contest_id == contest_id).order_by(Participant.id)
    ).all()
    buckets: dict[tuple[str, str], list[int]] = {}
    settled: set[int] = set()
    for (pid, name, phone, citizen_id, birth_year, unit_id, unit_other, disq,
         cleared) in rows:
        if disq is not None or cleared:
            settled.add(pid)
        cid = normalise_citizen_id(citizen_id)
        if cid:
            buckets.setdefault(("citizen_id", cid), []).append(pid)
        tel = normalise_phone(phone)
        if tel:
            buckets.setdefault(("phone", tel), []).append(pid)
        if birth_year and (unit_id or clean(unit_other)):
            unit_key = str(unit_id) if unit_id else "other:" + search_key(unit_other)
            key = f"{search_key(name)}|{birth_year}|{unit_key}"
            buckets.setdefault(("name_birth_unit", key), []).append(pid)
    groups = []
    for (kind, key), ids in buckets.items():
        if len(ids) < 2:
            continue
        pending = sum(1 for pid in ids if pid not in settled) >= 2
        if pending or include_resolved:
            groups.append(DuplicateGroup(kind, key, ids, pending))
    order = list(KIND_LABELS)
    groups.sort(key=lambda g: (not g.pending, order.index(g.kind), g.participant_ids))
    return groups


def disqualify(participant: Participant, reason: str, *, actor_id: int | None,
               now: datetime) -> None:
    """Leave the participant out of every ranking of the contest. The caller commits."""
    reason = checked_reason(reason, DecisionError, missing="Vui lòng ghi lý do loại thí sinh.")
    if participant.is_disqualified:
        raise DecisionError("Thí sinh này đã bị loại trước đó.")
    before = audit.snapshot(participant, _FIELDS)
    participant.disqualified_at = now
    participant.disqualified_reason = reason
    item_analysis.forget_cached()
    audit.record(actor_id, "participant.disqualify", object_type="participant",
                 object_id=participant.id,
                 summary=f"Loại thí sinh {participant.full_name}: {reason}",
                 before=before, after=audit.snapshot(participant, _FIELDS))
    db.session.flush()


def reinstate(participant: Participant, reason: str, *, actor_id: int | None) -> None:
    """Undo a disqualification (also needs a reason)."""
    reason = checked_reason(reason, DecisionError,
                            missing="Vui lòng ghi lý do khôi phục thí sinh.")
    if not participant.is_disqualified:
        raise DecisionError("Thí sinh này không bị loại.")
    before = audit.snapshot(participant, _FIELDS)
    participant.disqualified_at = None
    participant.disqualified_reason = None
    item_analysis.forget_cached()
    audit.record(actor_id, "participant.reinstate", object_type="participant",
                 object_id=participant.id,
                 summary=f"Khôi phục thí sinh {participant.full_name}: {reason}",
                 before=before, after=audit.snapshot(participant, _FIELDS))
    db.session.flush()


def clear_duplicate(participant: Participant, *, actor_id: int | None) -> None:
    """Mark the participant as reviewed: not a duplicate."""
    if participant.duplicate_cleared:
        raise DecisionError("Thí sinh này đã được xác nhận không trùng.")
    before = audit.snapshot(participant, _FIELDS)
    participant.duplicate_cleared = True
    audit.record(actor_id, "participant.clear_duplicate", object_type="participant",
                 object_id=participant.id,
                 summary=f"Xác nhận không trùng: {participant.full_name}",
                 before=before, after=audit.snapshot(participant, _FIELDS))
    db.session.flush()
