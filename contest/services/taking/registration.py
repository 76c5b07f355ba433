"""Registering residents for a contest, and recognising a resident who comes back.

Plain values in, plain values out: the view turns form input into a
:class:`RegistrationInput`, this module validates it against the contest's
settings and returns either the participant or the errors to show beside each
field. A phone number already registered in the contest never creates a second
participant; the resident confirms who they are instead (:func:`confirm_identity`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from contest.extensions import db
from contest.helpers.pdf import undrawable_characters, undrawable_message
from contest.helpers.text import (
    clean,
    control_characters_message,
    has_control_characters,
    is_digits,
    search_key,
)
from contest.helpers.timeutil import to_local
from contest.models import GENDERS, Contest, EntryPoint, Participant, Unit
from contest.services.errors import DomainError

NAME_MAX_LENGTH = 120
UNIT_OTHER_MAX_LENGTH = 200
#: Value of the "Khác" choice in the unit list.
UNIT_OTHER = "other"
#: Oldest plausible birth year when the contest sets no maximum age.
OLDEST_AGE = 120

PHONE_INVALID = "Số điện thoại không đúng. Ví dụ đúng: 0912 345 678."
PHONE_NOT_MOBILE = (
    "Vui lòng nhập số điện thoại di động Việt Nam (ví dụ 0912 345 678); "
    "không dùng số máy bàn."
)
PHONE_FOREIGN = (
    "Chỉ nhận số điện thoại di động Việt Nam (+84). Vui lòng nhập số di động trong nước."
)
_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE,
                 phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
_CITIZEN_ID = re.compile(r"[0-9]{12}")


class PhoneError(DomainError):
    """A phone number we cannot accept; ``message`` (and ``str(error)``) says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="phone")


def normalise_phone(raw: str | None) -> str:
    """``0912 345 678``, ``+84912345678``, ``84-912-345-678`` → ``+84912345678``.

    Only Vietnamese mobile numbers: residents are called on them when they win,
    and a landline or foreign number would let one person register twice.
    """
    text = clean(raw)
    if not text:
        raise PhoneError("Vui lòng nhập số điện thoại.")
    if len(text) > 30 or not re.fullmatch(r"[0-9+()\-. ]+", text):
        raise PhoneError(PHONE_INVALID)
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException:
        raise PhoneError(PHONE_INVALID) from None
    if number.country_code != 84:
        raise PhoneError(PHONE_FOREIGN)
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(PHONE_INVALID)
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise PhoneError(PHONE_NOT_MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def birth_year_range(contest: Contest, now: datetime) -> tuple[int, int]:
    """The birth years allowed by the contest's age limits, in the current local year.

    Age is counted by year (as the rules' "từ đủ 14 tuổi" is checked in practice
    from a birth year alone): born in ``year - min_age`` or earlier.
    """
    year = to_local(now).year
    youngest = year - (contest.min_age or 0)
    oldest = year - (contest.max_age if contest.max_age is not None else OLDEST_AGE)
    return oldest, youngest


def parse_birth_year(raw: str | int | None, contest: Contest, now: datetime) -> int | None:
    """A birth year within the contest's range, None when blank; ValueError with the message."""
    text = clean(str(raw)) if raw is not None else ""
    if not text:
        return None
    if not is_digits(text) or len(text) != 4:
        raise ValueError("Năm sinh gồm 4 chữ số, ví dụ 1985.")
    year = int(text)
    oldest, youngest = birth_year_range(contest, now)
    out_of_range = f"Năm sinh phải từ {oldest} đến {youngest}."
    if year > youngest:
        if contest.min_age:
            raise ValueError(
                f"Cuộc thi dành cho người từ đủ {contest.min_age} tuổi trở lên "
                f"(sinh năm {youngest} trở về trước)."
            )
        raise ValueError(out_of_range)
    if year < oldest:
        if contest.max_age is not None:
            raise ValueError(
                f"Cuộc thi dành cho người không quá {contest.max_age} tuổi "
                f"(sinh từ năm {oldest} trở về sau)."
            )
        raise ValueError(out_of_range)
    return year


def normalise_citizen_id(raw: str | None) -> str | None:
    """CCCD: exactly 12 digits (spaces ignored); None when blank."""
    text = re.sub(r"[\s.\-]", "", clean(raw))
    if not text:
        return None
    if not _CITIZEN_ID.fullmatch(text):
        raise ValueError("Số CCCD gồm đúng 12 chữ số.")
    return text


def same_name(a: str | None, b: str | None) -> bool:
    """Names compared as residents type them: case, spacing and diacritics aside."""
    return bool(search_key(a)) and search_key(a) == search_key(b)


@dataclass
class RegistrationInput:
    """What the resident typed, as strings (or None for a field not shown)."""

    full_name: str = ""
    phone: str = ""
    birth_year: str | None = None
    gender: str | None = None
    citizen_id: str | None = None
    #: A unit id as text, or :data:`UNIT_OTHER`.
    unit: str | None = None
    unit_other: str | None = None
    category: str | None = None
    consent: bool = False
    #: The QR code the resident came in through (from their session), if any.
    entry_point_id: int | None = None


@dataclass
class RegistrationResult:
    """Either ``participant`` (new), ``existing`` (phone already registered) or ``errors``."""

    participant: Participant | None = None
    existing: Participant | None = None
    errors: dict[str, str] = field(default_factory=dict)
    #: The normalised phone, so the confirmation page can carry it on.
    phone: str | None = None

    @property
    def ok(self) -> bool:
        return self.participant is not None


def _mode_check(mode: str, value, errors: dict, name: str, message: str):
    if mode == "hidden":
        return None
    if mode == "required" and value in (None, ""):
        errors.setdefault(name, message)
    return value


def validate(contest: Contest, data: RegistrationInput, now: datetime
             ) -> tuple[dict, dict[str, str]]:
    """Check every field; return (clean values, errors by field name)."""
    errors: dict[str, str] = {}
    values: dict = {}

    name = clean(data.full_name)
    if not name:
        errors["full_name"] = "Vui lòng nhập họ và tên."
    elif len(name) > NAME_MAX_LENGTH:
        errors["full_name"] = f"Họ và tên dài tối đa {NAME_MAX_LENGTH} ký tự."
    elif not any(ch.isalpha() for ch in name):
        errors["full_name"] = "Họ và tên phải có chữ cái."
    elif has_control_characters(name):
        errors["full_name"] = control_characters_message("Họ và tên")
    elif undrawable := undrawable_characters(name):
        # Printed on lists and certificates: nothing may print as a gap.
        errors["full_name"] = undrawable_message("Họ và tên", undrawable)
    values["full_name"] = name

    try:
        values["phone"] = normalise_phone(data.phone)
    except PhoneError as error:
        errors["phone"] = str(error)

    values["birth_year"] = None
    if contest.birth_year_mode != "hidden":
        try:
            values["birth_year"] = parse_birth_year(data.birth_year, contest, now)
        except ValueError as error:
            errors["birth_year"] = str(error)
        _mode_check(contest.birth_year_mode, values["birth_year"], errors, "birth_year",
                    "Vui lòng nhập năm sinh.")

    values["gender"] = None
    if contest.gender_mode != "hidden":
        gender = clean(data.gender) or None
        if gender is not None and gender not in GENDERS:
            errors["gender"] = "Vui lòng chọn giới tính trong danh sách."
            gender = None
        values["gender"] = _mode_check(contest.gender_mode, gender, errors, "gender",
                                       "Vui lòng chọn giới tính.")

    values["citizen_id"] = None
    if contest.citizen_id_mode != "hidden":
        try:
            values["citizen_id"] = normalise_citizen_id(data.citizen_id)
        except ValueError as error:
            errors["citizen_id"] = str(error)
        _mode_check(contest.citizen_id_mode, values["citizen_id"], errors, "citizen_id",
                    "Vui lòng nhập số CCCD.")

    values["unit_id"], values["unit_other"] = None, None
    unit_choice = clean(data.unit)
    if unit_choice == UNIT_OTHER:
        other = clean(data.unit_other)
        if not other:
            errors["unit_other"] = "Vui lòng ghi tên tổ dân phố hoặc cơ quan, đơn vị của bạn."
        elif len(other) > UNIT_OTHER_MAX_LENGTH:
            errors["unit_other"] = f"Tên đơn vị dài tối đa {UNIT_OTHER_MAX_LENGTH} ký tự."
        elif has_control_characters(other):
            errors["unit_other"] = control_characters_message("Tên đơn vị")
        elif undrawable := undrawable_characters(other):
            errors["unit_other"] = undrawable_message("Tên đơn vị", undrawable)
        values["unit_other"] = other or None
    elif is_digits(unit_choice) and len(unit_choice) < 10 and db.session.scalar(
        sa.select(Unit.id).where(Unit.id == int(unit_choice), Unit.active)
    ):
        values["unit_id"] = int(unit_choice)
    else:
        errors["unit"] = "Vui lòng chọn tổ dân phố / đơn vị, hoặc chọn “Khác” và ghi rõ."

    values["category_id"] = None
    categories = {str(c.id): c for c in contest.categories if c.active}
    category_choice = clean(data.category)
    if categories:
        if category_choice in categories:
            values["category_id"] = categories[category_choice].id
        else:
            errors["category"] = "Vui lòng chọn đối tượng dự thi."

    if not data.consent:
        errors["consent"] = (
            "Vui lòng đồng ý cho Ban tổ chức xử lý dữ liệu cá nhân để có thể dự thi."
        )

    values["entry_point_id"] = None
    if data.entry_point_id is not None:
        # Attribution only counts for a QR code of this contest.
        values["entry_point_id"] = db.session.scalar(
            sa.select(EntryPoint.id).where(
                EntryPoint.id == data.entry_point_id, EntryPoint.contest_id == contest.id
            )
        )
    return values, errors


def find_by_phone(contest_id: int, phone: str) -> Participant | None:
    return db.session.scalar(
        sa.select(Participant).where(Participant.contest_id == contest_id,
                                     Participant.phone == phone)
    )


def register(contest: Contest, data: RegistrationInput, now: datetime) -> RegistrationResult:
    """Create the participant, or report errors, or point at the one already registered.

    Two registrations racing with the same phone both end well: the loser's
    insert hits the (contest, phone) unique constraint and is answered like a
    phone that was already there.
    """
    values, errors = validate(contest, data, now)
    phone = values.get("phone")
    if "phone" not in errors and phone:
        existing = find_by_phone(contest.id, phone)
        if existing is not None:
            return RegistrationResult(existing=existing, phone=phone)
    if errors:
        return RegistrationResult(errors=errors, phone=phone)
    if values["citizen_id"] and db.session.scalar(
        sa.select(Participant.id).where(Participant.contest_id == contest.id,
                                        Participant.citizen_id == values["citizen_id"])
    ):
        return RegistrationResult(
            errors={"citizen_id": "Số CCCD này đã được đăng ký với một số điện thoại khác. "
                                  "Vui lòng kiểm tra lại hoặc liên hệ Ban tổ chức."},
            phone=phone,
        )
    participant = Participant(contest_id=contest.id, consented_at=now, created_at=now,
                              **values)
    db.session.add(participant)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = find_by_phone(contest.id, phone)
        if existing is not None:
            return RegistrationResult(existing=existing, phone=phone)
        # The CCCD lost a race instead; say so rather than fail.
        return RegistrationResult(
            errors={"citizen_id": "Số CCCD này đã được đăng ký. Vui lòng kiểm tra lại."},
            phone=phone,
        )
    return RegistrationResult(participant=participant, phone=phone)


def confirm_identity(contest_id: int, phone: str, *, birth_year: str | int | None = None,
                     full_name: str | None = None) -> Participant | None:
    """The participant with this phone if the birth year or the full name matches.

    Either proof is enough (a resident may have left the birth year blank);
    a participant without a birth year can only be confirmed by name.
    """
    try:
        normal = normalise_phone(phone)
    except PhoneError:
        return None
    participant = find_by_phone(contest_id, normal)
    if participant is None:
        return None
    year_text = clean(str(birth_year)) if birth_year is not None else ""
    if (is_digits(year_text) and participant.birth_year is not None
            and int(year_text) == participant.birth_year):
        return participant
    if full_name and same_name(full_name, participant.full_name):
        return participant
    return None
