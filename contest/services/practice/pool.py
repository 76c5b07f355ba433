"""Practice (Ôn tập): the practice pool, a practice set, and anonymous answer counts.

The one rule: practice never shows a question that a round can still draw. A question is
in the pool when it is active and either

* marked for practice (``Question.practice``; a round never draws those) and not served
  in an attempt of a round that has not closed (it was marked after a resident got it), or
* the organisers opened the whole bank after the contest ended, and no round of any
  contest that has not closed yet could draw it (its area is in no such round's quota).

The pool is worked out on every page, so a round created later closes it again.
The "served" check looks only at the practice-marked questions and only at attempts of
rounds that have not closed: after a contest every question was served thousands of
times, and reading all of that on every practice page would be slow. (A question whose
area an organiser changes while a round that served it is still open is the one case
the area rule does not see.)

Practice never touches attempts, ranking or the contest's statistics; it only adds to
:class:`PracticeTally` (contest, area, day → answered, right), which names nobody.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from contest.extensions import db
from contest.helpers import audit
from contest.helpers.timeutil import to_local
from contest.models import (
    Attempt,
    AttemptItem,
    ContentArea,
    Contest,
    PracticeTally,
    Question,
    Round,
)
from contest.services.errors import DomainError

#: Questions in one practice set (fewer when the pool is smaller).
SET_SIZE = 10


class PracticeRefused(DomainError):
    """An organiser's practice action that is not allowed now, with the reason."""


def is_open(contest: Contest) -> bool:
    """Residents may practise: the contest is public and the organisers allow it."""
    return contest.is_published and contest.practice_enabled


def _rounds_not_closed(now: datetime) -> tuple[list[int], set[str]]:
    """Rounds (any contest) that have not closed: their ids, and the area codes they draw."""
    ids: list[int] = []
    codes: set[str] = set()
    for round_id, quota in db.session.execute(
            sa.select(Round.id, Round.question_quota).where(Round.closes_at > now)):
        ids.append(round_id)
        codes.update(code for code, n in (quota or {}).items() if n)
    return ids, codes


def pool_condition(contest: Contest, now: datetime):
    """The SQL condition on :class:`Question` of the practice pool (see the module doc)."""
    live_rounds, still_drawn = _rounds_not_closed(now)
    marked = Question.practice
    if live_rounds:
        served_live = sa.exists().where(
            AttemptItem.question_id == Question.id,
            AttemptItem.attempt_id == Attempt.id,
            Attempt.round_id.in_(live_rounds),
        )
        marked = sa.and_(Question.practice, sa.not_(served_live))
    membership = marked
    if contest.practice_whole_bank and contest.has_ended(now):
        outside = sa.true() if not still_drawn else sa.not_(
            Question.content_area_id.in_(
                sa.select(ContentArea.id).where(ContentArea.code.in_(sorted(still_drawn)))))
        membership = sa.or_(marked, outside)
    return sa.and_(Question.active, membership)


def pool_size(contest: Contest, now: datetime) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Question.id)).where(pool_condition(contest, now))) or 0


def draw_set(contest: Contest, now: datetime, rng: random.Random | None = None,
             size: int = SET_SIZE) -> list[int]:
    """Question ids of a new practice set, spread over the content areas.

    Areas come in random order and each gives one question in turn, so a set of ten
    from eleven areas touches ten of them; the questions and their order are random.
    """
    rng = rng or random.SystemRandom()
    by_area: dict[int, list[int]] = {}
    for question_id, area_id in db.session.execute(
            sa.select(Question.id, Question.content_area_id)
            .where(pool_condition(contest, now)).order_by(Question.id)):
        by_area.setdefault(area_id, []).append(question_id)
    queues = list(by_area.values())
    for queue in queues:
        rng.shuffle(queue)
    rng.shuffle(queues)
    drawn: list[int] = []
    while queues and len(drawn) < size:
        for queue in list(queues):
            if len(drawn) == size:
                break
            drawn.append(queue.pop())
            if not queue:
                queues.remove(queue)
    rng.shuffle(drawn)
    return drawn


def question_in_pool(contest: Contest, question_id: int, now: datetime) -> Question | None:
    """The question, if practice may show it now (checked again at every page)."""
    return db.session.scalar(
        sa.select(Question).where(Question.id == question_id, pool_condition(contest, now)))


@dataclass(frozen=True)
class Feedback:
    """What the page says after an answer."""

    chosen: int
    correct: int
    is_correct: bool


def grade(question: Question, chosen: int) -> Feedback:
    return Feedback(chosen=chosen, correct=question.correct_option,
                    is_correct=chosen == question.correct_option)


def record_answer(contest: Contest, question: Question, is_correct: bool,
                  now: datetime) -> None:
    """Count one practice answer for the question's area on today's local date; commits."""
    key = {"contest_id": contest.id, "content_area_id": question.content_area_id,
           "day": to_local(now).date()}
    right = 1 if is_correct else 0
    bump = (sa.update(PracticeTally).filter_by(**key)
            .values(answered=PracticeTally.answered + 1, correct=PracticeTally.correct + right))
    if db.session.execute(bump).rowcount == 0:
        try:
            with db.session.begin_nested():
                db.session.add(PracticeTally(**key, answered=1, correct=right))
        except IntegrityError:
            # Another answer created today's row first: add to it.
            db.session.execute(bump)
    db.session.commit()


def open_whole_bank(contest: Contest, actor_id: int | None, now: datetime) -> None:
    """After the contest ended: open practice, on the whole bank. Caller commits."""
    if not contest.has_ended(now):
        raise PracticeRefused("Chỉ mở toàn bộ ngân hàng câu hỏi cho ôn tập sau khi tất cả các "
                              "đợt thi của cuộc thi đã kết thúc.")
    if contest.practice_whole_bank and contest.practice_enabled:
        return
    before = audit.snapshot(contest, ["practice_enabled", "practice_whole_bank"])
    contest.practice_whole_bank = True
    contest.practice_enabled = True
    audit.record(actor_id, "contest.practice_whole_bank", object_type="contest",
                 object_id=contest.id,
                 summary=f"Mở toàn bộ ngân hàng câu hỏi cho ôn tập – {contest.title}",
                 before=before, after=audit.snapshot(contest, ["practice_enabled",
                                                               "practice_whole_bank"]))
