"""Taking a round: drawing questions, saving answers, submitting, grading, expiring.

The server's clock is the only one that counts: every function takes ``now``.
Transitions that two calls could race for (start, save, submit) are claimed
with a conditional write, so the database decides which one wins:

* start: the partial unique index ``uq_attempt_one_in_progress`` and the unique
  (participant, round, number) refuse a second attempt; the loser resumes the winner's.
* save: one ``UPDATE attempt_item ... WHERE is_correct IS NULL AND`` the attempt is in
  progress, its deadline + grace not passed (the item chosen by id, or by attempt and
  position in :func:`quick_save_answer`). Grading sets ``is_correct`` on every
  item of the attempt, and PostgreSQL re-checks a row's own columns after waiting for its
  lock, so a save either lands before the submit grades it (the grading statement waits
  for the save's row lock, then grades the saved value) or finds the row graded and is
  refused. SQLite runs one writer at a time, so the same statement simply sees the result.
* submit: ``UPDATE attempt SET status = 'submitted' WHERE status = 'in_progress'``;
  only the call that changed a row grades (set-based: one UPDATE of the items, one of
  the attempt's totals), every other one returns that result.

The hot paths (save, start, submit) are written as a few Core statements. A save is one
prebuilt UPDATE carrying every guard, ownership included (:func:`quick_save_answer`);
only when it changes nothing does the full path read the attempt to say why.
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
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from contest.extensions import db
from contest.helpers.text import is_digits
from contest.helpers.timeutil import format_local, format_local_end
from contest.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    ContentArea,
    FinishedBy,
    Participant,
    PreparedDraw,
    Question,
    QuestionVersion,
    Round,
    RoundState,
)
from contest.models.base import UTCDateTime, new_public_id
from contest.services.errors import DomainError

log = logging.getLogger(__name__)

#: Default network slack after the deadline (the app passes SUBMIT_GRACE_SECONDS).
DEFAULT_GRACE_SECONDS = 10
PREDICTION_MAX = 10**12


class AttemptError(DomainError):
    """A refusal the resident should read; ``message`` is Vietnamese, ``title`` a heading."""

    title = "Không thể làm bài"


class RoundNotOpen(AttemptError):
    title = "Đợt thi chưa mở"


class RoundClosed(AttemptError):
    title = "Đợt thi đã kết thúc"


class BankTooSmall(AttemptError):
    """The round's quota cannot be drawn: the organisers' configuration is wrong."""

    title = "Đợt thi chưa sẵn sàng"


class AttemptLimitReached(AttemptError):
    title = "Đã hết lượt thi"


class NotAllowed(AttemptError):
    title = "Không thể làm bài"


class TooLate(AttemptError):
    """An answer or submit arriving after the deadline plus grace."""

    title = "Đã hết giờ làm bài"


TOO_LATE_MESSAGE = "Đã hết giờ làm bài; câu trả lời gửi sau thời hạn không được ghi nhận."


class AlreadySubmitted(AttemptError):
    title = "Bài đã nộp"


class InvalidAnswer(AttemptError):
    title = "Câu trả lời không hợp lệ"


# --------------------------------------------------------------------------- start


def _grace(grace_seconds: int | float | None) -> timedelta:
    return timedelta(seconds=DEFAULT_GRACE_SECONDS if grace_seconds is None else grace_seconds)


def in_progress_attempt(participant_id: int) -> Attempt | None:
    return db.session.scalar(
        sa.select(Attempt).where(Attempt.participant_id == participant_id,
                                 Attempt.status == AttemptStatus.IN_PROGRESS)
    )


def attempts_of(participant_id: int, round_id: int | None = None) -> list[Attempt]:
    """A participant's attempts (of one round, or all), oldest first."""
    query = sa.select(Attempt).where(Attempt.participant_id == participant_id)
    if round_id is not None:
        query = query.where(Attempt.round_id == round_id)
    return list(db.session.scalars(query.order_by(Attempt.round_id, Attempt.number)))


def draw_questions(round_: Round, rng: random.Random) -> list[tuple[int, int, int, int]]:
    """Draw the round's quota: (question_id, version_id, content_area_id, option count) rows.

    One query reads every candidate (active question outside the practice pool, current
    version, area in the quota); the draw, the page order and everything else happen in memory.
    Raises :class:`BankTooSmall` when an area has fewer active questions than its quota.
    """
    quota = _round_quota(round_)
    if not quota:
        log.error("Round %s has no question quota", round_.id)
        raise BankTooSmall("Đợt thi này chưa có câu hỏi. Ban tổ chức đang hoàn thiện, "
                           "vui lòng quay lại sau.")
    rows = db.session.execute(
        # The option count, not the options: every start would otherwise decode the JSON
        # of every candidate question only to count it.
        sa.select(QuestionVersion.question_id, QuestionVersion.id, Question.content_area_id,
                  ContentArea.code, sa.func.json_array_length(QuestionVersion.options))
        .join(Question, Question.id == QuestionVersion.question_id)
        .join(ContentArea, ContentArea.id == Question.content_area_id)
        .where(QuestionVersion.is_current, Question.in_round_pool,
               ContentArea.code.in_(list(quota)))
        .order_by(QuestionVersion.question_id)
    ).all()
    by_area: dict[str, list] = defaultdict(list)
    for question_id, version_id, area_id, code, option_count in rows:
        by_area[code].append((question_id, version_id, area_id, option_count))
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


def _round_quota(round_: Round) -> dict[str, int]:
    return {code: int(count) for code, count in (round_.question_quota or {}).items()
            if int(count) > 0}


def draw_items(round_: Round, rng: random.Random) -> list[list]:
    """A full draw in page order: [question_id, version_id, area_id, option_order] each."""
    return [[question_id, version_id, area_id, rng.sample(range(n), n)]
            for question_id, version_id, area_id, n in draw_questions(round_, rng)]


# --------------------------------------------------------------------------- prepared draws


def prepare_draws(round_: Round, participant_ids: Iterable[int], now: datetime,
                  rng: random.Random | None = None) -> int:
    """Draw ahead, for each participant who has no prepared draw for ``round_``.

    Each participant's draw is its own, as random as one made at the press. The caller
    commits. Returns how many were prepared; nothing when the bank cannot fill the round
    (the press then says so, as it always did).
    """
    rng = rng or random.SystemRandom()
    wanted = set(participant_ids)
    if not wanted or round_.state(now) == RoundState.CLOSED:
        return 0
    have = set(db.session.scalars(
        sa.select(PreparedDraw.participant_id).where(
            PreparedDraw.round_id == round_.id, PreparedDraw.participant_id.in_(wanted))))
    missing = sorted(wanted - have)
    if not missing:
        return 0
    quota = _round_quota(round_)
    try:
        rows = [{"participant_id": pid, "round_id": round_.id, "quota": quota,
                 "items": draw_items(round_, rng), "prepared_at": now} for pid in missing]
    except BankTooSmall:
        return 0
    try:
        with db.session.begin_nested():
            db.session.execute(sa.insert(PreparedDraw), rows)
    except IntegrityError:  # prepared meanwhile by another server: theirs is as good
        return 0
    return len(rows)


def prepare_open_rounds(now: datetime, limit: int = 5000,
                        rng: random.Random | None = None) -> int:
    """The sweep's part: a draw ready for every registered resident of every open or
    upcoming round who still has an attempt left, and none kept for closed rounds.

    At most ``limit`` draws per call, so one sweep stays short; the next minute goes on.
    """
    db.session.execute(sa.delete(PreparedDraw).where(PreparedDraw.round_id.in_(
        sa.select(Round.id).where(Round.closes_at <= now))))
    prepared = 0
    rounds = db.session.scalars(sa.select(Round).where(Round.closes_at > now)
                                .order_by(Round.opens_at)).all()
    for round_ in rounds:
        if prepared >= limit:
            break
        used = (sa.select(sa.func.count(Attempt.id))
                .where(Attempt.participant_id == Participant.id,
                       Attempt.round_id == round_.id).scalar_subquery())
        ids = db.session.scalars(
            sa.select(Participant.id)
            .where(Participant.contest_id == round_.contest_id,
                   Participant.disqualified_at.is_(None),
                   used < round_.attempts_allowed,
                   ~sa.exists().where(PreparedDraw.participant_id == Participant.id,
                                      PreparedDraw.round_id == round_.id))
            .order_by(Participant.id).limit(limit - prepared)).all()
        prepared += prepare_draws(round_, ids, now, rng)
    db.session.commit()
    return prepared


def prepare_for_participant(participant: Participant, now: datetime,
                            rng: random.Random | None = None) -> int:
    """Right after registering: a draw ready for each round of the contest still to come."""
    rounds = db.session.scalars(sa.select(Round).where(
        Round.contest_id == participant.contest_id, Round.closes_at > now)).all()
    prepared = sum(prepare_draws(round_, [participant.id], now, rng) for round_ in rounds)
    db.session.commit()
    return prepared


def _take_prepared(participant_id: int, round_: Round) -> list[list] | None:
    """The participant's prepared draw, removed; None when there is none or it is stale."""
    taken = db.session.execute(
        sa.delete(PreparedDraw)
        .where(PreparedDraw.participant_id == participant_id,
               PreparedDraw.round_id == round_.id)
        .returning(PreparedDraw.quota, PreparedDraw.items)
    ).first()
    if taken is None or taken.quota != _round_quota(round_):
        return None
    version_ids = [item[1] for item in taken.items]
    servable = db.session.scalar(
        sa.select(sa.func.count(QuestionVersion.id))
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(QuestionVersion.id.in_(version_ids), QuestionVersion.is_current,
               Question.in_round_pool))
    return taken.items if servable == len(version_ids) else None


def start_attempt(participant_id: int, round_id: int, now: datetime,
                  rng: random.Random | None = None, grace_seconds: int | None = None,
                  *, round_: Round | None = None, participant: Participant | None = None
                  ) -> Attempt:
    """Start an attempt, or return the one in progress for this round.

    Checks: round open, participant of the round's contest, one attempt in progress,
    the round's attempt limit. The attempt and all its items are written in one
    transaction (items with one bulk insert), or nothing is written.

    Everyone presses "Bắt đầu" at once, so this stays at a handful of statements
    whatever the number of questions: the participant's attempts (one query gives both
    the one in progress and the count used), the prepared draw (taken in one statement;
    without one, the candidates in one query), the attempt and its items (two inserts).
    A view that has already loaded the round and the
    participant passes them in.
    """
    rng = rng or random.SystemRandom()
    if round_ is None or round_.id != round_id:
        round_ = db.session.get(Round, round_id)
    if participant is None or participant.id != participant_id:
        participant = db.session.get(Participant, participant_id)
    if round_ is None or participant is None or participant.contest_id != round_.contest_id:
        raise NotAllowed("Bạn chưa đăng ký dự thi cuộc thi này.")
    if participant.disqualified_at is not None:
        raise NotAllowed("Kết quả dự thi của bạn đã bị Ban tổ chức loại; bạn không thể làm "
                         "thêm lượt thi. Vui lòng liên hệ Ban tổ chức nếu có nhầm lẫn.")

    mine = attempts_of(participant_id)
    current = next((a for a in mine if a.status == AttemptStatus.IN_PROGRESS), None)
    if current is not None:
        finish_if_overdue(current, now, grace_seconds)
        if current.status == AttemptStatus.IN_PROGRESS:
            if current.round_id == round_id:
                return current
            raise NotAllowed("Bạn đang làm dở một lượt thi của đợt khác; "
                             "vui lòng hoàn thành lượt đó trước.")

    state = round_.state(now)
    if state == RoundState.UPCOMING:
        raise RoundNotOpen(f"{round_.name} mở lúc {format_local(round_.opens_at)}. "
                           "Mời bạn quay lại khi đợt thi mở.")
    if state == RoundState.CLOSED:
        raise RoundClosed(f"{round_.name} đã kết thúc lúc {format_local_end(round_.closes_at)}.")

    used = sum(1 for a in mine if a.round_id == round_id)
    if used >= round_.attempts_allowed:
        raise AttemptLimitReached(
            f"Bạn đã dùng hết {round_.attempts_allowed} lượt thi của {round_.name}."
        )

    # A draw prepared ahead (see prepare_open_rounds) spares the press the candidates
    # query and the draw; it is taken in this transaction, so a failed start keeps it.
    drawn = _take_prepared(participant_id, round_) or draw_items(round_, rng)
    deadline = min(now + timedelta(minutes=round_.time_limit_minutes), round_.closes_at)
    written = {"public_id": new_public_id(), "participant_id": participant_id,
               "round_id": round_id, "number": used + 1, "started_at": now,
               "deadline": deadline, "status": AttemptStatus.IN_PROGRESS,
               "question_count": len(drawn)}
    attempt = Attempt(**written)
    try:
        db.session.add(attempt)
        db.session.flush()
        written["id"] = attempt.id
        db.session.execute(
            sa.insert(AttemptItem),
            [
                {"attempt_id": written["id"], "question_id": question_id,
                 "question_version_id": version_id, "content_area_id": area_id,
                 "position": position, "option_order": option_order}
                for position, (question_id, version_id, area_id, option_order)
                in enumerate(drawn, 1)
            ],
        )
        db.session.commit()
    except IntegrityError:
        # Another call (a double tap, a second tab) started one first: resume it.
        db.session.rollback()
        current = in_progress_attempt(participant_id)
        if current is not None and current.round_id == round_id:
            return current
        raise AttemptLimitReached(
            "Lượt thi vừa được bắt đầu ở một cửa sổ khác. Vui lòng tải lại trang."
        ) from None
    # The commit expired the new attempt; what was just written is known, so the caller
    # (the redirect to the question page) reads it without another round trip.
    for key, value in written.items():
        set_committed_value(attempt, key, value)
    return attempt


def load_items(attempt: Attempt) -> list[AttemptItem]:
    """The attempt's items with their versions, in page order (one query)."""
    return list(db.session.scalars(
        sa.select(AttemptItem).where(AttemptItem.attempt_id == attempt.id)
        .options(joinedload(AttemptItem.version)).order_by(AttemptItem.position)
        .execution_options(populate_existing=True)
    ))


# --------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class AnswerTarget:
    """What an autosave needs, read in one query: the attempt, whose it is, and the item.

    ``participant_public_id`` and ``contest_id`` let the view check the browser's
    cookie without loading the participant; ``item_id``/``option_order`` are None when
    the position is not one of the attempt's questions.
    """

    id: int
    status: str
    finished_by: str | None
    deadline: datetime
    question_count: int
    participant_public_id: str
    contest_id: int
    has_prediction: bool
    position: int | None
    item_id: int | None
    option_order: list[int] | None

    def overdue(self, now: datetime, grace_seconds: int | float | None = None) -> bool:
        return (self.status == AttemptStatus.IN_PROGRESS
                and now > self.deadline + _grace(grace_seconds))


def _valid_position(position) -> bool:
    return isinstance(position, int) and not isinstance(position, bool) \
        and 1 <= position <= 10_000


def answer_target(public_id: str, position=None) -> AnswerTarget | None:
    """The attempt with this public id, its owner and (for a position) its item: one SELECT."""
    if not isinstance(public_id, str) or len(public_id) > 32:
        return None
    item_position = position if _valid_position(position) else None
    query = (
        sa.select(Attempt.id, Attempt.status, Attempt.finished_by, Attempt.deadline,
                  Attempt.question_count, Participant.public_id, Participant.contest_id,
                  Round.has_prediction, AttemptItem.id, AttemptItem.option_order)
        .join(Participant, Participant.id == Attempt.participant_id)
        .join(Round, Round.id == Attempt.round_id)
        .outerjoin(AttemptItem, sa.and_(AttemptItem.attempt_id == Attempt.id,
                                        AttemptItem.position == (item_position or 0)))
        .where(Attempt.public_id == public_id)
    )
    row = db.session.execute(query).one_or_none()
    if row is None:
        return None
    return AnswerTarget(*row[:8], position=item_position, item_id=row[8],
                        option_order=row[9])


def _open_attempt(attempt_id: int, now: datetime, grace: timedelta):
    """SQL condition: the attempt still takes answers (in progress, deadline + grace ahead)."""
    return sa.exists().where(Attempt.id == attempt_id, Attempt.status == AttemptStatus.IN_PROGRESS,
                             Attempt.deadline >= now - grace)


def _claim_open(attempt_id: int, now: datetime, grace: timedelta) -> bool:
    """Lock the attempt row if it still takes answers (a no-op write takes the lock).

    Only the JS-off batch save uses it; the one-answer autosave needs no attempt lock.
    """
    result = db.session.execute(
        sa.update(Attempt)
        .where(Attempt.id == attempt_id, Attempt.status == AttemptStatus.IN_PROGRESS,
               Attempt.deadline >= now - grace)
        .values(status=AttemptStatus.IN_PROGRESS)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _refusal(attempt) -> AttemptError:
    """Why an attempt refused a write (read fresh: a concurrent submit may have just won)."""
    status, finished_by = db.session.execute(
        sa.select(Attempt.status, Attempt.finished_by).where(Attempt.id == attempt.id)
    ).one()
    if status == AttemptStatus.SUBMITTED and finished_by != FinishedBy.TIMEOUT:
        return AlreadySubmitted("Bài thi này đã được nộp; câu trả lời mới không được ghi nhận.")
    return TooLate(TOO_LATE_MESSAGE)


def _item_id(attempt: Attempt | AnswerTarget, position: int) -> tuple[int, list[int]]:
    if not _valid_position(position) or position > attempt.question_count:
        raise InvalidAnswer("Câu hỏi không thuộc bài thi này.")
    if isinstance(attempt, AnswerTarget) and attempt.position == position:
        item = (attempt.item_id, attempt.option_order) if attempt.item_id is not None else None
    else:
        item = db.session.execute(
            sa.select(AttemptItem.id, AttemptItem.option_order)
            .where(AttemptItem.attempt_id == attempt.id, AttemptItem.position == position)
        ).one_or_none()
    if item is None:
        raise InvalidAnswer("Câu hỏi không thuộc bài thi này.")
    return item[0], item[1]


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


def save_answer(attempt: Attempt | AnswerTarget, position: int, shown_choice: int | None,
                now: datetime, grace_seconds: int | None = None) -> SaveAck:
    """Record the option chosen (index in the order shown; None clears it) for one question.

    The row exists since the draw, keyed by the unique (attempt, position), so
    saving is an update of that one row: saving again overwrites, nothing duplicates.
    Refused (nothing stored) after the deadline plus grace or once submitted: the
    UPDATE itself carries those conditions (see the module docstring for the race
    with a submit), so a save is this one statement when the item is already known.
    """
    item_id, option_order = _item_id(attempt, position)
    chosen = _to_option(option_order, shown_choice)
    stored = db.session.execute(
        sa.update(AttemptItem)
        .where(AttemptItem.id == item_id, AttemptItem.is_correct.is_(None),
               _open_attempt(attempt.id, now, _grace(grace_seconds)))
        .values(chosen_option=chosen, answered_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not stored:
        db.session.rollback()
        raise _refusal(attempt)
    db.session.commit()
    return SaveAck(position=position, saved_at=now)


def _build_quick_save() -> sa.Update:
    item, attempt, participant = AttemptItem.__table__, Attempt.__table__, Participant.__table__
    chosen = item.c.option_order[
        sa.bindparam("shown", type_=sa.JSON.JSONIntIndexType())].as_integer()
    open_attempt_owned = (
        sa.select(attempt.c.id)
        .join(participant, participant.c.id == attempt.c.participant_id)
        .where(attempt.c.public_id == sa.bindparam("public_id"),
               participant.c.public_id.in_(sa.bindparam("owners", expanding=True)),
               attempt.c.status == AttemptStatus.IN_PROGRESS,
               attempt.c.deadline >= sa.bindparam("cutoff", type_=UTCDateTime))
        .scalar_subquery()
    )
    return (
        sa.update(item)
        .where(item.c.attempt_id == open_attempt_owned,
               item.c.position == sa.bindparam("at_position"),
               item.c.is_correct.is_(None),
               # A shown position past the item's options reads as NULL: not a choice.
               chosen.is_not(None))
        .values(chosen_option=chosen, answered_at=sa.bindparam("saved_at", type_=UTCDateTime))
    )


#: Built once: building a statement and its cache key costs more CPU than running it,
#: and the autosave runs twenty times per resident per round.
_QUICK_SAVE = _build_quick_save()


def quick_save_answer(public_id: str, owner_public_ids: list[str], position, shown_choice,
                      now: datetime, grace_seconds: int | None = None) -> SaveAck | None:
    """The autosave's usual case in one statement; None when it is not the usual case.

    One guarded UPDATE stores the choice when everything is in order: the attempt
    is one of this browser's participants', still in progress before its deadline
    plus grace, the position is one of its questions, not yet graded, and the
    shown choice is one of its options (mapped to the stored option in SQL). The
    guards are those of :func:`save_answer`, so the race with a submit is settled
    the same way. When no row changes, nothing is written and the caller takes
    the full path (:func:`answer_target`, :func:`save_answer`), which says why.

    It runs on a connection of its own, in autocommit: call it before the
    caller's session has written anything (on SQLite it would wait for the
    session's own write lock).
    """
    if not (_valid_position(position) and isinstance(shown_choice, int)
            and not isinstance(shown_choice, bool) and 0 <= shown_choice < 100
            and isinstance(public_id, str) and len(public_id) <= 32 and owner_public_ids):
        return None
    # One statement is its own transaction: autocommit spares the BEGIN and COMMIT
    # round trips (each costs the server and this process about what the UPDATE does).
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        stored = connection.execute(_QUICK_SAVE, {
            "public_id": public_id, "owners": owner_public_ids, "at_position": position,
            "shown": shown_choice, "cutoff": now - _grace(grace_seconds), "saved_at": now,
        }).rowcount == 1
    return SaveAck(position=position, saved_at=now) if stored else None


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


def save_form(attempt: Attempt, answers: Mapping[int, int | None], prediction, now: datetime,
              grace_seconds: int | None = None) -> int:
    """"Lưu bài" without JavaScript: store every answer ticked and the prediction, no submit.

    A bad prediction is refused (InvalidAnswer) before anything is written; a blank
    one keeps what was saved, as blank answers do. Returns how many answers changed.
    """
    value = parse_prediction(prediction) if prediction not in (None, "") else None
    changed = save_answers(attempt, answers, now, grace_seconds)
    if value is not None and attempt.round.has_prediction:
        save_prediction(attempt, value, now, grace_seconds)
    return changed


def in_time(attempt: Attempt, now: datetime, grace_seconds: int | None = None) -> bool:
    """Whether answers sent now still count (the deadline plus the grace period)."""
    return now <= attempt.deadline + _grace(grace_seconds)


def unanswered_positions(attempt_id: int) -> list[int]:
    """The positions of the questions with no saved answer, in order."""
    return list(db.session.scalars(
        sa.select(AttemptItem.position)
        .where(AttemptItem.attempt_id == attempt_id, AttemptItem.chosen_option.is_(None))
        .order_by(AttemptItem.position)))


def save_before_submit(attempt: Attempt, answers: Mapping[int, int | None], prediction,
                       now: datetime, grace_seconds: int | None = None) -> list[int]:
    """"Nộp bài" without a confirmation: keep what was sent, then say what is unanswered.

    The form is saved as "Lưu bài" saves it (InvalidAnswer for a bad prediction,
    nothing written; AttemptError when it is too late or already submitted), so
    going back from the question "Vẫn nộp bài?" loses nothing. Returns the
    positions still unanswered: empty means the submit may go on without asking.
    """
    save_form(attempt, answers, prediction, now, grace_seconds)
    return unanswered_positions(attempt.id)


def parse_prediction(raw) -> int | None:
    """A whole number ≥ 0 (spaces and thousands dots tolerated); None when blank."""
    if raw is None or isinstance(raw, bool):
        return None if raw is None else _bad_prediction()
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        _bad_prediction()  # 1.5 must not become 15 after the dots are stripped
    else:
        text = str(raw).strip().replace(" ", "").replace(".", "").replace(",", "")
        if not text:
            return None
        if not is_digits(text) or len(text) > 13:
            _bad_prediction()
        value = int(text)
    if not 0 <= value <= PREDICTION_MAX:
        _bad_prediction()
    return value


def _bad_prediction():
    raise InvalidAnswer("Số dự đoán phải là số nguyên không âm, ví dụ 125.")


def save_prediction(attempt: Attempt | AnswerTarget, raw, now: datetime,
                    grace_seconds: int | None = None) -> SaveAck:
    """Save the prediction before submit, under the same deadline as answers.

    One conditional UPDATE of the attempt row: a submit's claim locks that row, and
    the condition is re-checked after the wait, so a late prediction is refused.
    """
    value = parse_prediction(raw)
    has_prediction = attempt.has_prediction if isinstance(attempt, AnswerTarget) \
        else attempt.round.has_prediction
    if not has_prediction:
        raise InvalidAnswer("Đợt thi này không có câu hỏi dự đoán.")
    stored = db.session.execute(
        sa.update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == AttemptStatus.IN_PROGRESS,
               Attempt.deadline >= now - _grace(grace_seconds))
        .values(prediction=value)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not stored:
        db.session.rollback()
        raise _refusal(attempt)
    db.session.commit()
    return SaveAck(position=None, saved_at=now)


# --------------------------------------------------------------------------- submit


@dataclass
class SubmitOutcome:
    attempt: Attempt
    #: True for the one call that graded; False when it had been graded already.
    graded_now: bool
    #: True when the answers sent with the submit came too late and were not stored.
    late: bool = False


def submit(attempt: Attempt, answers: Mapping[int, int | None] | None, prediction, now: datetime,
           grace_seconds: int | None = None) -> SubmitOutcome:
    """Grade the attempt once, whatever number of calls ask for it.

    ``answers`` maps position → option index as shown (None or missing: keep
    what was saved). Within the deadline plus grace they are stored first;
    after it they are ignored, the attempt is graded from its saved answers and
    finishes at the deadline as a timeout.

    Statements: the claim (which also stores the prediction), at most a read of the
    items and one batched update when the form changes saved answers, then one UPDATE
    grading every item and one setting the attempt's totals — whatever the number of
    questions. The returned attempt is expired and reads its totals on first access.
    """
    on_time = in_time(attempt, now, grace_seconds)
    parsed_prediction = None
    if on_time and prediction not in (None, ""):
        parsed_prediction = parse_prediction(prediction)  # bad input refused before any write
    if on_time:
        submitted_at, finished_by = min(now, attempt.deadline), FinishedBy.RESIDENT
    else:
        submitted_at, finished_by = attempt.deadline, FinishedBy.TIMEOUT

    claim = {"status": AttemptStatus.SUBMITTED, "submitted_at": submitted_at,
             "finished_by": finished_by,
             "duration_ms": max(0, int((submitted_at - attempt.started_at).total_seconds()
                                       * 1000))}
    if parsed_prediction is not None and attempt.round.has_prediction:
        claim["prediction"] = parsed_prediction
    claimed = db.session.execute(
        sa.update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == AttemptStatus.IN_PROGRESS)
        .values(**claim)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not claimed:
        db.session.rollback()
        db.session.refresh(attempt)
        return SubmitOutcome(attempt=attempt, graded_now=False)

    late = False
    if on_time:
        _store_form_answers(attempt.id, answers or {}, now)
    else:
        late = bool(answers) or prediction not in (None, "")
    _grade(attempt.id)
    db.session.commit()
    return SubmitOutcome(attempt=attempt, graded_now=True, late=late)


def _store_form_answers(attempt_id: int, answers: Mapping[int, int | None],
                        now: datetime) -> None:
    """The answers a submit carries (the JS-off form): one read, one batched update."""
    if not any(shown is not None for shown in answers.values()):
        return
    changes = []
    for item_id, position, option_order, chosen_option in db.session.execute(
        sa.select(AttemptItem.id, AttemptItem.position, AttemptItem.option_order,
                  AttemptItem.chosen_option).where(AttemptItem.attempt_id == attempt_id)
    ):
        shown = answers.get(position)
        if shown is None:
            continue
        try:
            chosen = _to_option(option_order, shown)
        except InvalidAnswer:
            continue  # a tampered value is ignored rather than failing the whole submit
        if chosen != chosen_option:
            changes.append({"item_id": item_id, "chosen": chosen})
    if changes:
        table = AttemptItem.__table__
        db.session.execute(
            table.update().where(table.c.id == sa.bindparam("item_id"))
            .values(chosen_option=sa.bindparam("chosen"), answered_at=now),
            changes,
        )


def _grade(attempt_id: int) -> None:
    """Grade every item, then the attempt's totals: two statements, set-based.

    ``is_correct`` becomes true or false (never NULL) on every item: that is what
    closes the items to a racing autosave (see the module docstring).
    """
    correct_option = (
        sa.select(QuestionVersion.correct_option)
        .where(QuestionVersion.id == AttemptItem.question_version_id)
        .scalar_subquery()
    )
    db.session.execute(
        sa.update(AttemptItem).where(AttemptItem.attempt_id == attempt_id)
        .values(is_correct=sa.case(
            (sa.and_(AttemptItem.chosen_option.is_not(None),
                     AttemptItem.chosen_option == correct_option), sa.true()),
            else_=sa.false()))
        .execution_options(synchronize_session=False)
    )
    correct = (
        sa.select(sa.func.count(AttemptItem.id))
        .where(AttemptItem.attempt_id == attempt_id, AttemptItem.is_correct.is_(True))
        .scalar_subquery()
    )
    db.session.execute(
        sa.update(Attempt).where(Attempt.id == attempt_id)
        # One point per right answer.
        .values(correct_count=correct, score=correct)
        .execution_options(synchronize_session=False)
    )


def finish_if_overdue(attempt: Attempt, now: datetime, grace_seconds: int | None = None) -> bool:
    """Grade-on-touch: an attempt left open past its deadline (+ grace) is graded now.

    Returns True when it was graded by this call.
    """
    if (attempt.status != AttemptStatus.IN_PROGRESS
            or now <= attempt.deadline + _grace(grace_seconds)):
        return False
    return submit(attempt, None, None, now, grace_seconds).graded_now


def expire_overdue(now: datetime, grace_seconds: int | None = None) -> int:
    """The sweep: grade every attempt past its deadline (+ grace) from its saved answers.

    Each is finished at its deadline, not at ``now``. Returns how many were graded.
    """
    cutoff = now - _grace(grace_seconds)
    ids = list(db.session.scalars(
        sa.select(Attempt.id).where(Attempt.status == AttemptStatus.IN_PROGRESS,
                                    Attempt.deadline < cutoff)
        .order_by(Attempt.id)
    ))
    graded = 0
    for attempt_id in ids:
        attempt = db.session.get(Attempt, attempt_id)
        if attempt is not None and finish_if_overdue(attempt, now, grace_seconds):
            graded += 1
    return graded


def attempts_left(round_: Round, participant_id: int) -> int:
    used = db.session.scalar(
        sa.select(sa.func.count(Attempt.id)).where(Attempt.participant_id == participant_id,
                                                   Attempt.round_id == round_.id)
    ) or 0
    return max(0, round_.attempts_allowed - used)
