"""Factories for ranking tests: submitted attempts with chosen score, time and prediction.

They insert Attempt rows directly, so ranking can be tested without the
resident journey (start/save/submit) being involved.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from contest.extensions import db
from contest.models import Attempt, Participant, Round


def add_attempt(round_: Round, participant: Participant, *, score: int,
                duration_ms: int | None = 60_000, prediction: int | None = None,
                submitted_at: datetime | None = None, correct_count: int | None = None,
                question_count: int = 10, number: int | None = None,
                status: str = "submitted") -> Attempt:
    """A graded attempt; ``number`` defaults to the participant's next one in the round."""
    if number is None:
        number = 1 + (db.session.scalar(
            sa.select(sa.func.max(Attempt.number)).where(
                Attempt.round_id == round_.id, Attempt.participant_id == participant.id)
        ) or 0)
    submitted_at = submitted_at or round_.opens_at + timedelta(minutes=30 + number)
    started = submitted_at - timedelta(milliseconds=duration_ms or 0)
    attempt = Attempt(
        participant_id=participant.id, round_id=round_.id, number=number,
        started_at=started, deadline=started + timedelta(minutes=round_.time_limit_minutes),
        submitted_at=submitted_at if status == "submitted" else None, status=status,
        finished_by="resident" if status == "submitted" else None,
        question_count=question_count,
        score=score if status == "submitted" else None,
        correct_count=(score if correct_count is None else correct_count)
        if status == "submitted" else None,
        duration_ms=duration_ms if status == "submitted" else None, prediction=prediction,
    )
    db.session.add(attempt)
    db.session.commit()
    return attempt
