"""An audit log people can read: Vietnamese names, 'trường: cũ → mới', local times, folding,
and sign-ins (successful and failed, never the password)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa

from contest.extensions import db
from contest.helpers import audit
from contest.models import AuditEntry
from tests import factories as f
from tests.helpers import sign_in


def test_sign_ins_are_recorded_without_the_password(app, client, login_as):
    with app.app_context():
        user = f.make_user(role="organiser", username="canbo1")
        f.make_user(role="viewer", username="dakhoa", active=False)
        user_id = user.id
    assert sign_in(client, "canbo1", "mat-khau-sai-123").status_code == 422
    assert sign_in(client, "khongco", "mat-khau-sai-456").status_code == 422
    assert sign_in(client, "dakhoa").status_code == 422
    assert sign_in(client, "canbo1").status_code == 302
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
        logged = [(e.action, e.user_id) for e in entries]
        assert logged[-4:] == [("auth.login_failed", None), ("auth.login_failed", None),
                               ("auth.login_failed", None), ("auth.login", user_id)]
        text = " ".join(f"{e.summary} {e.before} {e.after}" for e in entries)
        assert "khongco" in text and "tài khoản đã bị khóa" in text
        assert "mat-khau-sai" not in text and f.PASSWORD not in text


def test_the_log_reads_in_vietnamese_with_local_times_and_folded_texts(app, client, login_as):
    with app.app_context():
        contest = f.make_contest(title="Cuộc thi CCHC")
        entry = audit.record(
            None, "contest.update", object_type="contest", object_id=contest.id,
            summary="Sửa cuộc thi Cuộc thi CCHC",
            before={"title": "Cũ", "practice_enabled": False, "rules": "Thể lệ cũ. " * 200},
            after={"title": "Cuộc thi CCHC", "practice_enabled": True,
                   "rules": "Thể lệ mới. " * 200})
        entry.at = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
        audit.record(None, "round.update", object_type="round", object_id=1,
                     before={"closes_at": "2026-12-06T17:00:00+00:00"},
                     after={"closes_at": "2026-12-07T17:00:00+00:00"})
        db.session.commit()
    login_as("admin")
    page = client.get("/admin/audit_log/").get_data(as_text=True)
    assert "Sửa cuộc thi" in page and "Đăng nhập" in page
    assert "<code>contest.update</code>" not in page
    assert "<strong>tên</strong>: <del>Cũ</del> → <ins>Cuộc thi CCHC</ins>" in page
    assert "<strong>cho phép ôn tập</strong>: <del>Không</del> → <ins>Có</ins>" in page
    # 17:30 UTC is 00:30 the next day in Vietnam, written as every page writes a moment
    # to the second.
    assert re.search(r"<td>00:30:\d\d 02/12/2026</td>", page)
    assert "<strong>kết thúc</strong>: <del>00:00 07/12/2026</del> → <ins>00:00 08/12/2026</ins>" \
        in page
    assert "<details><summary><strong>thể lệ</strong>" in page


def test_the_action_filter_takes_vietnamese_words(app, client, login_as):
    with app.app_context():
        audit.record(None, "unit.merge", object_type="unit", object_id=1, summary="Gộp A vào B")
        audit.record(None, "unit.create", object_type="unit", object_id=2, summary="Tạo C")
        db.session.commit()
    login_as("admin")
    page = client.get("/admin/audit_log/?action=gop don vi").get_data(as_text=True)
    assert "Gộp A vào B" in page and "Tạo C" not in page
