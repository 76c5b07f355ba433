"""Practice answers per content area, to read beside the contest's own figures.

Practice (Ôn tập) is anonymous: only :class:`PracticeTally` counts exist (contest, area,
local day → answered, right). So of the statistics filter only the contest and the
dates apply; rounds, units and categories say nothing about practice. What residents
get wrong when they practise is what the outreach should explain next.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from contest.extensions import db
from contest.models import ContentArea, PracticeTally
from contest.services.statistics.item_analysis import ItemAnalysis
from contest.services.statistics.participation import StatsFilter


@dataclass
class AreaComparison:
    """One content area: the contest's counted answers and the practice answers."""

    code: str
    title: str
    contest_served: int
    contest_facility: float | None
    practice_answered: int
    practice_correct: int

    @property
    def practice_facility(self) -> float | None:
        return self.practice_correct / self.practice_answered if self.practice_answered else None


def practice_by_area(f: StatsFilter) -> dict[int, tuple[int, int]]:
    """(answered, right) per content area id, for the filter's contest and dates."""
    query = (sa.select(PracticeTally.content_area_id, sa.func.sum(PracticeTally.answered),
                       sa.func.sum(PracticeTally.correct))
             .group_by(PracticeTally.content_area_id))
    if f.contest_id is not None:
        query = query.where(PracticeTally.contest_id == f.contest_id)
    if f.date_from is not None:
        query = query.where(PracticeTally.day >= f.date_from)
    if f.date_to is not None:
        query = query.where(PracticeTally.day <= f.date_to)
    return {area_id: (int(answered or 0), int(right or 0))
            for area_id, answered, right in db.session.execute(query)}


def total(f: StatsFilter) -> tuple[int, int]:
    """(answered, right) over every area, for the filter's contest and dates."""
    per_area = practice_by_area(f).values()
    return sum(a for a, _ in per_area), sum(r for _, r in per_area)


def compare_by_area(f: StatsFilter, analysis: ItemAnalysis) -> list[AreaComparison]:
    """Every content area in plan order: contest figures (from ``analysis``) beside practice."""
    contest = {a.area_id: a for a in analysis.areas}
    practice = practice_by_area(f)
    rows = []
    for area in db.session.scalars(sa.select(ContentArea).order_by(ContentArea.position)):
        mine = contest.get(area.id)
        answered, right = practice.get(area.id, (0, 0))
        rows.append(AreaComparison(
            code=area.code, title=area.title,
            contest_served=mine.served if mine else 0,
            contest_facility=mine.facility if mine else None,
            practice_answered=answered, practice_correct=right))
    return rows
