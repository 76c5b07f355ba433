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
from contest.helpers.timeutil import format_date, local_to_utc
from contest.models import (
    GENDERS,
    Attempt,
    AttemptStatus,
    Contest,
    EntryPoint,
    Participant,
    ParticipantCategory,
    Round,
    Scan,
    Unit,
)
from contest.services.people.units import in_natural_order

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


_submitted = Attempt.status == AttemptStatus.SUBMITTED
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


@dataclass
class Agg:
    """Additive per-group figures from the participant roll-up (one row per group)."""

    participants: int = 0
    attempts: int = 0
    completed: int = 0
    full_people: int = 0
    full_attempts: int = 0
    score_sum: int = 0
    scored: int = 0
    correct_sum: int = 0
    question_sum: int = 0
    #: Registered within the date range and completed an attempt (the funnel's last stage).
    reg_done_people: int = 0
    reg_done_attempts: int = 0


Rollup = dict[str, dict[tuple, Agg]]


def _attempt_only_conditions(f: StatsFilter) -> list:
    conds = _time_conditions(Attempt.started_at, f)
    if f.round_id is not None:
        conds.append(Attempt.round_id == f.round_id)
    return conds


def _key(value) -> int | str | None:
    if value is None:
        return None
    text = str(value)
    return int(text) if text.lstrip("-").isdigit() else text


def rollup(f: StatsFilter, now: datetime | None) -> Rollup:
    """Headline, unit, category, age/gender and entry-point figures in ONE statement.

    Attempts in scope are first reduced to one row per participant (an
    index-ordered GROUP BY over ``attempt``), joined once to ``participant``;
    every participant has one unit, category, entry point, age band and gender,
    so the per-group sums over these rows are exact (no COUNT DISTINCT) and the
    five groupings run over the same materialised CTE, joined by UNION ALL —
    grouping sets by hand, which SQLite lacks. At 300,000 attempts this is one
    scan instead of five. Without ``now`` the age grouping is left out (all "unknown").
    """
    sub = _submitted
    per_person = (
        sa.select(
            Attempt.participant_id.label("pid"),
            sa.func.count(Attempt.id).label("n"),
            _count_if(sub).label("c"),
            _count_if(_is_full_marks).label("fa"),
            sa.func.coalesce(sa.func.sum(sa.case((sub, Attempt.score))), 0).label("ss"),
            _count_if(sa.and_(sub, Attempt.score.is_not(None))).label("sc"),
            sa.func.coalesce(sa.func.sum(sa.case((sub, Attempt.correct_count))), 0).label("cs"),
            sa.func.coalesce(sa.func.sum(sa.case((sub, Attempt.question_count))), 0).label("qs"),
        )
        .where(*_attempt_only_conditions(f))
        .group_by(Attempt.participant_id)
        .cte("per_person")
    )
    registered = sa.and_(sa.true(), *_time_conditions(Participant.created_at, f))
    people = (
        sa.select(
            sa.cast(Participant.unit_id, sa.String).label("unit"),
            sa.cast(Participant.category_id, sa.String).label("category"),
            sa.cast(Participant.entry_point_id, sa.String).label("entry"),
            (age_band_expression(now.year) if now else sa.literal_column(f"'{UNKNOWN}'"))
            .label("band"),
            sa.func.coalesce(Participant.gender, UNKNOWN).label("gender"),
            sa.case((registered, 1), else_=0).label("reg"),
            per_person.c.n, per_person.c.c, per_person.c.fa, per_person.c.ss, per_person.c.sc,
            per_person.c.cs, per_person.c.qs,
        )
        .select_from(per_person.join(Participant, Participant.id == per_person.c.pid))
        .where(*_participant_conditions(f))
        .cte("people")
    )
    c = people.c
    no_key = sa.cast(sa.null(), sa.String)

    def grouped(kind: str, *keys):
        k1 = keys[0] if keys else no_key
        k2 = keys[1] if len(keys) > 1 else no_key
        query = sa.select(
            sa.literal_column(f"'{kind}'").label("kind"), k1.label("k1"), k2.label("k2"),
            sa.func.count().label("p"),
            sa.func.sum(c.n), sa.func.sum(c.c), _count_if(c.fa > 0), sa.func.sum(c.fa),
            sa.func.sum(c.ss), sa.func.sum(c.sc), sa.func.sum(c.cs), sa.func.sum(c.qs),
            _count_if(sa.and_(c.reg == 1, c.c > 0)),
            sa.func.coalesce(sa.func.sum(sa.case((c.reg == 1, c.c), else_=0)), 0),
        ).select_from(people)
        return query.group_by(*keys) if keys else query

    statement = sa.union_all(
        grouped("total"), grouped("unit", c.unit), grouped("category", c.category),
        grouped("age", c.band, c.gender), grouped("entry", c.entry),
    )
    out: Rollup = {"total": {}, "unit": {}, "category": {}, "age": {}, "entry": {}}
    for row in db.session.execute(statement):
        kind, k1, k2, *numbers = row
        key = () if kind == "total" else (_key(k1),) if kind != "age" else (k1, k2)
        out[kind][key] = Agg(*(int(v or 0) for v in numbers))
    out["total"].setdefault((), Agg())
    return out


def headline(f: StatsFilter, now: datetime | None = None, *,
             rolled: Rollup | None = None) -> Headline:
    """The headline figures at the top of the dashboard."""
    rolled = rolled if rolled is not None else rollup(f, now)
    total = rolled["total"][()]
    registrations = db.session.scalar(
        sa.select(sa.func.count(Participant.id)).where(
            *_participant_conditions(f), *_time_conditions(Participant.created_at, f)
        )
    ) or 0
    known = sa.select(Unit.id, Unit.population).where(Unit.population > 0)
    if f.unit_id is not None:
        known = known.where(Unit.id == f.unit_id)
    known_units = dict(db.session.execute(known).all())
    population = sum(known_units.values())
    in_known = sum(a.participants for (unit_id,), a in rolled["unit"].items()
                   if unit_id in known_units)
    return Headline(
        registrations=registrations,
        participants=total.participants,
        attempts=total.attempts,
        completed_attempts=total.completed,
        full_marks_participants=total.full_people,
        full_marks_attempts=total.full_attempts,
        average_score=total.score_sum / total.scored if total.scored else None,
        average_correct_rate=total.correct_sum / total.question_sum if total.question_sum
        else None,
        known_population=population or None,
        participants_in_known_units=in_known,
        participation_rate=in_known / population if population else None,
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


def by_unit(f: StatsFilter, *, rolled: Rollup | None = None) -> list[GroupRow]:
    """Every active unit (even with nobody yet: the office wants to see who lags), plus "Khác"."""
    counts = (rolled if rolled is not None else rollup(f, None))["unit"]
    counts = {key[0]: agg for key, agg in counts.items()}
    units = in_natural_order(db.session.scalars(
        sa.select(Unit).where(sa.or_(Unit.active, Unit.id.in_([k for k in counts if k])))),
        lambda u: u.kind, group_descending=True)
    out = []
    for unit in units:
        if f.unit_id is not None and unit.id != f.unit_id:
            continue
        agg = counts.get(unit.id, Agg())
        out.append(GroupRow(
            key=unit.id, label=unit.name, kind_label=unit.kind_label,
            participants=agg.participants, attempts=agg.attempts,
            completed_attempts=agg.completed, population=unit.population,
        ))
    if None in counts:
        agg = counts[None]
        out.append(GroupRow(key=None, label=OTHER_UNIT_LABEL, participants=agg.participants,
                            attempts=agg.attempts, completed_attempts=agg.completed))
    return out


def by_category(f: StatsFilter, *, rolled: Rollup | None = None) -> list[GroupRow]:
    counts = (rolled if rolled is not None else rollup(f, None))["category"]
    counts = {key[0]: agg for key, agg in counts.items()}
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
        agg = counts.get(category.id, Agg())
        out.append(GroupRow(
            key=category.id, label=category.name, participants=agg.participants,
            attempts=agg.attempts, completed_attempts=agg.completed,
        ))
    if None in counts:
        agg = counts[None]
        out.append(GroupRow(key=None, label=NO_CATEGORY_LABEL, participants=agg.participants,
                            attempts=agg.attempts, completed_attempts=agg.completed))
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


def age_gender(f: StatsFilter, now: datetime, *, rolled: Rollup | None = None) -> AgeGender:
    """Participants by age band and gender; ages as reached in the year of ``now``."""
    counts = (rolled if rolled is not None else rollup(f, now))["age"]
    contest = db.session.get(Contest, f.contest_id) if f.contest_id is not None else None
    return AgeGender(
        birth_year_collected=contest is None or contest.asks("birth_year"),
        gender_collected=contest is None or contest.asks("gender"),
        bands=[(k, label) for k, label, _lo, _hi in AGE_BANDS] + [(UNKNOWN, UNKNOWN_LABEL)],
        genders=list(GENDERS.items()) + [(UNKNOWN, UNKNOWN_LABEL)],
        counts={(band, gender if gender in GENDERS else UNKNOWN): agg.participants
                for (band, gender), agg in counts.items()},
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


def funnel(f: StatsFilter, *, rolled: Rollup | None = None) -> list[FunnelRow]:
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
    entries = (rolled if rolled is not None else rollup(f, None))["entry"]
    completed = {key[0]: (agg.reg_done_people, agg.reg_done_attempts)
                 for key, agg in entries.items()}

    ep_q = sa.select(EntryPoint).order_by(EntryPoint.created_at, EntryPoint.id)
    if f.contest_id is not None:
        ep_q = ep_q.where(EntryPoint.contest_id == f.contest_id)
    out = []
    for ep in db.session.scalars(ep_q):
        done = completed.get(ep.id, (0, 0))
        out.append(FunnelRow(ep.id, ep.label, ep.kind_label, scans.get(ep.id, 0),
                             registrations.get(ep.id, 0), done[0], done[1]))
    if registrations.get(None) or completed.get(None, (0, 0))[0]:
        done = completed.get(None, (0, 0))
        out.append(FunnelRow(None, NO_ENTRY_POINT_LABEL, "", 0,
                             registrations.get(None, 0), done[0], done[1]))
    return out


def dashboard(f: StatsFilter, now: datetime) -> Dashboard:
    """Everything the dashboard shows, in one call."""
    rolled = rollup(f, now)
    return Dashboard(
        filter=f,
        headline=headline(f, now, rolled=rolled),
        per_day=per_day(f),
        by_unit=by_unit(f, rolled=rolled),
        by_category=by_category(f, rolled=rolled),
        age_gender=age_gender(f, now, rolled=rolled),
        score_bands=score_bands(f),
        funnel=funnel(f, rolled=rolled),
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
        ("Từ ngày", format_date(f.date_from) or "(từ đầu)"),
        ("Đến ngày", format_date(f.date_to) or "(đến nay)"),
        ("Đơn vị", unit.name if unit else "Tất cả đơn vị"),
        ("Đối tượng", category.name if category else "Tất cả đối tượng"),
    ]


def entry_count(contest_id: int) -> int:
    """Lượt dự thi of a contest: submitted attempts in all its rounds (the contest page's
    "Đã có 1.234 lượt dự thi"); attempts still in progress are not counted yet."""
    return db.session.scalar(
        sa.select(sa.func.count(Attempt.id))
        .join(Round, Round.id == Attempt.round_id)
        .where(Round.contest_id == contest_id, Attempt.status == AttemptStatus.SUBMITTED)
    ) or 0
