"""The rules of contests and rounds, as plain functions (no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import AuditEntry
from contest.services.contests import rounds
from contest.services.contests.rounds import ContestValues, OtherRound, RoundValues
from tests import factories

MONDAY = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # 00:00 Monday 2 March 2026 in Vietnam


def values(**overrides) -> RoundValues:
    data = {
        "name": "Đợt 1",
        "opens_at": MONDAY,
        "closes_at": MONDAY + timedelta(days=7),
        "time_limit_minutes": 15,
        "question_quota": {"a": 2, "b": 1},
        "attempts_allowed": 2,
        "counted_attempt": "best",
        "has_prediction": True,
        "prediction_target": "full_marks",
        "reveal_answers": "after_close",
        "prize_tiers": [{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 2}],
    }
    data.update(overrides)
    return RoundValues(**data)


AVAILABLE = {"a": 3, "b": 1, "c": 0}


def test_valid_round_has_no_errors():
    assert rounds.validate_round(values(), available=AVAILABLE) == {}


def test_quota_the_bank_cannot_fill_is_refused_per_area():
    errors = rounds.validate_round(values(question_quota={"a": 4, "b": 1, "c": 1}),
                                   available=AVAILABLE)
    assert set(errors) == {"quota_a", "quota_c"}
    assert "chỉ có 3 câu hỏi" in errors["quota_a"][0]
    assert "chỉ có 0 câu hỏi" in errors["quota_c"][0]


def test_quota_needs_at_least_one_question_and_no_negatives():
    assert "question_quota" in rounds.validate_round(
        values(question_quota={"a": 0}), available=AVAILABLE)
    assert "quota_a" in rounds.quota_errors({"a": -1, "b": 1}, AVAILABLE)


def test_overlapping_rounds_are_refused_touching_ones_are_not():
    week = timedelta(days=7)
    before = OtherRound(1, "Đợt 0", MONDAY - week, MONDAY)  # ends when ours opens
    inside = OtherRound(2, "Đợt chen", MONDAY + timedelta(days=3), MONDAY + timedelta(days=4))
    assert rounds.validate_round(values(), available=AVAILABLE, others=[before]) == {}
    errors = rounds.validate_round(values(), available=AVAILABLE, others=[before, inside])
    assert list(errors) == ["opens_at"]
    assert "Đợt chen" in errors["opens_at"][0]
    assert rounds.overlapping(MONDAY, MONDAY + week, [inside]) == [inside]


def test_closing_before_opening_is_refused():
    errors = rounds.validate_round(values(closes_at=MONDAY - timedelta(minutes=1)),
                                   available=AVAILABLE)
    assert "closes_at" in errors


def test_locked_settings_cannot_change_once_a_round_has_attempts():
    saved = values()
    for name, new in [("question_quota", {"a": 3, "b": 1}), ("time_limit_minutes", 20),
                      ("counted_attempt", "first"), ("has_prediction", False),
                      ("prediction_target", "participants")]:
        errors = rounds.validate_round(values(**{name: new}), available=AVAILABLE,
                                       before=saved, locked=True)
        assert list(errors) == [name], name
        assert "đã có người dự thi" in errors[name][0]


def test_locked_round_may_still_change_other_settings():
    saved = values()
    changed = values(name="Đợt 1 (gia hạn)", closes_at=MONDAY + timedelta(days=8),
                     attempts_allowed=3, reveal_answers="after_submit",
                     question_quota={"a": 2, "b": 1, "c": 0})  # a zero quota means none
    assert rounds.validate_round(changed, available=AVAILABLE, before=saved, locked=True) == {}


def test_unlocked_round_may_change_everything():
    saved = values()
    assert rounds.validate_round(values(time_limit_minutes=20), available=AVAILABLE,
                                 before=saved, locked=False) == {}


def test_prize_tiers_need_names_and_positive_counts():
    errors = rounds.prize_tier_errors([{"name": "", "count": 1}, {"name": "Ba", "count": 0},
                                       {"name": "ba", "count": 3}])
    assert len(errors["prize_tiers"]) == 3


def test_slug_rules():
    assert rounds.slug_errors("cchc-2026", taken=False) == []
    for bad in ["", "CCHC", "cải-cách", "a--b", "-a", "a b", "x" * 81]:
        assert rounds.slug_errors(bad, taken=False), bad
    assert "đã được dùng" in rounds.slug_errors("cchc-2026", taken=True)[0]


def test_contest_age_limits_need_the_birth_year():
    contest = ContestValues(title="Cuộc thi", slug="cuoc-thi", category_ids=[1],
                            min_age=14, birth_year_mode="optional")
    assert "birth_year_mode" in rounds.validate_contest(
        contest, slug_taken=False, known_category_ids=[1])
    contest.birth_year_mode = "required"
    assert rounds.validate_contest(contest, slug_taken=False, known_category_ids=[1]) == {}
    contest.max_age = 10
    assert "max_age" in rounds.validate_contest(contest, slug_taken=False, known_category_ids=[1])


def test_the_service_refuses_what_the_columns_cannot_hold():
    """A caller other than the form (the command line, the demo) gets the same words, not a
    database error on PostgreSQL."""
    contest = ContestValues(title="T" * 301, slug="cuoc-thi", category_ids=[1],
                            organiser="U" * 201, contact_address="Đ" * 301)
    errors = rounds.validate_contest(contest, slug_taken=False, known_category_ids=[1])
    assert errors == {"title": ["Tên cuộc thi dài tối đa 300 ký tự."],
                      "organiser": ["Đơn vị tổ chức dài tối đa 200 ký tự."],
                      "contact_address": ["Địa chỉ liên hệ dài tối đa 300 ký tự."]}
    assert rounds.validate_round(values(name="Đ" * 201), available=AVAILABLE) == {
        "name": ["Tên đợt thi dài tối đa 200 ký tự."]}


def test_contest_needs_known_categories():
    contest = ContestValues(title="Cuộc thi", slug="cuoc-thi", category_ids=[])
    assert "category_ids" in rounds.validate_contest(contest, slug_taken=False,
                                                     known_category_ids=[1])
    contest.category_ids = [99]
    assert "category_ids" in rounds.validate_contest(contest, slug_taken=False,
                                                     known_category_ids=[1])


def test_save_round_reads_the_bank_and_writes_an_audit_entry(app_ctx):
    factories.make_bank(per_area=2, codes=["a", "b"])
    contest = factories.make_contest()
    with pytest.raises(rounds.RoundRefused) as refused:
        rounds.save_round(contest, None, values(question_quota={"a": 3}), actor_id=None)
    assert "quota_a" in refused.value.errors and "không đủ 3 câu" in refused.value.message
    round_ = rounds.save_round(contest, None, values(question_quota={"a": 2, "b": 0}),
                               actor_id=None)
    db.session.commit()
    assert round_.question_quota == {"a": 2}
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "round.create"))
    assert entry.object_id == str(round_.id) and entry.after["question_quota"] == {"a": 2}
    assert rounds.quota_needs(MONDAY - timedelta(days=1)) == {"a": {"sum": 2, "max": 2}}
    assert rounds.quota_needs(MONDAY + timedelta(days=8)) == {}


def test_save_contest_refuses_with_every_message_beside_its_field(app_ctx):
    taken = factories.make_contest(slug="cchc-2026")
    with pytest.raises(rounds.ContestRefused) as refused:
        rounds.save_contest(None, ContestValues(title=" ", slug="CCHC-2026", category_ids=[]),
                            actor_id=None)
    assert set(refused.value.errors) == {"title", "slug", "category_ids"}
    assert refused.value.errors["slug"] == [
        "Đường dẫn rút gọn này đã được dùng cho cuộc thi khác."]
    assert refused.value.field is None
    categories = [c.id for c in taken.categories]
    saved = rounds.save_contest(None, ContestValues(title="Cuộc thi mới", slug="moi",
                                                    category_ids=categories), actor_id=None)
    assert saved.id is not None and saved.slug == "moi"
