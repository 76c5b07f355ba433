"""Passwords nobody guesses first (ASVS 2.1.1, 2.1.7), and first passwords that their
owner replaces at the first sign-in."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import User
from contest.models.user import MIN_PASSWORD_LENGTH
from contest.services.people import passwords
from tests import factories
from tests.helpers import sign_in

GOOD = "song-hong-chay-qua-ninh-binh"  # noqa: S105
SHORT = f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự."
COMMON = "danh sách mật khẩu phổ biến"
REPEATED = "một ký tự hoặc một cụm ký tự lặp lại"
HAS_USERNAME = "không được chứa tên đăng nhập"


def shown_password(html: str) -> str:
    return re.search(r'class="password-once">([^<]+)<', html).group(1)


def change(client, current: str, new: str):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new, "confirm": new})


def test_the_shipped_list_holds_at_least_ten_thousand_common_passwords():
    listed = passwords.common_passwords()
    assert len(listed) >= 10_000
    assert {"123456", "password", "qwerty123456", "1q2w3e4r5t6y"} <= listed


def test_at_least_twelve_characters():
    assert MIN_PASSWORD_LENGTH >= 12


@pytest.mark.parametrize(("password", "message"), [
    ("aaaaaaaaaa", SHORT),           # the probe's three, all accepted before
    ("1234567890", SHORT),
    ("weak4weak4", SHORT),
    ("aaaaaaaaaaaaaa", REPEATED),
    ("abababababab", REPEATED),
    ("Qwerty123456", COMMON),        # on the list whatever the capitals
    ("1qaz2wsx3edc", COMMON),
    ("nguyenvana-2026", HAS_USERNAME),
    ("NguyenVanA-2026!", HAS_USERNAME),
])
def test_weak_new_passwords_are_refused_in_vietnamese(app, client, login_as, password,
                                                      message):
    login_as("organiser", username="nguyenvana")
    response = change(client, factories.PASSWORD, password)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "nguyenvana"))
        assert user.check_password(factories.PASSWORD)


def test_a_good_password_is_taken(app, client, login_as):
    login_as("organiser", username="tranthib")
    assert change(client, factories.PASSWORD, GOOD).status_code == 302


@pytest.mark.parametrize(("password", "message"), [
    ("qwerty123456", COMMON), ("lanhdao-mat-khau", HAS_USERNAME), ("zzzzzzzzzzzz", REPEATED),
])
def test_an_admin_given_first_password_follows_the_same_rules(app, client, login_as,
                                                              password, message):
    login_as("admin")
    response = client.post("/admin/users/new", data={
        "username": "lanhdao", "full_name": "Lãnh đạo", "role": "viewer",
        "password": password})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_the_cli_refuses_a_common_password(app, runner):
    result = runner.invoke(args=["users", "create", "x2", "--role", "admin",
                                 "--password", "qwerty123456"])
    assert result.exit_code == 1 and COMMON in result.output


def _must_change_then_change(app, username: str, password: str):
    """Sign in with a first password: every page behind sign-in leads to the change form
    until a new password is chosen."""
    client = app.test_client()
    response = sign_in(client, username, password)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/password"
    page = client.get("/account/password").get_data(as_text=True)
    assert "Vui lòng chọn mật khẩu của riêng bạn" in page
    for url in ("/admin/", "/admin/users/", "/reports/", "/activities/"):
        blocked = client.get(url)
        assert blocked.status_code == 302 and blocked.headers["Location"] == "/account/password"
    # Residents' pages are not behind sign-in and stay open.
    assert client.get("/").status_code in (200, 302)
    response = change(client, password, GOOD)
    assert response.status_code == 302 and response.headers["Location"] != "/account/password"
    assert client.get(response.headers["Location"]).status_code == 200
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        assert not user.must_change_password


def test_a_reset_password_must_be_changed_at_first_sign_in(app, client, login_as):
    with app.app_context():
        target_id = factories.make_user("organiser", username="quenmk").id
    login_as("admin")
    password = shown_password(
        client.post(f"/admin/users/{target_id}/reset-password").get_data(as_text=True))
    _must_change_then_change(app, "quenmk", password)


@pytest.mark.parametrize("given", [None, "mot-cau-that-de-nho-2026"])
def test_a_new_accounts_first_password_must_be_changed(app, client, login_as, given):
    login_as("admin")
    data = {"username": "moi.vao", "full_name": "Người mới", "role": "organiser"}
    if given:
        data["password"] = given
    password = shown_password(client.post("/admin/users/new", data=data).get_data(as_text=True))
    _must_change_then_change(app, "moi.vao", password)


def test_the_first_admin_password_must_be_changed(app, runner):
    output = runner.invoke(args=["users", "ensure-admin"]).output
    password = re.search(r"Mật khẩu: (\S+)", output).group(1)
    _must_change_then_change(app, "admin", password)
