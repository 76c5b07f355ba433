"""Item analysis: what residents misunderstand, per question and per content area.

Definitions (the item analysis page repeats them in Vietnamese):

* **Counted attempts**: each participant's *first submitted* attempt in each
  round (lowest ``Attempt.number`` among submitted ones). Later attempts are
  left out because a resident who has seen the questions once answers from
  memory, not from understanding. The first attempt is chosen over all time;
  the date range then keeps those that *started* within it. The participant
  filters (unit, category, not disqualified) apply as on the dashboard.
* **Times served**: items of counted attempts showing the question.
* **Facility index**: share of those items answered right. An unanswered item
  counts as not right.
* **Discrimination** (upper–lower 27 % method): counted attempts are ranked by
  their share of right answers (ties broken by attempt id); the top
  ``k = round(0.27 × N)`` form the upper group, the bottom ``k`` the lower.
  D = (share right in the upper group) − (share right in the lower group),
  each among the group's attempts that were served the question. ``None`` when
  either group never saw it. Rounds draw questions at random, so each question
  is judged only by those it was served to.
* **Option shares**: share of items (served) choosing each original option
  (authored order A, B, C…, whatever order it was shown in), plus "no answer".
* **Flags** (only once a question was served at least ``MIN_SERVED_FOR_FLAGS``
  times, so one or two answers do not raise alarms):
  ``too_easy`` facility > 90 %; ``too_hard`` facility < 20 % (below the 25 %
  a guess among four options would give, so residents are drawn to a wrong
  answer, or the key is wrong); ``negative_discrimination`` D < 0 (strong
  residents miss it more than weak ones: a likely wrong key or an ambiguous
  text); ``popular_wrong`` a wrong option chosen by at least 30 % of those
  served, or more often than the right one (a misconception worth outreach).
* **Content areas**: share right over all counted items of the area; ranked
  weakest first (lowest share right; ties by the plan's order).

Heavy results are cached in :class:`CachedResult` under a key made from the
filter; the fingerprint is the count and latest ``submitted_at`` of submitted
attempts in the contest (and round) — a new submission changes it, and only
then is the analysis recomputed.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from contest.extensions import db
from contest.models import (
    OPTION_LETTERS,
    Attempt,
    AttemptItem,
    AttemptStatus,
    CachedResult,
    ContentArea,
    Participant,
    Question,
)
from contest.services.statistics.participation import StatsFilter, attempt_conditions

log = logging.getLogger(__name__)

UPPER_LOWER_SHARE = 0.27
MIN_SERVED_FOR_FLAGS = 10
TOO_EASY_ABOVE = 0.90
TOO_HARD_BELOW = 0.20
POPULAR_WRONG_SHARE = 0.30
CACHE_VERSION = 1

FLAG_LABELS = {
    "too_easy": "Hầu hết trả lời đúng (> 90 %)",
    "too_hard": "Hầu hết trả lời sai (< 20 % đúng)",
    "negative_discrimination": "Độ phân biệt âm: kiểm tra lại đáp án, câu chữ",
    "popular_wrong": "Có phương án sai được nhiều người chọn",
}


@dataclass
class OptionShare:
    index: int
    letter: str
    text: str
    count: int
    share: float | None
    is_correct: bool
    popular_wrong: bool = False


@dataclass
class QuestionStat:
    question_id: int
    area_code: str
    area_title: str
    text: str
    served: int
    correct: int
    facility: float | None
    discrimination: float | None
    upper_served: int
    lower_served: int
    no_answer: int
    options: list[OptionShare] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def flag_labels(self) -> list[str]:
        return [FLAG_LABELS[f] for f in self.flags]


@dataclass
class AreaStat:
    area_id: int
    code: str
    title: str
    served: int
    correct: int
    facility: float | None
    questions: int


@dataclass
class ItemAnalysis:
    #: Counted (first submitted) attempts analysed, and the size of each 27 % group.
    attempts_analysed: int
    group_size: int
    questions: list[QuestionStat]
    #: Weakest first.
    areas: list[AreaStat]
    computed_at: datetime | None = None
    from_cache: bool = False

    @property
    def flagged(self) -> list[QuestionStat]:
        return [q for q in self.questions if q.flags]


# --------------------------------------------------------------------------- computing


def _first_attempts(f: StatsFilter):
    """Subquery (id, correct_count, question_count) of counted attempts in scope."""
    first_numbers = (
        sa.select(Attempt.participant_id, Attempt.round_id,
                  sa.func.min(Attempt.number).label("number"))
        .where(Attempt.status == AttemptStatus.SUBMITTED)
        .group_by(Attempt.participant_id, Attempt.round_id)
    )
    if f.round_id is not None:
        first_numbers = first_numbers.where(Attempt.round_id == f.round_id)
    first_numbers = first_numbers.subquery()
    return (
        sa.select(Attempt.id, Attempt.correct_count, Attempt.question_count)
        .join(Participant, Participant.id == Attempt.participant_id)
        .join(first_numbers, sa.and_(
            first_numbers.c.participant_id == Attempt.participant_id,
            first_numbers.c.round_id == Attempt.round_id,
            first_numbers.c.number == Attempt.number,
        ))
        .where(*attempt_conditions(f), Attempt.status == AttemptStatus.SUBMITTED,
               Attempt.question_count > 0)
    )


def group_size(n: int) -> int:
    """k = round(0.27 × n), half rounding up; 0 below two attempts (no comparison possible)."""
    if n < 2:
        return 0
    return max(1, int(UPPER_LOWER_SHARE * n + 0.5))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


#: Counted attempts in scope with their place in the upper–lower ranking, one row each.
#: A temporary table (private to the connection) with the attempt id as primary key, so
#: the pass over millions of items looks each item's attempt up by key. Its own MetaData:
#: not part of the schema.
_ranked_table = sa.Table(
    "tmp_item_analysis_ranked", sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("rn", sa.Integer, nullable=False),
    prefixes=["TEMPORARY"],
)


def compute(f: StatsFilter) -> ItemAnalysis:
    """Item analysis from scratch (no cache). See the module docstring for definitions."""
    firsts = _first_attempts(f).subquery()
    ratio = sa.cast(firsts.c.correct_count, sa.Float) / firsts.c.question_count
    ranked = sa.select(
        firsts.c.id,
        sa.func.row_number().over(order_by=(ratio.desc(), firsts.c.id)).label("rn"),
    )
    conn = db.session.connection()
    driver = conn.connection.driver_connection
    # SQLite: the INSERT below opens a transaction on the session's connection, and in
    # WAL mode an open transaction keeps reading its first snapshot, so the caller would
    # stop seeing other connections' writes (the cache row stored just after, among
    # others). When no transaction was open before, the one opened here holds nothing but
    # the temporary table, and it is ended below; a caller's pending work is never touched.
    sqlite_idle = conn.dialect.name == "sqlite" and not driver.in_transaction
    # A leftover from a failed call on this pooled connection would block the CREATE.
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_ranked_table.name}")
    _ranked_table.create(conn)
    conn.execute(_ranked_table.insert().from_select(["id", "rn"], ranked))
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {_ranked_table.name}")  # the planner's row counts
    result = _compute_from_ranked(conn)
    _ranked_table.drop(conn)
    if sqlite_idle:
        driver.commit()
    return result


#: The 27 % band of a counted attempt, folded into the fine group key.
MIDDLE, UPPER, LOWER = 0, 1, 2
#: Room in the group key for the option chosen: 0 for no answer, else option index + 1. Far
#: above MAX_OPTIONS, so a stored index can never spill into the neighbouring field.
OPTION_SPAN = 256


def _fine_counts(conn: sa.Connection, n: int, k: int):
    """Items of counted attempts, counted per (question, area served under, option, band).

    The four fields are packed into ONE integer group key: both databases group far
    faster on one integer than on four columns (SQLite sorts 6 million items in a
    quarter of the time; PostgreSQL hashes fewer bytes), and every per-question,
    per-option and per-area figure is a sum over these at most a few thousand rows.
    Returns a DataFrame with the fields unpacked: question_id, area_id, option (−1
    for no answer), band, served, right.
    """
    import pandas as pd  # only on a cache miss: the app and its other pages start without it

    ranked = _ranked_table
    area_span = (conn.scalar(sa.select(sa.func.max(ContentArea.id))) or 0) + 1
    option = sa.func.coalesce(AttemptItem.chosen_option + 1, 0)
    band = sa.case((ranked.c.rn <= k, UPPER), (ranked.c.rn > n - k, LOWER), else_=MIDDLE)
    key = (
        (sa.cast(AttemptItem.question_id, sa.BigInteger) * area_span
         + AttemptItem.content_area_id) * OPTION_SPAN + option
    ) * 3 + band
    rows = conn.execute(
        sa.select(key.label("fine_key"), sa.func.count(),
                  sa.func.coalesce(sa.func.sum(
                      sa.case((AttemptItem.is_correct.is_(True), 1), else_=0)), 0))
        .join(ranked, ranked.c.id == AttemptItem.attempt_id)
        .group_by(sa.text("fine_key"))
    ).all()
    fine = pd.DataFrame(rows, columns=["key", "served", "right"], dtype="int64")
    rest, fine["band"] = fine["key"] // 3, fine["key"] % 3
    rest, option_code = rest // OPTION_SPAN, rest % OPTION_SPAN
    fine["question_id"], fine["area_id"] = rest // area_span, rest % area_span
    fine["option"] = option_code - 1
    return fine.drop(columns="key")


def _compute_from_ranked(conn: sa.Connection) -> ItemAnalysis:
    ranked = _ranked_table
    n = conn.scalar(sa.select(sa.func.count()).select_from(ranked)) or 0
    k = group_size(n)
    fine = _fine_counts(conn, n, k)
    upper, lower = fine["band"] == UPPER, fine["band"] == LOWER
    fine = fine.assign(
        no_answer=fine["served"].where(fine["option"] < 0, 0),
        up_n=fine["served"].where(upper, 0), up_right=fine["right"].where(upper, 0),
        low_n=fine["served"].where(lower, 0), low_right=fine["right"].where(lower, 0),
    )
    per_question = fine.groupby("question_id")[
        ["served", "right", "no_answer", "up_n", "up_right", "low_n", "low_right"]].sum()
    per_option = fine[fine["option"] >= 0].groupby(["question_id", "option"])[
        ["served", "right"]].sum()
    chosen: dict[int, dict[int, tuple[int, int]]] = {}
    for (qid, option), (count, right) in per_option.iterrows():
        chosen.setdefault(int(qid), {})[int(option)] = (int(count), int(right))
    per_area = fine.groupby("area_id").agg(
        served=("served", "sum"), right=("right", "sum"), questions=("question_id", "nunique"))

    question_ids = [int(qid) for qid in per_question.index]
    questions = {
        q.id: q
        for q in db.session.scalars(sa.select(Question).where(Question.id.in_(question_ids)))
    } if question_ids else {}
    areas = {a.id: a for a in db.session.scalars(sa.select(ContentArea))}

    q_stats = []
    for qid, counts in per_question.iterrows():
        qid = int(qid)
        served, right, no_answer, up_n, up_right, low_n, low_right = (
            int(value) for value in counts)
        question = questions[qid]
        facility = _share(right, served)
        discrimination = (
            up_right / up_n - low_right / low_n if up_n and low_n else None
        )
        options = _option_shares(question, served, chosen.get(qid, {}))
        stat = QuestionStat(
            question_id=qid,
            area_code=question.content_area.code,
            area_title=question.content_area.title,
            text=question.text,
            served=served, correct=right, facility=facility,
            discrimination=discrimination,
            upper_served=up_n, lower_served=low_n, no_answer=no_answer,
            options=options,
        )
        stat.flags = flags_for(stat)
        q_stats.append(stat)
    q_stats.sort(key=lambda s: (s.facility if s.facility is not None else 2, s.question_id))

    area_stats = []
    for area_id, (served, right, nq) in per_area.iterrows():
        area = areas[int(area_id)]
        served, right = int(served), int(right)
        area_stats.append(AreaStat(area.id, area.code, area.title, served, right,
                                   _share(right, served), int(nq)))
    positions = {a.id: a.position for a in areas.values()}
    area_stats.sort(key=lambda a: (a.facility if a.facility is not None else 2,
                                   positions.get(a.area_id, 0)))
    return ItemAnalysis(attempts_analysed=n, group_size=k, questions=q_stats, areas=area_stats)


def _option_shares(question: Question, served: int,
                   chosen: dict[int, tuple[int, int]]) -> list[OptionShare]:
    # An option is "right" if answers choosing it were graded right (true for the
    # version served); the current text labels it.
    count_options = max([len(question.options)] + [i + 1 for i in chosen])
    right_count = sum(c for c, r in chosen.values() if r)
    out = []
    for index in range(count_options):
        count, right = chosen.get(index, (0, 0))
        is_correct = right > 0 or (not chosen.get(index) and index == question.correct_option)
        share = _share(count, served)
        popular_wrong = (
            not is_correct and count > 0 and served >= MIN_SERVED_FOR_FLAGS
            and (share >= POPULAR_WRONG_SHARE or count > right_count)
        )
        text = question.options[index] if index < len(question.options) else ""
        letter = OPTION_LETTERS[index] if index < len(OPTION_LETTERS) else str(index + 1)
        out.append(OptionShare(index, letter, text, count, share, is_correct, popular_wrong))
    return out


def flags_for(stat: QuestionStat) -> list[str]:
    """The warning flags of one question (see the module docstring for thresholds)."""
    if stat.served < MIN_SERVED_FOR_FLAGS or stat.facility is None:
        return []
    flags = []
    if stat.facility > TOO_EASY_ABOVE:
        flags.append("too_easy")
    if stat.facility < TOO_HARD_BELOW:
        flags.append("too_hard")
    if stat.discrimination is not None and stat.discrimination < 0:
        flags.append("negative_discrimination")
    if any(o.popular_wrong for o in stat.options):
        flags.append("popular_wrong")
    return flags


# --------------------------------------------------------------------------- caching


def fingerprint(f: StatsFilter) -> str:
    """Count and latest submission time of submitted attempts in the contest (and round).

    Deliberately wider than the filter: any new submission in the contest
    invalidates, which is always safe and cheap to check (one indexed query).
    """
    query = sa.select(sa.func.count(Attempt.id), sa.func.max(Attempt.submitted_at)).where(
        Attempt.status == AttemptStatus.SUBMITTED
    )
    if f.round_id is not None:
        query = query.where(Attempt.round_id == f.round_id)
    elif f.contest_id is not None:
        query = query.join(Participant, Participant.id == Attempt.participant_id).where(
            Participant.contest_id == f.contest_id
        )
    count, latest = db.session.execute(query).one()
    latest_text = latest.isoformat() if hasattr(latest, "isoformat") else str(latest)
    return f"v{CACHE_VERSION}:{count}:{latest_text}"


def cache_key(f: StatsFilter) -> str:
    return f"{CACHE_KEY_PREFIX}{f.key()}"


CACHE_KEY_PREFIX = "item_analysis:"


def forget_cached() -> None:
    """Drop every cached analysis (in the caller's transaction).

    The fingerprint follows submissions only; a change to who counts (a participant
    disqualified or reinstated) must clear the cache explicitly.
    """
    db.session.execute(
        sa.delete(CachedResult).where(CachedResult.key.startswith(CACHE_KEY_PREFIX))
    )


def _to_payload(result: ItemAnalysis) -> dict:
    payload = asdict(result)
    payload.pop("computed_at", None)
    payload.pop("from_cache", None)
    return payload


def _from_payload(payload: dict, computed_at: datetime) -> ItemAnalysis:
    questions = []
    for q in payload["questions"]:
        q = dict(q)
        q["options"] = [OptionShare(**o) for o in q["options"]]
        questions.append(QuestionStat(**q))
    return ItemAnalysis(
        attempts_analysed=payload["attempts_analysed"],
        group_size=payload["group_size"],
        questions=questions,
        areas=[AreaStat(**a) for a in payload["areas"]],
        computed_at=computed_at,
        from_cache=True,
    )


def item_analysis(f: StatsFilter, now: datetime) -> ItemAnalysis:
    """The item analysis for ``f``: from the cache when no submission arrived since.

    The cache row is written on its own connection and transaction, so calling
    this never commits (or rolls back) anything the caller has pending.
    """
    key = cache_key(f)
    current = fingerprint(f)
    row = db.session.execute(
        sa.select(CachedResult.fingerprint, CachedResult.payload, CachedResult.computed_at)
        .where(CachedResult.key == key)
    ).one_or_none()
    if row is not None and row.fingerprint == current:
        return _from_payload(row.payload, row.computed_at)

    result = compute(f)
    result.computed_at = now
    _store(key, current, _to_payload(result), now, exists=row is not None)
    return result


def _store(key: str, fp: str, payload: dict, now: datetime, exists: bool) -> None:
    table = CachedResult.__table__
    try:
        with db.engine.begin() as conn:
            if exists:
                conn.execute(table.update().where(table.c.key == key).values(
                    fingerprint=fp, payload=payload, computed_at=now))
            else:
                conn.execute(table.insert().values(
                    key=key, fingerprint=fp, payload=payload, computed_at=now))
    except sa.exc.DBAPIError as error:
        # Another worker cached the same key at the same moment: theirs is as good.
        log.info("item analysis cache not stored for %s: %s", key, error)


# --------------------------------------------------------------------------- for other areas


def weakest_areas(contest_id: int | None, date_from: date | None, date_to: date | None,
                  now: datetime, *, unit_id: int | None = None,
                  limit: int | None = 3) -> list[AreaStat]:
    """Content areas ranked weakest first (lowest share right) from counted attempts."""
    f = StatsFilter(contest_id, date_from=date_from, date_to=date_to, unit_id=unit_id)
    areas = item_analysis(f, now).areas
    return areas[:limit] if limit is not None else areas
