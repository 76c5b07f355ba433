"""One shape of "refused": every service refusal is a DomainError with a Vietnamese message."""

from __future__ import annotations

import pytest

from contest.helpers.tables import TableRefused
from contest.services.activity_log.activities import ActivityInvalid, PermissionDenied
from contest.services.bank.word_import import WordRefused
from contest.services.contests.entry_points import EntryPointError
from contest.services.contests.rounds import ContestRefused, RoundRefused
from contest.services.errors import DomainError
from contest.services.people.units import UnitError
from contest.services.people.users import UserError
from contest.services.results.duplicates import DecisionError
from contest.services.results.publication import PublicationError
from contest.services.results.ranking import RankingError
from contest.services.taking import attempts
from contest.services.taking.phone_holds import HoldError, PhoneHeld
from contest.services.taking.registration import PhoneError, RegistrationRefused, normalise_phone

REFUSALS = [UserError, UnitError, EntryPointError, DecisionError, PublicationError,
            RankingError, TableRefused, attempts.AttemptError, attempts.BankTooSmall,
            attempts.NotAllowed, attempts.InvalidAnswer, attempts.TooLate, PermissionDenied,
            WordRefused, HoldError, ActivityInvalid, ContestRefused, RoundRefused,
            RegistrationRefused]


@pytest.mark.parametrize("kind", REFUSALS, ids=lambda kind: kind.__name__)
def test_every_refusal_is_a_domain_error_without_an_http_status(kind):
    error = kind("Không được phép.")
    assert isinstance(error, DomainError)
    assert error.message == str(error) == "Không được phép."
    assert not hasattr(error, "status") and not hasattr(error, "code")


def test_a_refusal_names_its_field_when_it_has_one():
    assert UnitError("Tên đơn vị đã có.", field="name").field == "name"
    assert DomainError("Không được phép.").field is None
    with pytest.raises(PhoneError) as refused:
        normalise_phone("")
    assert refused.value.field == "phone"
    assert refused.value.message == "Vui lòng nhập số điện thoại."
    assert PhoneHeld().field == "phone"


def test_one_shape_carries_no_field_one_field_or_several():
    assert DomainError("Không được phép.").errors == {}
    one = UnitError("Tên đơn vị đã có.", "name")
    assert one.errors == {"name": ["Tên đơn vị đã có."]} and one.message == "Tên đơn vị đã có."
    several = ActivityInvalid(errors={"title": "Thiếu tên.", "date_start": ["Thiếu ngày.",
                                                                            "Sai năm."]})
    assert several.errors == {"title": ["Thiếu tên."], "date_start": ["Thiếu ngày.", "Sai năm."]}
    assert several.field is None and several.message == "Thiếu tên. Thiếu ngày. Sai năm."
    alone = RoundRefused(errors={"name": ["Vui lòng nhập tên đợt thi."]})
    assert alone.field == "name" and alone.message == "Vui lòng nhập tên đợt thi."
    assert RoundRefused("Đợt thi đã khóa.", errors={"name": ["Thiếu tên."]}).message == (
        "Đợt thi đã khóa.")
    with pytest.raises(TypeError):
        DomainError()
    with pytest.raises(TypeError):
        DomainError(errors={})


def test_a_view_shows_a_refusal_beside_its_fields_and_the_rest_above_the_form(app):
    from flask import session
    from flask_wtf import FlaskForm
    from wtforms import FieldList, StringField

    from contest.forms import show_refusal

    class RoundForm(FlaskForm):
        class Meta:
            csrf = False

        name = StringField()
        quota_7 = StringField()
        prize_tiers = FieldList(StringField(), min_entries=1)

    with app.test_request_context("/", method="POST"):
        form = RoundForm()
        refused = RoundRefused(errors={"name": ["Thiếu tên."], "quota_a": ["Thiếu câu."],
                                       "prize_tiers": ["Trùng giải."], "other": ["Lạ."]})
        rest = show_refusal(form, refused, aliases={"quota_a": "quota_7"}, flash_rest=False)
        assert form.name.errors == ["Thiếu tên."] and form.quota_7.errors == ["Thiếu câu."]
        assert rest == ["Trùng giải.", "Lạ."] and "_flashes" not in session
        assert show_refusal(form, UnitError("Tên đơn vị đã có.", "name")) == []
        assert form.name.errors == ["Thiếu tên.", "Tên đơn vị đã có."]
        show_refusal(form, RoundRefused("Đợt thi đã khóa."))
        assert session["_flashes"] == [("error", "Đợt thi đã khóa.")]
