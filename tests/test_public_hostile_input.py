"""The resident's journey and sign-in: input that used to end in a 500 or in a
message that did not say what to fix."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import Attempt, Participant
from contest.services.taking import attempts as svc
from tests import factories
from tests.helpers import attempt_at as _attempt
from tests.helpers import public_world as _world
from tests.helpers import register_resident as _register
from tests.helpers import start_round as _start
from tests.helpers import text_of as _text


@pytest.fixture
def world(app, app_ctx):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a bug must show as a 500 here, not raise
    return _world()


def _participants() -> int:
    return db.session.scalar(sa.select(sa.func.count(Participant.id)))


# --------------------------------------------------------------------------- registration


@pytest.mark.parametrize("extra, field_message", [
    # PostgreSQL refuses NUL in text outright: this was a 500 there, and stored as is on SQLite.
    ({"full_name": "Nguyễn\x00 Văn An"}, "Họ và tên có ký tự không hợp lệ"),
    ({"full_name": "Nguyễn\x07Văn An"}, "Họ và tên có ký tự không hợp lệ"),
    ({"unit": "other", "unit_other": "Tổ dân phố\x00 số 9"}, "Tên đơn vị có ký tự không hợp lệ"),
])
def test_control_characters_in_typed_text_get_a_message(client, world, extra, field_message):
    response = _register(client, world, phone="0912 345 671", **extra)
    assert response.status_code == 400
    assert field_message in _text(response)
    assert _participants() == 0
    # Typed again without it, the registration goes through.
    clean = {key: value.replace("\x00", "").replace("\x07", " ") for key, value in extra.items()}
    assert _register(client, world, phone="0912 345 671", **clean).status_code == 302
    assert _participants() == 1


@pytest.mark.parametrize("birth_year", ["9999", "1000"])
def test_birth_year_out_of_range_says_which_years_are_accepted(client, world, birth_year):
    response = _register(client, world, birth_year=birth_year)
    assert response.status_code == 400
    year = factories.now().year  # the contest sets no age limits: 120 years back to this year
    assert f"Năm sinh phải từ {year - 120} đến {year}." in _text(response)
    assert _participants() == 0


# --------------------------------------------------------------------------- late submit


def test_late_submit_of_an_attempt_already_timed_out_says_why(client, world):
    _register(client, world)
    path = _start(client, world)
    assert client.post(path + "/answer", json={"position": 1, "choice": 0}).status_code == 200
    attempt = _attempt(path)
    attempt.deadline = factories.now() - timedelta(minutes=5)
    db.session.commit()
    # The sweep (or an organiser's ranking) grades it before the JS-off form arrives.
    assert svc.expire_overdue(factories.now()) == 1
    response = client.post(path + "/submit", data={"confirm": "yes", "q2": "1", "q3": "1"})
    assert response.status_code == 302 and response.location.endswith("/result")
    page = _text(client.get(response.location))
    assert "Bài gửi sau thời hạn" in page
    assert "đã được nộp trước đó" not in page
    db.session.expire_all()
    attempt = db.session.scalar(sa.select(Attempt).where(Attempt.public_id == attempt.public_id))
    answered = [i.chosen_option is not None for i in svc.load_items(attempt)]
    assert answered == [True, False, False, False, False]  # the saved one kept, late ones not


def test_a_resubmitted_form_in_time_still_says_it_was_submitted(client, world):
    _register(client, world)
    path = _start(client, world)
    assert client.post(path + "/submit", data={"confirm": "yes", "q1": "0"}).status_code == 302
    response = client.post(path + "/submit", data={"confirm": "yes", "q1": "1"})
    page = _text(client.get(response.location))
    assert "đã được nộp trước đó" in page and "sau thời hạn" not in page


# --------------------------------------------------------------------------- sign-in


WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."


@pytest.mark.parametrize("username", ["quantri\x00", "\x00", "quan\x00tri"])
def test_username_with_a_nul_is_an_unknown_user(app, client, username):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.app_context():
        factories.make_user("admin", username="quantri")
    response = client.post("/login", data={"username": username,
                                           "password": factories.PASSWORD})
    assert response.status_code == 422 and WRONG in _text(response)
    assert client.get("/admin/").status_code == 302  # not signed in


@pytest.mark.parametrize("next_url", ["/admin/\r\nX-Injected: 1", "/admin/\nx", "/admin/\x00",
                                      "/admin/\x7f"])
def test_next_with_control_characters_goes_home(app, client, next_url):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.app_context():
        factories.make_user("admin", username="quantri")
    response = client.post("/login", query_string={"next": next_url},
                           data={"username": "quantri", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert "X-Injected" not in response.headers
