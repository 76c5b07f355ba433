"""Item analysis on a small hand-built data set: facility, discrimination, options, flags, cache."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import AttemptItem, CachedResult
from contest.services.statistics import item_analysis as ia
from contest.services.statistics.participation import StatsFilter, headline
from tests import factories
from tests.stats_factories import make_attempt, vn

NOW = vn(2026, 3, 20, 8)

# Ten people (P1…P10, attempts created in that order) answer five questions.
# R = right, a letter = the wrong option chosen, "-" = no answer.
#            Q1(a,key A) Q2(b,key B) Q3(a,key C) Q4(c,key A) Q5(b,key D)   right
PATTERNS = [
    "R R A R R",  # P1  4
    "R R A B R",  # P2  3
    "R R B B R",  # P3  3
    "R R B B R",  # P4  3
    "R R D B R",  # P5  3
    "R A R B R",  # P6  3
    "R A D B R",  # P7  2
    "R C R B A",  # P8  2
    "R D R C B",  # P9  2
    "R D R - C",  # P10 2
]
KEYS = [0, 1, 2, 0, 3]
AREAS = ["a", "b", "a", "c", "b"]


def _chosen(symbol: str, key: int) -> int | None:
    if symbol == "R":
        return key
    if symbol == "-":
        return None
    return "ABCD".index(symbol)


@pytest.fixture
def data(app_ctx):
    contest = factories.make_contest()
    round_ = factories.make_round(contest, opens_at=vn(2026, 3, 1), closes_at=vn(2026, 3, 31))
    questions = [factories.make_question(area, correct=key) for area, key in zip(AREAS, KEYS,
                                                                                    strict=True)]
    people = []
    for n, pattern in enumerate(PATTERNS):
        person = factories.make_participant(contest)
        people.append(person)
        answers = [(q, _chosen(s, key)) for q, s, key in zip(questions, pattern.split(), KEYS,
                                                             strict=True)]
        make_attempt(person, round_, started_at=vn(2026, 3, 2, 8) + timedelta(minutes=n),
                     answers=answers)
    # Not counted: P1's second attempt (all wrong), P10's second (all right),
    # an attempt still in progress, and a disqualified person.
    make_attempt(people[0], round_, started_at=vn(2026, 3, 3, 8),
                 answers=[(q, (key + 1) % 4) for q, key in zip(questions, KEYS, strict=True)])
    make_attempt(people[9], round_, started_at=vn(2026, 3, 3, 9),
                 answers=[(q, key) for q, key in zip(questions, KEYS, strict=True)])
    newcomer = factories.make_participant(contest)
    make_attempt(newcomer, round_, started_at=vn(2026, 3, 3, 10), submitted=False,
                 answers=[(q, key) for q, key in zip(questions, KEYS, strict=True)])
    cheat = factories.make_participant(contest, disqualified_at=vn(2026, 3, 4))
    make_attempt(cheat, round_, started_at=vn(2026, 3, 3, 11),
                 answers=[(q, key) for q, key in zip(questions, KEYS, strict=True)])
    return dict(contest=contest, round=round_, questions=questions, people=people)


def _by_question(result, questions):
    stats = {s.question_id: s for s in result.questions}
    return [stats[q.id] for q in questions]


def test_group_size():
    assert [ia.group_size(n) for n in (0, 1, 2, 4, 10, 100, 1000)] == [0, 0, 1, 1, 3, 27, 270]


def test_facility_and_times_served(data):
    result = ia.compute(StatsFilter(data["contest"].id))
    assert result.attempts_analysed == 10  # first submitted attempts only
    q1, q2, q3, q4, q5 = _by_question(result, data["questions"])
    assert [q.served for q in (q1, q2, q3, q4, q5)] == [10] * 5
    assert [q.facility for q in (q1, q2, q3, q4, q5)] == pytest.approx([1.0, 0.5, 0.4, 0.1, 0.7])


def test_discrimination_upper_and_lower_27_percent(data):
    result = ia.compute(StatsFilter(data["contest"].id))
    # k = round(0.27 × 10) = 3. Ranked by share right, ties by attempt order:
    # upper = P1 (4), P2 (3), P3 (3); lower = the last three of the 2s: P8, P9, P10.
    assert result.group_size == 3
    q1, q2, q3, q4, q5 = _by_question(result, data["questions"])
    assert q1.discrimination == pytest.approx(3 / 3 - 3 / 3)  # 0
    assert q2.discrimination == pytest.approx(3 / 3 - 0 / 3)  # 1
    assert q3.discrimination == pytest.approx(0 / 3 - 3 / 3)  # −1: strong people miss it
    assert q4.discrimination == pytest.approx(1 / 3 - 0 / 3)
    assert q5.discrimination == pytest.approx(3 / 3 - 0 / 3)
    assert (q3.upper_served, q3.lower_served) == (3, 3)


def test_option_shares_use_original_option_index(data):
    result = ia.compute(StatsFilter(data["contest"].id))
    q2, q4 = _by_question(result, data["questions"])[1], _by_question(result, data["questions"])[3]
    assert [(o.letter, o.count, o.is_correct) for o in q2.options] == [
        ("A", 2, False), ("B", 5, True), ("C", 1, False), ("D", 2, False)]
    assert [o.share for o in q2.options] == pytest.approx([0.2, 0.5, 0.1, 0.2])
    assert not any(o.popular_wrong for o in q2.options)
    # Q4: only P1 right; seven chose B (70 %), one C, one gave no answer.
    assert [(o.letter, o.count) for o in q4.options] == [("A", 1), ("B", 7), ("C", 1), ("D", 0)]
    assert q4.no_answer == 1
    assert [o.letter for o in q4.options if o.popular_wrong] == ["B"]


def test_flags(data):
    result = ia.compute(StatsFilter(data["contest"].id))
    q1, q2, q3, q4, q5 = _by_question(result, data["questions"])
    assert q1.flags == ["too_easy"]
    assert q2.flags == []
    assert q3.flags == ["negative_discrimination"]
    assert q4.flags == ["too_hard", "popular_wrong"]
    assert q5.flags == []
    assert {q.question_id for q in result.flagged} == {q1.question_id, q3.question_id,
                                                       q4.question_id}


def test_no_flags_below_minimum_served(app_ctx):
    contest = factories.make_contest()
    round_ = factories.make_round(contest, opens_at=vn(2026, 3, 1), closes_at=vn(2026, 3, 31))
    question = factories.make_question("a", correct=0)
    for _ in range(ia.MIN_SERVED_FOR_FLAGS - 1):
        make_attempt(factories.make_participant(contest), round_, started_at=vn(2026, 3, 2),
                     answers=[(question, 1)])
    result = ia.compute(StatsFilter(contest.id))
    assert result.questions[0].facility == 0 and result.questions[0].flags == []


def test_content_areas_ranked_weakest_first(data):
    result = ia.compute(StatsFilter(data["contest"].id))
    # c: Q4 1/10; b: Q2+Q5 (5+7)/20; a: Q1+Q3 (10+4)/20
    assert [(a.code, a.served, a.correct) for a in result.areas] == [
        ("c", 10, 1), ("b", 20, 12), ("a", 20, 14)]
    assert [a.facility for a in result.areas] == pytest.approx([0.1, 0.6, 0.7])


def test_date_range_keeps_first_attempts_started_in_it(data):
    # The second attempts (3 March) are never "first", so 3 March alone has nothing.
    result = ia.compute(StatsFilter(data["contest"].id, date_from=date(2026, 3, 3)))
    assert result.attempts_analysed == 0
    assert result.questions == [] and result.areas == []


def test_cached_until_a_new_submission(data):
    f = StatsFilter(data["contest"].id)
    first = ia.item_analysis(f, NOW)
    assert not first.from_cache
    assert db.session.scalar(sa.select(sa.func.count(CachedResult.id))) == 1

    # Tamper with a graded answer behind the cache's back: no submission arrived,
    # so the cached figures are served unchanged (proving nothing was recomputed).
    item = db.session.scalar(sa.select(AttemptItem).where(
        AttemptItem.question_id == data["questions"][3].id, AttemptItem.is_correct.is_(False)))
    item.is_correct = True
    db.session.commit()
    again = ia.item_analysis(f, NOW + timedelta(hours=1))
    assert again.from_cache
    assert again.computed_at == NOW
    assert _by_question(again, data["questions"])[3].correct == 1

    # A new submission changes the fingerprint: recomputed, with the new person.
    make_attempt(factories.make_participant(data["contest"]), data["round"],
                 started_at=vn(2026, 3, 5, 8),
                 answers=[(q, k) for q, k in zip(data["questions"], KEYS, strict=True)])
    later = NOW + timedelta(hours=2)
    fresh = ia.item_analysis(f, later)
    assert not fresh.from_cache
    assert fresh.attempts_analysed == 11
    assert _by_question(fresh, data["questions"])[3].correct == 3  # tampered + newcomer
    assert ia.item_analysis(f, later).from_cache
    assert db.session.scalar(sa.select(sa.func.count(CachedResult.id))) == 1


def test_disqualifying_someone_recomputes_the_cached_analysis(data):
    from contest.models import Attempt, Participant
    from contest.services.results import duplicates as integrity
    f = StatsFilter(data["contest"].id)
    before = ia.item_analysis(f, NOW)
    assert not before.from_cache
    someone = db.session.scalar(sa.select(Participant).join(
        Attempt, Attempt.participant_id == Participant.id).limit(1))
    integrity.disqualify(someone, "Trùng số CCCD", actor_id=None, now=NOW)
    db.session.commit()
    after = ia.item_analysis(f, NOW + timedelta(hours=1))
    assert not after.from_cache
    assert after.attempts_analysed == before.attempts_analysed - 1
    integrity.reinstate(someone, "Xác minh lại: không trùng", actor_id=None)
    db.session.commit()
    assert ia.item_analysis(f, NOW + timedelta(hours=2)).attempts_analysed == \
        before.attempts_analysed


def test_cache_round_trip_is_equal(data):
    f = StatsFilter(data["contest"].id)
    computed = ia.item_analysis(f, NOW)
    cached = ia.item_analysis(f, NOW)
    assert cached.from_cache
    assert cached.questions == computed.questions
    assert cached.areas == computed.areas


def test_weakest_areas_and_figures_for_the_quarterly_report(data):
    # What the quarterly report reads (activities.contest_figures): the dashboard's
    # headline and the item analysis's areas, over the same period.
    quarter = StatsFilter(data["contest"].id, date_from=date(2026, 1, 1),
                          date_to=date(2026, 3, 31))
    figures = headline(quarter)
    # 10 first attempts + 2 second attempts + 1 in progress (the disqualified one is out)
    assert (figures.participants, figures.attempts, figures.completed_attempts) == (11, 13, 12)
    weakest = ia.weakest_areas(data["contest"].id, date(2026, 1, 1), date(2026, 3, 31), NOW)
    assert [a.code for a in weakest] == ["c", "b", "a"]
    assert [a.code for a in ia.weakest_areas(None, None, None, NOW, limit=1)] == ["c"]
    assert ia.weakest_areas(data["contest"].id, date(2025, 1, 1), date(2025, 3, 31), NOW) == []
