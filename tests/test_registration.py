"""Registration rules as services: phone, CCCD, names, birth year, unit, consent, duplicates."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import Participant
from contest.services.taking import registration as reg
from contest.services.taking.registration import PhoneError, RegistrationInput
from tests import factories

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["0912 345 678", "+84912345678", "84-912-345-678",
                                 "0912.345.678", "(+84) 912 345 678", " 0912345678 ",
                                 "0084912345678"])
def test_usual_phone_forms_are_normalised(raw):
    assert reg.normalise_phone(raw) == "+84912345678"


@pytest.mark.parametrize("raw,fragment", [
    ("024 3825 3536", "máy bàn"),
    ("02293 871 234", "máy bàn"),
    ("+1 650 253 0000", "Việt Nam"),
    ("+44 7911 123456", "Việt Nam"),
    ("0912", "không đúng"),
    ("09123456789012", "không đúng"),
    ("abc", "không đúng"),
    ("0912<script>", "không đúng"),
    ("", "Vui lòng nhập"),
    (None, "Vui lòng nhập"),
])
def test_landlines_foreign_and_garbage_are_refused_in_vietnamese(raw, fragment):
    with pytest.raises(PhoneError) as raised:
        reg.normalise_phone(raw)
    assert fragment in str(raised.value)


def test_citizen_id_is_twelve_digits():
    assert reg.normalise_citizen_id(" 0371 9200 1234 ") == "037192001234"
    assert reg.normalise_citizen_id("") is None
    for bad in ("12345678901", "1234567890123", "03719200123a"):
        with pytest.raises(ValueError, match="12 chữ số"):
            reg.normalise_citizen_id(bad)


def test_birth_year_range_follows_the_contest_age_limits(app_ctx):
    contest = factories.make_contest(min_age=14, max_age=80)
    assert reg.birth_year_range(contest, NOW) == (1946, 2012)
    assert reg.parse_birth_year("2012", contest, NOW) == 2012
    assert reg.parse_birth_year("", contest, NOW) is None
    with pytest.raises(ValueError, match="đủ 14 tuổi"):
        reg.parse_birth_year("2013", contest, NOW)
    with pytest.raises(ValueError, match="không quá 80 tuổi"):
        reg.parse_birth_year("1940", contest, NOW)
    with pytest.raises(ValueError, match="4 chữ số"):
        reg.parse_birth_year("85", contest, NOW)


def _input(contest, **fields) -> RegistrationInput:
    unit = fields.pop("unit_obj", None) or factories.make_unit()
    data = {
        "full_name": "Nguyễn Thị Hoa", "phone": "0912 345 678", "birth_year": "1985",
        "unit": str(unit.id), "category": str(contest.categories[0].id), "consent": True,
    }
    data.update(fields)
    return RegistrationInput(**data)


def test_registration_stores_clean_values(app_ctx):
    contest = factories.make_contest(min_age=14)
    decomposed = unicodedata.normalize("NFD", "  Nguyễn   Thị Hoa ")
    result = reg.register(contest, _input(contest, full_name=decomposed, gender="female",
                                          citizen_id="037192001234"), NOW)
    assert result.ok, result.errors
    participant = result.participant
    assert participant.full_name == "Nguyễn Thị Hoa"
    assert participant.full_name == unicodedata.normalize("NFC", participant.full_name)
    assert participant.phone == "+84912345678"
    assert participant.birth_year == 1985 and participant.gender == "female"
    assert participant.citizen_id == "037192001234"
    assert participant.consented_at == NOW


def test_unit_other_needs_free_text(app_ctx):
    contest = factories.make_contest()
    result = reg.register(contest, _input(contest, unit=reg.UNIT_OTHER, unit_other=" "), NOW)
    assert "unit_other" in result.errors
    result = reg.register(contest, _input(contest, unit=reg.UNIT_OTHER,
                                          unit_other="Trường THCS Phù Vân"), NOW)
    assert result.ok and result.participant.unit_id is None
    assert result.participant.unit_name == "Trường THCS Phù Vân"


def test_every_missing_or_wrong_field_gets_its_own_message(app_ctx):
    contest = factories.make_contest(birth_year_mode="required", gender_mode="required",
                                     citizen_id_mode="required")
    data = RegistrationInput(full_name=" ", phone="024 3825 3536", birth_year="",
                             gender="robot", citizen_id="123", unit="999999", category="x",
                             consent=False)
    result = reg.register(contest, data, NOW)
    assert not result.ok and result.existing is None
    assert set(result.errors) == {"full_name", "phone", "birth_year", "gender", "citizen_id",
                                  "unit", "category", "consent"}
    assert "13/2023" not in result.errors["consent"]  # the label names the decree
    assert "đồng ý" in result.errors["consent"]
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 0


def test_hidden_fields_are_not_stored(app_ctx):
    contest = factories.make_contest(birth_year_mode="hidden", gender_mode="hidden",
                                     citizen_id_mode="hidden")
    result = reg.register(contest, _input(contest, birth_year="1990", gender="male",
                                          citizen_id="037192001234"), NOW)
    assert result.ok
    assert (result.participant.birth_year, result.participant.gender,
            result.participant.citizen_id) == (None, None, None)


def test_optional_fields_may_be_left_blank(app_ctx):
    contest = factories.make_contest()
    result = reg.register(contest, _input(contest, birth_year="", gender=None,
                                          citizen_id=""), NOW)
    assert result.ok, result.errors


def test_entry_point_is_attributed_only_within_the_contest(app_ctx):
    contest = factories.make_contest()
    mine = factories.make_entry_point(contest)
    other = factories.make_entry_point(factories.make_contest())
    first = reg.register(contest, _input(contest, entry_point_id=mine.id), NOW)
    second = reg.register(contest, _input(contest, phone="0987654321",
                                          entry_point_id=other.id), NOW)
    assert first.participant.entry_point_id == mine.id
    assert second.participant.entry_point_id is None


def test_a_known_phone_points_to_the_existing_participant(app_ctx):
    contest = factories.make_contest()
    first = reg.register(contest, _input(contest), NOW).participant
    again = reg.register(contest, _input(contest, phone="+84 912 345 678",
                                         full_name="Người Khác"), NOW)
    assert not again.ok and again.existing.id == first.id
    assert again.phone == "+84912345678"
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 1
    # The same phone in another contest is a new participant.
    other = factories.make_contest()
    assert reg.register(other, _input(other), NOW).ok


def test_duplicate_citizen_id_is_refused_with_a_message(app_ctx):
    contest = factories.make_contest()
    reg.register(contest, _input(contest, citizen_id="037192001234"), NOW)
    result = reg.register(contest, _input(contest, phone="0987654321",
                                          citizen_id="037192001234"), NOW)
    assert "đã được đăng ký" in result.errors["citizen_id"]


def test_a_registration_losing_the_race_is_treated_as_existing(app_ctx, monkeypatch):
    """Two requests passed the phone check together; the unique constraint decides."""
    contest = factories.make_contest()
    winner = factories.make_participant(contest, phone="+84912345678")
    real_find = reg.find_by_phone
    calls = []

    def find_before_the_winner_committed(contest_id, phone):
        calls.append(phone)
        return None if len(calls) == 1 else real_find(contest_id, phone)

    monkeypatch.setattr(reg, "find_by_phone", find_before_the_winner_committed)
    result = reg.register(contest, _input(contest), NOW)
    assert result.existing is not None and result.existing.id == winner.id
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 1


def test_identity_is_confirmed_by_birth_year_or_name(app_ctx):
    contest = factories.make_contest()
    participant = reg.register(contest, _input(contest), NOW).participant
    confirm = reg.confirm_identity
    assert confirm(contest.id, "84-912-345-678", birth_year="1985").id == participant.id
    assert confirm(contest.id, "0912345678", full_name="  nguyen thi  HOA").id == participant.id
    assert confirm(contest.id, "0912345678", full_name="Nguyễn Thị Hòa ").id == participant.id
    assert confirm(contest.id, "0912345678", birth_year="1986") is None
    assert confirm(contest.id, "0912345678", full_name="Nguyễn Văn Nam") is None
    assert confirm(contest.id, "0912345678") is None
    assert confirm(contest.id, "0987654321", birth_year="1985") is None
    assert confirm(contest.id, "không phải số", birth_year="1985") is None
    other = factories.make_contest()
    assert confirm(other.id, "0912345678", birth_year="1985") is None


def test_without_a_birth_year_only_the_name_confirms(app_ctx):
    contest = factories.make_contest()
    participant = reg.register(contest, _input(contest, birth_year=""), NOW).participant
    assert reg.confirm_identity(contest.id, "0912345678", birth_year="") is None
    assert reg.confirm_identity(contest.id, "0912345678",
                                full_name="Nguyễn Thị Hoa").id == participant.id
