"""A demo contest with one round open now, so a fresh install can be tried at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from contest.extensions import db
from contest.helpers.timeutil import LOCAL_TZ
from contest.models import Contest, ContestStatus, EntryPoint, ParticipantCategory, Round, Unit
from contest.services.setup.study_material import STARTER_STUDY_MATERIAL

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
        organiser="UBND phường Phù Vân",
        min_age=14,
        study_material=STARTER_STUDY_MATERIAL,
        practice_enabled=True,
    )
    contest.categories = list(
        db.session.scalars(sa.select(ParticipantCategory).order_by(ParticipantCategory.position))
    )
    db.session.add(contest)
    week = _week_start(now)
    for index in range(2):
        opens = week + timedelta(weeks=index)
        contest.rounds.append(
            Round(
                name=f"Đợt {index + 1}",
                opens_at=opens,
                closes_at=opens + timedelta(weeks=1),
                time_limit_minutes=15,
                question_quota=dict(DEMO_QUOTA),
                attempts_allowed=2,
                counted_attempt="best",
                has_prediction=True,
                prediction_target="full_marks",
                reveal_answers="after_close",
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
    db.session.commit()
    return DemoResult(True, DEMO_SLUG, DEMO_ENTRY_CODE)
