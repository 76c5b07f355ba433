"""Plan coverage and the quarterly/annual reports, against hand-built data."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from contest.extensions import db
from contest.models import (
    ActivityForm,
    Attempt,
    AttemptItem,
    ContentArea,
    QuestionVersion,
    ReportNote,
    Unit,
)
from contest.services.activity_log import activities as svc
from contest.services.activity_log import period_reports as reports
from tests import factories

ADMIN = svc.Actor(None, "admin")
NOW = datetime(2026, 4, 3, 2, 0, tzinfo=UTC)


def _responsible() -> list[Unit]:
    return list(db.session.scalars(
        sa.select(Unit).where(Unit.is_plan_responsible).order_by(Unit.position)))


def _form(code: str) -> int:
    return db.session.scalar(sa.select(ActivityForm.id).where(ActivityForm.code == code))


def _area(code: str) -> int:
    return db.session.scalar(sa.select(ContentArea.id).where(ContentArea.code == code))


def _add(unit: Unit, day: date, form: str, areas: str = "a", people: int | None = None,
         quantity: int | None = None, quantity_unit: str = "") -> None:
    svc.create_activity(ADMIN, svc.ActivityData(
        date_start=day, unit_id=unit.id, form_id=_form(form),
        content_area_ids=[_area(c) for c in areas], title=f"Hoạt động {form} {day}",
        people_reached=people, quantity=quantity, quantity_unit=quantity_unit,
    ), max_bytes=1024)


def _attempt(participant, round_, when: datetime, answers: dict[str, list[bool]]) -> None:
    """A submitted attempt at ``when`` with the given right/wrong answers per area code."""
    items, position = [], 0
    for code, results in answers.items():
        for right in results:
            position += 1
            question = factories.make_question(code)
            version = db.session.scalar(sa.select(QuestionVersion).where(
                QuestionVersion.question_id == question.id))
            items.append(AttemptItem(
                question_id=question.id, question_version_id=version.id,
                content_area_id=question.content_area_id, position=position,
                option_order=[0, 1, 2, 3], chosen_option=0 if right else 1,
                answered_at=when, is_correct=right))
    correct = sum(1 for i in items if i.is_correct)
    db.session.add(Attempt(
        participant_id=participant.id, round_id=round_.id, number=1, started_at=when,
        deadline=when + timedelta(minutes=20), submitted_at=when + timedelta(minutes=5),
        status="submitted", finished_by="resident", question_count=len(items),
        correct_count=correct, score=correct * 10, items=items))
    db.session.commit()


@pytest.fixture
def world(app_ctx):
    """Six plan units (seeded) and one other; activities across 2026 and one in 2025.

    Q1: unit 0 ×2 (forms b, c), unit 1 ×1 (form a, on 31 March). Q2: unit 0 ×1 (form e,
    on 1 April). Q3: the extra unit ×1 (form d). 2025: unit 2 ×1 (must not count).
    Contest: two residents of unit 0 sit in February (area a: 1 of 2 right, area b: all
    right); one resident sits in May.
    """
    units = _responsible()
    extra = factories.make_unit("Trường THCS Phù Vân", kind="agency")
    _add(units[0], date(2026, 1, 15), "b", "ag", people=200, quantity=12, quantity_unit="pano")
    _add(units[0], date(2026, 2, 20), "c", "đ", people=80, quantity=1, quantity_unit="hội nghị")
    _add(units[1], date(2026, 3, 31), "a", "f", people=1500, quantity=3, quantity_unit="tin bài")
    _add(units[0], date(2026, 4, 1), "e", "a", people=300)
    _add(extra, date(2026, 8, 5), "d", "h", quantity=1, quantity_unit="video")
    _add(units[2], date(2025, 12, 31), "b", "a", people=999)

    contest = factories.make_contest()
    round_ = factories.make_round(contest, opens_at=datetime(2026, 1, 1, tzinfo=UTC),
                                  closes_at=datetime(2026, 12, 31, tzinfo=UTC))
    feb = datetime(2026, 2, 10, 3, 0, tzinfo=UTC)
    p1 = factories.make_participant(contest, unit_id=units[0].id)
    p2 = factories.make_participant(contest, unit_id=units[0].id)
    p3 = factories.make_participant(contest, unit_id=units[1].id)
    for p, created in ((p1, feb), (p2, feb), (p3, datetime(2026, 5, 2, tzinfo=UTC))):
        p.created_at = created
    db.session.commit()
    _attempt(p1, round_, feb, {"a": [True], "b": [True, True]})
    _attempt(p2, round_, feb + timedelta(hours=1), {"a": [False], "b": [True]})
    _attempt(p3, round_, datetime(2026, 5, 2, 3, 0, tzinfo=UTC), {"a": [True]})
    return {"units": units, "extra": extra}


def test_quarter_by_unit_grid(world):
    units, extra = world["units"], world["extra"]
    grid = svc.coverage_grid(2026)
    rows = {row["unit_name"]: row for row in grid["rows"]}
    assert len(rows) == 7  # six plan units (even those with nothing) and the extra one
    assert rows[units[0].name]["quarters"] == [2, 1, 0, 0]
    assert rows[units[1].name]["quarters"] == [1, 0, 0, 0]  # 31 March is still Q1
    assert rows[units[2].name]["quarters"] == [0, 0, 0, 0]  # its 2025 activity is not 2026
    assert rows[extra.name]["quarters"] == [0, 0, 1, 0] and not rows[extra.name]["responsible"]
    assert grid["quarter_totals"] == [3, 1, 1, 0] and grid["total"] == 5
    assert grid["responsible_count"] == 6
    assert grid["reported_per_quarter"] == [2, 1, 0, 0]
    assert grid["coverage_percent"] == [33, 17, 0, 0]
    assert set(grid["missing"][0]) == {u.name for u in units[2:]}
    assert extra.name not in grid["missing"][2]  # only plan units are "missing"


def test_forms_by_quarter_and_the_contest_form(world):
    summary = svc.forms_by_quarter(2026)
    by_code = {row["code"]: row["quarters"] for row in summary["rows"]}
    assert by_code["b"] == [1, 0, 0, 0] and by_code["e"] == [0, 1, 0, 0]
    assert by_code["d"] == [0, 0, 1, 0]
    assert summary["forms_used_per_quarter"] == [3, 1, 1, 0]
    assert summary["forms_used_year"] == 5 and summary["form_count"] == 7
    assert summary["contest_form_done"] == [False, True, False, False]
    assert summary["contest_form_done_year"] is True


def test_quarter_report_tables(world):
    units = world["units"]
    report = reports.build_report(2026, 1, None, now=NOW, ward_name="Phù Vân",
                                  issuing_body="ỦY BAN NHÂN DÂN PHƯỜNG PHÙ VÂN")
    counts = {r["code"]: (r["count"], r["people"]) for r in report.by_form}
    assert counts["a"] == (1, 1500) and counts["b"] == (1, 200) and counts["c"] == (1, 80)
    assert counts["e"] == (0, 0)
    assert report.totals["activities"] == 3 and report.totals["people"] == 1780
    assert report.totals["contest_form_done"] is False
    by_unit = {r["name"]: r for r in report.by_unit}
    assert by_unit[units[0].name]["count"] == 2 and by_unit[units[0].name]["forms"] == 2
    assert by_unit[units[2].name]["count"] == 0
    assert report.totals["responsible_reported"] == 2
    assert {q["unit"]: q["quantity"] for q in report.quantities} == {
        "pano": 12, "hội nghị": 1, "tin bài": 3}
    # Contest figures: the two February residents, not the May one.
    assert (report.contest["participants"], report.contest["attempts"],
            report.contest["completed"]) == (2, 2, 2)
    assert report.contest["weakest"][0]["code"] == "a"
    assert report.contest["weakest"][0]["percent_correct"] == 50.0
    strengthen = {a["code"]: a["reason"] for a in report.areas_to_strengthen}
    assert "tỉ lệ trả lời đúng thấp" in strengthen["a"]
    assert "chưa có hoạt động" in strengthen["k"]
    assert "g" not in strengthen  # covered by an activity, never asked in the contest


def test_unit_report_counts_only_that_unit(world):
    units = world["units"]
    report = reports.build_report(2026, None, units[0].id, now=NOW,
                                  issuing_body="X", ward_name="Phù Vân")
    assert report.totals["activities"] == 3 and report.by_unit == []
    assert report.issuing_body == units[0].name.upper()
    assert report.contest["participants"] == 2  # the May resident belongs to unit 1


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_ward_quarter_pdf_in_one_click(client, login_as, world):
    db.session.add(ReportNote(year=2026, quarter=1, unit_id=None,
                              strengths="Các đơn vị chủ động treo pano.",
                              limitations="Bốn đơn vị chưa báo cáo.", proposals="Đôn đốc."))
    db.session.commit()
    login_as(role="organiser")
    response = client.get("/activities/report.pdf?year=2026&quarter=1")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = _pdf_text(response.data)
    for expected in ("BÁO CÁO", "quý I năm 2026", "ỦY BAN NHÂN DÂN PHƯỜNG PHÙ VÂN",
                     "Số: /BC-UBND", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Độc lập - Tự do - Hạnh phúc", "Kết quả thông tin, tuyên truyền cải cách "
                     "hành chính", "Các đơn vị chủ động treo pano.", "TM. ỦY BAN NHÂN DÂN",
                     "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nơi nhận:"):
        assert expected in text, expected
    assert "quý II" not in text


def test_unit_annual_pdf_names_the_unit(client, login_as, world):
    unit = world["units"][0]
    login_as(role="viewer")
    response = client.get(f"/activities/report.pdf?year=2026&quarter=0&unit={unit.id}")
    assert response.status_code == 200
    text = _pdf_text(response.data)
    assert unit.name.upper() in text
    assert "hành chính năm 2026" in text and "quý I năm" not in text
    assert "TM. ỦY BAN NHÂN DÂN" not in text


def test_workbook_totals_equal_the_grid(client, login_as, world):
    login_as(role="organiser")
    response = client.get("/activities/report.xlsx?year=2026&quarter=1")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    grid = svc.coverage_grid(2026)
    by_unit = wb["Theo đơn vị"]
    assert by_unit.freeze_panes == "A2"
    counts = [row[1] for row in by_unit.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(n, int) for n in counts)
    assert sum(counts) == grid["quarter_totals"][0]
    cover = wb["Bao phủ năm 2026"]
    rows = list(cover.iter_rows(min_row=2, values_only=True))
    assert rows[-1][0] == "Tổng cộng"
    assert list(rows[-1][1:5]) == grid["quarter_totals"] and rows[-1][5] == grid["total"]
    assert [sum(r[q] for r in rows[:-1]) for q in range(1, 6)] == [*grid["quarter_totals"],
                                                                    grid["total"]]
    by_form = wb["Theo hình thức"]
    assert sum(r[2] for r in by_form.iter_rows(min_row=2, values_only=True)) == 3


def test_coverage_page_marks_units_that_reported_nothing(client, login_as, world):
    login_as(role="viewer")
    html = client.get("/activities/coverage?year=2026").get_data(as_text=True)
    assert world["units"][3].name in html
    # 6 plan units × 4 quarters, of which 3 cells have activities; the extra unit never counts.
    assert html.count("chưa có</span>") == 6 * 4 - 3


def test_workbook_keeps_formula_looking_text_as_text(client, login_as, world):
    svc.create_activity(ADMIN, svc.ActivityData(
        date_start=date(2026, 2, 1), unit_id=world["units"][0].id, form_id=_form("b"),
        content_area_ids=[_area("a")], title="=HYPERLINK(\"http://evil.example\",\"Bấm\")",
        place="=1+1",
    ), max_bytes=1024)
    db.session.commit()
    login_as(role="organiser")
    wb = load_workbook(io.BytesIO(client.get("/activities/report.xlsx?year=2026&quarter=1").data))
    typed = [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row
             if isinstance(cell.value, str) and cell.value.startswith("=")]
    assert typed, "the activity's title should appear in the workbook"
    assert all(cell.data_type == "s" for cell in typed)
