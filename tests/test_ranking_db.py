"""The ranking query on both databases: counted attempts, exclusions, the actual figure."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import AuditEntry, Round
from contest.services.results import ranking
from contest.services.results.ranking import RankingError
from tests import factories as f
from tests.ranking_factories import add_attempt


@pytest.fixture
def closed_round(app_ctx):
    opens = f.now() - timedelta(days=8)
    return f.make_round(opens_at=opens, closes_at=opens + timedelta(days=7))


def ranked_ids(round_, actual=None):
    return [r.row.participant_id for r in ranking.rank_round(round_, actual)]


@pytest.mark.parametrize(("rule", "expected_score"), [("best", 9), ("first", 5), ("last", 7)])
def test_counted_attempt_rule(app_ctx, rule, expected_score):
    round_ = f.make_round(counted_attempt=rule, attempts_allowed=3)
    person = f.make_participant(round_.contest)
    for score in (5, 9, 7):
        add_attempt(round_, person, score=score)
    rows = ranking.load_counted_rows(round_, None)
    assert [(r.participant_id, r.score) for r in rows] == [(person.id, expected_score)]


def test_best_attempt_uses_the_same_tie_breaks(app_ctx):
    round_ = f.make_round(counted_attempt="best", attempts_allowed=3)
    person = f.make_participant(round_.contest)
    add_attempt(round_, person, score=8, prediction=50, duration_ms=10_000)
    exact = add_attempt(round_, person, score=8, prediction=12, duration_ms=90_000)
    add_attempt(round_, person, score=8, prediction=None, duration_ms=5_000)
    rows = ranking.load_counted_rows(round_, 12)
    assert [r.attempt_id for r in rows] == [exact.id]
    # Without an actual figure the prediction is inert and the fastest wins.
    fastest = ranking.load_counted_rows(round_, None)
    assert fastest[0].duration_ms == 5_000


def test_only_submitted_attempts_count(app_ctx):
    round_ = f.make_round(attempts_allowed=2)
    done, busy = f.make_participant(round_.contest), f.make_participant(round_.contest)
    add_attempt(round_, done, score=3)
    add_attempt(round_, busy, score=0, status="in_progress")
    assert ranked_ids(round_) == [done.id]


def test_other_rounds_do_not_leak_in(app_ctx):
    round_ = f.make_round()
    other = f.make_round(round_.contest, opens_at=round_.opens_at + timedelta(days=1))
    a, b = f.make_participant(round_.contest), f.make_participant(round_.contest)
    add_attempt(round_, a, score=3)
    add_attempt(other, b, score=9)
    assert ranked_ids(round_) == [a.id]


def test_disqualified_participant_left_out_and_ranks_stay_contiguous(app_ctx):
    round_ = f.make_round()
    people = [f.make_participant(round_.contest) for _ in range(3)]
    for score, person in zip((9, 8, 7), people, strict=True):
        add_attempt(round_, person, score=score)
    people[0].disqualified_at = f.now()
    people[0].disqualified_reason = "Khai man thông tin"
    db.session.commit()
    ranked = ranking.rank_round(round_)
    assert [(r.rank, r.row.participant_id) for r in ranked] == [(1, people[1].id),
                                                                (2, people[2].id)]


def test_ranking_query_applies_each_tie_break(app_ctx):
    round_ = f.make_round()
    c = round_.contest
    base = round_.opens_at + timedelta(hours=1)
    p = [f.make_participant(c) for _ in range(6)]
    add_attempt(round_, p[0], score=9, prediction=1, duration_ms=1, submitted_at=base)
    add_attempt(round_, p[1], score=10, prediction=3, duration_ms=50_000, submitted_at=base)
    add_attempt(round_, p[2], score=10, prediction=None, duration_ms=1, submitted_at=base)
    add_attempt(round_, p[3], score=10, prediction=2, duration_ms=60_000,
                submitted_at=base + timedelta(minutes=5))
    add_attempt(round_, p[4], score=10, prediction=2, duration_ms=60_000, submitted_at=base)
    add_attempt(round_, p[5], score=10, prediction=2, duration_ms=59_000,
                submitted_at=base + timedelta(minutes=9))
    expected = [p[5].id, p[4].id, p[3].id, p[1].id, p[2].id, p[0].id]
    assert ranked_ids(round_, actual=2) == expected
    assert [pid for _, pid, _ in ranking.sql_ranking(round_, 2)] == expected


def test_sql_ranking_equals_pure_ranking_on_generated_data(app_ctx):
    rng = random.Random(20260302)
    contest = f.make_contest()
    base = f.now() - timedelta(days=3)
    people = [f.make_participant(contest) for _ in range(25)]
    for case, rule in enumerate(("best", "first", "last", "best")):
        round_ = f.make_round(contest, opens_at=base + timedelta(minutes=case),
                              counted_attempt=rule, attempts_allowed=3,
                              has_prediction=case != 3)
        for person in people:
            for _ in range(rng.randint(0, 3)):
                # Few distinct values so that every tie-break is exercised.
                add_attempt(
                    round_, person, score=rng.randint(0, 3),
                    duration_ms=rng.choice([None, 30_000, 45_000, 45_000]),
                    prediction=rng.choice([None, 4, 5, 6, 7]),
                    submitted_at=round_.opens_at + timedelta(minutes=rng.randint(1, 3)),
                )
        for actual in (None, 5):
            # The query hands rows over already ordered; shuffle them so that the pure
            # function's own order is what is compared with the SQL form.
            rows = ranking.load_counted_rows(round_, actual)
            rng.shuffle(rows)
            pure = [(r.rank, r.row.participant_id, r.row.attempt_id)
                    for r in ranking.rank(rows, actual=actual,
                                          has_prediction=round_.has_prediction)]
            assert pure == [(r.rank, r.row.participant_id, r.row.attempt_id)
                            for r in ranking.rank_round(round_, actual)]
            assert ranking.sql_ranking(round_, actual) == pure
            assert len(pure) > 5


def test_actual_counts_full_marks_of_counted_attempts(closed_round):
    round_ = closed_round
    c = round_.contest
    full, partial, twice, dq = (f.make_participant(c) for _ in range(4))
    add_attempt(round_, full, score=10, correct_count=10, question_count=10)
    add_attempt(round_, partial, score=9, correct_count=9, question_count=10)
    add_attempt(round_, twice, score=10, correct_count=10, question_count=10)
    add_attempt(round_, twice, score=10, correct_count=10, question_count=10)
    add_attempt(round_, dq, score=10, correct_count=10, question_count=10)
    dq.disqualified_at = f.now()
    db.session.commit()
    assert ranking.compute_prediction_actual(round_) == 2  # distinct people, dq left out


def test_actual_with_first_rule_uses_the_first_attempt(closed_round):
    round_ = closed_round
    round_.counted_attempt = "first"
    person = f.make_participant(round_.contest)
    add_attempt(round_, person, score=5, correct_count=5, question_count=10)
    add_attempt(round_, person, score=10, correct_count=10, question_count=10)
    assert ranking.compute_prediction_actual(round_) == 0


def test_actual_by_participants_who_submitted(closed_round):
    round_ = closed_round
    round_.prediction_target = "participants"
    c = round_.contest
    for score in (1, 5, 10):
        add_attempt(round_, f.make_participant(c), score=score)
    add_attempt(round_, f.make_participant(c), score=0, status="in_progress")
    assert ranking.compute_prediction_actual(round_) == 3


def test_fix_actual_refuses_before_close(app_ctx):
    round_ = f.make_round()
    with pytest.raises(RankingError, match="chưa kết thúc"):
        ranking.fix_prediction_actual(round_, f.now())
    assert round_.prediction_actual is None


def test_fix_actual_is_stored_audited_and_idempotent(closed_round):
    round_ = closed_round
    c = round_.contest
    add_attempt(round_, f.make_participant(c), score=10, correct_count=10, question_count=10)
    now = f.now()
    assert ranking.fix_prediction_actual(round_, now) == 1
    db.session.commit()
    # Later results never move the fixed figure.
    add_attempt(round_, f.make_participant(c), score=10, correct_count=10, question_count=10)
    assert ranking.fix_prediction_actual(round_, now + timedelta(hours=1)) == 1
    db.session.commit()
    stored = db.session.get(Round, round_.id)
    assert stored.prediction_actual == 1
    assert stored.prediction_actual_fixed_at == now
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "round.fix_prediction_actual")).all()
    assert len(entries) == 1


def test_cli_fixes_actual_of_closed_rounds(app, runner):
    with app.app_context():
        opens = f.now() - timedelta(days=8)
        round_ = f.make_round(opens_at=opens, closes_at=opens + timedelta(days=7))
        open_round = f.make_round(round_.contest)
        add_attempt(round_, f.make_participant(round_.contest), score=10, correct_count=10,
                    question_count=10)
        round_id, open_id = round_.id, open_round.id
    result = runner.invoke(args=["results", "fix-actual"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    with app.app_context():
        assert db.session.get(Round, round_id).prediction_actual == 1
        assert db.session.get(Round, open_id).prediction_actual is None
