"""Races the database must settle, on PostgreSQL: each thread has its own app context,
session and connection, and all start together at a barrier."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import Attempt, AttemptItem, Participant
from contest.services.taking import attempts as svc
from contest.services.taking import registration as reg
from tests import factories

pytestmark = pytest.mark.postgres_only

THREADS = 20


def _race(app, count: int, work: Callable[[int], object]) -> list:
    """Run ``work(i)`` in ``count`` threads released together; return results or raise."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def run(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[i] = work(i)
            except Exception as error:  # reported below with the thread number
                errors.append((i, repr(error)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def _attempt(app, quota):
    with app.app_context():
        factories.make_bank(per_area=10, codes="ab")
        contest = factories.make_contest()
        round_ = factories.make_round(contest, quota=quota)
        participant = factories.make_participant(contest)
        attempt = svc.start_attempt(participant.id, round_.id, factories.now())
        correct = {i.position: i.option_order.index(i.version.correct_option)
                   for i in svc.load_items(attempt)}
        return attempt.id, correct


def test_twenty_concurrent_submits_give_one_graded_result(app):
    attempt_id, correct = _attempt(app, {"a": 5, "b": 5})
    now = datetime.now(UTC)

    def submit(i: int):
        attempt = db.session.get(Attempt, attempt_id)
        # Every thread sends different answers: thread i gets i % 11 right.
        answers = {p: (c if p <= i % 11 else (c + 1) % 4) for p, c in correct.items()}
        outcome = svc.submit(attempt, answers, str(i), now)
        return outcome.graded_now, i, outcome.attempt.score, outcome.attempt.prediction

    results = _race(app, THREADS, submit)
    winners = [r for r in results if r[0]]
    assert len(winners) == 1, results
    _, winner, score, prediction = winners[0]
    assert score == min(winner % 11, 10) and prediction == winner
    # Every request answered with the one result.
    assert {(r[2], r[3]) for r in results} == {(score, prediction)}
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == "submitted" and attempt.score == score
        graded = db.session.scalar(sa.select(sa.func.count(AttemptItem.id)).where(
            AttemptItem.attempt_id == attempt_id, AttemptItem.is_correct.is_(True)))
        assert graded == score


def test_concurrent_autosaves_lose_nothing(app):
    attempt_id, correct = _attempt(app, {"a": 10, "b": 10})
    now = datetime.now(UTC)

    def save(i: int):
        attempt = db.session.get(Attempt, attempt_id)
        position = i + 1
        return svc.save_answer(attempt, position, (position * 3) % 4, now, 10).position

    saved = _race(app, THREADS, save)
    assert sorted(saved) == list(range(1, THREADS + 1))
    with app.app_context():
        items = svc.load_items(db.session.get(Attempt, attempt_id))
        assert [i.option_order.index(i.chosen_option) for i in items] == \
            [(p * 3) % 4 for p in range(1, THREADS + 1)]


def test_autosaves_racing_a_submit_are_either_graded_or_refused(app):
    attempt_id, correct = _attempt(app, {"a": 10, "b": 10})
    now = datetime.now(UTC)

    def work(i: int):
        attempt = db.session.get(Attempt, attempt_id)
        if i == 0:
            return ("submit", svc.submit(attempt, {}, None, now).graded_now)
        try:
            svc.save_answer(attempt, i, correct[i], now, 10)
            return ("saved", i)
        except svc.AlreadySubmitted:
            return ("refused", i)

    results = _race(app, THREADS, work)
    saved = {r[1] for r in results if r[0] == "saved"}
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        items = svc.load_items(attempt)
        stored = {i.position for i in items if i.chosen_option is not None}
        # A save that was acknowledged is stored and graded; a refused one left nothing.
        assert stored == saved
        assert attempt.score == len(saved)


def test_one_participant_starting_from_many_tabs_gets_one_attempt(app):
    with app.app_context():
        factories.make_bank(per_area=5, codes="ab")
        contest = factories.make_contest()
        round_ = factories.make_round(contest, attempts_allowed=3)
        participant = factories.make_participant(contest)
        ids = (participant.id, round_.id)
    now = datetime.now(UTC)
    results = _race(app, 10, lambda i: svc.start_attempt(*ids, now).id)
    assert len(set(results)) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1


def test_the_same_person_registering_twice_at_once_makes_one_participant(app):
    """Formerly "the same phone": a phone may now carry several people (a registration with
    someone else's details is its own participant, so that registering reveals nothing);
    the same phone, name and birth year racing still make one."""
    with app.app_context():
        contest = factories.make_contest()
        unit = factories.make_unit()
        contest_id, unit_id = contest.id, unit.id
        category_id = contest.categories[0].id
    now = datetime.now(UTC)

    def register(i: int):
        contest = db.session.get(factories.Contest, contest_id)
        result = reg.register(contest, reg.RegistrationInput(
            full_name="Nguyễn Thị Hoa" if i % 2 else "nguyen thi hoa", phone="0912 345 678",
            birth_year="1985", unit=str(unit_id), category=str(category_id), consent=True),
            now)
        return result.participant.id

    results = _race(app, 10, register)
    assert len(set(results)) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 1


def test_servers_sweeping_at_the_same_moment_claim_the_minute_once(app):
    """N servers' cron fire `attempts sweep` together: exactly one claim succeeds."""
    from datetime import timedelta

    from contest.helpers.scheduling import claim_run

    now = datetime.now(UTC)
    results = _race(app, 8, lambda i: claim_run("attempts.sweep", now, timedelta(seconds=50)))
    assert sorted(results) == [False] * 7 + [True]
