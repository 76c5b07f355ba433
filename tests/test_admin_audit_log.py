"""The audit log page: admins browse and filter; everyone else gets a Vietnamese 403."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.helpers import audit
from contest.models import AuditEntry, User
from tests import factories


def add_entry(user_id, action, object_type, at, summary, before=None, after=None):
    entry = audit.record(user_id, action, object_type=object_type, object_id=1,
                         summary=summary, before=before, after=after)
    entry.at = at
    db.session.commit()


@pytest.fixture
def entries(app):
    """Three entries by two people, a day apart (times in UTC; pages show Vietnam time)."""
    with app.app_context():
        alice = factories.make_user("organiser", username="alice")
        bob = factories.make_user("organiser", username="bob")
        add_entry(alice.id, "unit.update", "unit", datetime(2026, 3, 1, 3, 0, tzinfo=UTC),
                  "Sửa đơn vị Tổ 1", before={"population": 500}, after={"population": 620})
        add_entry(bob.id, "entry_point.create", "entry_point",
                  datetime(2026, 3, 2, 3, 0, tzinfo=UTC), "Tạo mã QR PANO01",
                  after={"code": "PANO01"})
        # 23:30 on 2 March in Vietnam is still 2 March there, though 16:30 UTC.
        add_entry(alice.id, "unit.merge", "unit", datetime(2026, 3, 2, 16, 30, tzinfo=UTC),
                  "Gộp đơn vị Tổ 2 vào Tổ 1")
        return {"alice": alice.id, "bob": bob.id}


def page_text(client, query: str = "") -> str:
    response = client.get("/admin/audit_log/" + query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_admin_sees_entries_with_before_and_after(client, login_as, entries):
    login_as("admin")
    text = page_text(client)
    for summary in ("Sửa đơn vị Tổ 1", "Tạo mã QR PANO01", "Gộp đơn vị Tổ 2 vào Tổ 1"):
        assert summary in text
    assert "<del>500</del> → <ins>620</ins>" in text
    # Newest first.
    assert text.index("Gộp đơn vị") < text.index("Tạo mã QR") < text.index("Sửa đơn vị")


@pytest.mark.parametrize(("query", "shown", "hidden"), [
    ("?action=merge", ["Gộp đơn vị"], ["Sửa đơn vị", "Tạo mã QR"]),
    ("?object_type=entry_point", ["Tạo mã QR"], ["Sửa đơn vị", "Gộp đơn vị"]),
    ("?date_from=2026-03-02&date_to=2026-03-02", ["Tạo mã QR", "Gộp đơn vị"], ["Sửa đơn vị"]),
    ("?date_to=2026-03-01", ["Sửa đơn vị"], ["Tạo mã QR", "Gộp đơn vị"]),
])
def test_filters(client, login_as, entries, query, shown, hidden):
    login_as("admin")
    text = page_text(client, query)
    for summary in shown:
        assert summary in text
    for summary in hidden:
        assert summary not in text


def test_filter_by_user(client, login_as, entries):
    login_as("admin")
    text = page_text(client, f"?user_id={entries['bob']}")
    assert "Tạo mã QR" in text and "Sửa đơn vị" not in text


def test_bad_filter_values_give_a_message_not_an_error(client, login_as, entries):
    login_as("admin")
    text = page_text(client, "?date_from=hom-qua&user_id=abc&page=-4")
    assert "Ngày không hợp lệ" in text
    assert "Sửa đơn vị Tổ 1" in text  # the bad filter is ignored, the rest still shows
    # Years that would overflow the time-zone arithmetic: a message, not a 500.
    for query in ("?date_from=0001-01-01", "?date_to=31/12/9999"):
        assert "Hãy chọn ngày trong các năm từ 2000 đến 2100" in page_text(client, query)


def test_pagination_keeps_the_filter(app, client, login_as):
    app.config["ADMIN_PAGE_SIZE"] = 5
    login_as("admin")
    with app.app_context():
        for n in range(12):
            audit.record(None, "unit.create", object_type="unit", object_id=n,
                         summary=f"Thêm đơn vị số {n:02d}")
        audit.record(None, "user.create", object_type="user", summary="Tạo tài khoản x")
        db.session.commit()
    first = page_text(client, "?object_type=unit")
    assert "Trang 1/3" in first and "Thêm đơn vị số 11" in first
    assert "object_type=unit" in first.split("Trang sau")[0].rsplit("href=", 1)[1]
    last = page_text(client, "?object_type=unit&page=3")
    assert "Thêm đơn vị số 00" in last and "Tạo tài khoản x" not in last


@pytest.mark.parametrize("role", ["organiser", "viewer", "unit_reporter"])
def test_other_roles_get_a_vietnamese_403(client, login_as, entries, role):
    login_as(role, unit=None)
    response = client.get("/admin/audit_log/")
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "Không có quyền truy cập" in text
    assert "Sửa đơn vị" not in text


def test_every_kind_of_change_in_this_area_is_logged_with_its_actor(app, client, login_as):
    """One pass through units, QR codes and users; each change leaves its own entry."""
    login_as("admin", username="quantri")
    with app.app_context():
        contest_id = factories.make_contest().id
        target_id = factories.make_unit("Tổ dân phố 20").id
    client.post("/admin/units/new", data={"name": "Tổ dân phố 21", "kind": "residential_group"})
    with app.app_context():
        source_id = db.session.scalar(sa.select(factories.Unit.id)
                                      .where(factories.Unit.name == "Tổ dân phố 21"))
    client.post(f"/admin/units/{source_id}/edit", data={
        "name": "Tổ dân phố 21", "kind": "residential_group", "population": "40", "active": "y"})
    client.post(f"/admin/units/{source_id}/merge", data={"target_id": target_id})
    client.post(f"/admin/units/{source_id}/activate")
    client.post(f"/admin/units/{source_id}/deactivate")
    client.post("/admin/entry_points/new", data={
        "contest_id": contest_id, "label": "Pano", "kind": "pano", "code": "PANO20",
        "active": "y"})
    with app.app_context():
        entry_id = db.session.scalar(sa.select(factories.EntryPoint.id))
    client.post(f"/admin/entry_points/{entry_id}/edit", data={
        "contest_id": contest_id, "label": "Pano mới", "kind": "pano", "code": "PANO20",
        "active": "y"})
    client.post(f"/admin/entry_points/{entry_id}/deactivate")
    client.post(f"/admin/entry_points/{entry_id}/activate")
    client.post("/admin/users/new", data={"username": "moi", "full_name": "Mới",
                                          "role": "viewer"})
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.username == "moi"))
    client.post(f"/admin/users/{user_id}/edit", data={"full_name": "Mới", "role": "organiser"})
    client.post(f"/admin/users/{user_id}/reset-password")
    client.post(f"/admin/users/{user_id}/deactivate")
    client.post(f"/admin/users/{user_id}/activate")
    with app.app_context():
        # Sign-ins are logged too (test_audit_readable); here, the changes.
        logged = db.session.execute(sa.select(AuditEntry.action, User.username)
                                    .join(User, AuditEntry.user_id == User.id)
                                    .where(~AuditEntry.action.startswith("auth."))).all()
    assert {username for _action, username in logged} == {"quantri"}
    assert {action for action, _username in logged} == {
        "unit.create", "unit.update", "unit.merge", "unit.activate", "unit.deactivate",
        "entry_point.create", "entry_point.update", "entry_point.deactivate",
        "entry_point.activate", "user.create", "user.update", "user.reset_password",
        "user.deactivate", "user.activate",
    }
