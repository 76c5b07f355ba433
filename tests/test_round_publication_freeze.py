"""Published means frozen: a closed round with published results, reopening it, confirming."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest.admin.forms import LOCAL_INPUT_FORMAT, to_local_input
from contest.extensions import db
from contest.models import AuditEntry, ContentArea, ResultPublication, Round
from tests import factories as f
from tests.ranking_factories import add_attempt


@pytest.fixture
def world(app):
    """A published contest whose closed round has two entrants; a later round follows."""
    with app.app_context():
        contest = f.make_contest(slug="cchc-dong-bang")
        opens = f.now() - timedelta(days=8)
        round_ = f.make_round(contest, name="Tuần 1", opens_at=opens,
                              closes_at=opens + timedelta(days=7),
                              prize_tiers=[{"name": "Giải Nhất", "count": 1}])
        later = f.make_round(contest, name="Tuần 2", opens_at=f.now() + timedelta(days=3),
                             closes_at=f.now() + timedelta(days=10))
        add_attempt(round_, f.make_participant(contest, full_name="Trần Thị Ánh"), score=9,
                    correct_count=9, question_count=10)
        add_attempt(round_, f.make_participant(contest, full_name="Lê Văn Bình"), score=7)
        return {"round_id": round_.id, "later_id": later.id, "contest_id": contest.id,
                "slug": contest.slug}


def _publish(client, round_id, **data):
    return client.post(f"/admin/results/rounds/{round_id}/publish", data=data)


def _local(value) -> str:
    return to_local_input(value).strftime(LOCAL_INPUT_FORMAT)


def _edit_data(round_: Round, **overrides) -> dict:
    data = {
        "name": round_.name, "opens_at": _local(round_.opens_at),
        "closes_at": _local(round_.closes_at), "time_limit_minutes": "15",
        "attempts_allowed": "1", "counted_attempt": "best", "has_prediction": "y",
        "prediction_target": "full_marks", "reveal_answers": "after_close",
        "prize_tiers-0-name": "Giải Nhất", "prize_tiers-0-count": "1",
    }
    for area in db.session.scalars(sa.select(ContentArea)):
        data[f"quota_{area.id}"] = str(round_.question_quota.get(area.code, 0))
    data.update(overrides)
    return data


def test_publishing_asks_for_confirmation_and_says_what_residents_see(
        app, client, login_as, world):
    login_as("organiser")
    page = _publish(client, world["round_id"])
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Xác nhận công bố kết quả Tuần 1" in text and "Người dân sẽ thấy" in text
    assert "2 người được xếp hạng" in text and "Trần Thị Ánh" in text
    assert 'name="confirm" value="yes"' in text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ResultPublication.id))) == 0
    done = _publish(client, world["round_id"], confirm="yes")
    assert done.status_code == 302
    assert "Đã công bố kết quả Tuần 1 (lần 1)" in client.get(done.headers["Location"]).get_data(
        as_text=True)


def test_republishing_without_a_reason_is_refused_before_the_confirmation(
        client, login_as, world):
    login_as("organiser")
    _publish(client, world["round_id"], confirm="yes")
    response = _publish(client, world["round_id"])
    assert response.status_code == 302
    assert "vui lòng ghi rõ lý do" in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_published_round_refuses_date_quota_and_prize_changes(app, client, login_as, world):
    login_as("organiser")
    _publish(client, world["round_id"], confirm="yes")
    with app.app_context():
        round_ = db.session.get(Round, world["round_id"])
        later_close = _local(round_.closes_at + timedelta(days=1))
        data = _edit_data(round_, closes_at=later_close, **{"prize_tiers-0-count": "3"})
        renamed = _edit_data(round_, name="Tuần 1 (tháng 1)")
    page = client.get(f"/admin/rounds/{world['round_id']}/edit").get_data(as_text=True)
    assert "mở lại đợt thi" in page
    response = client.post(f"/admin/rounds/{world['round_id']}/edit", data=data)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "đã được công bố nên không thể sửa thời gian kết thúc" in text
    assert "không thể sửa cơ cấu giải" in text
    # What does not change the published results still saves.
    assert client.post(f"/admin/rounds/{world['round_id']}/edit",
                       data=renamed).status_code == 302
    with app.app_context():
        round_ = db.session.get(Round, world["round_id"])
        assert round_.name == "Tuần 1 (tháng 1)" and round_.prize_tiers[0]["count"] == 1


def test_reopening_needs_a_reason_is_audited_and_marks_the_public_page(
        app, client, login_as, world):
    login_as("organiser")
    _publish(client, world["round_id"], confirm="yes")
    detail = client.get(f"/admin/contests/{world['contest_id']}").get_data(as_text=True)
    assert "Mở lại đợt thi" in detail
    url = f"/admin/rounds/{world['round_id']}/reopen"
    assert client.get(url).status_code == 200
    new_close = _local(f.now() + timedelta(days=1))
    refused = client.post(url, data={"closes_at": new_close, "reason": ""})
    assert refused.status_code == 422 and "Vui lòng ghi lý do" in refused.get_data(as_text=True)
    overlap = client.post(url, data={"closes_at": _local(f.now() + timedelta(days=5)),
                                     "reason": "Gia hạn"})
    assert overlap.status_code == 422 and "Trùng thời gian với Tuần 2" in overlap.get_data(
        as_text=True)
    past = client.post(url, data={"closes_at": _local(f.now() - timedelta(hours=1)),
                                  "reason": "Gia hạn"})
    assert past.status_code == 422
    done = client.post(url, data={"closes_at": new_close,
                                  "reason": "Mất điện tối Chủ nhật, gia hạn một ngày"})
    assert done.status_code == 302
    with app.app_context():
        round_ = db.session.get(Round, world["round_id"])
        assert round_.state(f.now()) == "open" and round_.prediction_actual is None
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "round.reopen"))
        assert "Mất điện tối Chủ nhật" in entry.summary and entry.user_id is not None
    public = client.get(f"/c/{world['slug']}/rounds/{world['round_id']}/results")
    assert "Kết quả này chưa cập nhật" in public.get_data(as_text=True)
    assert "chưa cập nhật" in client.get(f"/c/{world['slug']}/results").get_data(as_text=True)
    # Reopened, the round may be edited again; it cannot be reopened twice.
    assert client.get(url).status_code == 302


def test_reopening_an_unpublished_round_is_refused(client, login_as, world):
    login_as("organiser")
    response = client.post(f"/admin/rounds/{world['round_id']}/reopen",
                           data={"closes_at": _local(f.now() + timedelta(days=1)),
                                 "reason": "thử"})
    assert response.status_code == 302
    assert "Chỉ mở lại được" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_republishing_after_the_new_close_clears_the_mark(app, client, login_as, world):
    login_as("organiser")
    _publish(client, world["round_id"], confirm="yes")
    with app.app_context():
        round_ = db.session.get(Round, world["round_id"])
        # Reopened earlier and closed again since.
        round_.closes_at = f.now() - timedelta(minutes=5)
        pub = db.session.scalar(sa.select(ResultPublication))
        pub.published_at = f.now() - timedelta(hours=1)
        db.session.commit()
    public = f"/c/{world['slug']}/rounds/{world['round_id']}/results"
    assert "chưa cập nhật" in client.get(public).get_data(as_text=True)
    assert _publish(client, world["round_id"], confirm="yes",
                    reason="Công bố sau khi gia hạn").status_code == 302
    assert "chưa cập nhật" not in client.get(public).get_data(as_text=True)


def test_viewer_cannot_reopen(client, login_as, world):
    login_as("viewer")
    response = client.post(f"/admin/rounds/{world['round_id']}/reopen",
                           data={"closes_at": _local(f.now() + timedelta(days=1)),
                                 "reason": "thử"})
    assert response.status_code == 403
