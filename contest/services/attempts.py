"""Taking a round: drawing questions, saving answers, submitting, grading, expiring.

The server's clock is the only one that counts: every function takes ``now``.
Transitions that two requests could race for (start, save, submit) are claimed
with a conditional write, so the database decides which one wins:

* start: the partial unique index ``uq_attempt_one_in_progress`` and the unique
  (participant, round, number) refuse a second attempt; the loser resumes the winner's.
* save: ``UPDATE attempt ... WHERE status = 'in_progress' AND deadline >= now - grace``
  takes the attempt's row lock before the answer is written, so a save either lands
  before the submit grades or is refused after it.
* submit: ``UPDATE attempt SET status = 'submitted' WHERE status = 'in_progress'``;
  only the request that changed a row grades, every other one returns that result.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from contest.extensions import db
from contest.models import (
    Attempt,
    AttemptItem,
    ContentArea,
    Participant,
    Question,
    QuestionVersion,
    Round,
)
from contest.timeutil import format_local

log = logging.getLogger(__name__)

#: Default network slack after the deadline (the app passes SUBMIT_GRACE_SECONDS).
DEFAULT_GRACE_SECONDS = 10
PREDICTION_MAX = 10**12


class AttemptError(Exception):
    """A refusal the resident should read; ``message`` is Vietnamese, ``title`` a heading."""

    title = "Không thể làm bài"
    status = 409

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RoundNotOpen(AttemptError):
    title = "Đợt thi chưa mở"


class RoundClosed(AttemptError):
    title = "Đợt thi đã kết thúc"


class BankTooSmall(AttemptError):
    """The round's quota cannot be drawn: the organisers' configuration is wrong."""

    title = "Đợt thi chưa sẵn sàng"
    status = 503


class AttemptLimitReached(AttemptError):
    title = "Đã hết lượt thi"


class NotAllowed(AttemptError):
    title = "Không thể làm bài"
    status = 403


class TooLate(AttemptError):
    """An answer or submit arriving after the deadline plus grace."""

    title = "Đã hết giờ làm bài"


class AlreadySubmitted(AttemptError):
    title = "Bài đã nộp"


class InvalidAnswer(AttemptError):
    title = "Câu trả lời không hợp lệ"
    status = 400


# --------------------------------------------------------------------------- start


def _grace(grace_seconds: int | float | None) -> timedelta:
    return timedelta(seconds=DEFAULT_GRACE_SECONDS if grace_seconds is None else grace_seconds)


def in_progress_attempt(participant_id: int) -> Attempt | None:
    return db.session.scalar(
        sa.select(Attempt).where(Attempt.participant_id == participant_id,
                                 Attempt.status == "in_progress")
    )


def attempts_of(participant_id: int, round_id: int | None = None) -> list[Attempt]:
    """A participant's attempts (of one round, or all), oldest first."""
    query = sa.select(Attempt).where(Attempt.participant_id == participant_id)
    if round_id is not None:
        query = query.where(Attempt.round_id == round_id)
    return list(db.session.scalars(query.order_by(Attempt.round_id, Attempt.number)))


def draw_questions(round_: Round, rng: random.Random) -> list[tuple[int, int, int, int]]:
    """Draw the round's quota: (question_id, version_id, content_area_id, option count) rows.

    One query reads every candidate (active question, current version, area in the
    quota); the draw, the page order and everything else happen in memory.
    Raises :class:`BankTooSmall` when an area has fewer active questions than its quota.
    """
    quota = {code: int(count) for code, count in (round_.question_quota or {}).items()
             if int(count) > 0}
    if not quota:
        log.error("Round %s has no question quota", round_.id)
        raise BankTooSmall("Đợt thi này chưa có câu hỏi. Ban tổ chức đang hoàn thiện, "
                           "vui lòng quay lại sau.")
    rows = db.session.execute(
        sa.select(QuestionVersion.question_id, QuestionVersion.id, Question.content_area_id,
                  ContentArea.code, QuestionVersion.options)
        .join(Question, Question.id == QuestionVersion.question_id)
        .join(ContentArea, ContentArea.id == Question.content_area_id)
        .where(QuestionVersion.is_current, Question.active, ContentArea.code.in_(list(quota)))
        .order_by(QuestionVersion.question_id)
    ).all()
    by_area: dict[str, list] = defaultdict(list)
    for question_id, version_id, area_id, code, options in rows:
        by_area[code].append((question_id, version_id, area_id, len(options)))
    short = {code: (len(by_area[code]), need) for code, need in quota.items()
             if len(by_area[code]) < need}
    if short:
        log.error("Round %s cannot be drawn: area → (active questions, quota) %s",
                  round_.id, short)
        raise BankTooSmall("Đợt thi này chưa sẵn sàng: ngân hàng câu hỏi chưa đủ. "
                           "Ban tổ chức đã được báo lỗi; vui lòng quay lại sau.")
    drawn = [row for code, need in quota.items() for row in rng.sample(by_area[code], need)]
    rng.shuffle(drawn)
    return drawn


def start_attempt(participant_id: int, round_id: int, now: datetime,
                  rng: random.Random | None = None, grace_seconds: int | None = None
                  ) -> Attempt:
    """Start an attempt, or return the one in progress for this round.

    Checks: round open, participant of the round's contest, one attempt in progress,
    the round's attempt limit. The attempt and all its items are written in one
    transaction (items with one bulk insert), or nothing is written.
    """
    rng = rng or random.SystemRandom()
    round_ = db.session.get(Round, round_id)
    participant = db.session.get(Participant, participant_id)
    if round_ is None or participant is None or participant.contest_id != round_.contest_id:
        raise NotAllowed("Bạn chưa đăng ký dự thi cuộc thi này.")
    if participant.disqualified_at is not None:
        raise NotAllowed("Kết quả dự thi của bạn đã bị Ban tổ chức loại; bạn không thể làm "
                         "thêm lượt thi. Vui lòng liên hệ Ban tổ chức nếu có nhầm lẫn.")

    current = in_progress_attempt(participant_id)
    if current is not None:
        finish_if_overdue(current, now, grace_seconds)
        if current.status == "in_progress":
            if current.round_id == round_id:
                return current
            raise NotAllowed("Bạn đang làm dở một lượt thi của đợt khác; "
                             "vui lòng hoàn thành lượt đó trước.")

    state = round_.state(now)
    if state == "upcoming":
        raise RoundNotOpen(f"{round_.name} mở lúc {format_local(round_.opens_at)}. "
                           "Mời bạn quay lại khi đợt thi mở.")
    if state == "closed":
        raise RoundClosed(f"{round_.name} đã kết thúc lúc {format_local(round_.closes_at)}.")

    used = db.session.scalar(
        sa.select(sa.func.count(Attempt.id)).where(Attempt.participant_id == participant_id,
                                                   Attempt.round_id == round_id)
    ) or 0
    if used >= round_.attempts_allowed:
        raise AttemptLimitReached(
            f"Bạn đã dùng hết {round_.attempts_allowed} lượt thi của {round_.name}."
        )

    drawn = draw_questions(round_, rng)
    deadline = min(now + timedelta(minutes=round_.time_limit_minutes), round_.closes_at)
    attempt = Attempt(participant_id=participant_id, round_id=round_id, number=used + 1,
                      started_at=now, deadline=deadline, status="in_progress",
                      question_count=len(drawn))
    try:
        db.session.add(attempt)
        db.session.flush()
        db.session.execute(
            sa.insert(AttemptItem),
            [
                {"attempt_id": attempt.id, "question_id": question_id,
                 "question_version_id": version_id, "content_area_id": area_id,
                 "position": position, "option_order": rng.sample(range(n), n)}
                for position, (question_id, version_id, area_id, n) in enumerate(drawn, 1)
            ],
        )
        db.session.commit()
    except IntegrityError:
        # Another request (a double tap, a second tab) started one first: resume it.
        db.session.rollback()
        current = in_progress_attempt(participant_id)
        if current is not None and current.round_id == round_id:
            return current
        raise AttemptLimitReached(
            "Lượt thi vừa được bắt đầu ở một cửa sổ khác. Vui lòng tải lại trang."
        ) from None
    return attempt


def load_items(attempt: Attempt) -> list[AttemptItem]:
    """The attempt's items with their versions, in page order (two queries)."""
    return list(db.session.scalars(
        sa.select(AttemptItem).where(AttemptItem.attempt_id == attempt.id)
        .options(selectinload(AttemptItem.version)).order_by(AttemptItem.position)
        .execution_options(populate_existing=True)
    ))


# --------------------------------------------------------------------------- answers


def _claim_open(attempt_id: int, now: datetime, grace: timedelta) -> bool:
    """Lock the attempt row if it still takes answers (a no-op write takes the lock)."""
    result = db.session.execute(
        sa.update(Attempt)
        .where(Attempt.id == attempt_id, Attempt.status == "in_progress",
               Attempt.deadline >= now - grace)
        .values(status="in_progress")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _refusal(attempt: Attempt) -> AttemptError:
    db.session.refresh(attempt)
    if attempt.status == "submitted" and attempt.finished_by != "timeout":
        return AlreadySubmitted("Bài thi này đã được nộp; câu trả lời mới không được ghi nhận.")
    return TooLate("Đã hết giờ làm bài; câu trả lời gửi sau thời hạn không được ghi nhận.")


def _item_id(attempt: Attempt, position: int) -> tuple[int, list[int]]:
    if not isinstance(position, int) or isinstance(position, bool) \
            or not 1 <= position <= attempt.question_count:
        raise InvalidAnswer("Câu hỏi không thuộc bài thi này.")
    item = db.session.execute(
        sa.select(AttemptItem.id, AttemptItem.option_order)
        .where(AttemptItem.attempt_id == attempt.id, AttemptItem.position == position)
    ).one_or_none()
    if item is None:
        raise InvalidAnswer("Câu hỏi không thuộc bài thi này.")
    return item.id, item.option_order


def _to_option(option_order: list[int], shown: int | None) -> int | None:
    if shown is None:
        return None
    if not isinstance(shown, int) or isinstance(shown, bool) \
            or not 0 <= shown < len(option_order):
        raise InvalidAnswer("Phương án trả lời không hợp lệ.")
    return option_order[shown]


@dataclass
class SaveAck:
    position: int | None
    saved_at: datetime

    def as_json(self) -> dict:
        return {"ok": True, "saved_at": self.saved_at.isoformat(), "position": self.position}


def save_answer(attempt: Attempt, position: int, shown_choice: int | None, now: datetime,
                grace_seconds: int | None = None) -> SaveAck:
    """Record the option chosen (index in the order shown; None clears it) for one question.

    The row exists since the draw, keyed by the unique (attempt, position), so
    saving is an update of that one row: saving again overwrites, nothing duplicates.
    Refused (nothing stored) after the deadline plus grace or once submitted.
    """
    item_id, option_order = _item_id(attempt, position)
    chosen = _to_option(option_order, shown_choice)
    if not _claim_open(attempt.id, now, _grace(grace_seconds)):
        db.session.rollback()
        raise _refusal(attempt)
    db.session.execute(
        sa.update(AttemptItem).where(AttemptItem.id == item_id)
        .values(chosen_option=chosen, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return SaveAck(position=position, saved_at=now)


def save_answers(attempt: Attempt, answers: Mapping[int, int | None], now: datetime,
                 grace_seconds: int | None = None) -> int:
    """Save several answers at once (a JS-off form sent back for a correction).

    Blank answers keep what was saved. Returns how many answers changed.
    """
    if not _claim_open(attempt.id, now, _grace(grace_seconds)):
        db.session.rollback()
        raise _refusal(attempt)
    changed = 0
    for item in load_items(attempt):
        shown = answers.get(item.position)
        if shown is None:
            continue
        try:
            chosen = _to_option(item.option_order, shown)
        except InvalidAnswer:
            continue
        if chosen != item.chosen_option:
            item.chosen_option, item.answered_at = chosen, now
            changed += 1
    db.session.commit()
    return changed


def parse_prediction(raw) -> int | None:
    """A whole number ≥ 0 (spaces and thousands dots tolerated); None when blank."""
    if raw is None or isinstance(raw, bool):
        return None if raw is None else _bad_prediction()
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip().replace(" ", "").replace(".", "").replace(",", "")
        if not text:
            return None
        if not text.isdigit() or len(text) > 13:
            _bad_prediction()
        value = int(text)
    if not 0 <= value <= PREDICTION_MAX:
        _bad_prediction()
    return value


def _bad_prediction():
    raise InvalidAnswer("Số dự đoán phải là số nguyên không âm, ví dụ 125.")


def save_prediction(attempt: Attempt, raw, now: datetime, grace_seconds: int | None = None
                    ) -> SaveAck:
    """Save the prediction before submit, under the same deadline as answers."""
    value = parse_prediction(raw)
    if not attempt.round.has_prediction:
        raise InvalidAnswer("Đợt thi này không có câu hỏi dự đoán.")
    if not _claim_open(attempt.id, now, _grace(grace_seconds)):
        db.session.rollback()
        raise _refusal(attempt)
    db.session.execute(
        sa.update(Attempt).where(Attempt.id == attempt.id).values(prediction=value)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return SaveAck(position=None, saved_at=now)


# --------------------------------------------------------------------------- submit


@dataclass
class SubmitOutcome:
    attempt: Attempt
    #: True for the one request that graded; False when it had been graded already.
    graded_now: bool
    #: True when the answers sent with the submit came too late and were not stored.
    late: bool = False


def submit(attempt: Attempt, answers: Mapping[int, int | None] | None, prediction, now: datetime,
           grace_seconds: int | None = None) -> SubmitOutcome:
    """Grade the attempt once, whatever number of requests ask for it.

    ``answers`` maps position → option index as shown (None or missing: keep
    what was saved). Within the deadline plus grace they are stored first;
    after it they are ignored, the attempt is graded from its saved answers and
    finishes at the deadline as a timeout.
    """
    grace = _grace(grace_seconds)
    in_time = now <= attempt.deadline + grace
    parsed_prediction = None
    if in_time and prediction not in (None, ""):
        parsed_prediction = parse_prediction(prediction)  # bad input refused before any write
    if in_time:
        submitted_at, finished_by = min(now, attempt.deadline), "resident"
    else:
        submitted_at, finished_by = attempt.deadline, "timeout"

    claimed = db.session.execute(
        sa.update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == "in_progress")
        .values(status="submitted", submitted_at=submitted_at, finished_by=finished_by)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not claimed:
        db.session.rollback()
        db.session.refresh(attempt)
        return SubmitOutcome(attempt=attempt, graded_now=False)

    items = load_items(attempt)
    late = False
    if in_time:
        by_position = {item.position: item for item in items}
        for position, shown in (answers or {}).items():
            item = by_position.get(position)
            if item is None or shown is None:
                continue
            try:
                chosen = _to_option(item.option_order, shown)
            except InvalidAnswer:
                continue  # a tampered value is ignored rather than failing the whole submit
            if chosen != item.chosen_option:
                item.chosen_option, item.answered_at = chosen, now
        if attempt.round.has_prediction and parsed_prediction is not None:
            attempt.prediction = parsed_prediction
    else:
        late = bool(answers) or prediction not in (None, "")
    _grade(attempt, items, submitted_at, finished_by)
    db.session.commit()
    return SubmitOutcome(attempt=attempt, graded_now=True, late=late)


def _grade(attempt: Attempt, items: Iterable[AttemptItem], submitted_at: datetime,
           finished_by: str) -> None:
    correct = 0
    for item in items:
        item.is_correct = item.chosen_option is not None \
            and item.chosen_option == item.version.correct_option
        correct += item.is_correct
    attempt.status = "submitted"
    attempt.submitted_at = submitted_at
    attempt.finished_by = finished_by
    attempt.correct_count = correct
    attempt.score = correct  # one point per right answer
    attempt.duration_ms = max(0, int((submitted_at - attempt.started_at).total_seconds() * 1000))


def finish_if_overdue(attempt: Attempt, now: datetime, grace_seconds: int | None = None) -> bool:
    """Grade-on-touch: an attempt left open past its deadline (+ grace) is graded now.

    Returns True when it was graded by this call.
    """
    if attempt.status != "in_progress" or now <= attempt.deadline + _grace(grace_seconds):
        return False
    return submit(attempt, None, None, now, grace_seconds).graded_now


def expire_overdue(now: datetime, grace_seconds: int | None = None) -> int:
    """The sweep: grade every attempt past its deadline (+ grace) from its saved answers.

    Each is finished at its deadline, not at ``now``. Returns how many were graded.
    """
    cutoff = now - _grace(grace_seconds)
    ids = list(db.session.scalars(
        sa.select(Attempt.id).where(Attempt.status == "in_progress", Attempt.deadline < cutoff)
        .order_by(Attempt.id)
    ))
    graded = 0
    for attempt_id in ids:
        attempt = db.session.get(Attempt, attempt_id)
        if attempt is not None and finish_if_overdue(attempt, now, grace_seconds):
            graded += 1
    return graded


# --------------------------------------------------------------------------- which counts


def counted_attempt(attempts: Iterable[Attempt], rule: str, *, actual: int | None = None,
                    has_prediction: bool = False) -> Attempt | None:
    """The one submitted attempt that counts for ranking under the round's rule.

    * ``first``: the earliest attempt (lowest number); ``last``: the latest.
    * ``best``: the attempt that ranks highest by the published ranking order
      (:func:`contest.services.ranking.rank`), so the resident's page and the
      ranking always name the same attempt; the prediction only weighs in once
      the round's actual figure is fixed.

    Attempts still in progress never count.
    """
    from contest.services.ranking import RankRow, sort_key

    done = [a for a in attempts if a.status == "submitted" and a.score is not None]
    if not done:
        return None
    if rule == "first":
        return min(done, key=lambda a: a.number)
    if rule == "last":
        return max(done, key=lambda a: a.number)
    if rule == "best":
        return min(done, key=lambda a: (sort_key(
            RankRow(a.participant_id, a.score, a.duration_ms, a.submitted_at, a.prediction),
            actual, has_prediction), a.number))
    raise ValueError(f"unknown counted-attempt rule {rule!r}")


def attempts_left(round_: Round, participant_id: int) -> int:
    used = db.session.scalar(
        sa.select(sa.func.count(Attempt.id)).where(Attempt.participant_id == participant_id,
                                                   Attempt.round_id == round_.id)
    ) or 0
    return max(0, round_.attempts_allowed - used)
