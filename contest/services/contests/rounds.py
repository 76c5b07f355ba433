"""Rules for contests and rounds: what a valid setting is, and what may no longer change.

The ``*_errors`` / ``validate_*`` functions are pure: plain values in, a dict of
``field name → [Vietnamese message]`` out (empty when all is well), so they are
tested without HTTP or a database. The ``save_*`` functions gather what the rules
need from the database, validate (raising :class:`ContestRefused` or
:class:`RoundRefused` with every message by field), apply and add an audit entry; the
caller commits, so the change and its audit entry land in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime

import sqlalchemy as sa

from contest.extensions import db
from contest.helpers import audit
from contest.helpers.text import too_long_message
from contest.helpers.timeutil import (
    CLOCK_SECONDS_FORMAT,
    SECONDS_FORMAT,
    format_duration,
    format_local,
    format_local_end,
)
from contest.models import (
    Attempt,
    AttemptStatus,
    ContentArea,
    Contest,
    ContestStatus,
    FinishedBy,
    ParticipantCategory,
    Question,
    ResultPublication,
    Round,
    RoundState,
)
from contest.models.contest import (
    AGE_BOUNDS,
    CONTACT_ADDRESS_MAX_LENGTH,
    CONTACT_PHONE_MAX_LENGTH,
    COUNTED_ATTEMPT_RULES,
    DEFAULT_ORGANISER,
    FIELD_MODE_LABELS,
    ORGANISER_MAX_LENGTH,
    PREDICTION_TARGETS,
    PURPOSE_MAX_LENGTH,
    REVEAL_POLICIES,
    ROUND_NAME_MAX_LENGTH,
    RULES_MAX_LENGTH,
    SLUG_MAX_LENGTH,
    STUDY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    CountedAttempt,
    FieldMode,
    PredictionTarget,
    RevealPolicy,
)
from contest.services.errors import DomainError
from contest.services.reasons import checked_reason

Errors = dict[str, list[str]]

#: Settings that change what an attempt already made means: its questions, its
#: time, how it is scored and ranked. Locked once a round has an attempt.
LOCKED_FIELDS = {
    "question_quota": "số câu hỏi theo từng lĩnh vực",
    "time_limit_minutes": "thời gian làm bài",
    "counted_attempt": "lượt thi được tính",
    "has_prediction": "câu hỏi dự đoán",
    "prediction_target": "nội dung câu hỏi dự đoán",
}
LOCKED_MESSAGE = (
    "Đợt thi đã có người dự thi nên không thể thay đổi {label}: thay đổi sẽ làm sai "
    "kết quả các lượt thi đã làm."
)

#: What a closed round with published results keeps as published; reopening is its own action.
FROZEN_FIELDS = {
    "opens_at": "thời gian bắt đầu",
    "closes_at": "thời gian kết thúc",
    "question_quota": "số câu hỏi theo từng lĩnh vực",
    "prize_tiers": "cơ cấu giải",
}
FROZEN_MESSAGE = (
    "Kết quả đợt thi này đã được công bố nên không thể sửa {label}. Muốn cho thi tiếp, "
    "hãy dùng “Mở lại đợt thi” (cần ghi lý do); kết quả đã công bố sẽ được ghi là chưa cập nhật "
    "cho đến khi công bố lại."
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_QUESTIONS_PER_ROUND = 100
MAX_PRIZE_COUNT = 1000
AGE_MESSAGE = "Tuổi phải từ {} đến {}.".format(*AGE_BOUNDS)
TIME_LIMIT_BOUNDS = (1, 240)
TIME_LIMIT_MESSAGE = "Thời gian làm bài phải từ {} đến {} phút.".format(*TIME_LIMIT_BOUNDS)
ATTEMPTS_BOUNDS = (1, 50)
ATTEMPTS_MESSAGE = "Số lượt thi mỗi người phải từ {} đến {}.".format(*ATTEMPTS_BOUNDS)
QUOTA_MESSAGE = f"Số câu phải từ 0 đến {MAX_QUESTIONS_PER_ROUND}."


class ContestRefused(DomainError):
    """A contest's settings refused, each message beside its field (``errors``)."""


class RoundRefused(DomainError):
    """A change to a round refused, with a Vietnamese message (or several, by field)."""


def _add(errors: Errors, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


# --- contests -------------------------------------------------------------------------


@dataclass
class ContestValues:
    title: str
    slug: str
    rules: str = ""
    status: str = ContestStatus.DRAFT
    organiser: str = ""
    birth_year_mode: str = FieldMode.OPTIONAL
    gender_mode: str = FieldMode.OPTIONAL
    citizen_id_mode: str = FieldMode.OPTIONAL
    min_age: int | None = None
    max_age: int | None = None
    one_prize_per_contest: bool = False
    rank_by_category_group: bool = False
    study_material: str = ""
    practice_enabled: bool = False
    purpose: str = ""
    contact_phone: str = ""
    contact_address: str = ""
    participation_certificates: bool = False
    prize_tiers: list[dict] = field(default_factory=list)
    category_ids: list[int] = field(default_factory=list)


CONTEST_FIELDS = [
    "title", "slug", "rules", "status", "organiser", "birth_year_mode", "gender_mode",
    "citizen_id_mode", "min_age", "max_age", "one_prize_per_contest", "rank_by_category_group",
    "study_material", "practice_enabled", "purpose", "contact_phone", "contact_address",
    "participation_certificates", "prize_tiers",
]

#: Text a contest's settings may hold: field → (most characters, its name in messages).
CONTEST_TEXT_LIMITS: dict[str, tuple[int, str]] = {
    "title": (TITLE_MAX_LENGTH, "Tên cuộc thi"),
    "organiser": (ORGANISER_MAX_LENGTH, "Đơn vị tổ chức"),
    "rules": (RULES_MAX_LENGTH, "Thể lệ"),
    "study_material": (STUDY_MAX_LENGTH, "Tài liệu tìm hiểu"),
    "purpose": (PURPOSE_MAX_LENGTH, "Mục đích cuộc thi"),
    "contact_phone": (CONTACT_PHONE_MAX_LENGTH, "Số điện thoại liên hệ"),
    "contact_address": (CONTACT_ADDRESS_MAX_LENGTH, "Địa chỉ liên hệ"),
}

#: A hotline or Zalo number as organisers write it: digits, spaces, dots, dashes, a leading +.
_CONTACT_PHONE = re.compile(r"\+?[0-9][0-9 .\-]{6,24}[0-9]")


def slug_errors(slug: str, taken: bool) -> list[str]:
    """A slug is the contest's address: lower-case ASCII letters, digits and single hyphens."""
    if not slug:
        return ["Vui lòng nhập đường dẫn rút gọn (ví dụ: cchc-2026)."]
    if len(slug) > SLUG_MAX_LENGTH:
        return [too_long_message("Đường dẫn rút gọn", SLUG_MAX_LENGTH)]
    if not SLUG_RE.match(slug):
        return [
            "Đường dẫn rút gọn chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang "
            "giữa các từ (ví dụ: cchc-2026)."
        ]
    if taken:
        return ["Đường dẫn rút gọn này đã được dùng cho cuộc thi khác."]
    return []


def validate_contest(values: ContestValues, *, slug_taken: bool,
                     known_category_ids: Iterable[int]) -> Errors:
    errors: Errors = {}
    if not values.title.strip():
        _add(errors, "title", "Vui lòng nhập tên cuộc thi.")
    for name, (limit, label) in CONTEST_TEXT_LIMITS.items():
        if len(getattr(values, name) or "") > limit:
            _add(errors, name, too_long_message(label, limit))
    for message in slug_errors(values.slug, slug_taken):
        _add(errors, "slug", message)
    if values.status not in (ContestStatus.DRAFT, ContestStatus.PUBLISHED):
        _add(errors, "status", "Trạng thái không hợp lệ.")
    for name in ("birth_year_mode", "gender_mode", "citizen_id_mode"):
        if getattr(values, name) not in FIELD_MODE_LABELS:
            _add(errors, name, "Lựa chọn không hợp lệ.")
    low, high = AGE_BOUNDS
    for name in ("min_age", "max_age"):
        age = getattr(values, name)
        if age is not None and not low <= age <= high:
            _add(errors, name, AGE_MESSAGE)
    if (values.min_age is not None and values.max_age is not None
            and values.min_age > values.max_age):
        _add(errors, "max_age", "Tuổi tối đa phải lớn hơn hoặc bằng tuổi tối thiểu.")
    if (values.min_age is not None or values.max_age is not None) \
            and values.birth_year_mode != FieldMode.REQUIRED:
        _add(errors, "birth_year_mode",
             "Cuộc thi có giới hạn tuổi thì năm sinh phải là mục bắt buộc khi đăng ký.")
    known = set(known_category_ids)
    if not values.category_ids:
        _add(errors, "category_ids", "Vui lòng chọn ít nhất một đối tượng dự thi.")
    elif not set(values.category_ids) <= known:
        _add(errors, "category_ids", "Đối tượng dự thi không hợp lệ.")
    if values.contact_phone and not _CONTACT_PHONE.fullmatch(values.contact_phone):
        _add(errors, "contact_phone",
             "Số điện thoại liên hệ chỉ gồm chữ số (có thể cách nhau bằng dấu cách hoặc dấu "
             "chấm), ví dụ 0229 3871 234 hoặc 0912 345 678.")
    if values.rank_by_category_group and not values.category_ids:
        _add(errors, "rank_by_category_group", "Cần chọn đối tượng dự thi để xếp hạng riêng.")
    for name, messages in prize_tier_errors(values.prize_tiers).items():
        errors.setdefault(name, []).extend(messages)
    return errors


def _contest_snapshot(contest: Contest) -> dict:
    data = audit.snapshot(contest, CONTEST_FIELDS)
    data["category_ids"] = sorted(c.id for c in contest.categories)
    return data


def save_contest(contest: Contest | None, values: ContestValues,
                 actor_id: int | None) -> Contest:
    """Create (``contest`` None) or update a contest, or raise ContestRefused; the caller
    commits."""
    values.slug = values.slug.strip().lower()
    values.title = values.title.strip()
    query = sa.select(Contest.id).where(Contest.slug == values.slug)
    if contest is not None:
        query = query.where(Contest.id != contest.id)
    taken = db.session.scalar(query) is not None
    known = db.session.scalars(sa.select(ParticipantCategory.id)).all()
    errors = validate_contest(values, slug_taken=taken, known_category_ids=known)
    if errors:
        raise ContestRefused(errors=errors)
    before = _contest_snapshot(contest) if contest is not None else None
    if contest is None:
        contest = Contest()
        db.session.add(contest)
    for name in CONTEST_FIELDS:
        setattr(contest, name, getattr(values, name))
    if not contest.organiser:
        contest.organiser = DEFAULT_ORGANISER
    contest.categories = list(db.session.scalars(
        sa.select(ParticipantCategory).where(ParticipantCategory.id.in_(values.category_ids))
    ))
    db.session.flush()
    after = _contest_snapshot(contest)
    audit.record(
        actor_id, "contest.create" if before is None else "contest.update",
        object_type="contest", object_id=contest.id,
        summary=("Tạo cuộc thi " if before is None else "Sửa cuộc thi ") + contest.title,
        before=before, after=after,
    )
    return contest


# --- rounds ---------------------------------------------------------------------------


@dataclass
class RoundValues:
    name: str
    opens_at: datetime
    closes_at: datetime
    time_limit_minutes: int = 15
    question_quota: dict[str, int] = field(default_factory=dict)
    attempts_allowed: int = 1
    counted_attempt: str = CountedAttempt.BEST
    has_prediction: bool = True
    prediction_target: str = PredictionTarget.FULL_MARKS
    reveal_answers: str = RevealPolicy.AFTER_CLOSE
    prize_tiers: list[dict] = field(default_factory=list)


ROUND_FIELDS = list(RoundValues.__dataclass_fields__)


@dataclass(frozen=True)
class OtherRound:
    """Another round of the same contest, for the overlap check."""

    id: int
    name: str
    opens_at: datetime
    closes_at: datetime


def normalise_quota(quota: dict[str, int]) -> dict[str, int]:
    """Drop empty and zero quotas, so {"a": 2, "b": 0} and {"a": 2} mean and compare the same.

    Negative numbers stay, for :func:`quota_errors` to refuse.
    """
    return {code: int(n) for code, n in quota.items() if n}


def quota_errors(quota: dict[str, int], available: dict[str, int],
                 titles: dict[str, str] | None = None) -> Errors:
    """Each area's quota must be 0..(active questions in that area); at least one question."""
    titles = titles or {}
    errors: Errors = {}
    for code, wanted in quota.items():
        name = f"quota_{code}"
        if wanted is None or wanted < 0:
            _add(errors, name, "Số câu hỏi phải là số không âm.")
            continue
        have = available.get(code, 0)
        if wanted > have:
            label = titles.get(code, code)
            _add(errors, name,
                 f"Lĩnh vực {label} chỉ có {have} câu hỏi đang dùng, không đủ {wanted} câu. "
                 "Hãy giảm số câu hoặc bổ sung câu hỏi vào ngân hàng.")
    total = sum(n for n in quota.values() if n and n > 0)
    if total == 0:
        _add(errors, "question_quota", "Mỗi lượt thi phải có ít nhất một câu hỏi.")
    elif total > MAX_QUESTIONS_PER_ROUND:
        _add(errors, "question_quota",
             f"Mỗi lượt thi có tối đa {MAX_QUESTIONS_PER_ROUND} câu hỏi (đang chọn {total}).")
    return errors


def overlapping(opens_at: datetime, closes_at: datetime,
                others: Iterable[OtherRound]) -> list[OtherRound]:
    """Rounds whose [opens, closes) interval meets this one; touching ends do not overlap."""
    return [o for o in others if opens_at < o.closes_at and o.opens_at < closes_at]


def prize_tier_errors(tiers: list[dict]) -> Errors:
    errors: Errors = {}
    names = set()
    for tier in tiers:
        name, count = tier.get("name", ""), tier.get("count")
        if not name.strip():
            _add(errors, "prize_tiers", "Mỗi hạng giải cần có tên.")
        elif name.strip().casefold() in names:
            _add(errors, "prize_tiers", f"Hạng giải “{name}” bị lặp lại.")
        names.add(name.strip().casefold())
        if not isinstance(count, int) or not 1 <= count <= MAX_PRIZE_COUNT:
            _add(errors, "prize_tiers",
                 f"Số lượng giải “{name}” phải từ 1 đến {MAX_PRIZE_COUNT}.")
        minimum = tier.get("min_score")
        if minimum is not None and (not isinstance(minimum, int)
                                    or not 0 <= minimum <= MAX_QUESTIONS_PER_ROUND):
            _add(errors, "prize_tiers",
                 f"Điểm tối thiểu của “{name}” phải từ 0 đến {MAX_QUESTIONS_PER_ROUND}.")
    return errors


def locked_errors(before: RoundValues, after: RoundValues) -> Errors:
    """What a round with attempts may not change, each with the reason."""
    errors: Errors = {}
    for name, label in LOCKED_FIELDS.items():
        old, new = getattr(before, name), getattr(after, name)
        if name == "question_quota":
            old, new = normalise_quota(old), normalise_quota(new)
        if old != new:
            _add(errors, name, LOCKED_MESSAGE.format(label=label))
    return errors


def frozen_errors(before: RoundValues, after: RoundValues) -> Errors:
    """What a closed round with published results may not change by editing."""
    errors: Errors = {}
    for name, label in FROZEN_FIELDS.items():
        old, new = getattr(before, name), getattr(after, name)
        if name == "question_quota":
            old, new = normalise_quota(old), normalise_quota(new)
        elif name in ("opens_at", "closes_at"):
            # The form shows minutes; seconds the form cannot show are no change.
            old, new = old.replace(second=0, microsecond=0), new.replace(second=0, microsecond=0)
        if old != new:
            _add(errors, name, FROZEN_MESSAGE.format(label=label))
    return errors


def validate_round(values: RoundValues, *, available: dict[str, int],
                   others: Iterable[OtherRound] = (), before: RoundValues | None = None,
                   locked: bool = False, titles: dict[str, str] | None = None,
                   frozen: bool = False) -> Errors:
    """All rules of a round's settings.

    ``available``: active questions per content area code; ``others``: the
    contest's other rounds; ``before``/``locked``: the saved settings, and whether
    the round already has attempts (so the settings in LOCKED_FIELDS must not change);
    ``frozen``: its published results stand (so FROZEN_FIELDS must not change either).
    """
    errors: Errors = {}
    if not values.name.strip():
        _add(errors, "name", "Vui lòng nhập tên đợt thi.")
    elif len(values.name) > ROUND_NAME_MAX_LENGTH:
        _add(errors, "name", too_long_message("Tên đợt thi", ROUND_NAME_MAX_LENGTH))
    if values.opens_at.tzinfo is None or values.closes_at.tzinfo is None:
        raise ValueError("round times must be aware datetimes")
    if values.closes_at <= values.opens_at:
        _add(errors, "closes_at", "Thời điểm kết thúc phải sau thời điểm bắt đầu.")
    else:
        for other in overlapping(values.opens_at, values.closes_at, others):
            _add(errors, "opens_at",
                 f"Trùng thời gian với {other.name} ({format_local(other.opens_at)} – "
                 f"{format_local_end(other.closes_at)}). Các đợt của một cuộc thi không được "
                 "trùng nhau.")
    low, high = TIME_LIMIT_BOUNDS
    if not low <= values.time_limit_minutes <= high:
        _add(errors, "time_limit_minutes", TIME_LIMIT_MESSAGE)
    low, high = ATTEMPTS_BOUNDS
    if not low <= values.attempts_allowed <= high:
        _add(errors, "attempts_allowed", ATTEMPTS_MESSAGE)
    if values.counted_attempt not in COUNTED_ATTEMPT_RULES:
        _add(errors, "counted_attempt", "Lựa chọn không hợp lệ.")
    if values.prediction_target not in PREDICTION_TARGETS:
        _add(errors, "prediction_target", "Lựa chọn không hợp lệ.")
    if values.reveal_answers not in REVEAL_POLICIES:
        _add(errors, "reveal_answers", "Lựa chọn không hợp lệ.")
    if locked and before is not None:
        # Quotas of a locked round were checked when set; questions deactivated
        # since then are the bank's problem, not a reason to refuse other edits.
        errors.update(locked_errors(before, values))
    else:
        for name, messages in quota_errors(values.question_quota, available, titles).items():
            errors.setdefault(name, []).extend(messages)
    for name, messages in prize_tier_errors(values.prize_tiers).items():
        errors.setdefault(name, []).extend(messages)
    if frozen and before is not None:
        for name, messages in frozen_errors(before, values).items():
            errors[name] = messages
    return errors


def round_values(round_: Round) -> RoundValues:
    return RoundValues(**{name: getattr(round_, name) for name in ROUND_FIELDS})


def active_question_counts() -> dict[str, int]:
    """Questions a round can draw per content area code: active and not in the practice pool
    (areas with none are present with 0)."""
    rows = db.session.execute(
        sa.select(ContentArea.code, sa.func.count(Question.id))
        .outerjoin(Question, sa.and_(Question.content_area_id == ContentArea.id,
                                     Question.in_round_pool))
        .group_by(ContentArea.code)
    )
    return {code: count for code, count in rows}


def round_has_attempts(round_id: int | None) -> bool:
    if round_id is None:
        return False
    return bool(db.session.scalar(
        sa.select(sa.exists().where(Attempt.round_id == round_id))
    ))


def standing_publication(round_: Round | None) -> ResultPublication | None:
    """The round's current publication while it still stands (the round was not reopened)."""
    if round_ is None or round_.id is None:
        return None
    pub = db.session.scalar(
        sa.select(ResultPublication).where(
            ResultPublication.round_id == round_.id, ResultPublication.is_current.is_(True)
        ).order_by(ResultPublication.version.desc()).limit(1)
    )
    return pub if pub is not None and not pub.is_outdated_for(round_) else None


def is_frozen(round_: Round | None) -> bool:
    """Closed with published results: dates, quotas and prizes are kept as published."""
    return standing_publication(round_) is not None


REOPEN_REFUSED = "Chỉ mở lại được đợt thi đã kết thúc và đã công bố kết quả."


def can_reopen(round_: Round, now: datetime) -> bool:
    """Only a closed round whose results are published is reopened (its own action)."""
    return round_.state(now) == RoundState.CLOSED and is_frozen(round_)


def reopen_round(round_: Round, *, closes_at: datetime, reason: str, actor_id: int | None,
                 now: datetime) -> None:
    """Open a closed, published round again until ``closes_at``; the caller commits.

    The publication stays what residents see, marked as outdated until the round is
    published again; the prediction's actual figure is fixed again at the new close.
    """
    if not can_reopen(round_, now):
        raise RoundRefused(REOPEN_REFUSED)
    reason = checked_reason(reason, RoundRefused, missing="Vui lòng ghi lý do mở lại đợt thi.",
                            field="reason")
    if closes_at.tzinfo is None:
        raise ValueError("closes_at must be aware")
    if closes_at <= now:
        raise RoundRefused("Thời điểm kết thúc mới phải sau thời điểm hiện tại.", "closes_at")
    others = [
        OtherRound(r.id, r.name, r.opens_at, r.closes_at)
        for r in db.session.scalars(sa.select(Round).where(
            Round.contest_id == round_.contest_id, Round.id != round_.id))
    ]
    for other in overlapping(round_.opens_at, closes_at, others):
        raise RoundRefused(
            f"Trùng thời gian với {other.name} ({format_local(other.opens_at)} – "
            f"{format_local_end(other.closes_at)}). Hãy chọn thời điểm kết thúc sớm hơn.",
            "closes_at")
    before = {"closes_at": round_.closes_at, "prediction_actual": round_.prediction_actual}
    round_.closes_at = closes_at
    round_.prediction_actual = None
    round_.prediction_actual_fixed_at = None
    db.session.flush()
    audit.record(
        actor_id, "round.reopen", object_type="round", object_id=round_.id,
        summary=f"Mở lại {round_.name} – {round_.contest.title}: {reason}",
        before=before,
        after={"closes_at": closes_at, "prediction_actual": None, "reason": reason},
    )


def quota_needs(now: datetime) -> dict[str, dict[str, int]]:
    """Per area code: the sum of quotas of rounds open now or upcoming, and the largest one.

    The largest is what one attempt must be able to draw; the sum is what the
    rounds still to run ask of the bank altogether.
    """
    rounds = db.session.scalars(sa.select(Round).where(Round.closes_at > now))
    needs: dict[str, dict[str, int]] = {}
    for round_ in rounds:
        for code, n in (round_.question_quota or {}).items():
            slot = needs.setdefault(code, {"sum": 0, "max": 0})
            slot["sum"] += n
            slot["max"] = max(slot["max"], n)
    return needs


def save_round(contest: Contest, round_: Round | None, values: RoundValues,
               actor_id: int | None) -> Round:
    """Create (``round_`` None) or update a round after checking every rule (RoundRefused
    with every message by field otherwise); the caller commits."""
    values.name = values.name.strip()
    values.question_quota = normalise_quota(values.question_quota)
    others = [
        OtherRound(r.id, r.name, r.opens_at, r.closes_at)
        for r in db.session.scalars(sa.select(Round).where(Round.contest_id == contest.id))
        if round_ is None or r.id != round_.id
    ]
    titles = {a.code: f"{a.code}) {a.title}" for a in db.session.scalars(sa.select(ContentArea))}
    before = round_values(round_) if round_ is not None else None
    locked = round_has_attempts(round_.id if round_ is not None else None)
    frozen = is_frozen(round_)
    errors = validate_round(values, available=active_question_counts(), others=others,
                            before=before, locked=locked, titles=titles, frozen=frozen)
    if errors:
        raise RoundRefused(errors=errors)
    if frozen and before is not None:
        for name in FROZEN_FIELDS:
            setattr(values, name, getattr(before, name))
    if round_ is None:
        round_ = Round(contest_id=contest.id)
        db.session.add(round_)
    for name in ROUND_FIELDS:
        setattr(round_, name, getattr(values, name))
    db.session.flush()
    audit.record(
        actor_id, "round.create" if before is None else "round.update",
        object_type="round", object_id=round_.id,
        summary=("Tạo " if before is None else "Sửa ") + f"{round_.name} – {contest.title}",
        before=asdict(before) if before is not None else None,
        after=asdict(round_values(round_)),
    )
    return round_


# --- live view ------------------------------------------------------------------------


def live_summary(round_: Round, now: datetime, *, grace_seconds: int = 0,
                 limit: int = 15) -> dict:
    """What is happening in a round right now, as plain JSON-ready values.

    An attempt counts as in progress until its deadline (plus the submit grace)
    even if no sweep has closed it yet; after that it is neither in progress nor
    submitted until it is graded.
    """
    from datetime import timedelta

    from contest.models import Participant, Unit

    cutoff = now - timedelta(seconds=grace_seconds)
    in_progress = db.session.scalar(
        sa.select(sa.func.count(Attempt.id)).where(
            Attempt.round_id == round_.id, Attempt.status == AttemptStatus.IN_PROGRESS,
            Attempt.deadline > cutoff)
    ) or 0
    submitted = db.session.scalar(
        sa.select(sa.func.count(Attempt.id)).where(
            Attempt.round_id == round_.id, Attempt.status == AttemptStatus.SUBMITTED)
    ) or 0
    people = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Attempt.participant_id))).where(
            Attempt.round_id == round_.id, Attempt.status == AttemptStatus.SUBMITTED)
    ) or 0
    full_marks = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Attempt.participant_id))).where(
            Attempt.round_id == round_.id, Attempt.status == AttemptStatus.SUBMITTED,
            Attempt.correct_count == Attempt.question_count, Attempt.question_count > 0)
    ) or 0
    rows = db.session.execute(
        sa.select(Attempt, Participant.full_name, Participant.unit_other, Unit.name)
        .join(Participant, Participant.id == Attempt.participant_id)
        .outerjoin(Unit, Unit.id == Participant.unit_id)
        .where(Attempt.round_id == round_.id, Attempt.status == AttemptStatus.SUBMITTED)
        .order_by(Attempt.submitted_at.desc(), Attempt.id.desc())
        .limit(limit)
    ).all()
    latest = [
        {
            "name": full_name,
            "unit": unit_name or unit_other or "",
            "score": attempt.correct_count,
            "questions": attempt.question_count,
            "duration": format_duration(attempt.duration_ms),
            "submitted_at": format_local(attempt.submitted_at, SECONDS_FORMAT),
            "timeout": attempt.finished_by == FinishedBy.TIMEOUT,
        }
        for attempt, full_name, unit_other, unit_name in rows
    ]
    return {
        "round_id": round_.id,
        "state": round_.state(now),
        "in_progress": in_progress,
        "submitted": submitted,
        "participants": people,
        "full_marks": full_marks,
        "latest": latest,
        "updated_at": format_local(now, CLOCK_SECONDS_FORMAT),
    }
