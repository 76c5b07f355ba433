"""Ranking a round: one pure function over plain rows, plus the SQL that feeds it.

The published order (shown on the results pages and in the rules) is written
once, in :func:`rank`'s docstring, and :data:`RULE_TEXT` says it in Vietnamese.
The SQL form (:func:`sql_ranking`) orders by exactly the same keys; a test on
generated data proves the two agree on SQLite and PostgreSQL.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from itertools import count, repeat, tee
from operator import le
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on

from contest.extensions import db
from contest.models import Attempt, AttemptStatus, Participant, Round, RoundState
from contest.models.contest import PREDICTION_TARGETS, CountedAttempt, PredictionTarget
from contest.services.errors import DomainError
from contest.services.taking.attempts import expire_overdue

#: The published rule, in the words shown to organisers and residents.
RULE_TEXT = (
    "Thứ tự xếp hạng: (1) điểm cao hơn xếp trước; (2) nếu bằng điểm và đợt thi có câu hỏi "
    "dự đoán: sai số |số dự đoán − số thực tế| nhỏ hơn xếp trước, người không dự đoán xếp "
    "sau mọi người có dự đoán; (3) thời gian làm bài (máy chủ đo, từ lúc bắt đầu đến lúc "
    "nộp) ngắn hơn xếp trước; (4) nộp bài sớm hơn xếp trước; (5) cuối cùng theo mã thí sinh "
    "(đăng ký trước xếp trước) để thứ hạng không bao giờ trùng. Mỗi thí sinh chỉ có một "
    "lượt được tính; người bị loại không được xếp hạng."
)
COUNTED_RULE_TEXT = {
    CountedAttempt.BEST: "Lượt được tính: lượt có kết quả tốt nhất (theo đúng thứ tự xếp hạng "
                         "trên).",
    CountedAttempt.FIRST: "Lượt được tính: lượt nộp bài đầu tiên.",
    CountedAttempt.LAST: "Lượt được tính: lượt nộp bài cuối cùng.",
}


class RankingError(DomainError):
    """A ranking operation refused, with a Vietnamese message for organisers."""


class RankRow(NamedTuple):
    """One participant's counted attempt, as plain values.

    A named tuple rather than a dataclass: a round can have 100,000 of them and
    tuples are several times cheaper to build.
    """

    participant_id: int
    score: int
    duration_ms: int | None
    submitted_at: datetime
    prediction: int | None = None
    attempt_id: int | None = None
    correct_count: int | None = None
    question_count: int | None = None


class RankedRow(NamedTuple):
    rank: int
    row: RankRow
    #: |prediction − actual|, or None when there is no prediction, no actual, or no question.
    prediction_error: int | None


def prediction_error(row: RankRow, actual: int | None, has_prediction: bool) -> int | None:
    if not has_prediction or actual is None or row.prediction is None:
        return None
    return abs(row.prediction - actual)


def sort_key(row: RankRow, actual: int | None, has_prediction: bool) -> tuple:
    """The tuple that :func:`rank` sorts by; smaller is better."""
    return _key_function(actual, has_prediction)(row)


#: Stands for "missing" in a sort key: after every known (finite) value.
_LAST = float("inf")


def _key_function(actual: int | None, has_prediction: bool):
    """A key function for one round, with the round's settings bound once (it runs per row).

    A missing prediction or duration becomes +∞, which sorts after any known value
    exactly as a (missing?, value) pair would, in a shorter tuple: the key is built
    100,000 times for a big round.
    """
    if has_prediction and actual is not None:
        def key(row: RankRow) -> tuple:
            prediction, duration = row.prediction, row.duration_ms
            return (
                -row.score,
                _LAST if prediction is None else abs(prediction - actual),
                _LAST if duration is None else duration,
                row.submitted_at,
                row.participant_id,
            )
    else:
        # No prediction question, or the actual figure is not known yet: no prediction term.
        def key(row: RankRow) -> tuple:
            duration = row.duration_ms
            return (-row.score, _LAST if duration is None else duration, row.submitted_at,
                    row.participant_id)
    return key


def _in_order(rows: list[RankRow], key) -> bool:
    """Whether ``rows`` are already sorted by ``key`` (non-decreasing)."""
    keys, following = tee(map(key, rows))
    next(following, None)
    return all(map(le, keys, following))


#: Builds a RankedRow from a (rank, row, error) tuple without the Python-level
#: ``__new__`` of a NamedTuple (the same object, at a fraction of the cost per row).
_ranked_row = partial(tuple.__new__, RankedRow)


def rank(rows: Iterable[RankRow], *, actual: int | None, has_prediction: bool) -> list[RankedRow]:
    """Rank counted attempts by the published order.

    1. score, higher first;
    2. when the round has a prediction question (and its actual figure is known):
       prediction error |predicted − actual|, smaller first; a missing
       prediction ranks after any given one;
    3. time taken (``duration_ms``, server-measured), shorter first; a missing
       duration ranks after any known one;
    4. submission time, earlier first;
    5. participant id, smaller first — the stable last resort.

    The order is total (participant ids are unique), so ranks are dense and
    contiguous: 1, 2, 3, … with every row its own rank, whatever the input
    order. Rows for disqualified participants must not be passed in.
    """
    key = _key_function(actual, has_prediction)
    rows = list(rows)
    # The rows usually arrive in this very order (load_counted_rows asks the database for
    # it). Checking that streams the keys, two alive at a time, where sorting must hold
    # all 100,000 of them; when the check passes, sorting would return the list as is
    # (the order is total, and sorted() is stable), so the result is the same either way.
    ordered = rows if _in_order(rows, key) else sorted(rows, key=key)
    if has_prediction and actual is not None:
        return [
            _ranked_row((i, r, None if r.prediction is None else abs(r.prediction - actual)))
            for i, r in enumerate(ordered, start=1)
        ]
    return list(map(_ranked_row, zip(count(1), ordered, repeat(None))))


# --- the query that feeds it -------------------------------------------------------------

_attempt = Attempt.__table__
_participant = Participant.__table__


def _order_columns(source, actual: int | None, has_prediction: bool, last: sa.ColumnElement):
    """ORDER BY terms equal to :func:`sort_key` over a table/subquery with attempt columns."""
    terms: list = [sa.func.coalesce(source.c.score, 0).desc()]
    if has_prediction and actual is not None:
        terms.append(sa.case((source.c.prediction.is_(None), 1), else_=0))
        terms.append(sa.func.coalesce(sa.func.abs(source.c.prediction - actual), 0))
    terms.append(sa.case((source.c.duration_ms.is_(None), 1), else_=0))
    terms.append(sa.func.coalesce(source.c.duration_ms, 0))
    terms.append(source.c.submitted_at)
    terms.append(last)
    return terms


def _eligible(round_id: int) -> list[sa.ColumnElement]:
    """Submitted attempts in the round by participants who are not disqualified."""
    a = _attempt
    return [
        a.c.round_id == round_id,
        a.c.status == AttemptStatus.SUBMITTED,
        # Disqualified people are few: an anti-join on that short list is far cheaper
        # than joining every attempt to its participant.
        a.c.participant_id.not_in(
            sa.select(_participant.c.id).where(_participant.c.disqualified_at.is_not(None))
        ),
    ]


def _best_candidates(round_id: int) -> sa.FromClause:
    """The attempts that can be someone's best: those with their top score.

    The best attempt always has the participant's top score (score is the first
    key, a missing score counting as 0), so only those need sorting: a grouped
    MAX read from the covering index ix_attempt_round_rank narrows 300,000
    attempts to about one per participant. The join compares the bare column
    so that the index can check it.
    """
    a = _attempt
    top = (
        sa.select(a.c.participant_id, sa.func.max(a.c.score).label("top"))
        .where(a.c.round_id == round_id, a.c.status == AttemptStatus.SUBMITTED)
        .group_by(a.c.participant_id)
        .subquery("top_scores")
    )
    return a.join(top, sa.and_(
        top.c.participant_id == a.c.participant_id,
        sa.or_(a.c.score == top.c.top,
               sa.and_(a.c.score.is_(None), sa.func.coalesce(top.c.top, 0) == 0)),
    ))


def counted_attempts(
    round_id: int, counted_attempt: str, *, actual: int | None, has_prediction: bool
) -> sa.Subquery:
    """One row per eligible participant: the attempt that counts, chosen in SQL.

    ``best`` is the attempt that ranks highest by the published order among
    the participant's own attempts; ``first``/``last`` go by attempt number.
    Only submitted attempts of participants not disqualified take part.
    """
    a = _attempt
    source: sa.FromClause = a
    if counted_attempt == CountedAttempt.FIRST:
        order = [a.c.number.asc(), a.c.id.asc()]
    elif counted_attempt == CountedAttempt.LAST:
        order = [a.c.number.desc(), a.c.id.desc()]
    elif counted_attempt == CountedAttempt.BEST:
        order = _order_columns(a, actual, has_prediction, a.c.id)
        if db.session.get_bind().dialect.name == "sqlite":
            # Not on PostgreSQL: its parallel plan would aggregate once per worker, and
            # its window over every attempt is already cheaper than that (the
            # benchmark's "wholly in SQL" figure: 0.33 s against 0.45 s narrowed).
            source = _best_candidates(round_id)
    else:
        raise RankingError(f"Cách tính lượt '{counted_attempt}' không hợp lệ.")
    position = sa.func.row_number().over(partition_by=a.c.participant_id, order_by=order)
    inner = (
        sa.select(
            a.c.id.label("attempt_id"),
            a.c.participant_id,
            sa.func.coalesce(a.c.score, 0).label("score"),
            a.c.correct_count,
            a.c.question_count,
            a.c.duration_ms,
            a.c.submitted_at,
            a.c.prediction,
            position.label("position"),
        )
        .select_from(source)
        .where(*_eligible(round_id))
        .subquery("attempt_positions")
    )
    return (
        sa.select(*[c for c in inner.c if c.name != "position"])
        .where(inner.c.position == 1)
        .subquery("counted")
    )


def _counted_for(round_: Round, actual: int | None) -> sa.Subquery:
    return counted_attempts(
        round_.id, round_.counted_attempt, actual=actual, has_prediction=round_.has_prediction
    )


def _rank_columns(a) -> list[sa.ColumnElement]:
    """The attempt columns a RankRow holds, in its field order."""
    return [
        a.c.participant_id,
        sa.func.coalesce(a.c.score, 0).label("score"),
        a.c.duration_ms,
        a.c.submitted_at,
        a.c.prediction,
        a.c.id.label("attempt_id"),
        a.c.correct_count,
        a.c.question_count,
    ]


def load_counted_rows(round_: Round, actual: int | None) -> list[RankRow]:
    """The counted attempt of each eligible participant, as plain rows.

    They come back already in the published order: :func:`rank` still checks
    it, as the authority, but checking sorted input is linear, which keeps a
    100,000-row round cheap.

    ``best`` needs no per-participant window function (the general form,
    :func:`counted_attempts`, costs two sorts). On PostgreSQL, DISTINCT ON keeps
    each participant's first attempt in the published order. Elsewhere: in the
    list of candidate attempts sorted by the published order (participant id,
    then attempt id, as the last keys) a participant's first appearance is their
    best attempt, and the first appearances are already in ranking order, so one
    sort in the database and one pass here (:func:`first_per_participant`) do it.
    ``first``/``last`` go by attempt number, through the window.
    """
    a = _attempt
    has_prediction = round_.has_prediction
    on_postgresql = db.session.get_bind().dialect.name == "postgresql"
    if round_.counted_attempt == CountedAttempt.BEST and on_postgresql:
        best = (
            sa.select(*_rank_columns(a))
            .where(*_eligible(round_.id))
            .ext(distinct_on(a.c.participant_id))
            .order_by(a.c.participant_id, *_order_columns(a, actual, has_prediction, a.c.id))
            .subquery("counted")
        )
        order = _order_columns(best, actual, has_prediction, best.c.participant_id)
        return list(map(_rank_row, db.session.execute(sa.select(*best.c).order_by(*order))))
    if round_.counted_attempt == CountedAttempt.BEST:
        order = _order_columns(a, actual, has_prediction, a.c.participant_id)
        result = db.session.execute(
            sa.select(*_rank_columns(a))
            .select_from(_best_candidates(round_.id))
            .where(*_eligible(round_.id))
            .order_by(*order, a.c.id)
        )
        return first_per_participant(map(_rank_row, result))
    counted = _counted_for(round_, actual)
    order = _order_columns(counted, actual, has_prediction, counted.c.participant_id)
    result = db.session.execute(
        sa.select(*(counted.c[name] for name in RankRow._fields)).order_by(*order)
    )
    # Rows straight into RankRow (its fields are the selected columns, in order).
    return list(map(_rank_row, result))


def first_per_participant(rows: Iterable[RankRow]) -> list[RankRow]:
    """Each participant's first row, in the order given (later rows of theirs dropped)."""
    seen: set[int] = set()
    keep = seen.add
    return [row for row in rows
            if not (row.participant_id in seen or keep(row.participant_id))]


_rank_row = partial(tuple.__new__, RankRow)


def rank_round(round_: Round, actual: int | None = None) -> list[RankedRow]:
    """The round's ranking with the given actual figure (default: the stored one)."""
    if actual is None:
        actual = round_.prediction_actual
    with _collector_paused():
        return rank(load_counted_rows(round_, actual), actual=actual,
                    has_prediction=round_.has_prediction)


_pause_lock = threading.Lock()
_pause_depth = 0
_collector_was_enabled = False


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a round's rows are built.

    A big round builds a few hundred thousand tuples (database rows, RankRow,
    RankedRow), none of them in a reference cycle. Every few hundred new tuples
    set off a collection that walks the tuples built so far, which cost about a
    third of the ranking's time (bench/bench_ranking.py). The switch is per
    process and a worker runs several threads: the first ranking in pauses it,
    the last one out restores what it found, under a lock, so that overlapping
    rankings can never leave it off.
    """
    global _pause_depth, _collector_was_enabled
    with _pause_lock:
        if _pause_depth == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _pause_depth += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pause_depth -= 1
            if _pause_depth == 0 and _collector_was_enabled:
                gc.enable()


def sql_ranking(round_: Round, actual: int | None) -> list[tuple[int, int, int]]:
    """The same ranking done wholly in SQL: (rank, participant_id, attempt_id) rows."""
    counted = _counted_for(round_, actual)
    order = _order_columns(counted, actual, round_.has_prediction, counted.c.participant_id)
    position = sa.func.row_number().over(order_by=order).label("rank")
    query = sa.select(position, counted.c.participant_id, counted.c.attempt_id).order_by(*order)
    return [tuple(r) for r in db.session.execute(query)]


# --- the prediction's actual figure ------------------------------------------------------

def compute_prediction_actual(round_: Round) -> int:
    """The figure the prediction question guesses, from the counted attempts now.

    ``full_marks``: distinct eligible participants whose counted attempt got
    every question right. ``participants``: distinct eligible participants with
    a submitted attempt. For ``best`` the counted attempt's score does not
    depend on the prediction tie-break, so there is no circularity.
    """
    counted = _counted_for(round_, None)
    query = sa.select(sa.func.count()).select_from(counted)
    if round_.prediction_target != PredictionTarget.PARTICIPANTS:
        query = query.where(
            counted.c.question_count > 0, counted.c.correct_count == counted.c.question_count
        )
    return int(db.session.scalar(query) or 0)


def fix_prediction_actual(round_: Round, now: datetime, actor_id: int | None = None) -> int:
    """Fix and store the actual figure once the round has closed; idempotent.

    Refuses before the close. Once fixed, the stored figure is returned as is,
    so later disqualifications or late grading never move it. The caller commits.
    """
    from contest.helpers import audit
    if round_.prediction_actual_fixed_at is not None and round_.prediction_actual is not None:
        return round_.prediction_actual
    if round_.state(now) != RoundState.CLOSED:
        raise RankingError(
            "Đợt thi chưa kết thúc: số thực tế của câu hỏi dự đoán chỉ được chốt sau khi "
            "đợt thi đóng."
        )
    unfinished = db.session.scalar(
        sa.select(sa.func.count()).select_from(_attempt).where(
            _attempt.c.round_id == round_.id, _attempt.c.status == AttemptStatus.IN_PROGRESS)
    )
    if unfinished:
        # A bài left open at the close is graded at its deadline; counting before that
        # would freeze a figure that leaves it out.
        raise RankingError(
            f"Còn {unfinished} lượt thi chưa được chấm; hãy chấm các bài quá hạn "
            "(flask --app contest attempts sweep) rồi chốt lại."
        )
    actual = compute_prediction_actual(round_)
    round_.prediction_actual = actual
    round_.prediction_actual_fixed_at = now
    audit.record(
        actor_id,
        "round.fix_prediction_actual",
        object_type="round",
        object_id=round_.id,
        summary=f"Chốt số thực tế của {round_.name}: {actual}",
        after={"prediction_actual": actual, "prediction_actual_fixed_at": now},
    )
    db.session.flush()
    return actual


def grade_overdue(now: datetime, grace_seconds: int | None) -> int:
    """Grade attempts left open past their deadline, so the actual figure includes them."""
    return expire_overdue(now, grace_seconds)


def fix_closed_rounds(now: datetime) -> list[tuple[Round, int]]:
    """Fix the figure of every closed round that has none yet; (round, figure) for each.

    Run by ``attempts sweep`` (every minute) after it grades overdue attempts, so a
    round's figure is fixed soon after it closes without a page view having to
    write. A round with attempts still within the grace period is left for the next
    run. Commits each round.
    """
    due = db.session.scalars(
        sa.select(Round).where(Round.closes_at <= now, Round.prediction_actual_fixed_at.is_(None))
        .order_by(Round.closes_at)).all()
    fixed = []
    for round_ in due:
        try:
            actual = fix_prediction_actual(round_, now)
        except RankingError:
            db.session.rollback()
            continue
        db.session.commit()
        fixed.append((round_, actual))
    return fixed


def actual_label(round_: Round) -> str:
    """What the prediction's actual figure counts, named as the round's settings name it."""
    fallback = PREDICTION_TARGETS[PredictionTarget.FULL_MARKS]
    return PREDICTION_TARGETS.get(round_.prediction_target, fallback)


def counted_attempt(attempts: Iterable[Attempt], rule: str, *, actual: int | None = None,
                    has_prediction: bool = False) -> Attempt | None:
    """The one submitted attempt that counts for ranking under the round's rule.

    * ``first``: the earliest attempt (lowest number); ``last``: the latest.
    * ``best``: the attempt that ranks highest by the published ranking order
      (:func:`rank`), so the resident's page and the
      ranking always name the same attempt; the prediction only weighs in once
      the round's actual figure is fixed.

    Attempts still in progress never count.
    """
    done = [a for a in attempts if a.status == AttemptStatus.SUBMITTED and a.score is not None]
    if not done:
        return None
    if rule == CountedAttempt.FIRST:
        return min(done, key=lambda a: a.number)
    if rule == CountedAttempt.LAST:
        return max(done, key=lambda a: a.number)
    if rule == CountedAttempt.BEST:
        return min(done, key=lambda a: (sort_key(
            RankRow(a.participant_id, a.score, a.duration_ms, a.submitted_at, a.prediction),
            actual, has_prediction), a.number))
    raise ValueError(f"unknown counted-attempt rule {rule!r}")
