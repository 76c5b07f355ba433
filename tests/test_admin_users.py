"""User management (admins only) and a user's own password change."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import AuditEntry, User
from contest.models.user import MIN_PASSWORD_LENGTH
from contest.services.people import users as user_service
from contest.services.people.users import UserError
from tests import factories


def user_named(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == username))


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def shown_password(html: str) -> str:
    return re.search(r'class="password-once">([^<]+)<', html).group(1)


def sign_in(client, username: str, password: str):
    return client.post("/login", data={"username": username, "password": password})


def test_admin_creates_a_user_and_the_password_is_shown_once(app, client, login_as):
    login_as("admin")
    response = client.post("/admin/users/new", data={
        "username": "Thu.Ha", "full_name": "Trần Thu Hà", "role": "organiser", "unit_id": ""})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = shown_password(response.get_data(as_text=True))
    assert len(password) >= MIN_PASSWORD_LENGTH
    # Shown in that response only: not in the list, not in a later page's flash.
    assert password not in client.get("/admin/users/").get_data(as_text=True)
    with app.app_context():
        user = user_named("thu.ha")
        assert user.full_name == "Trần Thu Hà" and user.role == "organiser"
        assert user.check_password(password)
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.create"))
        assert entry.after["username"] == "thu.ha"
        assert password not in str(entry.after) and "password_hash" not in entry.after
    client.post("/logout")
    assert sign_in(client, "thu.ha", password).status_code == 302


def test_admin_may_set_the_first_password(app, client, login_as):
    login_as("admin")
    response = client.post("/admin/users/new", data={
        "username": "lanhdao", "full_name": "Lãnh đạo", "role": "viewer",
        "password": "mat-khau-du-dai"})
    assert response.status_code == 200
    with app.app_context():
        assert user_named("lanhdao").check_password("mat-khau-du-dai")


@pytest.mark.parametrize(("fields", "message"), [
    ({"username": ""}, "Vui lòng nhập tên đăng nhập."),
    ({"username": "Nguyễn Văn A"}, "chỉ gồm chữ thường không dấu"),
    ({"username": "ab"}, "dài 3–60 ký tự"),
    ({"full_name": "  "}, "Vui lòng nhập họ và tên."),
    ({"role": "superuser"}, "Vui lòng chọn một mục trong danh sách."),
    ({"password": "ngan"}, f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự."),
    ({"role": "unit_reporter", "unit_id": ""}, "phải chọn đơn vị"),
    ({"unit_id": "abc"}, "Lựa chọn không hợp lệ."),
])
def test_bad_user_input_is_refused(app, client, login_as, fields, message):
    login_as("admin")
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(User.id)))
    data = {"username": "canbo1", "full_name": "Cán bộ", "role": "organiser", "unit_id": "",
            **fields}
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == before


def test_duplicate_username_is_refused(app, client, login_as):
    login_as("admin")
    with app.app_context():
        factories.make_user("viewer", username="vanphong")
    response = client.post("/admin/users/new", data={
        "username": "VanPhong", "full_name": "Văn phòng", "role": "viewer"})
    assert response.status_code == 422
    assert "đã có người dùng" in response.get_data(as_text=True)


def test_unit_reporter_needs_an_active_unit_and_keeps_it(app, client, login_as):
    login_as("admin")
    with app.app_context():
        unit_id = factories.make_unit("Tổ dân phố số 4").id
        closed = factories.make_unit("Tổ dân phố đã giải thể")
        closed.active = False
        db.session.commit()
        closed_id = closed.id
    response = client.post("/admin/users/new", data={
        "username": "tdp4", "full_name": "Tổ trưởng", "role": "unit_reporter",
        "unit_id": closed_id})
    assert response.status_code == 422
    response = client.post("/admin/users/new", data={
        "username": "tdp4", "full_name": "Tổ trưởng", "role": "unit_reporter",
        "unit_id": unit_id})
    assert response.status_code == 200
    with app.app_context():
        assert user_named("tdp4").unit_id == unit_id
    # Another role drops the unit: only unit reporters belong to one.
    response = client.post("/admin/users/new", data={
        "username": "bantc2", "full_name": "Ban tổ chức", "role": "organiser",
        "unit_id": unit_id})
    with app.app_context():
        assert user_named("bantc2").unit_id is None


def test_edit_changes_role_and_is_audited(app, client, login_as):
    login_as("admin")
    with app.app_context():
        user_id = factories.make_user("viewer", username="xem").id
    response = client.post(f"/admin/users/{user_id}/edit", data={
        "full_name": "Người xem", "role": "organiser", "unit_id": ""})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).role == "organiser"
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.update"))
        assert entry.before["role"] == "viewer" and entry.after["role"] == "organiser"


def test_last_active_admin_cannot_be_deactivated_or_demoted(app, client, login_as):
    login_as("admin", username="quantri")
    with app.app_context():
        me = user_named("quantri")
        other = factories.make_user("admin", username="quantri2")
        me_id, other_id = me.id, other.id
    # Two admins: one may lock the other.
    response = client.post(f"/admin/users/{other_id}/deactivate", follow_redirects=True)
    assert "Đã khóa tài khoản quantri2" in response.get_data(as_text=True)
    # Now the signed-in admin is the last one: no demotion, no lock.
    response = client.post(f"/admin/users/{me_id}/edit", data={
        "full_name": "Quản trị", "role": "organiser", "unit_id": ""})
    assert response.status_code == 422
    assert "tài khoản quản trị cuối cùng" in response.get_data(as_text=True)
    with app.app_context():
        me = db.session.get(User, me_id)
        with pytest.raises(UserError, match="cuối cùng"):
            user_service.set_active(me, False, actor_id=None)
        with pytest.raises(UserError, match="tự khóa"):
            user_service.set_active(me, False, actor_id=me_id)
        db.session.rollback()
        assert db.session.get(User, me_id).role == "admin"
        assert db.session.get(User, me_id).active is True
        assert actions().count("user.deactivate") == 1


def test_an_inactive_admin_does_not_count_as_another_admin(app_ctx):
    last = factories.make_user("admin")
    factories.make_user("admin", active=False)
    with pytest.raises(UserError, match="cuối cùng"):
        user_service.update_user(last, full_name="A", role="viewer", unit_id=None, actor_id=None)


def test_deactivated_user_cannot_sign_in_and_reactivation_restores(app, client, login_as):
    with app.app_context():
        target_id = factories.make_user("organiser", username="nghiviec").id
    login_as("admin")
    assert client.post(f"/admin/users/{target_id}/deactivate").status_code == 302
    assert client.post(f"/admin/users/{target_id}/activate").status_code == 302
    with app.app_context():
        assert db.session.get(User, target_id).active is True
        assert actions()[-2:] == ["user.deactivate", "user.activate"]
    signed_in_elsewhere = app.test_client()
    assert sign_in(signed_in_elsewhere, "nghiviec", factories.PASSWORD).status_code == 302
    assert client.post(f"/admin/users/{target_id}/deactivate").status_code == 302
    # A session opened before the lock no longer works.
    response = signed_in_elsewhere.get("/admin/units/")
    assert response.status_code == 302 and "/login" in response.location
    other = app.test_client()
    response = sign_in(other, "nghiviec", factories.PASSWORD)
    assert response.status_code == 422
    assert "đã bị khóa" in response.get_data(as_text=True)


def test_reset_password_shows_a_new_one_once(app, client, login_as):
    with app.app_context():
        target_id = factories.make_user("organiser", username="quenmk").id
    login_as("admin")
    response = client.post(f"/admin/users/{target_id}/reset-password")
    assert response.status_code == 200
    password = shown_password(response.get_data(as_text=True))
    assert len(password) >= MIN_PASSWORD_LENGTH and password != factories.PASSWORD
    assert password not in client.get("/admin/users/").get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, target_id)
        assert user.check_password(password) and not user.check_password(factories.PASSWORD)
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "user.reset_password"))
        assert entry.object_id == str(target_id)
        assert password not in f"{entry.summary}{entry.before}{entry.after}"
    # A second reset gives a different password: the first one is gone for good.
    again = shown_password(client.post(f"/admin/users/{target_id}/reset-password")
                           .get_data(as_text=True))
    assert again != password


def test_users_change_their_own_password(app, client, login_as):
    login_as("unit_reporter", unit=None, username="baocao")
    response = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "ngan",
        "confirm": "ngan"})
    assert response.status_code == 422
    assert f"ít nhất {MIN_PASSWORD_LENGTH} ký tự" in response.get_data(as_text=True)
    response = client.post("/account/password", data={
        "current_password": "sai-mat-khau", "new_password": "mat-khau-moi-dai",
        "confirm": "mat-khau-moi-dai"})
    assert response.status_code == 422
    assert "Mật khẩu hiện tại không đúng." in response.get_data(as_text=True)
    response = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "mat-khau-moi-dai",
        "confirm": "mat-khau-moi-dai"})
    assert response.status_code == 302
    with app.app_context():
        assert user_named("baocao").check_password("mat-khau-moi-dai")
        assert "user.change_password" in actions()


def test_only_admins_reach_user_management(app, client, login_as):
    login_as("organiser")
    response = client.get("/admin/users/")
    assert response.status_code == 403
    assert "không được phép" in response.get_data(as_text=True)
    response = client.post("/admin/users/new", data={
        "username": "chen", "full_name": "Chen", "role": "admin"})
    assert response.status_code == 403
    with app.app_context():
        assert user_named("chen") is None


def test_reporter_of_a_since_deactivated_unit_can_still_be_edited(app, client, login_as):
    login_as("admin")
    with app.app_context():
        unit = factories.make_unit("Tổ dân phố sắp giải thể")
        reporter = factories.make_user("unit_reporter", username="tdpcu", unit=unit)
        unit.active = False
        db.session.commit()
        reporter_id, unit_id = reporter.id, unit.id
        other_closed = factories.make_unit("Tổ dân phố khác đã giải thể")
        other_closed.active = False
        db.session.commit()
        other_id = other_closed.id
    response = client.post(f"/admin/users/{reporter_id}/edit", data={
        "full_name": "Tổ trưởng (tên mới)", "role": "unit_reporter", "unit_id": unit_id})
    assert response.status_code == 302
    with app.app_context():
        assert user_named("tdpcu").full_name == "Tổ trưởng (tên mới)"
    # Moving the account onto another inactive unit is still refused.
    response = client.post(f"/admin/users/{reporter_id}/edit", data={
        "full_name": "Tổ trưởng", "role": "unit_reporter", "unit_id": other_id})
    assert response.status_code == 422
