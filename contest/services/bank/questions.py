"""Creating and editing bank questions, keeping a frozen version of each content."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from contest.extensions import db
from contest.helpers import audit
from contest.helpers.text import clean, fingerprint, search_key
from contest.models import Question, QuestionVersion
from contest.services.errors import DomainError


@dataclass
class QuestionData:
    """A question's content as plain values (from a form, a file row or a test)."""

    content_area_id: int
    text: str
    options: list[str]
    correct_option: int
    explanation: str = ""
    source: str = ""
    difficulty: int = 1
    active: bool = True
    #: In the practice pool: shown in practice, never drawn in a round.
    practice: bool = False
    extra: dict = field(default_factory=dict)


def _apply(question: Question, data: QuestionData) -> None:
    question.content_area_id = data.content_area_id
    question.text = clean(data.text)
    question.options = [clean(option) for option in data.options]
    question.correct_option = data.correct_option
    question.explanation = clean(data.explanation)
    question.source = clean(data.source)
    question.difficulty = data.difficulty
    question.active = data.active
    question.practice = data.practice
    question.fingerprint = fingerprint(data.text)
    question.search_text = search_key(" ".join([data.text, *data.options]))


def _content_of(obj: Question | QuestionVersion) -> tuple:
    return (obj.content_area_id, obj.text, list(obj.options), obj.correct_option,
            obj.explanation, obj.source)


def _freeze(question: Question) -> None:
    """Make the current content a new version unless the current version already is it."""
    current = db.session.scalar(
        sa.select(QuestionVersion).where(
            QuestionVersion.question_id == question.id, QuestionVersion.is_current
        )
    )
    if current is not None and _content_of(current) == _content_of(question):
        return
    number = 1
    if current is not None:
        current.is_current = False
        number = current.number + 1
        db.session.flush()  # the partial unique index allows one current version
    db.session.add(
        QuestionVersion(
            question_id=question.id, number=number, is_current=True,
            content_area_id=question.content_area_id, text=question.text,
            options=list(question.options), correct_option=question.correct_option,
            explanation=question.explanation, source=question.source,
        )
    )


def create_question(data: QuestionData) -> Question:
    """Add a question and its first version to the session (the caller commits)."""
    question = Question()
    _apply(question, data)
    db.session.add(question)
    db.session.flush()
    _freeze(question)
    return question


def update_question(question: Question, data: QuestionData) -> Question:
    """Change a question; attempts already made keep the version they were served."""
    _apply(question, data)
    db.session.flush()
    _freeze(question)
    return question


def find_duplicate(text: str, exclude_id: int | None = None) -> Question | None:
    query = sa.select(Question).where(Question.fingerprint == fingerprint(text))
    if exclude_id is not None:
        query = query.where(Question.id != exclude_id)
    return db.session.scalar(query)


def was_served(question_id: int) -> bool:
    from contest.models import AttemptItem

    return db.session.scalar(
        sa.select(sa.exists().where(AttemptItem.question_id == question_id))
    )


#: The question's fields recorded in the audit log's before/after values.
AUDIT_FIELDS = ["content_area_id", "text", "options", "correct_option", "explanation",
                "source", "difficulty", "active", "practice"]


class QuestionInUse(DomainError):  # noqa: N818 - reads better at call sites
    """The question was served in an attempt, so it cannot be deleted."""


def set_active(question: Question, active: bool, *, actor_id: int | None) -> bool:
    """Put a question in or out of use, with its audit entry; False when nothing changed.

    A question out of use is not drawn into new attempts; attempts already made keep
    it. The caller commits.
    """
    if question.active == active:
        return False
    before = audit.snapshot(question, ["active"])
    question.active = active
    verb = "Dùng lại" if active else "Ngưng dùng"
    audit.record(actor_id, "question.reactivate" if active else "question.deactivate",
                 object_type="question", object_id=question.id,
                 summary=f"{verb} câu hỏi số {question.id}",
                 before=before, after={"active": active})
    return True


def delete_question(question: Question, *, actor_id: int | None) -> None:
    """Delete a question never served, with its versions and an audit entry (caller commits).

    Raises :class:`QuestionInUse` when an attempt points at one of its versions:
    deleting it would rewrite what residents answered.
    """
    if was_served(question.id):
        raise QuestionInUse(
            "Không thể xóa câu hỏi này vì đã được dùng trong lượt thi của người dự thi. "
            "Bạn có thể ngưng dùng để câu hỏi không được rút vào các lượt thi mới.")
    question_id = question.id
    before = audit.snapshot(question, AUDIT_FIELDS)
    db.session.execute(sa.delete(QuestionVersion).where(QuestionVersion.question_id == question_id))
    db.session.delete(question)
    audit.record(actor_id, "question.delete", object_type="question",
                 object_id=question_id, summary=f"Xóa câu hỏi số {question_id}",
                 before=before, after=None)
