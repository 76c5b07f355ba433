"""The bank's decisions as plain functions: in and out of use, deletion, the list's filters."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import AuditEntry, Question, QuestionVersion
from contest.services.bank import questions
from contest.services.bank.listing import area_overview, filtered_query
from tests import factories


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def test_set_active_records_a_change_once(app_ctx):
    question = factories.make_question("a")
    assert questions.set_active(question, False, actor_id=None) is True
    assert questions.set_active(question, False, actor_id=None) is False  # nothing to change
    db.session.commit()
    assert db.session.get(Question, question.id).active is False
    [entry] = audit("question.deactivate")
    assert entry.before == {"active": True} and entry.after == {"active": False}
    assert questions.set_active(question, True, actor_id=None) is True
    assert len(audit("question.reactivate")) == 1


def test_a_served_question_is_not_deleted(app_ctx):
    question = factories.make_question("a")
    factories.serve_question(question)
    with pytest.raises(questions.QuestionInUse) as refused:
        questions.delete_question(question, actor_id=None)
    assert refused.value.message.startswith("Không thể xóa câu hỏi này")
    assert db.session.get(Question, question.id) is not None and audit("question.delete") == []


def test_an_unserved_question_is_deleted_with_its_versions(app_ctx):
    question = factories.make_question("a", text="Câu hỏi sẽ bị xóa?")
    questions.delete_question(question, actor_id=None)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(QuestionVersion.id))) == 0
    [entry] = audit("question.delete")
    assert entry.before["text"] == "Câu hỏi sẽ bị xóa?" and entry.after is None


def test_filters_combine_and_ignore_diacritics(app_ctx):
    wanted = factories.make_question("a", text="Cải cách thủ tục hành chính là gì?")
    factories.make_question("b", text="Cải cách thủ tục ở lĩnh vực khác?")
    off = factories.make_question("a", text="Cải cách đã ngưng dùng?")
    off.active = False
    db.session.commit()

    def ids(**filters):
        return set(db.session.scalars(filtered_query(filters).with_only_columns(Question.id)))

    assert ids(area="a", status="active", q="CAI CACH") == {wanted.id}
    assert ids(area="a", status="inactive") == {off.id}
    assert len(ids(status="all", q="cai cach")) == 3


def test_area_overview_flags_an_area_short_for_the_rounds_to_come(app_ctx):
    factories.make_question("a")
    opens = factories.now() + timedelta(days=1)
    factories.make_round(opens_at=opens, closes_at=opens + timedelta(days=1),
                         quota={"a": 2})
    rows = {row["area"].code: row for row in area_overview(factories.now())}
    assert rows["a"]["active"] == 1 and rows["a"]["need_max"] == 2 and rows["a"]["short"]
    assert not rows["b"]["short"]
