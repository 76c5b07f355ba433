"""One shape of "refused": every service refusal is a DomainError with a Vietnamese message."""

from __future__ import annotations

import pytest

from contest.helpers.tables import TableRefused
from contest.services.activity_log.activities import ActivityInvalid, PermissionDenied
from contest.services.bank.word_import import WordRefused
from contest.services.contests.entry_points import EntryPointError
from contest.services.errors import DomainError
from contest.services.people.units import UnitError
from contest.services.people.users import UserError
from contest.services.results.duplicates import DecisionError
from contest.services.results.publication import PublicationError
from contest.services.results.ranking import RankingError
from contest.services.taking import attempts
from contest.services.taking.phone_holds import HoldError
from contest.services.taking.registration import PhoneError, normalise_phone

REFUSALS = [UserError, UnitError, EntryPointError, DecisionError, PublicationError,
            RankingError, TableRefused, attempts.AttemptError, attempts.BankTooSmall,
            attempts.NotAllowed, attempts.InvalidAnswer, attempts.TooLate, PermissionDenied,
            WordRefused, HoldError]


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
    several = ActivityInvalid({"title": "Thiếu tên.", "date_start": "Thiếu ngày."})
    assert several.field is None and several.message == "Thiếu tên.; Thiếu ngày."
    assert ActivityInvalid({"title": "Thiếu tên."}).field == "title"
