"""Small factories for tests: ``make_round(...)``, ``make_participant(...)``...

Each adds to the session and commits, returning the object; call them inside
an app context.
"""

from __future__ import annotations

import functools
import itertools
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from contest.extensions import db
from contest.models import (
    Attempt,
    AttemptItem,
    ContentArea,
    Contest,
    EntryPoint,
    Participant,
    ParticipantCategory,
    Question,
    QuestionVersion,
    Round,
    Unit,
    User,
)
from contest.models.user import hash_password
from contest.services.bank.questions import QuestionData, create_question
from contest.services.setup.seed import seed_reference_data

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def seed() -> None:
    seed_reference_data()


def now() -> datetime:
    return datetime.now(UTC)


def area(code: str) -> ContentArea:
    return db.session.scalar(sa.select(ContentArea).where(ContentArea.code == code))


@functools.cache
def _password_hash(password: str) -> str:
    return hash_password(password)


def make_user(role: str = "admin", username: str | None = None, active: bool = True,
              unit: Unit | None = None, password: str = PASSWORD,
              unit_id: int | None = None) -> User:
    user = User(username=username or f"{role}{next(_counter)}", role=role, active=active,
                full_name=f"Người dùng {role}",
                **({"unit": unit} if unit is not None else {"unit_id": unit_id}))
    # Hashed once per password: hashing per user would dominate tests that make many.
    user.password_hash = _password_hash(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_question(area_code: str = "a", text: str | None = None, options=None,
                  correct: int = 0, active: bool = True, difficulty: int = 1,
                  practice: bool = False) -> Question:
    n = next(_counter)
    question = create_question(
        QuestionData(
            content_area_id=area(area_code).id,
            text=text or f"Câu hỏi thử số {n} về lĩnh vực {area_code}?",
            options=options or [f"Phương án {letter} của câu {n}" for letter in "ABCD"],
            correct_option=correct,
            explanation=f"Giải thích câu {n}.",
            source="Kế hoạch TTCCHC 2026, mục II.1",
            difficulty=difficulty,
            active=active,
            practice=practice,
        )
    )
    db.session.commit()
    return question


def make_bank(per_area: int = 3, codes: str | list[str] | None = None) -> list[Question]:
    codes = list(codes) if codes else [a.code for a in db.session.scalars(sa.select(ContentArea))]
    return [make_question(code) for code in codes for _ in range(per_area)]


def make_contest(slug: str | None = None, status: str = "published", **fields) -> Contest:
    n = next(_counter)
    contest = Contest(
        title=fields.pop("title", f"Cuộc thi thử {n}"),
        slug=slug or f"cuoc-thi-{n}",
        rules=fields.pop("rules", "## Thể lệ\n\nThi trắc nghiệm."),
        status=status,
        **fields,
    )
    contest.categories = list(db.session.scalars(sa.select(ParticipantCategory)))
    db.session.add(contest)
    db.session.commit()
    return contest


def make_round(contest: Contest | None = None, *, opens_at: datetime | None = None,
               closes_at: datetime | None = None, quota: dict[str, int] | None = None,
               **fields) -> Round:
    contest = contest or make_contest()
    opens_at = opens_at or now() - timedelta(hours=1)
    closes_at = closes_at or opens_at + timedelta(days=7)
    round_ = Round(
        contest_id=contest.id,
        name=fields.pop("name", f"Đợt {next(_counter)}"),
        opens_at=opens_at,
        closes_at=closes_at,
        question_quota=quota if quota is not None else {"a": 2, "b": 1},
        prize_tiers=fields.pop(
            "prize_tiers", [{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 2}]
        ),
        **fields,
    )
    db.session.add(round_)
    db.session.commit()
    return round_


def make_unit(name: str | None = None, kind: str = "residential_group",
              population: int | None = None) -> Unit:
    unit = Unit(name=name or f"Tổ dân phố thử {next(_counter)}", kind=kind, population=population)
    db.session.add(unit)
    db.session.commit()
    return unit


def make_entry_point(contest: Contest, code: str | None = None, **fields) -> EntryPoint:
    entry = EntryPoint(
        contest_id=contest.id,
        code=code or f"QR{next(_counter)}",
        label=fields.pop("label", "Áp phích thử"),
        **fields,
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def make_participant(contest: Contest, *, phone: str | None = None, **fields) -> Participant:
    n = next(_counter)
    participant = Participant(
        contest_id=contest.id,
        full_name=fields.pop("full_name", f"Nguyễn Văn Thử {n}"),
        phone=phone or f"+8491{n:07d}",
        consented_at=fields.pop("consented_at", now()),
        **fields,
    )
    db.session.add(participant)
    db.session.commit()
    return participant


def serve_question(question: Question, round_: Round | None = None) -> AttemptItem:
    """An attempt that was served the question's current version (made by hand)."""
    round_ = round_ or make_round()
    participant = make_participant(round_.contest)
    attempt = Attempt(participant_id=participant.id, round_id=round_.id,
                      deadline=now() + timedelta(minutes=15), question_count=1)
    version = db.session.scalar(sa.select(QuestionVersion).where(
        QuestionVersion.question_id == question.id, QuestionVersion.is_current))
    item = AttemptItem(question_id=question.id, question_version_id=version.id,
                       content_area_id=question.content_area_id, position=1,
                       option_order=list(range(len(question.options))), chosen_option=0)
    attempt.items.append(item)
    db.session.add(attempt)
    db.session.commit()
    return item
