"""Creating and editing bank questions, keeping a frozen version of each content.

:func:`question_problems` is the one statement of what makes a question valid: the
admin form, every importer (spreadsheet, Word) and :func:`create_question` /
:func:`update_question` all ask it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from contest.extensions import db
from contest.helpers import audit
from contest.helpers.text import clean, fingerprint, has_control_characters, search_key
from contest.models import Question, QuestionVersion, Round
from contest.models.bank import (
    EXPLANATION_MAX_LENGTH,
    MAX_OPTIONS,
    MIN_OPTIONS,
    OPTION_LETTERS,
    OPTION_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    SOURCE_MAX_LENGTH,
)
from contest.services.bank import quality
from contest.services.errors import DomainError

#: Field keys of :class:`QuestionProblem`: one per option ("option_A"…), "answer" for the
#: right option, and the other fields by name.
LIMITS = {"text": QUESTION_MAX_LENGTH, "explanation": EXPLANATION_MAX_LENGTH,
          "source": SOURCE_MAX_LENGTH,
          **{f"option_{letter}": OPTION_MAX_LENGTH for letter in OPTION_LETTERS}}
DIFFICULTY_LEVELS = (1, 2, 3)


@dataclass(frozen=True)
class QuestionProblem:
    """What is wrong with a question: the field it concerns and a Vietnamese message.

    The message starts in lower case so that it can follow a place ("tệp a.xlsx, dòng 3:")
    and reads as a sentence once its first letter is raised (:meth:`sentence`).
    """

    field: str
    message: str

    def sentence(self) -> str:
        return self.message[:1].upper() + self.message[1:]


class QuestionInvalid(DomainError):  # noqa: N818 (a refusal, read as a sentence)
    """A question that :func:`question_problems` refuses: every problem beside its field."""

    def __init__(self, problems: list[QuestionProblem]) -> None:
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(problem.field, []).append(problem.sentence())
        super().__init__(errors=errors)
        self.problems = problems


def question_problems(
    text: str,
    options: Sequence[str],
    correct_option: int | None,
    *,
    explanation: str = "",
    source: str = "",
    difficulty: int | None = 1,
) -> list[QuestionProblem]:
    """Every reason the question cannot go into the bank (empty when it can).

    ``options`` are in their places A, B, C… with empty strings where nothing was written,
    so a gap ("C empty but D filled") can be named; ``correct_option`` is a 0-based index,
    or None when none was understood.
    """
    problems: list[QuestionProblem] = []

    def problem(key: str, message: str) -> None:
        problems.append(QuestionProblem(key, message))

    values = {"text": clean(text), "explanation": clean(explanation), "source": clean(source)}
    options = [clean(option) for option in options]
    if len(options) > MAX_OPTIONS:
        extra = [o for o in options[MAX_OPTIONS:] if o]
        if extra:
            problem("answer", f"có {MAX_OPTIONS + len(extra)} phương án; tối đa {MAX_OPTIONS} "
                              f"phương án (A–{OPTION_LETTERS[MAX_OPTIONS - 1]}).")
        options = options[:MAX_OPTIONS]
    for index, option in enumerate(options):
        values[f"option_{OPTION_LETTERS[index]}"] = option
    for key, value in values.items():
        if has_control_characters(value):
            problem(key, "có ký tự điều khiển không in được. Hãy gõ lại nội dung này.")
        elif len(value) > LIMITS[key]:
            problem(key, f"dài {len(value)} ký tự, vượt giới hạn {LIMITS[key]} ký tự. "
                         "Hãy rút gọn.")
    if not values["text"]:
        problem("text", "thiếu nội dung câu hỏi.")

    filled = [i for i, option in enumerate(options) if option]
    if len(filled) < MIN_OPTIONS:
        problem("option_A" if not options or not options[0] else "option_B",
                f"cần ít nhất {MIN_OPTIONS} phương án trả lời (đang có {len(filled)}).")
    else:
        last = filled[-1]
        for i in range(last):
            if not options[i]:
                problem(f"option_{OPTION_LETTERS[i]}",
                        f"phương án {OPTION_LETTERS[i]} để trống nhưng phương án "
                        f"{OPTION_LETTERS[last]} có nội dung. Hãy điền các phương án liền "
                        "nhau từ A, không bỏ trống ở giữa.")
    first_seen: dict[str, int] = {}
    for i in filled:
        key = options[i].casefold()
        if key in first_seen:
            problem(f"option_{OPTION_LETTERS[i]}",
                    f"phương án {OPTION_LETTERS[i]} trùng với phương án "
                    f"{OPTION_LETTERS[first_seen[key]]}. Hãy sửa để các phương án khác nhau.")
        else:
            first_seen[key] = i

    if correct_option is None:
        problem("answer", "thiếu đáp án đúng.")
    elif not 0 <= correct_option < len(options) or not options[correct_option]:
        letter = (OPTION_LETTERS[correct_option] if 0 <= correct_option < len(OPTION_LETTERS)
                  else str(correct_option + 1))
        problem("answer", f"đáp án đúng là {letter} nhưng phương án {letter} để trống; "
                          "đáp án đúng phải là một phương án đã điền.")
    if difficulty not in DIFFICULTY_LEVELS:
        problem("difficulty", "mức độ phải là 1 (dễ), 2 (trung bình) hoặc 3 (khó).")
    return problems


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


def check_question(data: QuestionData) -> None:
    """Raise :class:`QuestionInvalid` unless the content may go into the bank."""
    problems = question_problems(
        data.text, data.options, data.correct_option, explanation=data.explanation,
        source=data.source, difficulty=data.difficulty)
    if problems:
        raise QuestionInvalid(problems)


def create_question(data: QuestionData) -> Question:
    """Add a question and its first version to the session (the caller commits).

    Raises :class:`QuestionInvalid` when the content is not a valid question.
    """
    check_question(data)
    question = Question()
    _apply(question, data)
    db.session.add(question)
    db.session.flush()
    _freeze(question)
    return question


def create_questions(items: list[QuestionData]) -> list[Question]:
    """Add many new questions and their first versions in two flushes (an import of
    thousands); the same checks and result as :func:`create_question` one by one."""
    for data in items:
        check_question(data)
    questions = []
    for data in items:
        question = Question()
        _apply(question, data)
        questions.append(question)
    db.session.add_all(questions)
    db.session.flush()
    # New questions have no version yet: each gets its first, current one.
    db.session.add_all([
        QuestionVersion(
            question_id=q.id, number=1, is_current=True, content_area_id=q.content_area_id,
            text=q.text, options=list(q.options), correct_option=q.correct_option,
            explanation=q.explanation, source=q.source)
        for q in questions])
    db.session.flush()
    return questions


def update_question(question: Question, data: QuestionData) -> Question:
    """Change a question; attempts already made keep the version they were served."""
    check_question(data)
    _apply(question, data)
    db.session.flush()
    _freeze(question)
    return question


def find_duplicate(text: str, exclude_id: int | None = None) -> Question | None:
    query = sa.select(Question).where(Question.fingerprint == fingerprint(text))
    if exclude_id is not None:
        query = query.where(Question.id != exclude_id)
    return db.session.scalar(query)


def bank_items(exclude_id: int | None = None) -> list[quality.BankItem]:
    """The bank's questions as the bank check sees them, each named "câu số N"."""
    query = sa.select(Question.id, Question.text, Question.options, Question.correct_option,
                      Question.explanation, Question.source).order_by(Question.id)
    if exclude_id is not None:
        query = query.where(Question.id != exclude_id)
    return [quality.BankItem(f"câu số {id_}", text, list(options), correct, explanation, source)
            for id_, text, options, correct, explanation, source in db.session.execute(query)]


def quality_findings(data: QuestionData, exclude_id: int | None = None) -> list[quality.Finding]:
    """The bank check's advice on this content, seen against the rest of the bank."""
    item = quality.BankItem("câu này", data.text, data.options, data.correct_option,
                            data.explanation, data.source)
    return quality.check_in_bank(item, bank_items(exclude_id))


def question_findings(question: Question) -> list[quality.Finding]:
    """The bank check's advice on a saved question, seen against the rest of the bank."""
    item = quality.BankItem("câu này", question.text, list(question.options),
                            question.correct_option, question.explanation, question.source)
    return quality.check_in_bank(item, bank_items(question.id))


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


def answer_key_is_secret(now: datetime) -> bool:
    """While a round is open or still to come, the answer key must not leave the
    organisers: a bank export with answers is then for admins and organisers only."""
    return bool(db.session.scalar(sa.select(sa.exists().where(Round.closes_at > now))))
