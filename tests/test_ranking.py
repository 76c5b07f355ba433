"""The pure ranking function: published order, ties, and properties (no app, no database)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.services.results.prizes import (
    OverallRow,
    Winner,
    award,
    rank_overall,
    split_by_group,
)
from contest.services.results.ranking import RankRow, first_per_participant, rank, sort_key

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def row(pid: int, score: int = 10, *, duration: int | None = 60_000, minute: float = 0,
        prediction: int | None = 5) -> RankRow:
    return RankRow(participant_id=pid, score=score, duration_ms=duration,
                   submitted_at=at(minute), prediction=prediction)


def order(rows, actual: int | None = 5, has_prediction: bool = True) -> list[int]:
    return [r.row.participant_id for r in rank(rows, actual=actual,
                                               has_prediction=has_prediction)]


# --- one test per tie-break: each fails if that key moves or disappears ---------------------

def test_higher_score_first_even_with_worse_everything_else():
    good = row(2, score=9, duration=900_000, minute=50, prediction=1000)
    worse = row(1, score=8, duration=1_000, minute=0, prediction=5)
    assert order([worse, good]) == [2, 1]


def test_equal_score_smaller_prediction_error_first_even_if_slower():
    close = row(2, prediction=7, duration=500_000, minute=40)   # error 2
    far = row(1, prediction=0, duration=10_000, minute=0)       # error 5
    assert order([far, close], actual=5) == [2, 1]


def test_prediction_error_is_absolute_either_side():
    under = row(1, prediction=3)   # error 2
    over = row(2, prediction=6)    # error 1
    assert order([under, over], actual=5) == [2, 1]


def test_missing_prediction_ranks_after_any_given_one():
    missing = row(1, prediction=None, duration=1_000, minute=0)
    wild = row(2, prediction=10**9, duration=900_000, minute=59)
    assert order([missing, wild], actual=5) == [2, 1]


def test_prediction_ignored_when_round_has_no_prediction_question():
    far_fast = row(1, prediction=1000, duration=10_000)
    exact_slow = row(2, prediction=5, duration=20_000)
    assert order([exact_slow, far_fast], actual=5, has_prediction=False) == [1, 2]


def test_prediction_inert_until_actual_is_known():
    far_fast = row(1, prediction=1000, duration=10_000)
    exact_slow = row(2, prediction=5, duration=20_000)
    assert order([exact_slow, far_fast], actual=None) == [1, 2]


def test_equal_score_and_error_shorter_time_first_even_if_submitted_later():
    quick_late = row(2, duration=30_000, minute=50)
    slow_early = row(1, duration=31_000, minute=1)
    assert order([slow_early, quick_late]) == [2, 1]


def test_missing_duration_ranks_after_known_ones():
    unknown = row(1, duration=None, minute=0)
    slow = row(2, duration=10**8, minute=30)
    assert order([unknown, slow]) == [2, 1]


def test_equal_score_error_time_earlier_submission_first_even_with_larger_id():
    early = row(9, minute=1)
    late = row(1, minute=2)
    assert order([late, early]) == [9, 1]


def test_everything_equal_smaller_participant_id_first():
    assert order([row(7), row(3), row(5)]) == [3, 5, 7]


def test_ranks_are_dense_and_contiguous_with_no_shared_rank():
    ranked = rank([row(i) for i in (4, 2, 9, 1)], actual=5, has_prediction=True)
    assert [r.rank for r in ranked] == [1, 2, 3, 4]
    assert [r.prediction_error for r in ranked] == [0, 0, 0, 0]


# --- a hand-written table of tie cases -----------------------------------------------------

#: (pid, score, duration_ms, minute, prediction) → expected order with actual = 20.
TIE_TABLE = [
    (11, 10, 120_000, 10, 20),   # full score, exact prediction, 2:00
    (12, 10, 120_000, 9, 20),    # same but submitted a minute earlier → before 11
    (13, 10, 90_000, 30, 21),    # error 1: after every error-0 row despite being faster
    (14, 10, 90_000, 30, 19),    # error 1 too, same time, same submission → id decides
    (15, 10, 60_000, 5, None),   # no prediction: last among score 10
    (16, 9, 10_000, 0, 20),      # lower score: after all score-10 rows
    (17, 9, 10_000, 0, 20),      # identical to 16 → id decides
    (18, 10, 110_000, 50, 20),   # error 0 and faster than 11/12 → first
    (19, 0, None, 0, None),      # nothing: last
]
TIE_EXPECTED = [18, 12, 11, 13, 14, 15, 16, 17, 19]


def test_tie_table():
    rows = [row(p, s, duration=d, minute=m, prediction=pr) for p, s, d, m, pr in TIE_TABLE]
    assert order(rows, actual=20) == TIE_EXPECTED


def test_tie_table_every_permutation_of_a_slice_gives_the_same_order():
    rows = [row(p, s, duration=d, minute=m, prediction=pr) for p, s, d, m, pr in TIE_TABLE[:6]]
    expected = order(rows, actual=20)
    for perm in itertools.permutations(rows):
        assert order(list(perm), actual=20) == expected


# --- properties ----------------------------------------------------------------------------

@st.composite
def row_sets(draw):
    """Rows with many ties: few scores, durations, times and predictions to choose from."""
    ids = draw(st.lists(st.integers(1, 10_000), min_size=0, max_size=40, unique=True))
    return [
        RankRow(
            participant_id=pid,
            score=draw(st.integers(0, 3)),
            duration_ms=draw(st.one_of(st.none(), st.sampled_from([1_000, 2_000, 3_000]))),
            submitted_at=at(draw(st.integers(0, 3))),
            prediction=draw(st.one_of(st.none(), st.integers(0, 6))),
        )
        for pid in ids
    ]


def better(a: RankRow, b: RankRow, actual: int | None, has_prediction: bool) -> bool:
    """The published order written out as comparisons, independently of sort_key."""
    if a.score != b.score:
        return a.score > b.score
    if has_prediction and actual is not None:
        if (a.prediction is None) != (b.prediction is None):
            return b.prediction is None
        if a.prediction is not None:
            ea, eb = abs(a.prediction - actual), abs(b.prediction - actual)
            if ea != eb:
                return ea < eb
    if (a.duration_ms is None) != (b.duration_ms is None):
        return b.duration_ms is None
    if a.duration_ms != b.duration_ms:
        return a.duration_ms < b.duration_ms
    if a.submitted_at != b.submitted_at:
        return a.submitted_at < b.submitted_at
    return a.participant_id < b.participant_id


ranking_settings = settings(derandomize=True, max_examples=200, deadline=None)


@ranking_settings
@given(rows=row_sets(), actual=st.one_of(st.none(), st.integers(0, 6)), has=st.booleans())
def test_deterministic(rows, actual, has):
    assert rank(rows, actual=actual, has_prediction=has) == \
        rank(list(rows), actual=actual, has_prediction=has)


@ranking_settings
@given(data=st.data(), rows=row_sets(), actual=st.integers(0, 6), has=st.booleans())
def test_independent_of_input_order(data, rows, actual, has):
    shuffled = data.draw(st.permutations(rows))
    assert rank(shuffled, actual=actual, has_prediction=has) == \
        rank(rows, actual=actual, has_prediction=has)


@ranking_settings
@given(rows=row_sets(), actual=st.one_of(st.none(), st.integers(0, 6)), has=st.booleans())
def test_total_order_matching_the_published_rule(rows, actual, has):
    ranked = rank(rows, actual=actual, has_prediction=has)
    assert [r.rank for r in ranked] == list(range(1, len(rows) + 1))
    assert sorted(r.row.participant_id for r in ranked) == sorted(r.participant_id for r in rows)
    # Every earlier row is strictly better than every later one: a strict total order.
    for i, j in itertools.combinations(range(len(ranked)), 2):
        assert better(ranked[i].row, ranked[j].row, actual, has)
        assert not better(ranked[j].row, ranked[i].row, actual, has)


@st.composite
def attempt_sets(draw):
    """Several attempts per participant (attempt ids unique), in any order."""
    people = draw(st.lists(st.integers(1, 8), min_size=1, max_size=6, unique=True))
    rows = []
    for attempt_id in range(1, draw(st.integers(1, 20)) + 1):
        rows.append(RankRow(
            participant_id=draw(st.sampled_from(people)),
            score=draw(st.integers(0, 2)),
            duration_ms=draw(st.one_of(st.none(), st.sampled_from([1_000, 2_000]))),
            submitted_at=at(draw(st.integers(0, 2))),
            prediction=draw(st.one_of(st.none(), st.integers(0, 4))),
            attempt_id=attempt_id,
        ))
    return rows


@ranking_settings
@given(rows=attempt_sets(), actual=st.one_of(st.none(), st.integers(0, 4)), has=st.booleans())
def test_first_appearance_in_published_order_is_each_participants_best(rows, actual, has):
    # What load_counted_rows relies on for "best": sort every attempt by the published
    # order (attempt id last), keep each participant's first; compare with picking each
    # participant's best on its own by the independent comparison above.
    def key(row):
        return (*sort_key(row, actual, has), row.attempt_id)

    kept = first_per_participant(sorted(rows, key=key))
    best_of_each = {}
    for row in rows:
        current = best_of_each.get(row.participant_id)
        if current is None or better(row, current, actual, has) or (
                not better(current, row, actual, has) and row.attempt_id < current.attempt_id):
            best_of_each[row.participant_id] = row
    assert sorted(kept, key=lambda r: r.participant_id) == \
        sorted(best_of_each.values(), key=lambda r: r.participant_id)
    # ... and the kept rows are already in ranking order.
    assert [r.row for r in rank(kept, actual=actual, has_prediction=has)] == kept


# --- prizes over a ranking -----------------------------------------------------------------

TIERS = [{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 2},
         {"name": "Khuyến khích", "count": 1}]


def test_award_goes_down_the_ranking_one_prize_each():
    ranked = rank([row(i, score=10 - i) for i in range(1, 7)], actual=5, has_prediction=True)
    winners = award(ranked, TIERS)
    assert winners == [
        Winner(1, "Giải Nhất", 0, 1), Winner(2, "Giải Nhì", 1, 2), Winner(3, "Giải Nhì", 1, 3),
        Winner(4, "Khuyến khích", 2, 4),
    ]


def test_award_skips_earlier_winners_and_passes_the_prize_on():
    ranked = rank([row(i, score=10 - i) for i in range(1, 7)], actual=5, has_prediction=True)
    winners = award(ranked, TIERS, skip={1, 3})
    assert [(w.participant_id, w.prize) for w in winners] == [
        (2, "Giải Nhất"), (4, "Giải Nhì"), (5, "Giải Nhì"), (6, "Khuyến khích")]


def test_award_with_fewer_participants_than_prizes():
    ranked = rank([row(1)], actual=5, has_prediction=True)
    assert [w.prize for w in award(ranked, TIERS)] == ["Giải Nhất"]


def test_groups_are_reranked_from_one_in_overall_order():
    ranked = rank([row(i, score=10 - i) for i in range(1, 6)], actual=5, has_prediction=True)
    groups = split_by_group(ranked, {1: "A", 2: "B", 3: "A", 4: "B"})
    assert [(r.rank, r.row.participant_id) for r in groups["A"]] == [(1, 1), (2, 3)]
    assert [(r.rank, r.row.participant_id) for r in groups["B"]] == [(1, 2), (2, 4)]
    assert [(r.rank, r.row.participant_id) for r in groups["Khác"]] == [(1, 5)]


# --- overall ranking -----------------------------------------------------------------------

def overall(pid, score=20, missing=0, error=0, duration=100_000, minute=0):
    return OverallRow(pid, score, missing, error, duration, at(minute), 2)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (overall(2, score=21, error=99, duration=10**7, minute=99), overall(1, score=20)),
        (overall(2, missing=0, error=50), overall(1, missing=1, error=0)),
        (overall(2, error=3, duration=10**7), overall(1, error=4, duration=1)),
        (overall(2, duration=99_999, minute=50), overall(1, duration=100_000, minute=0)),
        (overall(2, minute=1), overall(1, minute=2)),
        (overall(1), overall(2)),
    ],
    ids=["total-score", "missing-predictions", "total-error", "total-time",
         "last-submission", "participant-id"],
)
def test_overall_tie_breaks(first, second):
    assert [r.participant_id for _, r in rank_overall([second, first])] == \
        [first.participant_id, second.participant_id]


# --- the garbage-collector pause around a big ranking -------------------------------------


def test_overlapping_rankings_never_leave_the_collector_off():
    import gc
    import threading

    from contest.services.results.ranking import _collector_paused

    assert gc.isenabled()
    a_inside, b_inside, a_may_leave, b_may_leave = (threading.Event() for _ in range(4))
    seen: dict[str, bool] = {}

    def ranking_a():
        with _collector_paused():
            a_inside.set()
            a_may_leave.wait(5)

    def ranking_b():
        a_inside.wait(5)
        with _collector_paused():
            b_inside.set()
            b_may_leave.wait(5)

    threads = [threading.Thread(target=ranking_a), threading.Thread(target=ranking_b)]
    for thread in threads:
        thread.start()
    b_inside.wait(5)
    a_may_leave.set()
    threads[0].join(5)
    seen["after A left, B still ranking"] = gc.isenabled()
    b_may_leave.set()
    threads[1].join(5)
    seen["after both left"] = gc.isenabled()
    assert seen == {"after A left, B still ranking": False, "after both left": True}


def test_the_collector_comes_back_after_a_failed_ranking():
    import gc

    from contest.services.results.ranking import _collector_paused

    with pytest.raises(RuntimeError), _collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("the database went away")
    assert gc.isenabled()
