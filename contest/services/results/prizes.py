"""Prizes down a ranking, category groups, the collective prize and the overall ranking.

How tiers apply:

* A round's tiers (``Round.prize_tiers``, e.g. 1 Giải Nhất, 2 Giải Nhì…) go
  down the ranking in order; a participant appears once in a ranking, so wins
  at most one prize per round.
* With ``Contest.one_prize_per_contest`` the winners of earlier rounds (by
  opening time) whose results are published are skipped; the prize passes to
  the next in the ranking.
* With ``Contest.rank_by_category_group`` every ranking group (the
  categories' ``ranking_group``; participants without one form the group
  "Khác") is ranked on its own, ranks 1, 2, 3… inside the group, and **each
  group receives the round's full tier list** (1 Nhất, 2 Nhì… for officials
  and the same for residents). Groups are listed by the category order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from contest.extensions import db
from contest.helpers.text import natural_key
from contest.models import (
    UNIT_KINDS,
    Attempt,
    AttemptStatus,
    Contest,
    Participant,
    ParticipantCategory,
    ResultPublication,
    Round,
    Unit,
)
from contest.services.results import ranking
from contest.services.results.ranking import RankedRow

NO_GROUP = "Khác"
NO_WINNERS_TEXT = "Đợt thi này không có người đạt giải."
GROUP_RULE_TEXT = (
    "Xếp hạng riêng theo nhóm đối tượng: mỗi nhóm được xếp hạng độc lập theo cùng thứ tự "
    "trên và có đủ cơ cấu giải của đợt thi."
)
ONE_PRIZE_RULE_TEXT = (
    "Mỗi người chỉ nhận một giải trong toàn cuộc thi: người đã đạt giải ở đợt trước (đã công "
    "bố) không xét giải ở đợt sau, giải được chuyển cho người xếp kế tiếp."
)
OVERALL_RULE_TEXT = (
    "Xếp hạng chung toàn cuộc thi: (1) tổng điểm các lượt được tính của mọi đợt, cao hơn xếp "
    "trước; (2) ít đợt bỏ trống câu dự đoán hơn, rồi tổng sai số dự đoán nhỏ hơn; (3) tổng "
    "thời gian làm bài ngắn hơn; (4) thời điểm nộp bài được tính cuối cùng sớm hơn; (5) mã "
    "thí sinh."
)


@dataclass(frozen=True, slots=True)
class Winner:
    participant_id: int
    prize: str
    #: 0 for the first tier (Giải Nhất), 1 for the next...
    tier: int
    #: The rank in the ranking the prize was drawn from (the group's, when grouped).
    rank: int
    group: str = ""


def award(
    ranked: Sequence[RankedRow], tiers: Sequence[dict], *, skip: Iterable[int] = (),
    group: str = "",
) -> list[Winner]:
    """Hand out ``tiers`` down ``ranked``, skipping participant ids in ``skip``.

    A tier with a ``min_score`` goes to no one below it: its remaining prizes are not
    awarded and the next person is considered for the next tier (rows come best first,
    so no one further down reaches that minimum either).
    """
    skipped = set(skip)
    rows = [r for r in ranked if r.row.participant_id not in skipped]
    winners: list[Winner] = []
    position = 0
    for tier_index, tier in enumerate(tiers):
        name = str(tier.get("name", "")).strip() or f"Giải {tier_index + 1}"
        minimum = tier.get("min_score")
        for _ in range(max(0, int(tier.get("count", 0) or 0))):
            if position >= len(rows):
                return winners
            ranked_row = rows[position]
            if minimum is not None and ranked_row.row.score < minimum:
                break
            winners.append(Winner(ranked_row.row.participant_id, name, tier_index,
                                  ranked_row.rank, group))
            position += 1
    return winners


def split_by_group(
    ranked: Sequence[RankedRow], group_of: dict[int, str]
) -> dict[str, list[RankedRow]]:
    """Each group's rows in the overall order, re-ranked 1, 2, 3… inside the group."""
    groups: dict[str, list[RankedRow]] = {}
    for row in ranked:
        key = group_of.get(row.row.participant_id) or NO_GROUP
        members = groups.setdefault(key, [])
        members.append(RankedRow(len(members) + 1, row.row, row.prediction_error))
    return groups


# --- database side -----------------------------------------------------------------------

def group_order(contest: Contest) -> list[str]:
    seen: list[str] = []
    for category in db.session.scalars(
        sa.select(ParticipantCategory).order_by(ParticipantCategory.position)
    ):
        if category.ranking_group and category.ranking_group not in seen:
            seen.append(category.ranking_group)
    return [*seen, NO_GROUP]


def groups_of(participant_ids: Iterable[int]) -> dict[int, str]:
    ids = list(participant_ids)
    result: dict[int, str] = {}
    for chunk_start in range(0, len(ids), 5000):
        chunk = ids[chunk_start:chunk_start + 5000]
        rows = db.session.execute(
            sa.select(Participant.id, ParticipantCategory.ranking_group)
            .outerjoin(ParticipantCategory, ParticipantCategory.id == Participant.category_id)
            .where(Participant.id.in_(chunk))
        )
        result.update({pid: group or NO_GROUP for pid, group in rows})
    return result


def earlier_winner_ids(round_: Round) -> set[int]:
    """Participants who won in the current publication of an earlier round of the contest."""
    earlier = db.session.scalars(
        sa.select(ResultPublication)
        .join(Round, Round.id == ResultPublication.round_id)
        .where(
            Round.contest_id == round_.contest_id,
            Round.opens_at < round_.opens_at,
            ResultPublication.is_current.is_(True),
        )
    )
    return {
        int(w["participant_id"]) for pub in earlier for w in pub.snapshot.get("winners", [])
    }


@dataclass
class RoundResults:
    """Everything a results page shows for one round, computed now."""

    round: Round
    actual: int | None
    #: True when ``actual`` is the stored figure; False while it is a provisional count.
    actual_is_final: bool
    ranked: list[RankedRow]
    #: group name → that group's ranking; empty unless the contest ranks by group.
    groups: dict[str, list[RankedRow]]
    winners: list[Winner]
    skipped_earlier_winners: set[int]

    @property
    def rank_of(self) -> dict[int, int]:
        return {r.row.participant_id: r.rank for r in self.ranked}


def round_results(round_: Round) -> RoundResults:
    """Rank the round and draw its winners by the contest's settings.

    Uses the stored actual figure when fixed; otherwise a provisional count of
    the same rule, so organisers can watch a round in progress.
    """
    contest = round_.contest
    final = round_.prediction_actual_fixed_at is not None and round_.prediction_actual is not None
    actual = round_.prediction_actual if final else ranking.compute_prediction_actual(round_)
    ranked = ranking.rank_round(round_, actual)
    skip = earlier_winner_ids(round_) if contest.one_prize_per_contest else set()
    groups: dict[str, list[RankedRow]] = {}
    winners: list[Winner] = []
    if contest.rank_by_category_group:
        by_group = split_by_group(ranked, groups_of(r.row.participant_id for r in ranked))
        for name in group_order(contest):
            if name in by_group:
                groups[name] = by_group[name]
                winners += award(by_group[name], round_.prize_tiers or [], skip=skip, group=name)
    else:
        winners = award(ranked, round_.prize_tiers or [], skip=skip)
    return RoundResults(round_, actual, final, ranked, groups, winners, skip)


# --- collective prize --------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class UnitParticipation:
    unit_id: int
    name: str
    kind: str
    participants: int
    population: int | None

    @property
    def kind_label(self) -> str:
        return UNIT_KINDS.get(self.kind, self.kind)

    @property
    def rate(self) -> float | None:
        if not self.population:
            return None
        return self.participants / self.population


def unit_participation(contest_id: int, round_id: int | None = None) -> list[UnitParticipation]:
    """Per unit: distinct eligible participants with a submitted attempt (in a round or any)."""
    counts = (
        sa.select(Participant.unit_id, sa.func.count(sa.distinct(Participant.id)).label("n"))
        .join(Attempt, Attempt.participant_id == Participant.id)
        .where(
            Participant.contest_id == contest_id,
            Participant.disqualified_at.is_(None),
            Attempt.status == AttemptStatus.SUBMITTED,
        )
        .group_by(Participant.unit_id)
    )
    if round_id is not None:
        counts = counts.where(Attempt.round_id == round_id)
    counts = counts.subquery()
    rows = db.session.execute(
        sa.select(Unit.id, Unit.name, Unit.kind, sa.func.coalesce(counts.c.n, 0), Unit.population)
        .outerjoin(counts, counts.c.unit_id == Unit.id)
        .where(Unit.active.is_(True))
    )
    return [UnitParticipation(*r) for r in rows]


def _count_standing(u: UnitParticipation) -> tuple:
    return (-u.participants, u.rate is None, -(u.rate or 0))


def _rate_standing(u: UnitParticipation) -> tuple:
    return (-(u.rate or 0), -u.participants)


def rank_units_by_count(units: Iterable[UnitParticipation]) -> list[UnitParticipation]:
    """More participants first; then higher rate (unknown last); then name, read naturally."""
    return sorted(units, key=lambda u: (_count_standing(u), natural_key(u.name), u.unit_id))


def rank_units_by_rate(units: Iterable[UnitParticipation]) -> list[UnitParticipation]:
    """Only units whose population is known: higher rate first; then more participants; name."""
    known = [u for u in units if u.rate is not None]
    return sorted(known, key=lambda u: (_rate_standing(u), natural_key(u.name), u.unit_id))


def shared_ranks(ordered: list, standing) -> list[tuple[int, object]]:
    """(rank, item) down an ordered list; equal standing shares a rank: 1, 2, 2, 4.

    The name only orders tied units on the page; it does not split their rank.
    """
    out: list[tuple[int, object]] = []
    for position, item in enumerate(ordered, start=1):
        if out and standing(item) == standing(out[-1][1]):
            out.append((out[-1][0], item))
        else:
            out.append((position, item))
    return out


def ranked_units_by_count(units: Iterable[UnitParticipation]) -> list[tuple[int, object]]:
    return shared_ranks(rank_units_by_count(units), _count_standing)


def ranked_units_by_rate(units: Iterable[UnitParticipation]) -> list[tuple[int, object]]:
    return shared_ranks(rank_units_by_rate(units), _rate_standing)


# --- overall ranking across the contest --------------------------------------------------

@dataclass(frozen=True, slots=True)
class OverallRow:
    participant_id: int
    total_score: int
    #: Rounds with a prediction question (and a fixed actual) where no prediction was given.
    missing_predictions: int
    total_prediction_error: int
    total_duration_ms: int
    last_submitted_at: datetime
    rounds: int


def overall_sort_key(row: OverallRow) -> tuple:
    return (
        -row.total_score,
        row.missing_predictions,
        row.total_prediction_error,
        row.total_duration_ms,
        row.last_submitted_at,
        row.participant_id,
    )


def rank_overall(rows: Iterable[OverallRow]) -> list[tuple[int, OverallRow]]:
    """Rank the whole contest.

    1. total of counted scores across rounds, higher first;
    2. the round tie-breaks summed: fewer rounds with a missing prediction,
       then smaller total prediction error; then smaller total time taken;
    3. earliest last submission (the moment the participant's final counted
       attempt went in), earlier first;
    4. participant id.
    """
    return list(enumerate(sorted(rows, key=overall_sort_key), start=1))


def overall_rows(contest: Contest) -> list[OverallRow]:
    totals: dict[int, dict] = {}
    for round_ in contest.rounds:
        actual = round_.prediction_actual if round_.prediction_actual_fixed_at else None
        for ranked_row in ranking.rank_round(round_, actual):
            r = ranked_row.row
            t = totals.setdefault(r.participant_id, {
                "score": 0, "missing": 0, "error": 0, "duration": 0, "last": r.submitted_at,
                "rounds": 0,
            })
            t["score"] += r.score
            if round_.has_prediction and actual is not None:
                if r.prediction is None:
                    t["missing"] += 1
                else:
                    t["error"] += ranked_row.prediction_error or 0
            t["duration"] += r.duration_ms or 0
            t["last"] = max(t["last"], r.submitted_at)
            t["rounds"] += 1
    return [
        OverallRow(pid, t["score"], t["missing"], t["error"], t["duration"], t["last"],
                   t["rounds"])
        for pid, t in totals.items()
    ]


def participants_by_id(ids: Iterable[int]) -> dict[int, Participant]:
    wanted = list(dict.fromkeys(ids))
    found: dict[int, Participant] = {}
    for start in range(0, len(wanted), 2000):
        chunk = wanted[start:start + 2000]
        for participant in db.session.scalars(
            sa.select(Participant).where(Participant.id.in_(chunk))
            .options(selectinload(Participant.unit), selectinload(Participant.category))
        ):
            found[participant.id] = participant
    return found
