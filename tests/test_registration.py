"""Registration rules as services: phone, CCCD, names, birth year, unit, consent, duplicates."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import Participant
from contest.services.taking import phone_holds
from contest.services.taking import registration as reg
from contest.services.taking.registration import PhoneError, RegistrationInput, RegistrationRefused
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
        with pytest.raises(RegistrationRefused, match="12 chữ số") as refused:
            reg.normalise_citizen_id(bad)
        assert refused.value.field == "citizen_id"


def test_birth_year_range_follows_the_contest_age_limits(app_ctx):
    contest = factories.make_contest(min_age=14, max_age=80)
    assert reg.birth_year_range(contest, NOW) == (1946, 2012)
    assert reg.parse_birth_year("2012", contest, NOW) == 2012
    assert reg.parse_birth_year("", contest, NOW) is None
    with pytest.raises(RegistrationRefused, match="đủ 14 tuổi"):
        reg.parse_birth_year("2013", contest, NOW)
    with pytest.raises(RegistrationRefused, match="không quá 80 tuổi"):
        reg.parse_birth_year("1940", contest, NOW)
    with pytest.raises(RegistrationRefused, match="4 chữ số") as refused:
        reg.parse_birth_year("85", contest, NOW)
    assert refused.value.field == "birth_year"


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
    participant = result.participant
    assert not result.resumed
    assert participant.full_name == "Nguyễn Thị Hoa"
    assert participant.full_name == unicodedata.normalize("NFC", participant.full_name)
    assert participant.phone == "+84912345678"
    assert participant.birth_year == 1985 and participant.gender == "female"
    assert participant.citizen_id == "037192001234"
    assert participant.consented_at == NOW


def test_unit_other_needs_free_text(app_ctx):
    contest = factories.make_contest()
    with pytest.raises(RegistrationRefused) as refused:
        reg.register(contest, _input(contest, unit=reg.UNIT_OTHER, unit_other=" "), NOW)
    assert refused.value.field == "unit_other" and list(refused.value.errors) == ["unit_other"]
    result = reg.register(contest, _input(contest, unit=reg.UNIT_OTHER,
                                          unit_other="Trường THCS Phù Vân"), NOW)
    assert result.participant.unit_id is None
    assert result.participant.unit_name == "Trường THCS Phù Vân"


def test_every_missing_or_wrong_field_gets_its_own_message(app_ctx):
    contest = factories.make_contest(birth_year_mode="required", gender_mode="required",
                                     citizen_id_mode="required")
    data = RegistrationInput(full_name=" ", phone="024 3825 3536", birth_year="",
                             gender="robot", citizen_id="123", unit="999999", category="x",
                             consent=False)
    with pytest.raises(RegistrationRefused) as refused:
        reg.register(contest, data, NOW)
    errors = refused.value.errors
    assert set(errors) == {"full_name", "phone", "birth_year", "gender", "citizen_id",
                           "unit", "category", "consent"}
    assert all(len(messages) == 1 for messages in errors.values())
    assert "13/2023" not in errors["consent"][0]  # the label names the decree
    assert "đồng ý" in errors["consent"][0]
    assert errors["phone"] == [reg.PHONE_NOT_MOBILE]
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 0


def test_hidden_fields_are_not_stored(app_ctx):
    contest = factories.make_contest(birth_year_mode="hidden", gender_mode="hidden",
                                     citizen_id_mode="hidden")
    result = reg.register(contest, _input(contest, birth_year="1990", gender="male",
                                          citizen_id="037192001234"), NOW)
    assert (result.participant.birth_year, result.participant.gender,
            result.participant.citizen_id) == (None, None, None)


def test_optional_fields_may_be_left_blank(app_ctx):
    contest = factories.make_contest()
    result = reg.register(contest, _input(contest, birth_year="", gender=None,
                                          citizen_id=""), NOW)
    assert result.participant.birth_year is None


def test_entry_point_is_attributed_only_within_the_contest(app_ctx):
    contest = factories.make_contest()
    mine = factories.make_entry_point(contest)
    other = factories.make_entry_point(factories.make_contest())
    first = reg.register(contest, _input(contest, entry_point_id=mine.id), NOW)
    second = reg.register(contest, _input(contest, phone="0987654321",
                                          entry_point_id=other.id), NOW)
    assert first.participant.entry_point_id == mine.id
    assert second.participant.entry_point_id is None


def test_a_known_phone_with_the_same_person_resumes_and_with_another_makes_a_new_one(app_ctx):
    """Formerly any registration with a known phone pointed at its participant, which told
    a stranger that the phone was registered. Now only the same name and birth year resume."""
    contest = factories.make_contest()
    first = reg.register(contest, _input(contest), NOW).participant
    again = reg.register(contest, _input(contest, phone="+84 912 345 678",
                                         full_name="nguyen thi HOA"), NOW)
    assert again.resumed and again.participant.id == first.id
    stranger = reg.register(contest, _input(contest, phone="+84 912 345 678",
                                            full_name="Người Khác"), NOW)
    assert not stranger.resumed and stranger.participant.id != first.id
    assert stranger.participant.personal_code != first.personal_code
    wrong_year = reg.register(contest, _input(contest, birth_year="1986"), NOW)
    assert not wrong_year.resumed
    # The same phone in another contest is a new participant.
    other = factories.make_contest()
    assert not reg.register(other, _input(other), NOW).resumed


def test_a_citizen_id_given_twice_is_stored_and_flagged_for_review_not_refused(app_ctx):
    """Formerly refused with "Số CCCD này đã được đăng ký", which revealed it."""
    from contest.services.results import duplicates

    contest = factories.make_contest()
    first = reg.register(contest, _input(contest, citizen_id="037192001234"), NOW)
    second = reg.register(contest, _input(contest, phone="0987654321", full_name="Lê Văn Tư",
                                          citizen_id="037192001234"), NOW)
    assert second.participant.id != first.participant.id
    groups = duplicates.find_duplicates(contest.id)
    assert any(g.kind == "citizen_id" and set(g.participant_ids) == {
        first.participant.id, second.participant.id} for g in groups)


def test_a_registration_losing_the_race_resumes_the_winner(app_ctx, monkeypatch):
    """Two requests of the same person passed the check together; the unique key decides."""
    contest = factories.make_contest()
    winner = factories.make_participant(contest, phone="+84912345678",
                                        full_name="Nguyễn Thị Hoa", birth_year=1985)
    real_match = reg.matching_participant
    calls = []

    def match_before_the_winner_committed(*args):
        calls.append(args)
        return None if len(calls) == 1 else real_match(*args)

    monkeypatch.setattr(reg, "matching_participant", match_before_the_winner_committed)
    result = reg.register(contest, _input(contest), NOW)
    assert result.resumed and result.participant.id == winner.id
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 1


def test_identity_is_confirmed_by_phone_name_and_birth_year_together(app_ctx):
    """Formerly the birth year or the name alone was enough (a neighbour knows the name;
    the birth year fell in 23 tries)."""
    contest = factories.make_contest()
    participant = reg.register(contest, _input(contest), NOW).participant

    def confirm(phone, name=None, year=None):
        return reg.confirm_identity(contest.id, phone, full_name=name, birth_year=year,
                                    now=NOW)

    def refusal(phone, name=None, year=None, contest_id=contest.id):
        with pytest.raises(RegistrationRefused) as refused:
            reg.confirm_identity(contest_id, phone, full_name=name, birth_year=year, now=NOW)
        return refused.value.message

    assert confirm("84-912-345-678", "  nguyen thi  HOA", "1985").id == participant.id
    assert confirm("0912345678", "Nguyễn Thị Hòa ", "1985").id == participant.id
    assert refusal("0912345678", year="1985") == reg.CONFIRM_NEEDS_BOTH
    assert refusal("0912345678", "Nguyễn Thị Hoa") == reg.CONFIRM_NEEDS_BOTH
    assert refusal("0912345678", "Nguyễn Thị Hoa", "1986") == reg.CONFIRM_MISMATCH
    assert refusal("0912345678", "Nguyễn Văn Nam", "1985") == reg.CONFIRM_MISMATCH
    assert refusal("0987654321", "Nguyễn Thị Hoa", "1985") == reg.CONFIRM_MISMATCH
    assert "không đúng" in refusal("không phải số", "Nguyễn Thị Hoa", "1985")
    other = factories.make_contest()
    assert refusal("0912345678", "Nguyễn Thị Hoa", "1985", other.id) == reg.CONFIRM_MISMATCH


def test_without_a_birth_year_only_the_personal_code_confirms(app_ctx):
    contest = factories.make_contest()
    participant = reg.register(contest, _input(contest, birth_year=""), NOW).participant
    with pytest.raises(RegistrationRefused, match=reg.CONFIRM_NEEDS_BOTH):
        reg.confirm_identity(contest.id, "0912345678", full_name="Nguyễn Thị Hoa",
                             birth_year="", now=NOW)
    typed = participant.personal_code_display.lower().replace("-", " ")
    assert reg.confirm_by_code(contest.id, typed).id == participant.id


def test_personal_codes_are_short_readable_and_checked(app_ctx):
    from contest.models.people import PERSONAL_CODE_ALPHABET

    contest = factories.make_contest()
    people = [reg.register(contest, _input(contest, phone=f"09123450{i:02d}"), NOW).participant
              for i in range(20)]
    codes = {p.personal_code for p in people}
    assert len(codes) == 20
    for code in codes:
        assert len(code) == 8 and set(code) <= set(PERSONAL_CODE_ALPHABET)
        assert not set(code) & set("01OILSBZ")
    other = factories.make_contest()
    for contest_id, typed, message in [(contest.id, "", reg.CODE_INVALID),
                                       (contest.id, "OOOO-1111", reg.CODE_INVALID),
                                       (contest.id, "2222-2222", reg.CODE_UNKNOWN),
                                       (other.id, people[0].personal_code, reg.CODE_UNKNOWN)]:
        with pytest.raises(RegistrationRefused) as refused:
            reg.confirm_by_code(contest_id, typed)
        assert refused.value.message == message and refused.value.field == "personal_code"


def test_a_held_phone_is_refused_alike_when_registering_and_confirming(app_ctx):
    contest = factories.make_contest()
    for _ in range(phone_holds.TRY_LIMIT):
        phone_holds.record_try(contest.id, "+84912345678", NOW)
    with pytest.raises(phone_holds.PhoneHeld) as held:
        reg.register(contest, _input(contest), NOW)
    assert held.value.message == phone_holds.HELD_MESSAGE and held.value.field == "phone"
    with pytest.raises(phone_holds.PhoneHeld):
        reg.confirm_identity(contest.id, "0912345678", full_name="Nguyễn Thị Hoa",
                             birth_year="1985", now=NOW)
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 0
