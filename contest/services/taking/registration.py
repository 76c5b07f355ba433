"""Registering residents for a contest, and recognising a resident who comes back.

Plain values in, plain values out: the view turns form input into a
:class:`RegistrationInput`, this module validates it against the contest's
settings and returns the participant, or refuses: :class:`RegistrationRefused`
with the message to show beside each field, or phone_holds.PhoneHeld.

The rule: nobody learns whether a phone or a CCCD is registered unless they
already hold that person's details. Without SMS there is nothing a first-time
registrant can prove that someone typing a neighbour's phone could not, so the
two must be answered alike, and the only way to do that is for both to end as
a new participant. Hence:

* **Registering** with a phone and a name + birth year that match a participant
  of that phone resumes that participant (the registrant holds their details).
  Any other valid registration creates a participant, whoever else registered
  the phone or the CCCD: same page, same message, same status as a phone never
  seen. Phones and CCCDs are therefore not unique; a shared phone or CCCD is a
  suspected duplicate the organisers review (results.duplicates), never a refusal.
* **Confirming** on another phone needs the phone *and both* the name (case,
  spacing and diacritics aside) and the birth year, or the personal code (mã dự
  thi, :func:`normalise_personal_code`) that resumes on any phone. A mismatch
  gets one message, whether the phone is unknown, someone else's, or right with
  a wrong detail. A participant who gave no birth year resumes with the code.
* **Counting**: every registration that creates a participant and every failed
  confirmation is a try against the phone (contest.services.taking.phone_holds);
  too many hold the phone. Counting new registrations too makes a hold come
  after the same number of tries for a registered and an unregistered phone.
  A held phone is answered alike whoever registered it. A browser that
  remembers its resident never registers or confirms, so a hold never blocks it.

Input errors (a malformed phone, a missing birth year...) depend only on what
was typed, so they may be precise.

What remains: within 24 hours of someone's registration or wrong try, a phone
reaches its hold that many tries sooner; a prober willing to hold a number (which
the organisers then see) learns that it was used that day, not by whom or whether
it is registered. Response times are not equalised (a phone with participants
costs one more indexed query).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    too_long_message,
)
from contest.helpers.timeutil import to_local
from contest.models import GENDERS, Contest, EntryPoint, Participant, Unit
from contest.models.contest import AGE_BOUNDS
from contest.models.people import (
    PARTICIPANT_NAME_MAX_LENGTH,
    PERSONAL_CODE_ALPHABET,
    PERSONAL_CODE_LENGTH,
    UNIT_OTHER_MAX_LENGTH,
)
from contest.services.errors import DomainError
from contest.services.taking import phone_holds

#: What a resident may type as a phone number before it is read (spaces, dots, +84).
PHONE_INPUT_MAX_LENGTH = 30
#: Value of the "Khác" choice in the unit list.
UNIT_OTHER = "other"

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
BIRTH_YEAR_INVALID = "Năm sinh gồm 4 chữ số, ví dụ 1985."


class RegistrationRefused(DomainError):
    """Registering or confirming refused: what was typed, each message beside its field."""


class PhoneError(RegistrationRefused):
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
    if len(text) > PHONE_INPUT_MAX_LENGTH or not re.fullmatch(r"[0-9+()\-. ]+", text):
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
    oldest = year - (contest.max_age if contest.max_age is not None else AGE_BOUNDS[1])
    return oldest, youngest


def parse_birth_year(raw: str | int | None, contest: Contest, now: datetime) -> int | None:
    """A birth year within the contest's range, None when blank; RegistrationRefused otherwise."""
    text = clean(str(raw)) if raw is not None else ""
    if not text:
        return None
    if not is_digits(text) or len(text) != 4:
        raise RegistrationRefused(BIRTH_YEAR_INVALID, "birth_year")
    year = int(text)
    oldest, youngest = birth_year_range(contest, now)
    out_of_range = f"Năm sinh phải từ {oldest} đến {youngest}."
    if year > youngest:
        if contest.min_age:
            raise RegistrationRefused(
                f"Cuộc thi dành cho người từ đủ {contest.min_age} tuổi trở lên "
                f"(sinh năm {youngest} trở về trước).", "birth_year"
            )
        raise RegistrationRefused(out_of_range, "birth_year")
    if year < oldest:
        if contest.max_age is not None:
            raise RegistrationRefused(
                f"Cuộc thi dành cho người không quá {contest.max_age} tuổi "
                f"(sinh từ năm {oldest} trở về sau).", "birth_year"
            )
        raise RegistrationRefused(out_of_range, "birth_year")
    return year


def normalise_citizen_id(raw: str | None) -> str | None:
    """CCCD: exactly 12 digits (spaces ignored); None when blank; RegistrationRefused otherwise."""
    text = re.sub(r"[\s.\-]", "", clean(raw))
    if not text:
        return None
    if not _CITIZEN_ID.fullmatch(text):
        raise RegistrationRefused("Số CCCD gồm đúng 12 chữ số.", "citizen_id")
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


@dataclass(frozen=True)
class Registration:
    """The participant registered: a new one, or the one these details are (``resumed``)."""

    participant: Participant
    resumed: bool = False


def _required_check(contest: Contest, value, errors: dict, name: str, message: str):
    if contest.requires(name) and value in (None, ""):
        errors.setdefault(name, message)
    return value


def validate(contest: Contest, data: RegistrationInput, now: datetime
             ) -> tuple[dict, dict[str, str]]:
    """Check every field; return (clean values, a message by field name for each refused)."""
    errors: dict[str, str] = {}
    values: dict = {}

    name = clean(data.full_name)
    if not name:
        errors["full_name"] = "Vui lòng nhập họ và tên."
    elif len(name) > PARTICIPANT_NAME_MAX_LENGTH:
        errors["full_name"] = too_long_message("Họ và tên", PARTICIPANT_NAME_MAX_LENGTH)
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
        errors["phone"] = error.message

    values["birth_year"] = None
    if contest.asks("birth_year"):
        try:
            values["birth_year"] = parse_birth_year(data.birth_year, contest, now)
        except RegistrationRefused as error:
            errors["birth_year"] = error.message
        _required_check(contest, values["birth_year"], errors, "birth_year",
                        "Vui lòng nhập năm sinh.")

    values["gender"] = None
    if contest.asks("gender"):
        gender = clean(data.gender) or None
        if gender is not None and gender not in GENDERS:
            errors["gender"] = "Vui lòng chọn giới tính trong danh sách."
            gender = None
        values["gender"] = _required_check(contest, gender, errors, "gender",
                                           "Vui lòng chọn giới tính.")

    values["citizen_id"] = None
    if contest.asks("citizen_id"):
        try:
            values["citizen_id"] = normalise_citizen_id(data.citizen_id)
        except RegistrationRefused as error:
            errors["citizen_id"] = error.message
        _required_check(contest, values["citizen_id"], errors, "citizen_id",
                        "Vui lòng nhập số CCCD.")

    values["unit_id"], values["unit_other"] = None, None
    unit_choice = clean(data.unit)
    if unit_choice == UNIT_OTHER:
        other = clean(data.unit_other)
        if not other:
            errors["unit_other"] = "Vui lòng ghi tên tổ dân phố hoặc cơ quan, đơn vị của bạn."
        elif len(other) > UNIT_OTHER_MAX_LENGTH:
            errors["unit_other"] = too_long_message("Tên đơn vị", UNIT_OTHER_MAX_LENGTH)
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


def matching_participant(contest_id: int, phone: str, full_name: str | None,
                         birth_year: int | None) -> Participant | None:
    """The participant of this phone whose name and birth year both match, if any."""
    if birth_year is None or not full_name:
        return None
    candidates = db.session.scalars(
        sa.select(Participant).where(Participant.contest_id == contest_id,
                                     Participant.phone == phone,
                                     Participant.birth_year == birth_year)
        .order_by(Participant.id)
    )
    return next((p for p in candidates if same_name(full_name, p.full_name)), None)


def register(contest: Contest, data: RegistrationInput, now: datetime) -> Registration:
    """Resume the participant whose details these are, or create one; RegistrationRefused with
    a message beside each field that is wrong, or phone_holds.PhoneHeld.

    Two registrations of the same person racing both end with one participant: the
    loser's insert hits the (contest, phone, name + birth year) unique constraint and
    resumes the winner.
    """
    values, errors = validate(contest, data, now)
    if errors:
        raise RegistrationRefused(errors=errors)
    phone = values["phone"]
    if phone_holds.is_held(contest.id, phone):
        raise phone_holds.PhoneHeld()
    existing = matching_participant(contest.id, phone, values["full_name"],
                                    values["birth_year"])
    if existing is not None:
        return Registration(existing, resumed=True)
    for _ in range(3):
        participant = Participant(contest_id=contest.id, consented_at=now, created_at=now,
                                  **values)
        db.session.add(participant)
        try:
            db.session.commit()
            break
        except IntegrityError:
            db.session.rollback()
            existing = matching_participant(contest.id, phone, values["full_name"],
                                            values["birth_year"])
            if existing is not None:
                return Registration(existing, resumed=True)
            # Otherwise the random personal code was taken: draw another.
    else:  # pragma: no cover - three code collisions in a row
        raise RuntimeError("could not draw a free personal code")
    phone_holds.record_try(contest.id, phone, now)
    return Registration(participant)


CONFIRM_MISMATCH = (
    "Thông tin chưa khớp với đăng ký. Vui lòng nhập đúng số điện thoại, họ và tên và năm "
    "sinh đã khai khi đăng ký, hoặc dùng mã dự thi."
)
CONFIRM_NEEDS_BOTH = "Vui lòng nhập cả họ và tên và năm sinh đã khai khi đăng ký."
CODE_INVALID = (
    f"Mã dự thi gồm {PERSONAL_CODE_LENGTH} chữ và số, ví dụ 7KX4-MP2A. Vui lòng kiểm tra lại."
)
CODE_UNKNOWN = "Không tìm thấy mã dự thi này trong cuộc thi. Vui lòng kiểm tra lại."


def confirm_identity(contest_id: int, phone: str, *, full_name: str | None,
                     birth_year: str | int | None, now: datetime) -> Participant:
    """The one participant of that phone whose name and birth year both match.

    Otherwise RegistrationRefused, or phone_holds.PhoneHeld. A mismatch counts a try
    against the phone (registered or not) and is answered with one message; the try
    that reaches the limit holds the phone.
    """
    normal = normalise_phone(phone)
    year_text = clean(str(birth_year)) if birth_year is not None else ""
    if not clean(full_name) or not year_text:
        raise RegistrationRefused(CONFIRM_NEEDS_BOTH)
    if not is_digits(year_text) or len(year_text) != 4:
        raise RegistrationRefused(BIRTH_YEAR_INVALID, "birth_year")
    if phone_holds.is_held(contest_id, normal):
        raise phone_holds.PhoneHeld()
    participant = matching_participant(contest_id, normal, full_name, int(year_text))
    if participant is not None:
        return participant
    if phone_holds.record_try(contest_id, normal, now):
        raise phone_holds.PhoneHeld()
    raise RegistrationRefused(CONFIRM_MISMATCH)


def normalise_personal_code(raw: str | None) -> str:
    """``7kx4 mp2a``, ``7KX4-MP2A`` → ``7KX4MP2A``; RegistrationRefused otherwise."""
    code = re.sub(r"[\s.\-]", "", clean(raw)).upper()
    if len(code) != PERSONAL_CODE_LENGTH or any(ch not in PERSONAL_CODE_ALPHABET
                                                for ch in code):
        raise RegistrationRefused(CODE_INVALID, "personal_code")
    return code


def confirm_by_code(contest_id: int, raw_code: str | None) -> Participant:
    """The personal code alone resumes its participant, on any phone (RegistrationRefused
    when it is malformed or unknown).

    Guessing is bounded by the per-address limit of the view and the code space
    (23⁸ ≈ 7.8·10¹⁰ codes per contest).
    """
    code = normalise_personal_code(raw_code)
    participant = db.session.scalar(sa.select(Participant).where(
        Participant.contest_id == contest_id, Participant.personal_code == code))
    if participant is None:
        raise RegistrationRefused(CODE_UNKNOWN, "personal_code")
    return participant
