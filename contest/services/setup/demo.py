"""A demo contest with one round open now, so a fresh install can be tried at once.

It also holds last week's round, closed, taken by a dozen residents and with its results
published, and a few recorded outreach activities: a new organiser sees every page, list
and document filled the first time they open the back office.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from contest.extensions import db
from contest.helpers.timeutil import LOCAL_TZ
from contest.models import (
    Activity,
    ActivityForm,
    Attempt,
    AttemptItem,
    AttemptStatus,
    Contest,
    ContestStatus,
    EntryPoint,
    FinishedBy,
    Participant,
    ParticipantCategory,
    QuestionVersion,
    Round,
    Unit,
)
from contest.models.contest import (
    DEFAULT_ORGANISER,
    CountedAttempt,
    FieldMode,
    PredictionTarget,
    RevealPolicy,
)
from contest.models.people import identity_key
from contest.services.setup.study_material import STARTER_STUDY_MATERIAL
from contest.services.taking.attempts import BankTooSmall, draw_items

DEMO_SLUG = "cchc-2026"
DEMO_ENTRY_CODE = "PHUVAN"

DEMO_QUOTA = {"a": 2, "b": 2, "c": 2, "d": 2, "đ": 2, "e": 1, "f": 2, "g": 2, "h": 2,
              "i": 2, "k": 1}
DEMO_PRIZES = [
    {"name": "Giải Nhất", "count": 1},
    {"name": "Giải Nhì", "count": 2},
    {"name": "Giải Ba", "count": 3},
    {"name": "Giải Khuyến khích", "count": 10},
]

DEMO_RULES = """\
## 1. Đối tượng dự thi

Cán bộ, công chức, viên chức, người lao động tại các cơ quan, đơn vị và Nhân dân đang sinh
sống, học tập, làm việc trên địa bàn phường Phù Vân, từ đủ 14 tuổi trở lên. Thành viên Ban
tổ chức, Tổ giúp việc không tham gia dự thi.

## 2. Hình thức thi

Thi trắc nghiệm trực tuyến: quét mã QR trên pano, áp phích, tờ rơi hoặc mở đường dẫn của cuộc
thi, đăng ký bằng họ tên, số điện thoại, tổ dân phố hoặc cơ quan, đơn vị.

## 3. Các đợt thi

Cuộc thi tổ chức theo từng tuần; mỗi đợt thi mở từ 00:00 thứ Hai đến 24:00 Chủ nhật.
Mỗi lượt thi gồm **20 câu hỏi trắc nghiệm** rút ngẫu nhiên từ ngân hàng câu hỏi theo 11 nội dung
tuyên truyền của Kế hoạch, và **01 câu hỏi dự đoán**: *"Có bao nhiêu người trả lời đúng tất cả
các câu hỏi của đợt thi?"*. Thời gian làm bài: **15 phút**, tính theo đồng hồ của máy chủ.
Mỗi người được thi tối đa **02 lượt** mỗi đợt; lượt có kết quả tốt nhất được tính.

## 4. Cách xếp giải

Xếp hạng theo thứ tự: (1) số điểm cao hơn; (2) dự đoán có sai số nhỏ hơn so với số người
trả lời đúng tất cả các câu hỏi; (3) thời gian làm bài ngắn hơn; (4) nộp bài sớm hơn.
Mỗi người chỉ nhận một giải trong một đợt thi. Thông tin đăng ký sai hoặc không liên lạc được
thì kết quả không được công nhận.

## 5. Cơ cấu giải mỗi đợt

01 giải Nhất, 02 giải Nhì, 03 giải Ba, 10 giải Khuyến khích. Giải tập thể dành cho tổ dân phố,
cơ quan, đơn vị có số lượng người tham gia đông nhất.

## 6. Công bố kết quả

Đáp án và kết quả được công bố sau khi đợt thi kết thúc, trên Trang thông tin điện tử phường.
"""

DEMO_UNITS = [f"Tổ dân phố số {n}" for n in range(1, 13)]

#: Residents who took last week's round: name, birth year, score out of 20, minutes taken,
#: prediction of how many answered everything.
DEMO_RESIDENTS = [
    ("Nguyễn Thị Hoa", 1978, 20, 6.5, 3), ("Trần Văn Minh", 1990, 20, 8.1, 2),
    ("Lê Thị Thu Trang", 2001, 20, 7.2, 5), ("Phạm Văn Đức", 1965, 19, 9.4, 3),
    ("Hoàng Thị Lan", 1983, 18, 10.2, 4), ("Đỗ Văn Hùng", 1972, 18, 7.7, 1),
    ("Vũ Thị Mai", 1995, 17, 12.0, 3), ("Bùi Văn Nam", 2006, 16, 11.3, 6),
    ("Đặng Thị Hương", 1988, 15, 9.9, 2), ("Ngô Văn Tuấn", 1959, 13, 14.1, 8),
    ("Dương Thị Ngọc", 2003, 11, 13.6, 3), ("Lý Văn Sơn", 1980, 8, 14.8, 10),
]

#: Outreach the demo units recorded: title, people reached, how many days ago.
DEMO_ACTIVITIES = [
    ("Tuyên truyền về cuộc thi tại họp tổ dân phố", 60, 3),
    ("Phát tờ rơi hướng dẫn dự thi bằng mã QR", 120, 5),
    ("Đăng tin cuộc thi lên nhóm Zalo của tổ dân phố", 250, 8),
]


@dataclass
class DemoResult:
    created: bool
    contest_slug: str
    entry_code: str


def _week_start(now: datetime) -> datetime:
    local = now.astimezone(LOCAL_TZ)
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return monday


def create_demo(now: datetime) -> DemoResult:
    """Create the demo contest unless it exists; idempotent."""
    existing = db.session.scalar(sa.select(Contest).where(Contest.slug == DEMO_SLUG))
    if existing is not None:
        if not existing.study_material:
            # A demo made before study material existed gets the starter text.
            existing.study_material = STARTER_STUDY_MATERIAL
            db.session.commit()
        code = db.session.scalar(
            sa.select(EntryPoint.code).where(EntryPoint.contest_id == existing.id).limit(1)
        )
        return DemoResult(False, DEMO_SLUG, code or "")

    known_units = set(db.session.scalars(sa.select(Unit.name)))
    for position, name in enumerate(DEMO_UNITS, start=100):
        if name not in known_units:
            db.session.add(Unit(name=name, kind="residential_group", position=position))

    contest = Contest(
        title="Cuộc thi tìm hiểu về cải cách hành chính phường Phù Vân năm 2026",
        slug=DEMO_SLUG,
        rules=DEMO_RULES,
        status=ContestStatus.PUBLISHED,
        organiser=DEFAULT_ORGANISER,
        min_age=14,
        # An age limit is checked against the birth year, so the form asks for it.
        birth_year_mode=FieldMode.REQUIRED,
        study_material=STARTER_STUDY_MATERIAL,
        practice_enabled=True,
    )
    contest.categories = list(
        db.session.scalars(sa.select(ParticipantCategory).order_by(ParticipantCategory.position))
    )
    db.session.add(contest)
    week = _week_start(now)
    # Last week's round (closed, results published below), this week's and next week's.
    for index in range(3):
        opens = week + timedelta(weeks=index - 1)
        contest.rounds.append(
            Round(
                name=f"Đợt {index + 1}",
                opens_at=opens,
                closes_at=opens + timedelta(weeks=1),
                time_limit_minutes=15,
                question_quota=dict(DEMO_QUOTA),
                attempts_allowed=2,
                counted_attempt=CountedAttempt.BEST,
                has_prediction=True,
                prediction_target=PredictionTarget.FULL_MARKS,
                reveal_answers=RevealPolicy.AFTER_CLOSE,
                prize_tiers=[dict(tier) for tier in DEMO_PRIZES],
            )
        )
    db.session.flush()
    db.session.add(
        EntryPoint(
            contest_id=contest.id, code=DEMO_ENTRY_CODE, label="Áp phích tại trụ sở UBND phường",
            place="Bảng tin trụ sở UBND phường Phù Vân", kind="ap_phich",
        )
    )
    db.session.flush()
    _closed_round_with_results(contest, contest.rounds[0], now)
    _activities(now)
    db.session.commit()
    return DemoResult(True, DEMO_SLUG, DEMO_ENTRY_CODE)


def _closed_round_with_results(contest: Contest, round_: Round, now: datetime) -> None:
    """Residents who took the closed round, its actual figure fixed and its results published."""
    from contest.services.results import publication, ranking

    units = list(db.session.scalars(sa.select(Unit).where(Unit.name.in_(DEMO_UNITS))))
    category = contest.categories[0] if contest.categories else None
    questions = sum(round_.question_quota.values())
    # The same demo on every machine; with a bank to draw from, each attempt gets its
    # questions and answers, so the item analysis and the answer reviews show something.
    rng = random.Random(2026)
    for index, (name, year, score, minutes, guess) in enumerate(DEMO_RESIDENTS):
        # Registered when they took part, last week: not at the moment the demo was made.
        registered = round_.opens_at + timedelta(hours=8 + index)
        person = Participant(
            contest_id=contest.id, full_name=name, birth_year=year,
            identity_key=identity_key(name, year), phone=f"+84912{index:06d}",
            unit_id=units[index % len(units)].id if units else None,
            category_id=category.id if category else None,
            consented_at=registered, created_at=registered,
        )
        db.session.add(person)
        db.session.flush()
        started = round_.opens_at + timedelta(days=index % 6, hours=8 + index)
        duration = timedelta(minutes=minutes)
        attempt = Attempt(
            participant_id=person.id, round_id=round_.id, number=1, started_at=started,
            deadline=started + timedelta(minutes=round_.time_limit_minutes),
            submitted_at=started + duration, status=AttemptStatus.SUBMITTED,
            finished_by=FinishedBy.RESIDENT, question_count=questions, score=score,
            correct_count=score, duration_ms=int(duration.total_seconds() * 1000),
            prediction=guess,
        )
        db.session.add(attempt)
        db.session.flush()
        _answered_items(attempt, round_, score, rng)
    db.session.flush()
    ranking.fix_prediction_actual(round_, now)
    publication.publish_round(round_, actor_id=None, now=now)


def _answered_items(attempt: Attempt, round_: Round, right: int, rng: random.Random) -> None:
    """A draw of the round's quota, answered with exactly ``right`` right answers.

    Without a bank big enough for the quota (a demo made before the starter bank is
    loaded) the attempt keeps its totals and no items.
    """
    try:
        drawn = draw_items(round_, rng)
    except BankTooSmall:
        return
    keys = dict(db.session.execute(
        sa.select(QuestionVersion.id, QuestionVersion.correct_option)
        .where(QuestionVersion.id.in_([version_id for _q, version_id, _a, _o in drawn]))
    ).all())
    right_positions = set(rng.sample(range(len(drawn)), min(right, len(drawn))))
    step = (attempt.submitted_at - attempt.started_at) / (len(drawn) + 1)
    rows = []
    for position, (question_id, version_id, area_id, option_order) in enumerate(drawn):
        key = keys[version_id]
        wrong = [option for option in option_order if option != key]
        chosen = key if position in right_positions else rng.choice(wrong)
        rows.append({
            "attempt_id": attempt.id, "question_id": question_id,
            "question_version_id": version_id, "content_area_id": area_id,
            "position": position, "option_order": option_order, "chosen_option": chosen,
            "answered_at": attempt.started_at + step * (position + 1),
            "is_correct": chosen == key,
        })
    db.session.execute(sa.insert(AttemptItem), rows)
    attempt.question_count = len(rows)


def _activities(now: datetime) -> None:
    """A few outreach activities recorded by the demo units."""
    forms = list(db.session.scalars(sa.select(ActivityForm).order_by(ActivityForm.position)))
    units = list(db.session.scalars(
        sa.select(Unit).where(Unit.name.in_(DEMO_UNITS)).order_by(Unit.position)))
    if not forms or not units:
        return
    today = now.astimezone(LOCAL_TZ).date()
    for index, (title, people, days_ago) in enumerate(DEMO_ACTIVITIES):
        db.session.add(Activity(
            unit_id=units[index % len(units)].id, form_id=forms[index % len(forms)].id,
            date_start=today - timedelta(days=days_ago), title=title, people_reached=people,
            place=units[index % len(units)].name,
        ))
