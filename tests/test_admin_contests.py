"""Contests and rounds through the back office, the live view, and the admin home."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import (
    Attempt,
    AuditEntry,
    Contest,
    Round,
)
from tests import factories
from tests.helpers import contest_form, round_form


def audit_entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def make_attempt(round_: Round, **fields) -> Attempt:
    participant = factories.make_participant(round_.contest)
    now = factories.now()
    attempt = Attempt(participant_id=participant.id, round_id=round_.id, started_at=now,
                      deadline=now + timedelta(minutes=15), **fields)
    db.session.add(attempt)
    db.session.commit()
    return attempt


# --- contests -------------------------------------------------------------------------


def test_organiser_creates_and_edits_a_contest_with_audit(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        response = client.post("/admin/contests/new", data=contest_form())
        assert response.status_code == 302
        contest = db.session.scalar(sa.select(Contest).where(Contest.slug == "cchc-2026"))
        assert contest.status == "draft" and contest.gender_mode == "hidden"
        assert len(contest.categories) == 2
        [created] = audit_entries("contest.create")
        assert created.after["slug"] == "cchc-2026" and created.user.role == "organiser"

        response = client.post(f"/admin/contests/{contest.id}/edit",
                               data=contest_form(status="published", birth_year_mode="required",
                                                 min_age="14"))
        assert response.status_code == 302
        [updated] = audit_entries("contest.update")
        assert updated.before == {"birth_year_mode": "optional", "min_age": None,
                                  "status": "draft"}
        assert updated.after == {"birth_year_mode": "required", "min_age": 14,
                                 "status": "published"}
        page = client.get(f"/admin/contests/{contest.id}").get_data(as_text=True)
        assert "<strong>20 câu</strong>" in page and "Đã công bố" in page


@pytest.mark.parametrize("slug, message", [
    ("Cải Cách", "chữ thường không dấu"),
    ("taken", "đã được dùng"),
])
def test_bad_or_duplicate_slug_is_refused(app, client, login_as, slug, message):
    login_as("organiser")
    with app.app_context():
        factories.make_contest(slug="taken")
        response = client.post("/admin/contests/new", data=contest_form(slug=slug))
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
        assert db.session.scalar(sa.select(sa.func.count(Contest.id))) == 1


def test_rules_preview_renders_markdown_without_html_and_saves_nothing(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        response = client.post("/admin/contests/new", data=contest_form(
            rules="## Đối tượng\n\n<script>alert(1)</script> **Nhân dân**", action="preview"))
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "<h2>Đối tượng</h2>" in page and "<strong>Nhân dân</strong>" in page
        assert "<script>alert(1)</script>" not in page
        assert db.session.scalar(sa.select(sa.func.count(Contest.id))) == 0


# --- rounds ---------------------------------------------------------------------------


def test_round_times_are_entered_in_vietnam_time_and_audited(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        factories.make_bank(per_area=2, codes=["a", "b"])
        contest = factories.make_contest()
        response = client.post(f"/admin/contests/{contest.id}/rounds/new", data=round_form())
        assert response.status_code == 302, response.get_data(as_text=True)
        round_ = db.session.scalar(sa.select(Round))
        assert round_.opens_at == datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
        assert round_.question_quota == {"a": 2, "b": 1}
        assert round_.prize_tiers[-1] == {"name": "Giải Khuyến khích", "count": 10}
        [entry] = audit_entries("round.create")
        assert entry.object_id == str(round_.id)
        page = client.get(f"/admin/rounds/{round_.id}/edit").get_data(as_text=True)
        assert 'value="2026-03-02T00:00"' in page

        # The second weekly round starts where the first ends: touching is not overlapping.
        form_page = client.get(f"/admin/contests/{contest.id}/rounds/new").get_data(as_text=True)
        assert 'value="2026-03-09T00:00"' in form_page
        response = client.post(f"/admin/contests/{contest.id}/rounds/new", data=round_form(
            "Đợt 2", opens="2026-03-09T00:00", closes="2026-03-16T00:00"))
        assert response.status_code == 302
        assert len(audit_entries("round.create")) == 2


def test_a_rounds_limits_are_offered_and_refused_in_the_same_words(app, client, login_as):
    """The page's input limits, the form's message and the service's are one rule."""
    from contest.services.contests import rounds

    login_as("organiser")
    with app.app_context():
        factories.make_bank(per_area=2, codes=["a", "b"])
        contest = factories.make_contest()
        page = client.get(f"/admin/contests/{contest.id}/rounds/new").get_data(as_text=True)
        assert re.search(r'<input[^>]*max="240"[^>]*min="1"[^>]*name="time_limit_minutes"', page)
        assert re.search(r'<input[^>]*max="50"[^>]*min="1"[^>]*name="attempts_allowed"', page)
        response = client.post(f"/admin/contests/{contest.id}/rounds/new", data=round_form(
            time_limit_minutes="241", attempts_allowed="51"))
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "Thời gian làm bài phải từ 1 đến 240 phút." in page
        assert "Số lượt thi mỗi người phải từ 1 đến 50." in page
        assert db.session.scalar(sa.select(sa.func.count(Round.id))) == 0
        start = factories.now()
        values = rounds.RoundValues(
            name="Đợt 1", opens_at=start, closes_at=start + timedelta(days=7),
            question_quota={"a": 2}, time_limit_minutes=241, attempts_allowed=51,
            prize_tiers=[{"name": "Giải Nhất", "count": 1}])
        assert rounds.validate_round(values, available={"a": 2, "b": 2}) == {
            "time_limit_minutes": [rounds.TIME_LIMIT_MESSAGE],
            "attempts_allowed": [rounds.ATTEMPTS_MESSAGE]}


def test_quota_the_bank_cannot_fill_is_refused(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        factories.make_bank(per_area=2, codes=["a", "b"])
        factories.make_question("b", active=False)
        contest = factories.make_contest()
        response = client.post(f"/admin/contests/{contest.id}/rounds/new",
                               data=round_form(quota={"a": 2, "b": 3}))
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "chỉ có 2 câu hỏi đang dùng, không đủ 3 câu" in page
        assert db.session.scalar(sa.select(sa.func.count(Round.id))) == 0


def test_overlapping_round_is_refused(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        factories.make_bank(per_area=2, codes=["a", "b"])
        contest = factories.make_contest()
        factories.make_round(contest, name="Đợt 1",
                             opens_at=datetime(2026, 3, 1, 17, 0, tzinfo=UTC))
        response = client.post(f"/admin/contests/{contest.id}/rounds/new", data=round_form(
            "Đợt 2", opens="2026-03-05T00:00", closes="2026-03-12T00:00"))
        assert response.status_code == 422
        assert "Trùng thời gian với Đợt 1" in response.get_data(as_text=True)
        assert db.session.scalar(sa.select(sa.func.count(Round.id))) == 1


def test_settings_are_locked_after_the_first_attempt(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        factories.make_bank(per_area=3, codes=["a", "b"])
        contest = factories.make_contest()
        round_ = factories.make_round(contest, opens_at=datetime(2026, 3, 1, 17, 0, tzinfo=UTC),
                                      quota={"a": 2, "b": 1}, time_limit_minutes=15)
        url = f"/admin/rounds/{round_.id}/edit"

        # Before any attempt, the time limit may change.
        assert client.post(url, data=round_form(time_limit_minutes="20")).status_code == 302
        db.session.refresh(round_)
        assert round_.time_limit_minutes == 20

        make_attempt(round_)
        page = client.get(url).get_data(as_text=True)
        assert "đã có người dự thi" in page
        assert re.search(r'<input[^>]*disabled[^>]*name="time_limit_minutes"', page) or \
            re.search(r'<input[^>]*name="time_limit_minutes"[^>]*disabled', page)

        # A tampered form that sends locked values anyway is refused, nothing changes.
        for tampered in [{"time_limit_minutes": "30"}, {"counted_attempt": "last"},
                         {"prediction_target": "participants"}]:
            response = client.post(url, data=round_form(**tampered))
            assert response.status_code == 422, tampered
            assert "không thể thay đổi" in response.get_data(as_text=True)
        response = client.post(url, data=round_form(quota={"a": 3, "b": 1}))
        assert response.status_code == 422
        db.session.refresh(round_)
        assert (round_.time_limit_minutes, round_.counted_attempt, round_.question_quota) == (
            20, "best", {"a": 2, "b": 1})

        # What a browser sends (disabled inputs left out) saves the other settings.
        browser = round_form(round_name="Đợt 1 (gia hạn)", closes="2026-03-10T00:00")
        for name in ["time_limit_minutes", "counted_attempt", "has_prediction",
                     "prediction_target"] + [k for k in browser if k.startswith("quota_")]:
            browser.pop(name)
        assert client.post(url, data=browser).status_code == 302
        db.session.refresh(round_)
        assert round_.name == "Đợt 1 (gia hạn)" and round_.time_limit_minutes == 20
        assert round_.has_prediction is True and round_.question_quota == {"a": 2, "b": 1}
        updates = audit_entries("round.update")
        assert updates[-1].after["name"] == "Đợt 1 (gia hạn)"
        assert "time_limit_minutes" not in updates[-1].after


# --- live view and home ---------------------------------------------------------------


def test_live_view_counts_attempts_and_lists_latest_submissions(app, client, login_as):
    login_as("viewer")
    with app.app_context():
        round_ = factories.make_round()
        make_attempt(round_)  # in progress
        now = factories.now()
        done = make_attempt(round_, status="submitted", submitted_at=now, question_count=3,
                            correct_count=3, score=3, duration_ms=65_000, finished_by="resident")
        done.participant.full_name = "Trần Thị <b>Hoa</b>"
        db.session.commit()

        page = client.get(f"/admin/rounds/{round_.id}/live").get_data(as_text=True)
        assert "Trần Thị &lt;b&gt;Hoa&lt;/b&gt;" in page and "1 phút 5 giây" in page
        assert "js/admin-live.js" in page

        data = client.get(f"/admin/rounds/{round_.id}/live.json").get_json()
        assert data["ok"] is True and data["state"] == "open"
        assert (data["in_progress"], data["submitted"], data["full_marks"]) == (1, 1, 1)
        assert data["latest"][0]["name"] == "Trần Thị <b>Hoa</b>"


def test_admin_home_shows_user_contests_and_bank(app, client, login_as):
    login_as("organiser", username="bantochuc")
    with app.app_context():
        factories.make_question("a")
        contest = factories.make_contest(title="Cuộc thi CCHC thử")
        factories.make_round(contest, name="Đợt mở", quota={"a": 2})
        page = client.get("/admin/").get_data(as_text=True)
        assert "bantochuc" in page and "Ban tổ chức" in page
        assert "Cuộc thi CCHC thử" in page and "Đợt mở" in page and "Đang mở" in page
        assert "Thiếu 1 câu" in page  # area a has 1 active question, the round draws 2
        assert "Nhập câu hỏi từ Excel" in page


# --- viewers --------------------------------------------------------------------------


def test_viewer_reads_contests_but_sees_no_change_buttons_and_cannot_post(
        app, client, login_as):
    login_as("viewer")
    with app.app_context():
        contest = factories.make_contest()
        round_ = factories.make_round(contest)
        for url in ["/admin/", "/admin/contests/", f"/admin/contests/{contest.id}"]:
            response = client.get(url)
            page = response.get_data(as_text=True)
            assert response.status_code == 200, url
            assert "Tạo cuộc thi" not in page and "Thêm đợt thi" not in page
            assert f"/admin/rounds/{round_.id}/edit" not in page
        assert client.post("/admin/contests/new", data=contest_form()).status_code == 403
        assert client.post(f"/admin/rounds/{round_.id}/edit",
                           data=round_form()).status_code == 403
        assert db.session.scalar(sa.select(sa.func.count(Contest.id))) == 1
        assert audit_entries("contest.create") == []


def test_round_dates_outside_sane_years_get_a_message_not_a_500(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        factories.make_bank(per_area=2, codes=["a", "b"])
        contest = factories.make_contest()
        response = client.post(f"/admin/contests/{contest.id}/rounds/new", data=round_form(
            "Đợt xa", opens="0001-01-01T00:00", closes="9999-12-31T23:59"))
        assert response.status_code in (400, 422)
        assert "Hãy chọn ngày trong các năm từ 2000 đến 2100" in response.get_data(as_text=True)
        assert db.session.scalar(sa.select(sa.func.count(Round.id))) == 0
