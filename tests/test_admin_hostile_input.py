"""Hostile input in the back office: query strings out of the database's integer range,
control characters (NUL, bell...) in forms, query strings and imported files.

Each case used to end in a 500 (a driver error: SQLite's OverflowError, PostgreSQL's
"integer out of range" or "cannot contain NUL", or openpyxl refusing a control
character when a file is built from what was saved).
"""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import AuditEntry, Contest, Participant, Question, Unit, User
from contest.services.people import unit_import as units_io
from contest.services.people import units as unit_service
from contest.services.people.units import UnitData, UnitError
from tests import factories

TOO_BIG = ["2147483648", "99999999999999999999"]
CONTROL = "không\x00hợp lệ"


def _text(response) -> str:
    return response.get_data(as_text=True)


# --- numbers in query strings ------------------------------------------------------------


@pytest.mark.parametrize("value", [*TOO_BIG, "-1", "abc", "0"])
@pytest.mark.parametrize("path", ["/admin/questions/", "/admin/audit_log/"])
def test_list_pages_take_any_page_number(app, client, login_as, path, value):
    with app.app_context():
        factories.make_question("a", text="Câu hỏi về một cửa liên thông?")
    login_as("admin")
    response = client.get(path, query_string={"page": value})
    assert response.status_code == 200
    if path == "/admin/questions/":
        # Out of range means the first page, not an empty one.
        assert "Câu hỏi về một cửa liên thông?" in _text(response)


@pytest.mark.parametrize("value", TOO_BIG)
def test_entry_point_list_with_a_contest_id_too_big(app, client, login_as, value):
    with app.app_context():
        contest = factories.make_contest(title="Cuộc thi có mã QR")
        factories.make_entry_point(contest, label="Pano chợ Phù Vân")
    login_as("organiser")
    response = client.get("/admin/entry_points/", query_string={"contest_id": value})
    assert response.status_code == 200
    assert "Pano chợ Phù Vân" in _text(response)  # no such contest: the whole list
    response = client.get("/admin/entry_points/new", query_string={"contest_id": value})
    assert response.status_code == 200


@pytest.mark.parametrize("value", TOO_BIG)
def test_collective_results_of_a_round_id_too_big_is_not_found(app, client, login_as, value):
    with app.app_context():
        contest_id = factories.make_round().contest_id
    login_as("viewer")
    response = client.get(f"/admin/results/contests/{contest_id}/collective",
                          query_string={"round": value})
    assert response.status_code == 404
    assert "Không tìm thấy đợt thi này trong cuộc thi." in _text(response)


@pytest.mark.parametrize("value", TOO_BIG)
def test_audit_log_user_filter_too_big(app, client, login_as, value):
    login_as("admin")
    response = client.get("/admin/audit_log/", query_string={"user_id": value})
    assert response.status_code == 200
    assert "Lựa chọn không hợp lệ." in _text(response)


# --- control characters in query strings and forms -------------------------------------


@pytest.mark.parametrize("path,key", [
    ("/admin/questions/", "q"),
    ("/admin/questions/export.xlsx", "q"),
    ("/admin/audit_log/", "action"),
    ("/admin/audit_log/", "object_type"),
])
def test_control_characters_in_a_query_string_are_refused(app, client, login_as, path, key):
    login_as("admin")
    response = client.get(path, query_string={key: CONTROL})
    assert response.status_code == 400
    assert "ký tự điều khiển" in _text(response)


def _contest_form(**overrides) -> dict:
    data = {"title": "Cuộc thi CCHC", "slug": "cchc-moi", "status": "draft",
            "birth_year_mode": "optional", "gender_mode": "optional",
            "citizen_id_mode": "optional", "category_ids": "1", "rules": "Thể lệ."}
    data.update(overrides)
    return data


def _question_form(**overrides) -> dict:
    data = {"content_area_id": "1", "text": "Câu hỏi mới về dịch vụ công?",
            "options-0": "Có", "options-1": "Không", "correct_option": "0",
            "difficulty": "1", "active": "y"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("bad", [CONTROL, "Tên\x02 lạ", "Xóa\x7f"])
@pytest.mark.parametrize("url,form,field,model", [
    ("/admin/contests/new", _contest_form, "title", Contest),
    ("/admin/contests/new", _contest_form, "slug", Contest),
    ("/admin/contests/new", _contest_form, "rules", Contest),
    ("/admin/questions/new", _question_form, "text", Question),
    ("/admin/questions/new", _question_form, "options-1", Question),
    ("/admin/questions/new", _question_form, "explanation", Question),
])
def test_control_characters_in_a_form_are_refused_beside_the_field(
        app, client, login_as, url, form, field, model, bad):
    login_as("organiser")
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(model))
    response = client.post(url, data=form(**{field: bad}))
    assert response.status_code == 422
    assert "ký tự không hợp lệ (ký tự điều khiển" in _text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == before


def test_control_characters_in_unit_user_entry_point_and_round_forms(app, client, login_as):
    with app.app_context():
        factories.make_bank(2)
        contest = factories.make_contest()
        contest_id = contest.id
    login_as("admin")
    cases = [
        ("/admin/units/new", {"name": CONTROL, "kind": "residential_group"}),
        ("/admin/users/new", {"username": "moi", "full_name": CONTROL, "role": "viewer"}),
        ("/admin/entry_points/new", {"contest_id": str(contest_id), "label": CONTROL,
                                     "kind": "poster"}),
        (f"/admin/contests/{contest_id}/rounds/new", {
            "name": CONTROL, "opens_at": "2030-01-07T00:00", "closes_at": "2030-01-14T00:00",
            "time_limit_minutes": "15", "attempts_allowed": "1", "counted_attempt": "best",
            "prediction_target": "full_marks", "reveal_answers": "after_close",
            "quota_1": "1", "prize_tiers-0-name": "Giải Nhất", "prize_tiers-0-count": "1"}),
        (f"/admin/contests/{contest_id}/rounds/new", {
            "name": "Đợt 9", "opens_at": "2030-01-07T00:00", "closes_at": "2030-01-14T00:00",
            "time_limit_minutes": "15", "attempts_allowed": "1", "counted_attempt": "best",
            "prediction_target": "full_marks", "reveal_answers": "after_close",
            "quota_1": "1", "prize_tiers-0-name": "Giải\x00Nhất", "prize_tiers-0-count": "1"}),
    ]
    for url, data in cases:
        response = client.post(url, data=data)
        assert response.status_code == 422, url
        assert "ký tự không hợp lệ (ký tự điều khiển" in _text(response), url
    with app.app_context():
        assert db.session.scalar(sa.select(Unit).where(Unit.name.contains("hợp lệ"))) is None
        assert db.session.scalar(sa.select(User).where(User.username == "moi")) is None
        assert db.session.get(Contest, contest_id).rounds == []


def test_disqualify_reason_with_a_nul_is_refused(app, client, login_as):
    with app.app_context():
        participant = factories.make_participant(factories.make_contest())
        participant_id = participant.id
    login_as("organiser")
    response = client.post(f"/admin/results/participants/{participant_id}/disqualify",
                           data={"reason": CONTROL}, follow_redirects=True)
    assert response.status_code == 200
    assert "ký tự không hợp lệ (ký tự điều khiển" in _text(response)
    with app.app_context():
        assert db.session.get(Participant, participant_id).disqualified_at is None


def test_prize_tier_name_errors_show_beside_the_name(app, client, login_as):
    with app.app_context():
        factories.make_bank(2)
        contest_id = factories.make_contest().id
    login_as("organiser")
    response = client.post(f"/admin/contests/{contest_id}/rounds/new", data={
        "name": "Đợt 9", "opens_at": "2030-01-07T00:00", "closes_at": "2030-01-14T00:00",
        "time_limit_minutes": "15", "attempts_allowed": "1", "counted_attempt": "best",
        "prediction_target": "full_marks", "reveal_answers": "after_close",
        "quota_1": "1", "prize_tiers-0-name": "G" * 101, "prize_tiers-0-count": "1"})
    assert response.status_code == 422
    assert "Tối đa 100 ký tự" in _text(response)


# --- units: the service and the import --------------------------------------------------


def test_unit_service_refuses_control_characters(app_ctx):
    with pytest.raises(UnitError) as refused:
        unit_service.create_unit(UnitData("Tổ\x01 dân phố 3"), actor_id=None)
    assert refused.value.field == "name"
    assert "ký tự điều khiển" in refused.value.message


def test_unit_import_row_with_a_control_character_is_an_error(app_ctx):
    data = "Tên đơn vị,Loại,Dân số\nTổ dân phố\x01 9,Tổ dân phố,120\n".encode()
    report = units_io.parse_units("don-vi.csv", data, 1024 * 1024)
    assert not report.ok
    assert any("ký tự điều khiển" in e for row in report.rows for e in row.errors)


def test_unit_import_with_a_nul_in_the_file_name_imports_cleanly(app, client, login_as):
    login_as("organiser")
    data = "Tên đơn vị,Loại,Dân số\nTổ dân phố 19,Tổ dân phố,120\n".encode()
    preview = client.post("/admin/units/import",
                          data={"file": (io.BytesIO(data), "don\x00vi.csv")},
                          content_type="multipart/form-data")
    assert preview.status_code == 200
    # The confirmation carries nothing but the session: no file name or rows to tamper with.
    response = client.post("/admin/units/import/confirm", follow_redirects=True)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(Unit).where(Unit.name == "Tổ dân phố 19"))
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "unit.import"))
        assert "\x00" not in entry.summary and "donvi.csv" in entry.summary


def test_bank_import_file_name_with_a_control_character_imports_cleanly(app, client,
                                                                          login_as):
    from contest.services.bank import import_export as bank_io
    login_as("organiser")
    with app.app_context():
        template = bank_io.template_xlsx()
    preview = client.post("/admin/questions/import",
                          data={"files": (io.BytesIO(template), "cau\x00hoi\x01.xlsx")},
                          content_type="multipart/form-data")
    assert preview.status_code == 200
    assert "cauhoi.xlsx" in _text(preview)
    response = client.post("/admin/questions/import/confirm")
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "question.import"))
        assert entry is not None and "cauhoi.xlsx" in entry.summary


def test_unit_import_file_name_with_a_control_character_imports_cleanly(app_ctx):
    data = "Tên đơn vị,Loại,Dân số\nTổ dân phố 29,Tổ dân phố,120\n".encode()
    report = units_io.parse_units("don\x00vi.csv", data, 1024 * 1024)
    assert report.ok and report.filename == "donvi.csv"
