"""Prizes: a minimum score per tier, and a contest-wide structure copied into new rounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from contest.extensions import db
from contest.models import Contest, ParticipantCategory, Round
from contest.services.results import prizes
from contest.services.results.ranking import RankedRow, RankRow
from tests import factories as f
from tests.ranking_factories import add_attempt

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _ranked(*scores: int) -> list[RankedRow]:
    return [RankedRow(i, RankRow(i, score, 60_000, T0), None)
            for i, score in enumerate(scores, start=1)]


def test_a_tier_is_not_awarded_below_its_minimum():
    tiers = [{"name": "Giải Nhất", "count": 1, "min_score": 18},
             {"name": "Giải Nhì", "count": 1, "min_score": 12},
             {"name": "Giải Khuyến khích", "count": 3, "min_score": 10}]
    winners = prizes.award(_ranked(15, 11, 10, 4), tiers)
    # Nobody reaches 18: no Giải Nhất; 15 gets Giải Nhì; 11 and 10 Khuyến khích; 4 nothing.
    assert [(w.participant_id, w.prize) for w in winners] == [
        (1, "Giải Nhì"), (2, "Giải Khuyến khích"), (3, "Giải Khuyến khích")]


def test_without_minimums_prizes_go_down_the_ranking_as_before():
    winners = prizes.award(_ranked(4, 3, 2), [{"name": "Giải Nhất", "count": 1},
                                              {"name": "Giải Nhì", "count": 5}])
    assert [w.prize for w in winners] == ["Giải Nhất", "Giải Nhì", "Giải Nhì"]


def _contest_form(**overrides) -> dict:
    ids = [c.id for c in db.session.scalars(sa.select(ParticipantCategory))]
    data = {
        "title": "Cuộc thi giải thưởng", "slug": "giai-thuong", "organiser": "UBND phường",
        "rules": "Thể lệ", "status": "draft", "birth_year_mode": "optional",
        "gender_mode": "hidden", "citizen_id_mode": "optional",
        "category_ids": [str(i) for i in ids[:1]], "action": "save",
        "prize_tiers-0-name": "Giải Nhất", "prize_tiers-0-count": "1",
        "prize_tiers-0-min_score": "18", "prize_tiers-0-value": "Giấy khen và 1.000.000 đồng",
        "prize_tiers-1-name": "Giải Khuyến khích", "prize_tiers-1-count": "5",
        "prize_tiers-1-min_score": "10",
    }
    data.update(overrides)
    return data


def test_contest_prize_structure_is_saved_and_copied_into_a_new_round(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        data = _contest_form()
    response = client.post("/admin/contests/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        contest = db.session.scalar(sa.select(Contest).where(Contest.slug == "giai-thuong"))
        assert contest.prize_tiers == [
            {"name": "Giải Nhất", "count": 1, "value": "Giấy khen và 1.000.000 đồng",
             "min_score": 18},
            {"name": "Giải Khuyến khích", "count": 5, "min_score": 10}]
        # An earlier round with other prizes: the new round still takes the contest's.
        f.make_round(contest, prize_tiers=[{"name": "Giải cũ", "count": 9}])
        contest_id = contest.id
    page = client.get(f"/admin/contests/{contest_id}/rounds/new").get_data(as_text=True)
    assert 'value="Giải Khuyến khích"' in page and 'value="18"' in page
    assert "Giải cũ" not in page


def test_a_bad_minimum_is_refused_in_vietnamese(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        data = _contest_form(**{"prize_tiers-0-min_score": "-3"})
    response = client.post("/admin/contests/new", data=data)
    assert response.status_code == 422
    assert "Điểm tối thiểu của “Giải Nhất” phải từ 0 đến" in response.get_data(as_text=True)


def test_results_page_leaves_a_tier_unawarded_below_its_minimum(app, client, login_as):
    with app.app_context():
        contest = f.make_contest()
        opens = f.now() - timedelta(days=8)
        round_ = f.make_round(contest, opens_at=opens, closes_at=opens + timedelta(days=7),
                              has_prediction=False,
                              prize_tiers=[{"name": "Giải Nhất", "count": 1, "min_score": 9},
                                           {"name": "Giải Khuyến khích", "count": 2,
                                            "min_score": 5}])
        add_attempt(round_, f.make_participant(contest, full_name="Người Tám Điểm"), score=8)
        add_attempt(round_, f.make_participant(contest, full_name="Người Bốn Điểm"), score=4)
        round_id = round_.id
    login_as("viewer")
    text = client.get(f"/admin/results/rounds/{round_id}").get_data(as_text=True)
    winners = text[text.index("Người đạt giải"):text.index("Bảng xếp hạng")]
    assert "Người Tám Điểm" in winners and "Giải Khuyến khích" in winners
    assert "Giải Nhất" not in winners and "Người Bốn Điểm" not in winners
    assert "Điểm tối thiểu để nhận giải: Giải Nhất từ 9 điểm" in text
    with app.app_context():
        assert db.session.get(Round, round_id).prize_tiers[0]["min_score"] == 9
