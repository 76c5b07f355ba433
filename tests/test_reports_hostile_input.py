"""Hostile and odd input on the statistics exports and the activity reports, through the views."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from contest.extensions import db
from contest.models import Activity, ActivityForm, ContentArea, ReportNote, Unit
from contest.services.activity_log import activities as svc
from tests import factories


@pytest.fixture
def app_config(tmp_path):
    return {"ACTIVITY_UPLOAD_DIR": str(tmp_path / "instance" / "uploads")}


def _unit() -> Unit:
    return db.session.scalars(
        sa.select(Unit).where(Unit.is_plan_responsible).order_by(Unit.position)).first()


def _form_id(code: str = "b") -> int:
    return db.session.scalar(sa.select(ActivityForm.id).where(ActivityForm.code == code))


def _area_id(code: str = "a") -> int:
    return db.session.scalar(sa.select(ContentArea.id).where(ContentArea.code == code))


def _texts(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    wb = load_workbook(io.BytesIO(response.data))
    return [cell.value for ws in wb.worksheets for row in ws.iter_rows() for cell in row
            if isinstance(cell.value, str)]


# --- the report's assessment note -----------------------------------------------------------


def test_note_for_a_unit_that_does_not_exist_is_404_and_saves_nothing(app, client, login_as):
    login_as("organiser")
    response = client.post("/activities/report?year=2026&quarter=1&unit=99999",
                           data={"strengths": "Làm tốt"})
    assert response.status_code == 404
    assert "Không tìm thấy đơn vị" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ReportNote.id))) == 0


@pytest.mark.parametrize("path", ["/activities/report", "/activities/report.pdf",
                                  "/activities/report.xlsx"])
def test_report_of_a_unit_that_does_not_exist_says_so(client, login_as, path):
    login_as("organiser")
    response = client.get(f"{path}?year=2026&quarter=1&unit=99999")
    assert response.status_code == 404
    assert "Không tìm thấy đơn vị" in response.get_data(as_text=True)


def test_unit_zero_is_the_ward_report(client, login_as):
    login_as("organiser")
    response = client.get("/activities/report?year=2026&quarter=1&unit=0")
    assert response.status_code == 200
    assert "Toàn phường" in response.get_data(as_text=True)


def test_note_drops_invisible_control_characters(app, client, login_as):
    login_as("organiser")
    response = client.post("/activities/report?year=2026&quarter=1",
                           data={"strengths": "Làm\x00 tốt\x01\nDòng hai\tcó tab",
                                 "limitations": "\x07", "proposals": ""})
    assert response.status_code == 302
    with app.app_context():
        note = db.session.scalar(sa.select(ReportNote))
        assert note.strengths == "Làm tốt\nDòng hai\tcó tab"
        assert note.limitations == ""


# --- activity text --------------------------------------------------------------------------


def _payload(unit_id: int, **overrides) -> dict:
    data = {"date_start": "2026-02-15", "unit_id": str(unit_id), "form_id": str(_form_id()),
            "content_area_ids": [str(_area_id())], "title": "Treo pano",
            "people_reached": "10"}
    data.update(overrides)
    return data


def test_activity_text_drops_control_characters(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        data = _payload(_unit().id, title="Treo\x00 pano\x01 CCHC", place="Nhà\x02 văn hóa",
                        description="Dòng một\x00\r\nDòng\x1b hai", quantity="2",
                        quantity_unit="pano\x7f")
    response = client.post("/activities/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        activity = db.session.scalar(sa.select(Activity))
        assert activity.title == "Treo pano CCHC"
        assert activity.place == "Nhà văn hóa"
        assert activity.description == "Dòng một\r\nDòng hai"
        assert activity.quantity_unit == "pano"


def test_activity_title_of_only_control_characters_is_asked_for(app, client, login_as):
    login_as("organiser")
    with app.app_context():
        data = _payload(_unit().id, title="\x00\x01\x02")
    response = client.post("/activities/new", data=data)
    assert response.status_code == 400
    assert "Vui lòng nhập tên hoạt động." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 0


# --- workbooks never break on stored text ---------------------------------------------------


def test_report_workbook_with_control_characters_in_stored_text(app, client, login_as):
    """Text saved before input was cleaned (or by another path) still exports."""
    with app.app_context():
        unit = _unit()
        unit.name = "Tổ dân phố\x01 số 1"
        db.session.add(ReportNote(year=2026, quarter=1, unit_id=None, strengths="Tốt\x02"))
        db.session.commit()
        svc.create_activity(
            svc.Actor(None, "admin"),
            svc.ActivityData(date_start=date(2026, 2, 10), unit_id=unit.id, form_id=_form_id(),
                             content_area_ids=[_area_id()], title="Treo pano"),
            max_bytes=1024)
        activity = db.session.scalar(sa.select(Activity))
        activity.title = "=Treo\x03 pano"
        db.session.commit()
    login_as("organiser")
    texts = _texts(client.get("/activities/report.xlsx?year=2026&quarter=1"))
    assert "Tổ dân phố số 1" in texts
    assert "Tốt" in texts
    assert "=Treo pano" in texts
    assert not any(ch in text for text in texts for ch in "\x01\x02\x03")


def test_statistics_workbook_with_control_characters_in_a_name(app, client, login_as):
    with app.app_context():
        contest = factories.make_contest(title="Cuộc thi\x01 CCHC")
        factories.make_participant(contest, full_name="Nguyễn\x01 Văn An")
        contest_id = contest.id
    login_as("organiser")
    assert "Cuộc thi CCHC" in _texts(client.get("/reports/export.xlsx"))
    assert "Nguyễn Văn An" in _texts(client.get(
        f"/reports/export/danh-sach-thi-sinh.xlsx?contest={contest_id}"))


# --- messages that say what is wrong --------------------------------------------------------


def test_viewer_opening_the_entry_form_is_told_the_account_only_reads(client, login_as):
    login_as("viewer")
    response = client.get("/activities/new")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "chỉ được xem" in html
    assert "chưa được gắn với đơn vị" not in html


def test_reporter_without_a_unit_is_told_to_ask_for_one(client, login_as):
    login_as("unit_reporter")
    response = client.get("/activities/new")
    assert response.status_code == 403
    assert "chưa được gắn với đơn vị" in response.get_data(as_text=True)
