"""Participation statistics on hand-built data whose answers are worked out in the comments."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import ParticipantCategory, Unit
from contest.services.statistics import participation as stats
from contest.services.statistics.participation import StatsFilter
from tests import factories
from tests.stats_factories import make_attempt, make_scans, vn

NOW = vn(2026, 6, 1, 9)


def category(code: str) -> ParticipantCategory:
    return db.session.scalar(sa.select(ParticipantCategory).where(ParticipantCategory.code == code))


@pytest.fixture
def data(app_ctx):
    """Four people who took part, one who only registered, one disqualified.

    Attempts (correct/questions, Vietnam start time):
      p1 R1 #1 10/10  01/03 23:50      p1 R1 #2 7/10  02/03 00:10 (UTC: still 01/03)
      p2 R1    5/10   02/03 06:30 (UTC 01/03 23:30)
      p3 R1    0/10   02/03 08:00      p3 R2    4/10  03/03 09:00
      p4 R2    3/4    03/03 12:00      p4 R2 #2 in progress, 03/03 13:00
      p6 (disqualified) R1 10/10 02/03 09:00 — never counted
    """
    contest = factories.make_contest()
    r1 = factories.make_round(contest, opens_at=vn(2026, 3, 1), closes_at=vn(2026, 3, 8),
                              name="Tuần 1")
    r2 = factories.make_round(contest, opens_at=vn(2026, 3, 3), closes_at=vn(2026, 3, 10),
                              name="Tuần 2")
    u1 = factories.make_unit("Tổ dân phố 1", population=100)
    u2 = factories.make_unit("Tổ dân phố 2", population=50)
    u3 = factories.make_unit("Trường THCS Phù Vân", kind="agency")
    e1 = factories.make_entry_point(contest, label="Pano nhà văn hóa")
    e2 = factories.make_entry_point(contest, label="Tờ rơi chợ")
    reg = vn(2026, 3, 1, 10)
    p1 = factories.make_participant(contest, unit_id=u1.id, category=category("nguoi_dan"),
                                    entry_point_id=e1.id, birth_year=1990, gender="male",
                                    created_at=reg)
    p2 = factories.make_participant(contest, unit_id=u1.id, category=category("can_bo"),
                                    entry_point_id=e1.id, birth_year=2010, gender="female",
                                    created_at=reg)
    p3 = factories.make_participant(contest, unit_id=u2.id, category=category("nguoi_dan"),
                                    entry_point_id=e2.id, created_at=reg)
    p4 = factories.make_participant(contest, unit_id=u3.id, category=category("hoc_sinh"),
                                    birth_year=1950, gender="other", created_at=vn(2026, 3, 3))
    factories.make_participant(contest, unit_other="Nơi khác", entry_point_id=e1.id,
                               created_at=reg)
    p6 = factories.make_participant(contest, unit_id=u1.id, entry_point_id=e1.id,
                                    created_at=reg, disqualified_at=vn(2026, 3, 5))
    make_attempt(p1, r1, started_at=vn(2026, 3, 1, 23, 50), correct=10)
    make_attempt(p1, r1, started_at=vn(2026, 3, 2, 0, 10), correct=7)
    make_attempt(p2, r1, started_at=vn(2026, 3, 2, 6, 30), correct=5)
    make_attempt(p3, r1, started_at=vn(2026, 3, 2, 8), correct=0)
    make_attempt(p3, r2, started_at=vn(2026, 3, 3, 9), correct=4)
    make_attempt(p4, r2, started_at=vn(2026, 3, 3, 12), correct=3, questions=4)
    make_attempt(p4, r2, started_at=vn(2026, 3, 3, 13), submitted=False)
    make_attempt(p6, r1, started_at=vn(2026, 3, 2, 9), correct=10)
    make_scans(e1.id, 10, vn(2026, 3, 1, 9))
    make_scans(e2.id, 4, vn(2026, 3, 2, 9))
    return dict(contest=contest, r1=r1, r2=r2, u1=u1, u2=u2, u3=u3, e1=e1, e2=e2)


def test_headline_counts_people_attempts_and_rates(data):
    h = stats.headline(StatsFilter(data["contest"].id))
    assert h.registrations == 5  # p1–p5; p6 is disqualified
    assert h.participants == 4
    assert h.attempts == 7
    assert h.completed_attempts == 6
    assert h.full_marks_participants == 1
    assert h.full_marks_attempts == 1
    # One point per right answer: scores 10, 7, 5, 0, 4, 3 → 29 / 6
    assert h.average_score == pytest.approx(29 / 6)
    # Right answers 10+7+5+0+4+3 = 29 of 10+10+10+10+10+4 = 54 questions
    assert h.average_correct_rate == pytest.approx(29 / 54)
    # Known populations: Tổ 1 (100) + Tổ 2 (50); people from them: p1, p2, p3
    assert h.known_population == 150
    assert h.participants_in_known_units == 3
    assert h.participation_rate == pytest.approx(3 / 150)


def test_headline_with_no_data_is_zero(app_ctx):
    contest = factories.make_contest()
    h = stats.headline(StatsFilter(contest.id))
    assert (h.participants, h.attempts, h.completed_attempts, h.registrations) == (0, 0, 0, 0)
    assert h.average_score is None and h.average_correct_rate is None
    assert stats.per_day(StatsFilter(contest.id)) == []
    assert all(b.attempts == 0 and b.share is None for b in stats.score_bands(
        StatsFilter(contest.id)))


def test_per_day_buckets_by_vietnam_date_across_midnight(data):
    rows = stats.per_day(StatsFilter(data["contest"].id))
    got = [(r.day, r.participants, r.attempts, r.completed_attempts) for r in rows]
    assert got == [
        (date(2026, 3, 1), 1, 1, 1),  # only p1's 23:50 attempt
        (date(2026, 3, 2), 3, 3, 3),  # p1 00:10 and p2 06:30 are 1 March in UTC
        (date(2026, 3, 3), 2, 3, 2),  # p3 R2, p4 twice (one in progress)
    ]


def test_per_day_fills_empty_days_inside_the_range(data):
    f = StatsFilter(data["contest"].id, date_from=date(2026, 2, 28), date_to=date(2026, 3, 4))
    rows = stats.per_day(f)
    assert [r.day for r in rows] == [date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 2),
                                      date(2026, 3, 3), date(2026, 3, 4)]
    assert [r.attempts for r in rows] == [0, 1, 3, 3, 0]


def test_date_range_uses_vietnam_midnight(data):
    only_first = StatsFilter(data["contest"].id, date_to=date(2026, 3, 1))
    h = stats.headline(only_first)
    assert (h.attempts, h.participants) == (1, 1)
    second = StatsFilter(data["contest"].id, date_from=date(2026, 3, 2), date_to=date(2026, 3, 2))
    h = stats.headline(second)
    assert (h.attempts, h.participants, h.completed_attempts) == (3, 3, 3)
    # Registrations in the range: p4 registered on 3 March, the rest on 1 March.
    assert stats.headline(StatsFilter(data["contest"].id, date_from=date(2026, 3, 3))
                          ).registrations == 1


def test_round_filter(data):
    h = stats.headline(StatsFilter(data["contest"].id, round_id=data["r2"].id))
    assert (h.participants, h.attempts, h.completed_attempts) == (2, 3, 2)
    assert h.average_score == pytest.approx((4 + 3) / 2)


def test_by_unit_with_participation_rate_and_totals(data):
    f = StatsFilter(data["contest"].id)
    rows = {r.label: r for r in stats.by_unit(f)}
    t1, t2, school = rows["Tổ dân phố 1"], rows["Tổ dân phố 2"], rows["Trường THCS Phù Vân"]
    assert (t1.participants, t1.attempts, t1.completed_attempts) == (2, 3, 3)
    assert t1.participation_rate == pytest.approx(2 / 100)
    assert (t2.participants, t2.attempts) == (1, 2)
    assert t2.participation_rate == pytest.approx(1 / 50)
    assert (school.participants, school.attempts, school.completed_attempts) == (1, 2, 1)
    assert school.participation_rate is None  # population unknown
    # Units with nobody yet are listed (seeded agencies), so laggards show.
    assert rows["Phòng Văn hóa – Xã hội"].participants == 0
    assert stats.totals(rows.values()).participants == stats.headline(f).participants


def test_unit_and_category_filters(data):
    f = StatsFilter(data["contest"].id, unit_id=data["u1"].id)
    assert [r.label for r in stats.by_unit(f)] == ["Tổ dân phố 1"]
    h = stats.headline(f)
    assert (h.participants, h.attempts, h.known_population) == (2, 3, 100)
    assert h.participation_rate == pytest.approx(0.02)
    f = StatsFilter(data["contest"].id, category_id=category("nguoi_dan").id)
    h = stats.headline(f)
    assert (h.participants, h.attempts) == (2, 4)


def test_by_category(data):
    rows = {r.label: r for r in stats.by_category(StatsFilter(data["contest"].id))}
    assert (rows["Người dân"].participants, rows["Người dân"].attempts) == (2, 4)
    assert rows["Cán bộ, công chức, viên chức"].participants == 1
    assert rows["Học sinh, sinh viên"].participants == 1
    assert rows["Doanh nghiệp, hộ kinh doanh"].participants == 0


def test_age_gender(data):
    ag = stats.age_gender(StatsFilter(data["contest"].id), NOW)
    # 2026: p1 born 1990 → 36, p2 born 2010 → 16, p3 unknown, p4 born 1950 → 76
    assert ag.counts == {("31_45", "male"): 1, ("u18", "female"): 1,
                         ("unknown", "unknown"): 1, ("o60", "other"): 1}
    assert ag.total == 4
    assert ag.birth_year_collected and ag.gender_collected


def test_age_band_boundaries(app_ctx):
    contest = factories.make_contest()
    round_ = factories.make_round(contest, opens_at=vn(2026, 1, 1), closes_at=vn(2026, 12, 1))
    # ages reached in 2026: 17, 18, 30, 31, 45, 46, 60, 61
    for year in (2009, 2008, 1996, 1995, 1981, 1980, 1966, 1965):
        person = factories.make_participant(contest, birth_year=year, gender="female")
        make_attempt(person, round_, started_at=vn(2026, 3, 1, 8), correct=1)
    ag = stats.age_gender(StatsFilter(contest.id), NOW)
    assert {band: ag.band_total(band) for band, _ in ag.bands} == {
        "u18": 1, "18_30": 2, "31_45": 2, "46_60": 2, "o60": 1, "unknown": 0}
    assert ag.gender_total("female") == 8


def test_score_bands_from_the_data(data):
    bands = {b.key: b.attempts for b in stats.score_bands(StatsFilter(data["contest"].id))}
    # 10/10 full; 3/4 = 75 % exactly; 7/10 and 5/10 (50 % exactly); 4/10; 0/10
    assert bands == {"full": 1, "ge75": 1, "ge50": 2, "lt50": 1, "zero": 1}


def test_score_band_boundaries(app_ctx):
    contest = factories.make_contest()
    round_ = factories.make_round(contest, opens_at=vn(2026, 1, 1), closes_at=vn(2026, 12, 1))
    cases = [(10, 10), (9, 10), (3, 4), (74, 100), (1, 2), (49, 100), (1, 10), (0, 10)]
    for correct, questions in cases:
        person = factories.make_participant(contest)
        make_attempt(person, round_, started_at=vn(2026, 3, 1, 8), correct=correct,
                     questions=questions)
    rows = stats.score_bands(StatsFilter(contest.id))
    assert [(b.key, b.attempts) for b in rows] == [
        ("full", 1), ("ge75", 2), ("ge50", 2), ("lt50", 2), ("zero", 1)]
    assert sum(b.share for b in rows) == pytest.approx(1)


def test_funnel_per_entry_point(data):
    rows = {r.label: r for r in stats.funnel(StatsFilter(data["contest"].id))}
    pano, leaflet = rows["Pano nhà văn hóa"], rows["Tờ rơi chợ"]
    # Pano: 10 scans; p1, p2, p5 registered (p6 disqualified); p1, p2 completed (3 attempts)
    assert (pano.scans, pano.registrations, pano.completed_participants,
            pano.completed_attempts) == (10, 3, 2, 3)
    assert pano.registration_rate == pytest.approx(0.3)
    assert pano.completion_rate == pytest.approx(2 / 3)
    assert (leaflet.scans, leaflet.registrations, leaflet.completed_participants,
            leaflet.completed_attempts) == (4, 1, 1, 2)
    direct = rows[stats.NO_ENTRY_POINT_LABEL]
    assert (direct.scans, direct.registrations, direct.completed_participants) == (0, 1, 1)


def test_funnel_date_range_applies_to_scans(data):
    rows = {r.label: r for r in stats.funnel(StatsFilter(
        data["contest"].id, date_from=date(2026, 3, 2), date_to=date(2026, 3, 2)))}
    assert rows["Pano nhà văn hóa"].scans == 0
    assert rows["Tờ rơi chợ"].scans == 4
    assert rows["Tờ rơi chợ"].registrations == 0


def test_dashboard_bundles_everything(data):
    d = stats.dashboard(StatsFilter(data["contest"].id), NOW)
    assert d.headline.participants == 4
    assert sum(r.participants for r in d.by_category) == 4
    assert sum(b.attempts for b in d.score_bands) == d.headline.completed_attempts
    assert sum(r.attempts for r in d.per_day) == d.headline.attempts
    assert db.session.get(Unit, data["u1"].id).population == 100
