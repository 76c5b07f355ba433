"""Participation statistics for the office dashboard and the exports.

Plain functions over the database session: they take a :class:`StatsFilter`
(and ``now`` where age or "today" matters) and return plain dataclasses. All
counting is done by the database (``GROUP BY``); Python only joins the small
aggregated results to reference rows (units, categories, entry points).

Definitions (shown on the dashboard too, so the figures can be read without
this file):

* An **attempt** (lượt thi) is in scope when its participant belongs to the
  contest, is not disqualified, matches the unit/category filter, the attempt
  belongs to the chosen round (or any round of the contest) and it *started*
  within the date range (dates are Vietnam dates, Asia/Ho_Chi_Minh).
* A **completed attempt** is an attempt in scope with status ``submitted``
  (graded, whether the resident pressed "Nộp bài" or time ran out).
* A **participant** (người dự thi) is a registered person with at least one
  attempt in scope. A **registration** is a participant whose registration
  time falls within the date range (the round filter does not apply to it).
* **Full marks**: a completed attempt with every question right.
* **Participation rate**: participants from units whose population is known,
  divided by the sum of those units' populations.
* **Score bands**, on completed attempts, by share of questions right
  (``r = correct_count / question_count``): full marks ``r = 1``;
  ``0.75 <= r < 1``; ``0.5 <= r < 0.75``; ``0 < r < 0.5``; ``r = 0``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from contest.extensions import db
from contest.models import (
    GENDERS,
    Attempt,
    Contest,
    EntryPoint,
    Participant,
    ParticipantCategory,
    Round,
    Scan,
    Unit,
)
from contest.timeutil import local_to_utc

#: Asia/Ho_Chi_Minh has had no daylight saving since 1975: a fixed shift is exact
#: and lets both SQLite and PostgreSQL bucket UTC timestamps into Vietnam dates.
LOCAL_OFFSET = timedelta(hours=7)

SCORE_BANDS: list[tuple[str, str]] = [
    ("full", "Đúng tất cả (100 %)"),
    ("ge75", "Từ 75 % đến dưới 100 %"),
    ("ge50", "Từ 50 % đến dưới 75 %"),
    ("lt50", "Trên 0 và dưới 50 %"),
    ("zero", "0 điểm (không câu nào đúng)"),
]
SCORE_BAND_NOTE = (
    "Tính trên các lượt thi đã nộp, theo tỉ lệ câu trả lời đúng r = số câu đúng / số câu hỏi: "
    "100 % là r = 1; “từ 75 % đến dưới 100 %” là 0,75 ≤ r < 1; “từ 50 % đến dưới 75 %” là "
    "0,5 ≤ r < 0,75; “trên 0 và dưới 50 %” là 0 < r < 0,5; 0 điểm là r = 0."
)

#: Age bands by age reached in the year of ``now`` (now.year − birth_year), inclusive bounds.
AGE_BANDS: list[tuple[str, str, int | None, int | None]] = [
    ("u18", "Dưới 18 tuổi", None, 17),
    ("18_30", "18–30 tuổi", 18, 30),
    ("31_45", "31–45 tuổi", 31, 45),
    ("46_60", "46–60 tuổi", 46, 60),
    ("o60", "Trên 60 tuổi", 61, None),
]
UNKNOWN = "unknown"
UNKNOWN_LABEL = "Không khai báo"
OTHER_UNIT_LABEL = "Khác / không thuộc đơn vị trong danh sách"
NO_CATEGORY_LABEL = "Chưa chọn đối tượng"
NO_ENTRY_POINT_LABEL = "Không qua mã QR (truy cập trực tiếp)"


@dataclass(frozen=True)
class StatsFilter:
    """What the dashboard, item analysis and exports are computed over.

    ``contest_id`` None means every contest. Dates are Vietnam calendar dates,
    both inclusive.
    """

    contest_id: int | None
    round_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    unit_id: int | None = None
    category_id: int | None = None

    def key(self) -> str:
        """A stable text form, for cache keys and file names."""
        parts = [
            self.contest_id or "all", self.round_id or "all",
            self.date_from.isoformat() if self.date_from else "-",
            self.date_to.isoformat() if self.date_to else "-",
            self.unit_id or "all", self.category_id or "all",
        ]
        return ":".join(str(p) for p in parts)

    @property
    def utc_from(self) -> datetime | None:
        return local_to_utc(datetime.combine(self.date_from, time())) if self.date_from else None

    @property
    def utc_until(self) -> datetime | None:
        """Exclusive upper bound: midnight (Vietnam) after ``date_to``."""
        if not self.date_to:
            return None
        return local_to_utc(datetime.combine(self.date_to + timedelta(days=1), time()))


@dataclass
class Headline:
    registrations: int
    participants: int
    attempts: int
    completed_attempts: int
    full_marks_participants: int
    full_marks_attempts: int
    #: Mean of ``Attempt.score`` over completed attempts.
    average_score: float | None
    #: Sum of right answers / sum of questions, over completed attempts.
    average_correct_rate: float | None
    #: Sum of known unit populations in scope, and participants from those units.
    known_population: int | None
    participants_in_known_units: int
    participation_rate: float | None


@dataclass
class DayRow:
    day: date
    participants: int
    attempts: int
    completed_attempts: int


@dataclass
class GroupRow:
    """One unit or category: participants, attempts, and a rate where population is known."""

    key: int | None
    label: str
    kind_label: str = ""
    participants: int = 0
    attempts: int = 0
    completed_attempts: int = 0
    population: int | None = None

    @property
    def participation_rate(self) -> float | None:
        if not self.population:
            return None
        return self.participants / self.population


@dataclass
class AgeGender:
    """Participants by age band (rows) and gender (columns)."""

    birth_year_collected: bool
    gender_collected: bool
    bands: list[tuple[str, str]]
    genders: list[tuple[str, str]]
    #: counts[(band_key, gender_key)] = participants.
    counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def count(self, band: str, gender: str) -> int:
        return self.counts.get((band, gender), 0)

    def band_total(self, band: str) -> int:
        return sum(v for (b, _g), v in self.counts.items() if b == band)

    def gender_total(self, gender: str) -> int:
        return sum(v for (_b, g), v in self.counts.items() if g == gender)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class ScoreBandRow:
    key: str
    label: str
    attempts: int
    share: float | None


@dataclass
class FunnelRow:
    entry_point_id: int | None
    label: str
    kind_label: str
    scans: int
    registrations: int
    #: Registered here and completed at least one attempt in scope.
    completed_participants: int
    completed_attempts: int

    @property
    def registration_rate(self) -> float | None:
        return self.registrations / self.scans if self.scans else None

    @property
    def completion_rate(self) -> float | None:
        return self.completed_participants / self.registrations if self.registrations else None


@dataclass
class Dashboard:
    filter: StatsFilter
    headline: Headline
    per_day: list[DayRow]
    by_unit: list[GroupRow]
    by_category: list[GroupRow]
    age_gender: AgeGender
    score_bands: list[ScoreBandRow]
    funnel: list[FunnelRow]


# --------------------------------------------------------------------------- helpers


def local_date(column):
    """SQL expression: the Vietnam calendar date of a (naive UTC) timestamp column."""
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.func.date(column, "+7 hours")
    shifted = sa.type_coerce(column, sa.DateTime) + sa.literal(LOCAL_OFFSET, sa.Interval)
    return sa.cast(shifted, sa.Date)


def _as_date(value) -> date:
    # SQLite hands back 'YYYY-MM-DD' text, PostgreSQL a date.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _participant_conditions(f: StatsFilter) -> list:
    conds = [Participant.disqualified_at.is_(None)]
    if f.contest_id is not None:
        conds.append(Participant.contest_id == f.contest_id)
    if f.unit_id is not None:
        conds.append(Participant.unit_id == f.unit_id)
    if f.category_id is not None:
        conds.append(Participant.category_id == f.category_id)
    return conds


def _time_conditions(column, f: StatsFilter) -> list:
    conds = []
    if f.utc_from is not None:
        conds.append(column >= f.utc_from)
    if f.utc_until is not None:
        conds.append(column < f.utc_until)
    return conds


def attempt_conditions(f: StatsFilter) -> list:
    """WHERE clauses for attempts in scope; the query must join Participant."""
    conds = _participant_conditions(f) + _time_conditions(Attempt.started_at, f)
    if f.round_id is not None:
        conds.append(Attempt.round_id == f.round_id)
    return conds


def _attempts_joined(*columns):
    return sa.select(*columns).select_from(Attempt).join(
        Participant, Participant.id == Attempt.participant_id
    )


_submitted = Attempt.status == "submitted"
_is_full_marks = sa.and_(
    _submitted, Attempt.question_count > 0, Attempt.correct_count == Attempt.question_count
)


def _count_if(condition):
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _participants_attempts_completed():
    return (
        sa.func.count(sa.distinct(Attempt.participant_id)),
        sa.func.count(Attempt.id),
        _count_if(_submitted),
    )


# --------------------------------------------------------------------------- figures


def headline(f: StatsFilter) -> Headline:
    """The headline figures at the top of the dashboard."""
    conds = attempt_conditions(f)
    row = db.session.execute(
        _attempts_joined(
            *_participants_attempts_completed(),
            sa.func.count(sa.distinct(sa.case((_is_full_marks, Attempt.participant_id)))),
            _count_if(_is_full_marks),
            sa.func.avg(sa.case((_submitted, Attempt.score))),
            sa.func.sum(sa.case((_submitted, Attempt.correct_count))),
            sa.func.sum(sa.case((_submitted, Attempt.question_count))),
        ).where(*conds)
    ).one()
    participants, attempts, completed, full_people, full_attempts, avg_score, right, asked = row

    registrations = db.session.scalar(
        sa.select(sa.func.count(Participant.id)).where(
            *_participant_conditions(f), *_time_conditions(Participant.created_at, f)
        )
    ) or 0

    known_units = sa.select(Unit.id).where(Unit.population.is_not(None), Unit.population > 0)
    if f.unit_id is not None:
        known_units = known_units.where(Unit.id == f.unit_id)
    population = db.session.scalar(
        sa.select(sa.func.sum(Unit.population)).where(Unit.id.in_(known_units))
    )
    in_known = db.session.scalar(
        _attempts_joined(sa.func.count(sa.distinct(Attempt.participant_id))).where(
            *conds, Participant.unit_id.in_(known_units)
        )
    ) or 0
    return Headline(
        registrations=registrations,
        participants=participants or 0,
        attempts=attempts or 0,
        completed_attempts=int(completed or 0),
        full_marks_participants=full_people or 0,
        full_marks_attempts=int(full_attempts or 0),
        average_score=float(avg_score) if avg_score is not None else None,
        average_correct_rate=(int(right) / int(asked)) if asked else None,
        known_population=int(population) if population else None,
        participants_in_known_units=in_known,
        participation_rate=(in_known / int(population)) if population else None,
    )


def per_day(f: StatsFilter) -> list[DayRow]:
    """Participants and attempts per Vietnam calendar day (by attempt start), gaps filled."""
    day = local_date(Attempt.started_at).label("day")
    rows = db.session.execute(
        _attempts_joined(day, *_participants_attempts_completed())
        .where(*attempt_conditions(f))
        .group_by(day)
        .order_by(day)
    ).all()
    found = {_as_date(r[0]): r for r in rows}
    if not found:
        return []
    first, last = min(found), max(found)
    if f.date_from and f.date_to and (f.date_to - f.date_from).days <= 400:
        first, last = min(first, f.date_from), max(last, f.date_to)
    out = []
    current = first
    while current <= last:
        r = found.get(current)
        out.append(DayRow(current, r[1], r[2], int(r[3])) if r else DayRow(current, 0, 0, 0))
        current += timedelta(days=1)
    return out


def by_unit(f: StatsFilter) -> list[GroupRow]:
    """Every active unit (even with nobody yet: the office wants to see who lags), plus "Khác"."""
    rows = db.session.execute(
        _attempts_joined(Participant.unit_id, *_participants_attempts_completed())
        .where(*attempt_conditions(f))
        .group_by(Participant.unit_id)
    ).all()
    counts = {r[0]: r for r in rows}
    units = db.session.scalars(
        sa.select(Unit).where(sa.or_(Unit.active, Unit.id.in_([k for k in counts if k])))
        .order_by(Unit.kind.desc(), Unit.position, Unit.name)
    ).all()
    out = []
    for unit in units:
        if f.unit_id is not None and unit.id != f.unit_id:
            continue
        r = counts.get(unit.id)
        out.append(GroupRow(
            key=unit.id, label=unit.name, kind_label=unit.kind_label,
            participants=r[1] if r else 0, attempts=r[2] if r else 0,
            completed_attempts=int(r[3]) if r else 0, population=unit.population,
        ))
    if None in counts:
        r = counts[None]
        out.append(GroupRow(key=None, label=OTHER_UNIT_LABEL, participants=r[1],
                            attempts=r[2], completed_attempts=int(r[3])))
    return out


def by_category(f: StatsFilter) -> list[GroupRow]:
    rows = db.session.execute(
        _attempts_joined(Participant.category_id, *_participants_attempts_completed())
        .where(*attempt_conditions(f))
        .group_by(Participant.category_id)
    ).all()
    counts = {r[0]: r for r in rows}
    query = sa.select(ParticipantCategory).order_by(ParticipantCategory.position)
    if f.contest_id is not None:
        contest = db.session.get(Contest, f.contest_id)
        wanted = {c.id for c in contest.categories} if contest else set()
        wanted |= {k for k in counts if k}
        query = query.where(ParticipantCategory.id.in_(wanted))
    out = []
    for category in db.session.scalars(query):
        if f.category_id is not None and category.id != f.category_id:
            continue
        r = counts.get(category.id)
        out.append(GroupRow(
            key=category.id, label=category.name,
            participants=r[1] if r else 0, attempts=r[2] if r else 0,
            completed_attempts=int(r[3]) if r else 0,
        ))
    if None in counts:
        r = counts[None]
        out.append(GroupRow(key=None, label=NO_CATEGORY_LABEL, participants=r[1],
                            attempts=r[2], completed_attempts=int(r[3])))
    return out


def age_band_expression(year: int):
    """SQL CASE giving the AGE_BANDS key of Participant.birth_year for ages reached in ``year``."""
    whens = []
    for key, _label, low, high in AGE_BANDS:
        # age = year - birth_year, so low <= age <= high  <=>  year-high <= birth_year <= year-low
        conds = []
        if high is not None:
            conds.append(Participant.birth_year >= year - high)
        if low is not None:
            conds.append(Participant.birth_year <= year - low)
        whens.append((sa.and_(*conds), key))
    return sa.case((Participant.birth_year.is_(None), UNKNOWN), *whens, else_=UNKNOWN)


def age_gender(f: StatsFilter, now: datetime) -> AgeGender:
    """Participants by age band and gender; ages as reached in the year of ``now``."""
    band = age_band_expression(now.year).label("band")
    gender = sa.func.coalesce(Participant.gender, UNKNOWN).label("gender")
    active = (
        _attempts_joined(Attempt.participant_id).where(*attempt_conditions(f)).distinct()
    )
    rows = db.session.execute(
        sa.select(band, gender, sa.func.count(Participant.id))
        .where(Participant.id.in_(active))
        .group_by(band, gender)
    ).all()
    contest = db.session.get(Contest, f.contest_id) if f.contest_id is not None else None
    return AgeGender(
        birth_year_collected=contest is None or contest.birth_year_mode != "hidden",
        gender_collected=contest is None or contest.gender_mode != "hidden",
        bands=[(k, label) for k, label, _lo, _hi in AGE_BANDS] + [(UNKNOWN, UNKNOWN_LABEL)],
        genders=list(GENDERS.items()) + [(UNKNOWN, UNKNOWN_LABEL)],
        counts={(r[0], r[1] if r[1] in GENDERS else UNKNOWN): r[2] for r in rows},
    )


def score_band_expression():
    """SQL CASE with the SCORE_BANDS key of a completed attempt, in exact integer arithmetic."""
    c, n = Attempt.correct_count, Attempt.question_count
    return sa.case(
        (c == n, "full"),
        (c * 4 >= n * 3, "ge75"),
        (c * 2 >= n, "ge50"),
        (c > 0, "lt50"),
        else_="zero",
    )


def score_bands(f: StatsFilter) -> list[ScoreBandRow]:
    band = score_band_expression().label("band")
    rows = dict(db.session.execute(
        _attempts_joined(band, sa.func.count(Attempt.id))
        .where(*attempt_conditions(f), _submitted, Attempt.question_count > 0,
               Attempt.correct_count.is_not(None))
        .group_by(band)
    ).all())
    total = sum(rows.values())
    return [
        ScoreBandRow(key, label, rows.get(key, 0), rows.get(key, 0) / total if total else None)
        for key, label in SCORE_BANDS
    ]


def funnel(f: StatsFilter) -> list[FunnelRow]:
    """Scans → registrations → people who completed an attempt, per entry point (QR code).

    Scans carry no personal data, so the unit/category filters cannot narrow them:
    only the contest and the date range apply to scans.
    """
    scan_q = (
        sa.select(Scan.entry_point_id, sa.func.count(Scan.id))
        .join(EntryPoint, EntryPoint.id == Scan.entry_point_id)
        .where(*_time_conditions(Scan.scanned_at, f))
        .group_by(Scan.entry_point_id)
    )
    if f.contest_id is not None:
        scan_q = scan_q.where(EntryPoint.contest_id == f.contest_id)
    scans = dict(db.session.execute(scan_q).all())

    registrations = dict(db.session.execute(
        sa.select(Participant.entry_point_id, sa.func.count(Participant.id))
        .where(*_participant_conditions(f), *_time_conditions(Participant.created_at, f))
        .group_by(Participant.entry_point_id)
    ).all())

    # Completion counts only people who registered within the period (the same
    # people as the registrations column), so each stage is a subset of the previous.
    reg_conds = _time_conditions(Participant.created_at, f)
    completed = {
        r[0]: (r[1], int(r[2])) for r in db.session.execute(
            _attempts_joined(
                Participant.entry_point_id,
                sa.func.count(sa.distinct(Attempt.participant_id)),
                sa.func.count(Attempt.id),
            )
            .where(*attempt_conditions(f), *reg_conds, _submitted)
            .group_by(Participant.entry_point_id)
        ).all()
    }

    ep_q = sa.select(EntryPoint).order_by(EntryPoint.created_at, EntryPoint.id)
    if f.contest_id is not None:
        ep_q = ep_q.where(EntryPoint.contest_id == f.contest_id)
    out = []
    for ep in db.session.scalars(ep_q):
        done = completed.get(ep.id, (0, 0))
        out.append(FunnelRow(ep.id, ep.label, ep.kind_label, scans.get(ep.id, 0),
                             registrations.get(ep.id, 0), done[0], done[1]))
    if registrations.get(None) or completed.get(None):
        done = completed.get(None, (0, 0))
        out.append(FunnelRow(None, NO_ENTRY_POINT_LABEL, "", 0,
                             registrations.get(None, 0), done[0], done[1]))
    return out


def dashboard(f: StatsFilter, now: datetime) -> Dashboard:
    """Everything the dashboard shows, in one call."""
    return Dashboard(
        filter=f,
        headline=headline(f),
        per_day=per_day(f),
        by_unit=by_unit(f),
        by_category=by_category(f),
        age_gender=age_gender(f, now),
        score_bands=score_bands(f),
        funnel=funnel(f),
    )


def contests_for_filter() -> list[Contest]:
    """Contests to choose from, newest first."""
    return list(db.session.scalars(sa.select(Contest).order_by(Contest.created_at.desc(),
                                                                 Contest.id.desc())))


def rounds_of(contest_id: int | None) -> list[Round]:
    if contest_id is None:
        return []
    return list(db.session.scalars(
        sa.select(Round).where(Round.contest_id == contest_id).order_by(Round.opens_at)
    ))


def totals(rows: Iterable[GroupRow]) -> GroupRow:
    """The sum row under a table of units or categories."""
    rows = list(rows)
    # No population on the sum row: units without a known population would make
    # its rate meaningless; the headline carries the correct overall rate.
    return GroupRow(
        key=None, label="Tổng cộng",
        participants=sum(r.participants for r in rows),
        attempts=sum(r.attempts for r in rows),
        completed_attempts=sum(r.completed_attempts for r in rows),
    )


def describe(f: StatsFilter) -> list[tuple[str, str]]:
    """The filter in words, for page headings and the export's summary sheet."""
    contest = db.session.get(Contest, f.contest_id) if f.contest_id is not None else None
    round_ = db.session.get(Round, f.round_id) if f.round_id is not None else None
    unit = db.session.get(Unit, f.unit_id) if f.unit_id is not None else None
    category = (db.session.get(ParticipantCategory, f.category_id)
                if f.category_id is not None else None)
    return [
        ("Cuộc thi", contest.title if contest else "Tất cả cuộc thi"),
        ("Đợt thi", round_.name if round_ else "Tất cả các đợt"),
        ("Từ ngày", f.date_from.strftime("%d/%m/%Y") if f.date_from else "(từ đầu)"),
        ("Đến ngày", f.date_to.strftime("%d/%m/%Y") if f.date_to else "(đến nay)"),
        ("Đơn vị", unit.name if unit else "Tất cả đơn vị"),
        ("Đối tượng", category.name if category else "Tất cả đối tượng"),
    ]
