"""Insert attempts and answered items directly, for statistics tests.

The resident journey (another issue) creates these through the public pages;
statistics only read them, so tests build exactly the rows they need.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from contest.extensions import db
from contest.models import Attempt, AttemptItem, Participant, Question, Round, Scan


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Vietnam wall-clock time as an aware UTC datetime (UTC+7, no DST)."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


def make_attempt(
    participant: Participant,
    round_: Round,
    *,
    started_at: datetime,
    answers: list[tuple[Question, int | None]] | None = None,
    correct: int | None = None,
    questions: int | None = None,
    submitted: bool = True,
    number: int | None = None,
    score_per_question: int = 1,
    commit: bool = True,
) -> Attempt:
    """An attempt; ``answers`` are (question, chosen original option index or None).

    Without ``answers``, ``correct``/``questions`` give the totals directly.
    """
    if number is None:
        number = 1 + db.session.scalar(
            sa.select(sa.func.count(Attempt.id)).where(
                Attempt.participant_id == participant.id, Attempt.round_id == round_.id
            )
        )
    items = []
    if answers is not None:
        for position, (question, chosen) in enumerate(answers, start=1):
            version = question.versions[-1]
            items.append(AttemptItem(
                question_id=question.id,
                question_version_id=version.id,
                content_area_id=question.content_area_id,
                position=position,
                option_order=list(range(len(version.options))),
                chosen_option=chosen,
                answered_at=started_at + timedelta(seconds=10 * position) if chosen is not None
                else None,
                is_correct=(chosen == version.correct_option) if submitted else None,
            ))
        questions = len(answers)
        correct = sum(1 for item in items if item.is_correct)
    questions = questions if questions is not None else 10
    attempt = Attempt(
        participant_id=participant.id,
        round_id=round_.id,
        number=number,
        started_at=started_at,
        deadline=started_at + timedelta(minutes=round_.time_limit_minutes),
        status="submitted" if submitted else "in_progress",
        question_count=questions,
        items=items,
    )
    if submitted:
        attempt.submitted_at = started_at + timedelta(minutes=5)
        attempt.finished_by = "resident"
        attempt.correct_count = correct if correct is not None else 0
        attempt.score = attempt.correct_count * score_per_question
        attempt.duration_ms = 300_000
    db.session.add(attempt)
    if commit:
        db.session.commit()
    return attempt


def make_scans(entry_point_id: int, count: int, at: datetime) -> None:
    db.session.add_all(Scan(entry_point_id=entry_point_id, scanned_at=at) for _ in range(count))
    db.session.commit()
