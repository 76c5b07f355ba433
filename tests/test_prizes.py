"""Winners, groups, the collective prize, the overall ranking, duplicates and publishing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import AuditEntry, ParticipantCategory, ResultPublication
from contest.services.errors import DomainError
from contest.services.results import duplicates as integrity
from contest.services.results import prizes, publication
from tests import factories as f
from tests.ranking_factories import add_attempt

TIERS = [{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 1}]


def closed_round(contest=None, days_ago: int = 8, **fields):
    opens = f.now() - timedelta(days=days_ago)
    return f.make_round(contest, opens_at=opens, closes_at=opens + timedelta(days=7),
                        prize_tiers=fields.pop("prize_tiers", TIERS), **fields)


def category(code: str) -> ParticipantCategory:
    return db.session.scalar(sa.select(ParticipantCategory).where(ParticipantCategory.code == code))


def test_winners_go_down_the_ranking(app_ctx):
    round_ = closed_round()
    people = [f.make_participant(round_.contest) for _ in range(4)]
    for score, person in zip((7, 9, 8, 6), people, strict=True):
        add_attempt(round_, person, score=score)
    results = prizes.round_results(round_)
    assert [(w.participant_id, w.prize) for w in results.winners] == [
        (people[1].id, "Giải Nhất"), (people[2].id, "Giải Nhì")]


def test_one_prize_per_contest_skips_earlier_published_winners(app_ctx):
    contest = f.make_contest(one_prize_per_contest=True)
    first = closed_round(contest, days_ago=20)
    second = closed_round(contest, days_ago=10)
    a, b, c = (f.make_participant(contest) for _ in range(3))
    for round_ in (first, second):
        for score, person in zip((9, 8, 7), (a, b, c), strict=True):
            add_attempt(round_, person, score=score)
    # Before the first round is published nobody is skipped.
    assert [w.participant_id for w in prizes.round_results(second).winners] == [a.id, b.id]
    publication.publish_round(first, actor_id=None, now=f.now())
    db.session.commit()
    results = prizes.round_results(second)
    assert results.skipped_earlier_winners == {a.id, b.id}
    assert [(w.participant_id, w.prize) for w in results.winners] == [(c.id, "Giải Nhất")]


def test_without_the_contest_option_earlier_winners_win_again(app_ctx):
    contest = f.make_contest(one_prize_per_contest=False)
    first, second = closed_round(contest, days_ago=20), closed_round(contest, days_ago=10)
    a, b = f.make_participant(contest), f.make_participant(contest)
    for round_ in (first, second):
        add_attempt(round_, a, score=9)
        add_attempt(round_, b, score=8)
    publication.publish_round(first, actor_id=None, now=f.now())
    db.session.commit()
    assert [w.participant_id for w in prizes.round_results(second).winners] == [a.id, b.id]


def test_category_groups_rank_separately_each_with_full_tiers(app_ctx):
    contest = f.make_contest(rank_by_category_group=True)
    round_ = closed_round(contest)
    official = [f.make_participant(contest, category_id=category("can_bo").id) for _ in range(3)]
    resident = [f.make_participant(contest, category_id=category("nguoi_dan").id)
                for _ in range(2)]
    student = f.make_participant(contest, category_id=category("hoc_sinh").id)
    for score, person in zip((10, 9, 8), official, strict=True):
        add_attempt(round_, person, score=score)
    add_attempt(round_, resident[0], score=5)
    add_attempt(round_, resident[1], score=3)
    add_attempt(round_, student, score=4)
    results = prizes.round_results(round_)
    assert list(results.groups) == ["Cán bộ, công chức, viên chức", "Nhân dân"]
    got = [(w.group, w.prize, w.participant_id, w.rank) for w in results.winners]
    assert got == [
        ("Cán bộ, công chức, viên chức", "Giải Nhất", official[0].id, 1),
        ("Cán bộ, công chức, viên chức", "Giải Nhì", official[1].id, 2),
        ("Nhân dân", "Giải Nhất", resident[0].id, 1),
        ("Nhân dân", "Giải Nhì", student.id, 2),
    ]


def test_collective_prize_by_count_and_by_rate(app_ctx):
    round_ = closed_round()
    contest = round_.contest
    big = f.make_unit("Tổ dân phố Lớn", population=1000)
    small = f.make_unit("Tổ dân phố Nhỏ", population=10)
    unknown = f.make_unit("Cơ quan Chưa khai", kind="agency")
    for unit, n in ((big, 5), (small, 3), (unknown, 4)):
        for _ in range(n):
            add_attempt(round_, f.make_participant(contest, unit_id=unit.id), score=1)
    dq = f.make_participant(contest, unit_id=small.id, disqualified_at=f.now())
    add_attempt(round_, dq, score=1)
    units = prizes.unit_participation(contest.id, round_.id)
    by_count = [(u.name, u.participants) for u in prizes.rank_units_by_count(units)][:3]
    assert by_count == [("Tổ dân phố Lớn", 5), ("Cơ quan Chưa khai", 4), ("Tổ dân phố Nhỏ", 3)]
    by_rate = [(u.name, u.rate) for u in prizes.rank_units_by_rate(units)]
    assert by_rate[:2] == [("Tổ dân phố Nhỏ", 0.3), ("Tổ dân phố Lớn", 0.005)]
    assert "Cơ quan Chưa khai" not in [name for name, _ in by_rate]


def test_overall_ranking_sums_rounds(app_ctx):
    contest = f.make_contest()
    r1, r2 = closed_round(contest, days_ago=20), closed_round(contest, days_ago=10)
    a, b, c = (f.make_participant(contest) for _ in range(3))
    add_attempt(r1, a, score=5, duration_ms=10_000)
    add_attempt(r2, a, score=5, duration_ms=10_000)
    add_attempt(r1, b, score=10, duration_ms=30_000)   # 10 in total, slower than a
    add_attempt(r1, c, score=9, duration_ms=1)
    ranked = prizes.rank_overall(prizes.overall_rows(contest))
    assert [(rank, r.participant_id, r.total_score) for rank, r in ranked] == [
        (1, a.id, 10), (2, b.id, 10), (3, c.id, 9)]


# --- integrity -------------------------------------------------------------------------------

def test_duplicates_found_by_citizen_id_phone_forms_and_name_birth_unit(app_ctx):
    contest = f.make_contest()
    unit = f.make_unit()
    a = f.make_participant(contest, citizen_id="001203004005", phone="+84912345678")
    # The database refuses the same CCCD twice; a full-width form slips past it.
    b = f.make_participant(contest, citizen_id="００１２０３００４００５")
    c = f.make_participant(contest, phone="0912 345 678")  # the same phone, written locally
    d = f.make_participant(contest, full_name="Nguyễn Thị Hoa", birth_year=1980, unit_id=unit.id)
    e = f.make_participant(contest, full_name="  nguyen thi  HOA ", birth_year=1980,
                           unit_id=unit.id)
    f.make_participant(contest, full_name="Nguyễn Thị Hoa", birth_year=1981, unit_id=unit.id)
    other = f.make_contest()
    f.make_participant(other, citizen_id="001203004005")
    groups = {(g.kind, tuple(g.participant_ids)) for g in integrity.find_duplicates(contest.id)}
    assert groups == {("citizen_id", (a.id, b.id)), ("phone", (a.id, c.id)),
                      ("name_birth_unit", (d.id, e.id))}


def test_disqualify_needs_reason_is_audited_and_ranking_follows(app_ctx):
    round_ = closed_round()
    a, b = f.make_participant(round_.contest), f.make_participant(round_.contest)
    add_attempt(round_, a, score=9)
    add_attempt(round_, b, score=8)
    with pytest.raises(integrity.DecisionError, match="lý do"):
        integrity.disqualify(a, "   ", actor_id=None, now=f.now())
    assert not a.is_disqualified
    integrity.disqualify(a, "Trùng CCCD với thí sinh khác", actor_id=None, now=f.now())
    db.session.commit()
    assert [w.participant_id for w in prizes.round_results(round_).winners] == [b.id]
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "participant.disqualify"))
    assert entry.object_id == str(a.id) and "Trùng CCCD" in entry.summary
    # Every decision's reason has the same limit and says so the same way.
    for decide in (lambda why: integrity.reinstate(a, why, actor_id=None),
                   lambda why: integrity.disqualify(b, why, actor_id=None, now=f.now()),
                   lambda why: publication.check_can_publish(round_, now=f.now(), reason=why)):
        with pytest.raises(DomainError, match="^Lý do dài tối đa 500 ký tự.$"):
            decide("x" * 501)
    assert a.is_disqualified and not b.is_disqualified
    integrity.reinstate(a, "Đã xác minh", actor_id=None)
    db.session.commit()
    assert [w.participant_id for w in prizes.round_results(round_).winners] == [a.id, b.id]


def test_cleared_participant_resolves_the_group(app_ctx):
    contest = f.make_contest()
    a = f.make_participant(contest, phone="+84987654321")
    f.make_participant(contest, phone="0987.654.321")
    integrity.clear_duplicate(a, actor_id=None)
    db.session.commit()
    assert integrity.find_duplicates(contest.id) == []
    assert [g.pending for g in integrity.find_duplicates(contest.id, include_resolved=True)] == \
        [False]
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "participant.clear_duplicate")) == 1


# --- publishing ------------------------------------------------------------------------------

def test_publish_refused_while_the_round_is_open(app_ctx):
    round_ = f.make_round()
    with pytest.raises(publication.PublicationError, match="chưa kết thúc"):
        publication.publish_round(round_, actor_id=None, now=f.now())


def test_publish_freezes_snapshot_and_republish_needs_reason(app_ctx):
    organiser = f.make_user("organiser")
    round_ = closed_round()
    a, b = f.make_participant(round_.contest), f.make_participant(round_.contest)
    add_attempt(round_, a, score=10, correct_count=10, question_count=10, prediction=1)
    add_attempt(round_, b, score=9, prediction=3)
    first = publication.publish_round(round_, actor_id=organiser.id, now=f.now())
    db.session.commit()
    assert first.version == 1 and first.published_by_id == organiser.id
    assert first.prediction_actual == 1 == round_.prediction_actual
    assert first.snapshot["actual_line"] == "Số người trả lời đúng tất cả các câu hỏi: 1"
    assert [w["participant_id"] for w in first.snapshot["winners"]] == [a.id, b.id]
    assert first.snapshot["winners"][0]["phone_masked"].count("*") == 4

    integrity.disqualify(a, "Khai sai thông tin", actor_id=organiser.id, now=f.now())
    db.session.commit()
    # The published snapshot does not move by itself; the live ranking does.
    live = prizes.round_results(round_)
    assert publication.differs_from_publication(live, first)
    assert publication.current_publication(round_.id).snapshot["winners"][0][
        "participant_id"] == a.id
    with pytest.raises(publication.PublicationError, match="lý do"):
        publication.publish_round(round_, actor_id=organiser.id, now=f.now())
    second = publication.publish_round(round_, actor_id=organiser.id, now=f.now(),
                                       reason="Loại thí sinh khai sai thông tin")
    db.session.commit()
    assert second.version == 2
    assert [w["participant_id"] for w in second.snapshot["winners"]] == [b.id]
    # The actual figure stays as fixed at the close.
    assert second.prediction_actual == 1
    history = db.session.scalars(sa.select(ResultPublication).order_by(
        ResultPublication.version)).all()
    assert [(p.version, p.is_current) for p in history] == [(1, False), (2, True)]
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions.count("results.publish") == 1 and actions.count("results.republish") == 1
    assert not publication.differs_from_publication(prizes.round_results(round_), second)
