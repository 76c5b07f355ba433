"""The bank as organisers browse it: the filtered list and the per-area overview."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from contest.extensions import db
from contest.helpers.text import search_key
from contest.models import ContentArea, Question
from contest.services.contests.rounds import quota_needs

#: The list's status filter: its values and their labels.
STATUS_FILTERS = {"active": "Đang dùng", "round_pool": "Dùng cho đợt thi",
                  "practice": "Ôn tập", "inactive": "Ngưng dùng", "all": "Tất cả"}


def filtered_query(filters: dict[str, str]) -> sa.Select:
    """The questions matching already-checked filters (area code, status, difficulty, words)."""
    query = sa.select(Question)
    if "area" in filters:
        query = query.join(ContentArea, ContentArea.id == Question.content_area_id).where(
            ContentArea.code == filters["area"])
    if filters.get("status") == "active":
        query = query.where(Question.active)
    elif filters.get("status") == "round_pool":
        query = query.where(Question.in_round_pool)
    elif filters.get("status") == "practice":
        query = query.where(Question.active, Question.practice)
    elif filters.get("status") == "inactive":
        query = query.where(sa.not_(Question.active))
    if "difficulty" in filters:
        query = query.where(Question.difficulty == int(filters["difficulty"]))
    # Every word must appear, without diacritics or case: "cai cach" finds "Cải cách".
    for word in search_key(filters.get("q", "")).split():
        query = query.where(Question.search_text.contains(word, autoescape=True))
    return query


def area_overview(now: datetime) -> list[dict]:
    """Per content area: questions rounds can draw, practice-pool and inactive questions,
    and what the rounds to come need."""
    counts = db.session.execute(
        sa.select(Question.content_area_id, Question.active, Question.practice,
                  sa.func.count(Question.id))
        .group_by(Question.content_area_id, Question.active, Question.practice)
    ).all()
    by_area: dict[int, dict[str, int]] = {}
    for area_id, active, practice, count in counts:
        kind = "inactive" if not active else "practice" if practice else "active"
        slot = by_area.setdefault(area_id, {})
        slot[kind] = slot.get(kind, 0) + count
    needs = quota_needs(now)
    rows = []
    for area in db.session.scalars(sa.select(ContentArea).order_by(ContentArea.position)):
        mine = by_area.get(area.id, {})
        active = mine.get("active", 0)
        need = needs.get(area.code, {"sum": 0, "max": 0})
        rows.append({
            "area": area, "active": active, "practice": mine.get("practice", 0),
            "inactive": mine.get("inactive", 0),
            "need_sum": need["sum"], "need_max": need["max"],
            # One attempt draws at most need_max questions of the area; fewer active
            # questions outside the practice pool than that and the round cannot be served.
            "short": active < need["max"],
        })
    return rows
