"""Draws prepared ahead of "Bắt đầu": used once, never stale, never shown, drawn per resident."""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from contest.extensions import db
from contest.models import Attempt, PreparedDraw, Question
from contest.services.bank.questions import QuestionData, update_question
from contest.services.taking import attempts as svc
from tests import factories


def _setup(**round_fields):
    factories.make_bank(per_area=6, codes="ab")
    contest = factories.make_contest()
    round_ = factories.make_round(contest, quota={"a": 3, "b": 2}, **round_fields)
    return contest, round_


def _prepared(participant_id: int, round_id: int) -> PreparedDraw | None:
    db.session.expire_all()
    return db.session.get(PreparedDraw, (participant_id, round_id))


def _served(attempt: Attempt) -> list[list]:
    return [[i.question_id, i.question_version_id, i.content_area_id, i.option_order]
            for i in svc.load_items(attempt)]


def test_the_press_serves_the_prepared_draw_and_uses_it_up(app_ctx):
    contest, round_ = _setup()
    participant = factories.make_participant(contest)
    now = factories.now()
    assert svc.prepare_draws(round_, [participant.id], now) == 1
    db.session.commit()
    prepared = _prepared(participant.id, round_.id).items
    assert len(prepared) == 5
    attempt = svc.start_attempt(participant.id, round_.id, now)
    assert _served(attempt) == prepared
    assert _prepared(participant.id, round_.id) is None  # used once


def test_a_stale_draw_is_dropped_and_drawn_afresh(app_ctx):
    contest, round_ = _setup()
    first, second = factories.make_participant(contest), factories.make_participant(contest)
    now = factories.now()
    svc.prepare_draws(round_, [first.id, second.id], now)
    db.session.commit()
    # A question of the first draw is edited: its served version would no longer be current.
    edited_id = _prepared(first.id, round_.id).items[0][0]
    question = db.session.get(Question, edited_id)
    update_question(question, QuestionData(
        content_area_id=question.content_area_id, text=question.text + " (sửa)",
        options=list(question.options), correct_option=question.correct_option))
    db.session.commit()
    attempt = svc.start_attempt(first.id, round_.id, now)
    assert all(item.version.is_current for item in svc.load_items(attempt))
    # A changed quota makes every prepared draw stale.
    round_.question_quota = {"a": 2, "b": 2}
    db.session.commit()
    attempt = svc.start_attempt(second.id, round_.id, now)
    assert len(svc.load_items(attempt)) == 4


def test_the_sweep_prepares_for_open_and_coming_rounds_and_forgets_closed_ones(app, runner):
    with app.app_context():
        now = factories.now()
        contest, open_round = _setup()
        coming = factories.make_round(contest, quota={"a": 1},
                                      opens_at=now + timedelta(days=8))
        closed = factories.make_round(contest, quota={"a": 1},
                                      opens_at=now - timedelta(days=10),
                                      closes_at=now - timedelta(days=9))
        people = [factories.make_participant(contest) for _ in range(3)]
        done = factories.make_participant(contest)  # no attempt left in the open round
        svc.start_attempt(done.id, open_round.id, now)
        db.session.add(PreparedDraw(participant_id=done.id, round_id=closed.id,
                                    quota={"a": 1}, items=[], prepared_at=now))
        db.session.commit()
        ids = {p.id for p in people}
        round_ids = (open_round.id, coming.id, closed.id, done.id)
    result = runner.invoke(args=["attempts", "sweep"])
    assert result.exit_code == 0, result.output
    assert "Đã chuẩn bị sẵn đề cho 7 lượt thi" in result.output  # 3 + 3 + done's next round
    with app.app_context():
        open_id, coming_id, closed_id, done_id = round_ids
        rows = db.session.execute(sa.select(PreparedDraw.participant_id,
                                            PreparedDraw.round_id)).all()
        assert {(p, r) for p, r in rows} == (
            {(p, open_id) for p in ids} | {(p, coming_id) for p in ids | {done_id}})


def test_registering_prepares_the_draw_and_pages_never_show_it(app, client):
    from contest.models import ParticipantCategory

    with app.app_context():
        contest, round_ = _setup()
        unit_id = factories.make_unit().id
        category_id = db.session.scalar(sa.select(ParticipantCategory.id).limit(1))
        slug, round_id = contest.slug, round_.id
    response = client.post(f"/c/{slug}/register", data={
        "full_name": "Lê Văn Chuẩn Bị", "phone": "0912 300 400", "birth_year": "1960",
        "consent": "y", "unit": str(unit_id), "category": str(category_id)})
    assert response.status_code == 302
    with app.app_context():
        prepared = db.session.scalar(sa.select(PreparedDraw).where(
            PreparedDraw.round_id == round_id))
        assert prepared is not None
        texts = [db.session.get(Question, item[0]).text for item in prepared.items]
    page = client.get(f"/c/{slug}").get_data(as_text=True)
    for text in texts:
        assert text not in page
    assert "prepared" not in page.lower()


def test_prepared_draws_differ_from_resident_to_resident(app_ctx):
    contest, round_ = _setup()
    people = [factories.make_participant(contest) for _ in range(12)]
    svc.prepare_draws(round_, [p.id for p in people], factories.now(), random.Random(7))
    db.session.commit()
    draws = {tuple(q for q, *_ in _prepared(p.id, round_.id).items) for p in people}
    assert len(draws) > 1
