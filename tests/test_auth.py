"""Organiser sign-in: right and wrong passwords, inactive users, the ``next`` redirect, logout."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import User
from tests import factories
from tests.helpers import sign_in

WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."


def signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_right_password_signs_in_and_admin_home_shows_user_and_role(app, client):
    with app.app_context():
        factories.make_user("organiser", username="tochuc")
    response = sign_in(client, "  ToChuc ")  # typed with spaces and capitals
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    page = client.get("/admin/").get_data(as_text=True)
    assert "tochuc" in page and "Người dùng organiser" in page
    assert "Ban tổ chức" in page  # the role, in Vietnamese


def test_wrong_password_shows_message_and_does_not_sign_in(app, client):
    with app.app_context():
        factories.make_user("admin", username="quantri")
    response = sign_in(client, "quantri", "mat-khau-sai-roi")
    assert response.status_code == 422
    assert WRONG in response.get_data(as_text=True)
    assert not signed_in(client)


def test_overlong_username_gets_a_vietnamese_message(app, client):
    response = sign_in(client, "a" * 61, "mat-khau-sai-roi")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Tối đa 60 ký tự" in page
    assert "Field cannot be longer" not in page
    assert not signed_in(client)


def test_unknown_user_gets_the_same_message(app, client):
    response = sign_in(client, "khongco", "mat-khau-sai-roi")
    assert response.status_code == 422 and WRONG in response.get_data(as_text=True)
    assert not signed_in(client)


@pytest.mark.parametrize("username", ["khongco", "admin1", "ten\x01la"])
def test_a_wrong_sign_in_checks_one_password_hash_whether_or_not_the_user_exists(
        app, client, monkeypatch, username):
    """The time of a wrong answer does not tell which usernames exist: unknown ones are
    checked against a hash of the same cost (bench/bench_login_timing.py measures it)."""
    import contest.models.user as user_model

    with app.app_context():
        factories.make_user("organiser", username="admin1")
    checked: list[str] = []
    real = user_model.check_password_hash

    def counting(password_hash, password):
        checked.append(password_hash.split("$", 1)[0])
        return real(password_hash, password)

    monkeypatch.setattr(user_model, "check_password_hash", counting)
    with app.app_context():
        real_method = db.session.scalar(sa.select(User.password_hash)).split("$", 1)[0]
    response = sign_in(client, username, "mat-khau-sai-roi")
    assert response.status_code == 422 and WRONG in response.get_data(as_text=True)
    assert checked == [real_method]


def test_empty_form_asks_for_both_fields(app, client):
    response = client.post("/login", data={})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Vui lòng nhập tên đăng nhập." in page and "Vui lòng nhập mật khẩu." in page


def test_inactive_user_is_refused(app, client):
    with app.app_context():
        factories.make_user("organiser", username="dakhoa", active=False)
    response = sign_in(client, "dakhoa")
    assert response.status_code == 422
    assert "Tài khoản này đã bị khóa" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_user_deactivated_while_signed_in_loses_access(app, client):
    from contest.extensions import db
    from contest.models import User

    with app.app_context():
        user_id = factories.make_user("organiser", username="sapkhoa").id
    assert sign_in(client, "sapkhoa").status_code == 302 and signed_in(client)
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("next_url", [
    "//evil.example",
    "https://evil.example",
    "http://evil.example/admin/",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "/\t/evil.example",
    " //evil.example",
    "evil.example",
])
def test_unsafe_next_is_ignored(app, client, next_url):
    with app.app_context():
        factories.make_user("admin", username="quantri")
    response = sign_in(client, "quantri", next_url=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


@pytest.mark.parametrize("next_url", ["/admin/", "/admin/questions/?page=2"])
def test_safe_next_is_followed(app, client, next_url):
    with app.app_context():
        factories.make_user("unit_reporter", username="baocao",
                            unit=factories.make_unit("Tổ dân phố Thử"))
    response = sign_in(client, "baocao", next_url=next_url)
    assert response.status_code == 302
    # A unit reporter's home is elsewhere, so following `next` is visible.
    assert response.headers["Location"] == next_url


def test_anonymous_admin_redirects_to_login_with_next(app, client):
    response = client.get("/admin/")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login") and "next=%2Fadmin%2F" in location


def test_logout_requires_post(app, client, login_as):
    login_as("organiser")
    assert client.get("/logout").status_code == 405
    assert signed_in(client)
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not signed_in(client)


def test_signed_in_user_visiting_login_goes_home(app, client, login_as):
    login_as("admin")
    response = client.get("/login")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"


def test_password_is_stored_hashed(app_ctx):
    user = factories.make_user("admin", username="bam")
    assert factories.PASSWORD not in user.password_hash
    assert user.check_password(factories.PASSWORD) and not user.check_password("khac")


class TestWithCsrf:
    """The real configuration: CSRF on, as `make run` serves it."""

    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_login_needs_the_form_token(self, app, client):
        with app.app_context():
            factories.make_user("admin", username="quantri")
        refused = client.post("/login", data={"username": "quantri",
                                               "password": factories.PASSWORD})
        assert refused.status_code == 400 and not signed_in(client)
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post("/login", data={
            "username": "quantri", "password": factories.PASSWORD, "csrf_token": token,
        })
        assert response.status_code == 302 and signed_in(client)
