"""Taking a round, as services (no HTTP): draw, deadline, answers, submit, expiry, limits."""

from __future__ import annotations

import logging
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from contest.extensions import db
from contest.models import Attempt, AttemptItem, Question, QuestionVersion
from contest.services.bank.questions import QuestionData, update_question
from contest.services.results.ranking import counted_attempt
from contest.services.taking import attempts as svc
from tests import factories

GRACE = 10


def _setup(quota=None, per_area=4, codes="ab", **round_fields):
    factories.make_bank(per_area=per_area, codes=codes)
    contest = factories.make_contest()
    round_ = factories.make_round(contest, quota=quota or {"a": 3, "b": 2}, **round_fields)
    participant = factories.make_participant(contest)
    return contest, round_, participant


def _items(attempt):
    return svc.load_items(attempt)


def _shown_correct(item: AttemptItem) -> int:
    return item.option_order.index(item.version.correct_option)


def _shown_wrong(item: AttemptItem) -> int:
    return next(i for i in range(len(item.option_order)) if i != _shown_correct(item))


# --------------------------------------------------------------------------- drawing


def test_draw_follows_the_quota_without_repeats_from_active_current_versions(app_ctx):
    contest, round_, participant = _setup(quota={"a": 3, "b": 2}, per_area=4)
    inactive = [factories.make_question("a", active=False) for _ in range(3)]
    attempt = svc.start_attempt(participant.id, round_.id, factories.now(),
                                rng=random.Random(1))
    items = _items(attempt)
    assert attempt.question_count == 5 and len(items) == 5
    areas = Counter(db.session.get(Question, i.question_id).content_area.code for i in items)
    assert areas == {"a": 3, "b": 2}
    assert len({i.question_id for i in items}) == 5
    assert not {i.question_id for i in items} & {q.id for q in inactive}
    assert all(i.version.is_current for i in items)
    assert [i.position for i in items] == [1, 2, 3, 4, 5]
    for item in items:
        assert sorted(item.option_order) == list(range(len(item.version.options)))


def test_draw_serves_the_current_version_after_an_edit(app_ctx):
    contest, round_, participant = _setup(quota={"a": 1}, per_area=1, codes="a")
    question = db.session.scalar(sa.select(Question))
    update_question(question, QuestionData(
        content_area_id=question.content_area_id, text="Nội dung đã sửa?",
        options=["Một", "Hai", "Ba"], correct_option=2,
    ))
    db.session.commit()
    attempt = svc.start_attempt(participant.id, round_.id, factories.now())
    (item,) = _items(attempt)
    assert item.version.text == "Nội dung đã sửa?" and item.version.number == 2
    assert len(item.option_order) == 3


def test_question_order_and_option_order_are_shuffled_and_stored(app_ctx):
    factories.make_bank(per_area=6, codes="a")
    contest = factories.make_contest()
    round_ = factories.make_round(contest, quota={"a": 6})
    rng = random.Random(20260101)
    orders, option_orders = set(), set()
    for _ in range(8):
        participant = factories.make_participant(contest)
        attempt = svc.start_attempt(participant.id, round_.id, factories.now(), rng=rng)
        items = _items(attempt)
        orders.add(tuple(i.question_id for i in items))
        option_orders.update(tuple(i.option_order) for i in items)
    assert len(orders) > 1, "question order is not random"
    assert len(option_orders) > 1, "options are not shuffled"
    # Stored: reading the attempt again gives the same questions in the same order.
    again = _items(db.session.get(Attempt, attempt.id))
    assert [(i.question_id, i.option_order) for i in again] == \
        [(i.question_id, i.option_order) for i in items]


def test_some_options_are_shown_out_of_authored_order(app_ctx):
    contest, round_, participant = _setup(quota={"a": 4, "b": 4}, per_area=4)
    attempt = svc.start_attempt(participant.id, round_.id, factories.now(),
                                rng=random.Random(7))
    assert any(i.option_order != sorted(i.option_order) for i in _items(attempt))


def test_bank_too_small_writes_nothing_and_logs(app_ctx, caplog):
    contest, round_, participant = _setup(quota={"a": 3, "b": 9}, per_area=4)
    with caplog.at_level(logging.ERROR, logger="contest.services.taking.attempts"):
        with pytest.raises(svc.BankTooSmall) as raised:
            svc.start_attempt(participant.id, round_.id, factories.now())
    assert "ngân hàng câu hỏi chưa đủ" in raised.value.message
    assert any("cannot be drawn" in r.getMessage() for r in caplog.records)
    assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(AttemptItem.id))) == 0


def test_inactive_questions_do_not_fill_a_quota(app_ctx):
    contest, round_, participant = _setup(quota={"a": 3}, per_area=2, codes="a")
    factories.make_question("a", active=False)
    with pytest.raises(svc.BankTooSmall):
        svc.start_attempt(participant.id, round_.id, factories.now())


def test_round_without_questions_is_refused(app_ctx):
    contest, round_, participant = _setup(quota={})
    round_.question_quota = {}
    db.session.commit()
    with pytest.raises(svc.BankTooSmall) as raised:
        svc.start_attempt(participant.id, round_.id, factories.now())
    assert "chưa có câu hỏi" in raised.value.message


def test_starting_costs_the_same_few_queries_for_5_or_20_questions(app_ctx):
    factories.make_bank(per_area=10, codes="ab")
    contest = factories.make_contest()
    small = factories.make_round(contest, quota={"a": 3, "b": 2})
    large = factories.make_round(contest, quota={"a": 10, "b": 10},
                                 opens_at=factories.now() - timedelta(hours=1))
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    counts = []
    for round_ in (small, large):
        participant = factories.make_participant(contest)
        db.session.expire_all()
        statements.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            svc.start_attempt(participant.id, round_.id, factories.now())
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        counts.append(len(statements))
    assert counts[0] == counts[1], statements
    assert counts[1] <= 10, statements


# --------------------------------------------------------------------------- start rules


def test_deadline_is_start_plus_limit_or_round_close_whichever_is_first(app_ctx):
    now = factories.now()
    contest, round_, participant = _setup(time_limit_minutes=15)
    attempt = svc.start_attempt(participant.id, round_.id, now)
    assert attempt.deadline == now + timedelta(minutes=15)
    closing = factories.make_round(contest, opens_at=now - timedelta(hours=1),
                                   closes_at=now + timedelta(minutes=5), quota={"a": 1})
    other = factories.make_participant(contest)
    late_start = svc.start_attempt(other.id, closing.id, now)
    assert late_start.deadline == closing.closes_at


def test_closed_and_upcoming_rounds_are_refused(app_ctx):
    now = factories.now()
    contest, round_, participant = _setup()
    closed = factories.make_round(contest, opens_at=now - timedelta(days=3),
                                  closes_at=now - timedelta(days=1))
    upcoming = factories.make_round(contest, opens_at=now + timedelta(days=1))
    with pytest.raises(svc.RoundClosed):
        svc.start_attempt(participant.id, closed.id, now)
    with pytest.raises(svc.RoundNotOpen):
        svc.start_attempt(participant.id, upcoming.id, now)


def test_participant_of_another_contest_is_refused(app_ctx):
    contest, round_, participant = _setup()
    stranger = factories.make_participant(factories.make_contest())
    with pytest.raises(svc.NotAllowed):
        svc.start_attempt(stranger.id, round_.id, factories.now())


def test_starting_again_resumes_the_attempt_in_progress(app_ctx):
    contest, round_, participant = _setup()
    now = factories.now()
    first = svc.start_attempt(participant.id, round_.id, now)
    again = svc.start_attempt(participant.id, round_.id, now + timedelta(minutes=3))
    assert again.id == first.id
    assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1


def test_database_refuses_two_attempts_in_progress(app_ctx):
    contest, round_, participant = _setup()
    now = factories.now()
    first = svc.start_attempt(participant.id, round_.id, now)
    db.session.add(Attempt(participant_id=participant.id, round_id=round_.id, number=2,
                           started_at=now, deadline=first.deadline, status="in_progress"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_attempt_limit_is_enforced(app_ctx):
    contest, round_, participant = _setup(attempts_allowed=2)
    now = factories.now()
    for n in (1, 2):
        attempt = svc.start_attempt(participant.id, round_.id, now)
        assert attempt.number == n
        svc.submit(attempt, {}, None, now + timedelta(minutes=1))
    with pytest.raises(svc.AttemptLimitReached) as raised:
        svc.start_attempt(participant.id, round_.id, now + timedelta(minutes=2))
    assert "2 lượt" in raised.value.message
    assert svc.attempts_left(round_, participant.id) == 0


def test_disqualified_participant_cannot_start(app_ctx):
    contest, round_, participant = _setup(attempts_allowed=2)
    participant.disqualified_at = factories.now()
    participant.disqualified_reason = "Trùng số CCCD"
    db.session.commit()
    with pytest.raises(svc.NotAllowed) as raised:
        svc.start_attempt(participant.id, round_.id, factories.now())
    assert "loại" in raised.value.message
    assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 0


def test_overdue_attempt_is_graded_when_the_resident_starts_again(app_ctx):
    contest, round_, participant = _setup(attempts_allowed=2, time_limit_minutes=15)
    now = factories.now()
    first = svc.start_attempt(participant.id, round_.id, now)
    later = now + timedelta(hours=1)
    second = svc.start_attempt(participant.id, round_.id, later)
    db.session.refresh(first)
    assert second.id != first.id and second.number == 2
    assert first.status == "submitted" and first.finished_by == "timeout"
    assert first.submitted_at == first.deadline


# --------------------------------------------------------------------------- answers


def test_saving_maps_the_shown_option_to_the_stored_one_and_overwrites(app_ctx):
    contest, round_, participant = _setup()
    now = factories.now()
    attempt = svc.start_attempt(participant.id, round_.id, now, rng=random.Random(3))
    ack = svc.save_answer(attempt, 2, 1, now + timedelta(seconds=5), GRACE)
    assert ack.as_json()["ok"] is True and ack.saved_at == now + timedelta(seconds=5)
    svc.save_answer(attempt, 2, 3, now + timedelta(seconds=9), GRACE)
    item = _items(attempt)[1]
    assert item.chosen_option == item.option_order[3]
    assert db.session.scalar(sa.select(sa.func.count(AttemptItem.id))
                             .where(AttemptItem.attempt_id == attempt.id)) == 5


@pytest.mark.parametrize("position,choice", [(0, 1), (99, 1), (1, 7), (1, -1), ("1", 1),
                                             (None, 1), (1, "a"), (True, 1)])
def test_invalid_answers_are_refused(app_ctx, position, choice):
    contest, round_, participant = _setup()
    attempt = svc.start_attempt(participant.id, round_.id, factories.now())
    with pytest.raises(svc.InvalidAnswer):
        svc.save_answer(attempt, position, choice, factories.now(), GRACE)


def test_answers_within_grace_count_after_it_are_refused_and_not_stored(app_ctx):
    contest, round_, participant = _setup()
    now = factories.now()
    attempt = svc.start_attempt(participant.id, round_.id, now)
    in_grace = attempt.deadline + timedelta(seconds=GRACE - 1)
    svc.save_answer(attempt, 1, 0, in_grace, GRACE)
    with pytest.raises(svc.TooLate):
        svc.save_answer(attempt, 2, 0, attempt.deadline + timedelta(seconds=GRACE + 1), GRACE)
    items = _items(attempt)
    assert items[0].chosen_option is not None
    assert items[1].chosen_option is None


def test_no_answer_after_submit(app_ctx):
    contest, round_, participant = _setup()
    now = factories.now()
    attempt = svc.start_attempt(participant.id, round_.id, now)
    svc.submit(attempt, {}, None, now)
    with pytest.raises(svc.AlreadySubmitted):
        svc.save_answer(attempt, 1, 0, now, GRACE)


def _chosen(attempt, position):
    db.session.expire_all()
    return db.session.scalar(sa.select(AttemptItem.chosen_option).where(
        AttemptItem.attempt_id == attempt.id, AttemptItem.position == position))


def test_one_statement_save_maps_the_shown_option_and_overwrites(app_ctx):
    contest, round_, participant = _setup()
    now = factories.now()
    attempt = svc.start_attempt(participant.id, round_.id, now, rng=random.Random(3))
    owners = ["someone-else", participant.public_id]
    ack = svc.quick_save_answer(attempt.public_id, owners, 2, 1, now, GRACE)
    assert ack is not None and ack.as_json() == {"ok": True, "position": 2,
                                                 "saved_at": now.isoformat()}
    order = _items(attempt)[1].option_order
    assert _chosen(attempt, 2) == order[1]
    assert svc.quick_save_answer(attempt.public_id, owners, 2, 3, now, GRACE) is not None
    assert _chosen(attempt, 2) == order[3]


@pytest.mark.parametrize("case", ["not the owner", "unknown attempt", "position 0",
                                  "position past the last", "choice past the options",
                                  "negative choice", "choice as text", "choice true",
                                  "clearing", "after grace", "submitted"])
def test_one_statement_save_writes_nothing_unless_all_is_in_order(app_ctx, case):
    # Each refusal returns None so that the full path can say why; nothing is stored.
    contest, round_, participant = _setup()
    now = factories.now()
    attempt = svc.start_attempt(participant.id, round_.id, now)
    public_id, owners, position, choice, at = attempt.public_id, [participant.public_id], 1, 0, now
    if case == "not the owner":
        owners = [factories.make_participant(contest).public_id]
    elif case == "unknown attempt":
        public_id = "x" * 16
    elif case == "position 0":
        position = 0
    elif case == "position past the last":
        position = attempt.question_count + 1
    elif case == "choice past the options":
        choice = 4
    elif case == "negative choice":
        choice = -1
    elif case == "choice as text":
        choice = "0"
    elif case == "choice true":
        choice = True
    elif case == "clearing":
        choice = None
    elif case == "after grace":
        at = attempt.deadline + timedelta(seconds=GRACE + 1)
    elif case == "submitted":
        svc.submit(attempt, {}, None, now)
    assert svc.quick_save_answer(public_id, owners, position, choice, at, GRACE) is None
    assert _chosen(attempt, 1) is None


def test_prediction_is_a_whole_number_at_least_zero(app_ctx):
    assert svc.parse_prediction(" 1.250 ") == 1250
    assert svc.parse_prediction("") is None
    assert svc.parse_prediction(0) == 0
    for bad in ("-3", "1,5e3", "abc", -1, True, "9" * 20):
        with pytest.raises(svc.InvalidAnswer):
            svc.parse_prediction(bad)


# --------------------------------------------------------------------------- grading


def test_submit_grades_on_the_server(app_ctx):
    contest, round_, participant = _setup()
    now = factories.now()
    attempt = svc.start_attempt(participant.id, round_.id, now)
    items = _items(attempt)
    svc.save_answer(attempt, 1, _shown_correct(items[0]), now, GRACE)
    answers = {2: _shown_correct(items[1]), 3: _shown_wrong(items[2]),
               4: _shown_correct(items[3])}
    outcome = svc.submit(attempt, answers, "42", now + timedelta(minutes=2, seconds=3))
    assert outcome.graded_now and not outcome.late
    attempt = outcome.attempt
    assert attempt.status == "submitted" and attempt.finished_by == "resident"
    assert attempt.score == attempt.correct_count == 3
    assert attempt.duration_ms == 123_000
    assert attempt.prediction == 42
    flags = [i.is_correct for i in _items(attempt)]
    assert flags == [True, True, False, True, False]


def test_submitting_twice_gives_one_result(app_ctx):
    contest, round_, participant = _setup()
    now = factories.now()
    attempt = svc.start_attempt(participant.id, round_.id, now)
    items = _items(attempt)
    first = svc.submit(attempt, {1: _shown_correct(items[0])}, "5", now + timedelta(minutes=1))
    everything_right = {i.position: _shown_correct(i) for i in items}
    second = svc.submit(attempt, everything_right, "9", now + timedelta(minutes=2))
    assert first.graded_now and not second.graded_now
    assert second.attempt.score == 1 and second.attempt.prediction == 5
    assert second.attempt.submitted_at == now + timedelta(minutes=1)


def test_bad_prediction_in_a_submit_writes_nothing(app_ctx):
    contest, round_, participant = _setup()
    now = factories.now()
    attempt = svc.start_attempt(participant.id, round_.id, now)
    with pytest.raises(svc.InvalidAnswer):
        svc.submit(attempt, {1: 0}, "-4", now)
    db.session.rollback()
    db.session.refresh(attempt)
    assert attempt.status == "in_progress"


def test_submit_in_grace_counts_but_finishes_at_the_deadline(app_ctx):
    contest, round_, participant = _setup(time_limit_minutes=15)
    now = factories.now()
    attempt = svc.start_attempt(participant.id, round_.id, now)
    item = _items(attempt)[0]
    outcome = svc.submit(attempt, {1: _shown_correct(item)}, None,
                         attempt.deadline + timedelta(seconds=GRACE - 2), GRACE)
    assert outcome.attempt.score == 1 and outcome.attempt.finished_by == "resident"
    assert outcome.attempt.submitted_at == attempt.deadline
    assert outcome.attempt.duration_ms == 15 * 60 * 1000


def test_late_submit_keeps_saved_answers_and_ignores_new_ones(app_ctx):
    contest, round_, participant = _setup(time_limit_minutes=15)
    now = factories.now()
    attempt = svc.start_attempt(participant.id, round_.id, now)
    items = _items(attempt)
    svc.save_answer(attempt, 1, _shown_correct(items[0]), now + timedelta(minutes=1), GRACE)
    svc.save_prediction(attempt, "77", now + timedelta(minutes=1), GRACE)
    late = attempt.deadline + timedelta(seconds=GRACE + 5)
    outcome = svc.submit(attempt, {i.position: _shown_correct(i) for i in items}, "99", late,
                         GRACE)
    assert outcome.late and outcome.graded_now
    attempt = outcome.attempt
    assert attempt.score == 1 and attempt.finished_by == "timeout"
    assert attempt.submitted_at == attempt.deadline and attempt.prediction == 77
    assert [i.chosen_option is not None for i in _items(attempt)] == [True] + [False] * 4


def test_sweep_grades_abandoned_attempts_at_their_deadline(app_ctx):
    now = factories.now()
    contest, round_, participant = _setup(time_limit_minutes=15,
                                          opens_at=now - timedelta(hours=3))
    abandoned = svc.start_attempt(participant.id, round_.id, now - timedelta(hours=2))
    item = _items(abandoned)[0]
    svc.save_answer(abandoned, 1, _shown_correct(item), now - timedelta(hours=2), GRACE)
    fresh_participant = factories.make_participant(contest)
    fresh = svc.start_attempt(fresh_participant.id, round_.id, now)
    # Just past the deadline but inside the grace: not yet.
    just = factories.make_participant(contest)
    in_grace = svc.start_attempt(just.id, round_.id, now - timedelta(minutes=15, seconds=3))

    assert svc.expire_overdue(now, GRACE) == 1
    db.session.refresh(abandoned)
    assert abandoned.status == "submitted" and abandoned.finished_by == "timeout"
    assert abandoned.submitted_at == abandoned.deadline
    assert abandoned.duration_ms == 15 * 60 * 1000
    assert abandoned.score == 1
    for attempt in (fresh, in_grace):
        db.session.refresh(attempt)
        assert attempt.status == "in_progress"
    assert svc.expire_overdue(now, GRACE) == 0


def test_sweep_command(app, runner):
    with app.app_context():
        now = factories.now()
        contest, round_, participant = _setup(opens_at=now - timedelta(hours=3))
        attempt = svc.start_attempt(participant.id, round_.id, now - timedelta(hours=1))
        attempt_id = attempt.id
    result = runner.invoke(args=["attempts", "sweep"])
    assert result.exit_code == 0, result.output
    assert "Đã chấm 1 bài thi quá hạn" in result.output
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).finished_by == "timeout"


def test_sweep_scheduled_on_every_server_runs_once_a_minute(app, runner):
    """Cron runs `attempts sweep` each minute on each of N servers: one does the work."""
    with app.app_context():
        now = factories.now()
        contest, round_, participant = _setup(opens_at=now - timedelta(hours=3))
        attempt_id = svc.start_attempt(participant.id, round_.id, now - timedelta(hours=1)).id
    first = runner.invoke(args=["attempts", "sweep"])
    assert "Đã chấm 1 bài thi quá hạn" in first.output
    second = runner.invoke(args=["attempts", "sweep"])  # the other server, same minute
    assert second.exit_code == 0
    assert "Máy chủ khác vừa quét" in second.output
    forced = runner.invoke(args=["attempts", "sweep", "--force"])
    assert "Đã chấm 0 bài thi quá hạn" in forced.output
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).finished_by == "timeout"


def test_a_sweep_claim_lasts_one_interval(app_ctx):
    from contest.helpers.scheduling import claim_run

    now = factories.now()
    every = timedelta(seconds=50)
    assert claim_run("attempts.sweep", now, every) is True
    assert claim_run("attempts.sweep", now + timedelta(seconds=10), every) is False
    assert claim_run("attempts.sweep", now + timedelta(seconds=49), every) is False
    assert claim_run("attempts.sweep", now + timedelta(seconds=50), every) is True
    assert claim_run("another.job", now, every) is True  # jobs are claimed separately


def test_grading_uses_the_served_version_not_a_later_edit(app_ctx):
    contest, round_, participant = _setup(quota={"a": 1}, per_area=1, codes="a")
    now = factories.now()
    attempt = svc.start_attempt(participant.id, round_.id, now)
    (item,) = _items(attempt)
    served_correct = _shown_correct(item)
    question = db.session.get(Question, item.question_id)
    update_question(question, QuestionData(
        content_area_id=question.content_area_id, text=question.text,
        options=list(question.options), correct_option=(question.correct_option + 1) % 4,
    ))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(QuestionVersion.id))) == 2
    outcome = svc.submit(attempt, {1: served_correct}, None, now)
    assert outcome.attempt.score == 1


# --------------------------------------------------------------------------- which counts


def _done(number, score, duration_ms, prediction=None):
    return Attempt(number=number, status="submitted", score=score, duration_ms=duration_ms,
                   submitted_at=datetime(2026, 3, 2, 8, number, tzinfo=UTC),
                   prediction=prediction, participant_id=1)


def test_counted_attempt_rules():
    attempts = [_done(1, 5, 90_000), _done(2, 8, 200_000), _done(3, 8, 100_000),
                _done(4, 3, 10_000), Attempt(number=5, status="in_progress")]
    assert counted_attempt(attempts, "first").number == 1
    assert counted_attempt(attempts, "last").number == 4
    assert counted_attempt(attempts, "best").number == 3  # equal score: shorter time
    tie = [_done(1, 8, 100_000), _done(2, 8, 100_000)]
    assert counted_attempt(tie, "best").number == 1  # full tie: the earlier attempt
    assert counted_attempt([Attempt(number=1, status="in_progress")], "best") is None
    assert counted_attempt([], "last") is None
    # Once the actual figure is fixed, "best" follows the published order: the closer
    # prediction beats a faster attempt with the same score.
    guesses = [_done(1, 8, 90_000, prediction=40), _done(2, 8, 120_000, prediction=12)]
    assert counted_attempt(guesses, "best").number == 1  # actual unknown: time decides
    assert counted_attempt(guesses, "best", actual=10, has_prediction=True).number == 2
    with pytest.raises(ValueError):
        counted_attempt(attempts, "average")
