"""The statistics pages and exports, through the real views and database."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from contest.extensions import db
from contest.helpers.formatting import format_percent
from contest.models import AuditEntry, ParticipantCategory
from contest.services.statistics import participation as stats
from contest.services.statistics.participation import StatsFilter
from tests import factories
from tests.stats_factories import make_attempt, make_scans, vn

PUBLIC_SHEETS = ["Tổng hợp", "Theo ngày", "Theo đơn vị", "Theo đối tượng",
                 "Theo độ tuổi, giới tính", "Theo nguồn", "Theo lĩnh vực", "Theo câu hỏi",
                 "Dự thi và ôn tập"]


def _category(code):
    return db.session.scalar(sa.select(ParticipantCategory).where(ParticipantCategory.code == code))


def build(rounds: int = 1, people: int = 4) -> dict:
    """A contest with ``rounds`` rounds; each person takes each round once (questions a, a, b)."""
    contest = factories.make_contest(title="Cuộc thi tìm hiểu CCHC 2026")
    unit = factories.make_unit("Tổ dân phố <Số 1>", population=200)
    entry = factories.make_entry_point(contest, label="Pano UBND")
    make_scans(entry.id, 12, vn(2026, 3, 2, 7))
    questions = [factories.make_question("a", correct=0), factories.make_question("a", correct=1),
                 factories.make_question("b", correct=2)]
    round_list = [
        factories.make_round(contest, name=f"Tuần {i + 1}", opens_at=vn(2026, 3, 2 + 7 * i),
                             closes_at=vn(2026, 3, 9 + 7 * i))
        for i in range(rounds)
    ]
    persons = []
    for n in range(people):
        person = factories.make_participant(
            contest, full_name=f"Trần Thị {n}", unit_id=unit.id, entry_point_id=entry.id,
            category=_category("nguoi_dan"), birth_year=1980 + n, gender="female",
            citizen_id=f"0011900{n:05d}", created_at=vn(2026, 3, 2, 8))
        persons.append(person)
        for i, round_ in enumerate(round_list):
            # person n gets the first n % 4 questions right (area b is the weakest)
            answers = [(q, q.correct_option if k < n % 4 else (q.correct_option + 1) % 4)
                       for k, q in enumerate(questions)]
            make_attempt(person, round_, started_at=vn(2026, 3, 2 + 7 * i, 9 + n),
                         answers=answers)
    return dict(contest=contest, rounds=round_list, unit=unit, persons=persons,
                questions=questions)


def _stat(html: str, name: str) -> str:
    match = re.search(rf'id="stat-{name}">([^<]*)<', html)
    assert match, name
    return match.group(1)


def _assert_csp_safe(html: str):
    assert "style=" not in html
    assert "<script>" not in html and "<script " not in html.replace('<script src=', '')


# --------------------------------------------------------------------------- access


def test_requires_sign_in(client):
    response = client.get("/reports/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unit_reporter_is_refused(client, login_as):
    login_as("unit_reporter")
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/export.xlsx").status_code == 403


# --------------------------------------------------------------------------- dashboard


def test_dashboard_without_any_contest(client, login_as):
    login_as("viewer")
    response = client.get("/reports/")
    assert response.status_code == 200
    assert "Chưa có cuộc thi nào" in response.get_data(as_text=True)


def test_dashboard_with_a_contest_and_no_data(app, client, login_as):
    with app.app_context():
        factories.make_contest()
    login_as("viewer")
    response = client.get("/reports/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _stat(html, "participants") == "0"
    assert "Chưa có dữ liệu" in html
    _assert_csp_safe(html)


def test_dashboard_one_round(app, client, login_as):
    with app.app_context():
        build(rounds=1, people=4)
    login_as("viewer")
    html = client.get("/reports/").get_data(as_text=True)
    assert _stat(html, "participants") == "4"
    assert _stat(html, "attempts") == "4"
    assert _stat(html, "completed") == "4"
    assert _stat(html, "full-marks") == "1"  # person 3 got all three right
    # scores 0, 1, 2, 3 → average 1.5; rate 4 / 200 = 2 %
    assert _stat(html, "average") == "1,50"
    assert _stat(html, "rate") == "2,0 %"
    assert html.count("<svg") >= 6
    # Names are escaped in charts and tables alike.
    assert "Tổ dân phố &lt;Số 1&gt;" in html and "<Số 1>" not in html
    assert "Pano UBND" in html
    # The office is told why a unit's count can be lower on the collective prize page.
    assert "Giải tập thể (trang Kết quả) chỉ tính người có bài đã nộp" in html
    _assert_csp_safe(html)


def test_dashboard_many_rounds_and_round_filter(app, client, login_as):
    with app.app_context():
        data = build(rounds=3, people=2)
        contest_id, second = data["contest"].id, data["rounds"][1].id
    login_as("viewer")
    html = client.get("/reports/").get_data(as_text=True)
    assert _stat(html, "participants") == "2"
    assert _stat(html, "attempts") == "6"
    assert all(f"Tuần {i}" in html for i in (1, 2, 3))
    html = client.get(f"/reports/?contest={contest_id}&round={second}").get_data(as_text=True)
    assert _stat(html, "attempts") == "2"
    html = client.get(
        f"/reports/?contest={contest_id}&date_from=2026-03-09&date_to=2026-03-15"
    ).get_data(as_text=True)
    assert _stat(html, "attempts") == "2"  # only the second week's attempts


@pytest.mark.parametrize("query, message", [
    ("round=999999", "Đợt thi đã chọn không thuộc cuộc thi này"),
    ("date_from=2026-03-10&date_to=2026-03-01", "“Đến ngày” phải sau hoặc bằng “Từ ngày”"),
    ("date_from=2026-13-45", "Ngày không hợp lệ"),
    ("date_to=0001-01-01", "Hãy chọn ngày trong các năm"),
    ("unit=abc", "Đơn vị đã chọn không tồn tại"),
    ("category=99999", "Đối tượng đã chọn không tồn tại"),
])
def test_bad_filters_get_a_vietnamese_message(app, client, login_as, query, message):
    with app.app_context():
        contest_id = factories.make_contest().id
    login_as("viewer")
    response = client.get(f"/reports/?contest={contest_id}&{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    response = client.get(f"/reports/export.xlsx?contest={contest_id}&{query}")
    assert response.status_code == 400
    assert client.get(f"/reports/items?contest={contest_id}&{query}").status_code == 400


def test_unknown_contest_is_refused(app, client, login_as):
    with app.app_context():
        factories.make_contest()
    login_as("viewer")
    response = client.get("/reports/?contest=424242")
    assert response.status_code == 400
    assert "Cuộc thi đã chọn không tồn tại" in response.get_data(as_text=True)


# --------------------------------------------------------------------------- item analysis page


def test_item_analysis_page(app, client, login_as):
    with app.app_context():
        data = build(rounds=1, people=12)
        contest_id = data["contest"].id
    login_as("viewer")
    html = client.get(f"/reports/items?contest={contest_id}").get_data(as_text=True)
    assert re.search(r'id="analysed">12<', html)
    areas = html[html.index('id="areas"'):html.index('id="questions"')]
    # Area b (the third question, right only for people with n % 4 == 3) is weakest.
    assert areas.index("b) ") < areas.index("a) ")
    assert "Hầu hết trả lời sai" in html or "Có phương án sai" in html
    _assert_csp_safe(html)
    # Second view is served from the cache.
    assert "được tính lại khi có bài nộp mới" in client.get(
        f"/reports/items?contest={contest_id}").get_data(as_text=True)


def test_item_analysis_page_without_contest(client, login_as):
    login_as("viewer")
    response = client.get("/reports/items")
    assert response.status_code == 200
    assert "Chưa có cuộc thi nào" in response.get_data(as_text=True)


# --------------------------------------------------------------------------- exports


def _workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(response.data))


def _summary(wb) -> dict:
    return {row[0]: row[1] for row in wb["Tổng hợp"].iter_rows(min_row=2, values_only=True)}


def test_viewer_workbook_has_no_personal_sheet_and_totals_match(app, client, login_as):
    with app.app_context():
        data = build(rounds=2, people=4)
        h = stats.headline(StatsFilter(data["contest"].id))
    login_as("viewer")
    wb = _workbook(client.get("/reports/export.xlsx"))
    assert wb.sheetnames == PUBLIC_SHEETS
    summary = _summary(wb)
    assert summary["Số người dự thi"] == h.participants == 4
    assert summary["Số lượt thi"] == h.attempts == 8
    assert summary["Số lượt thi đã nộp bài"] == h.completed_attempts
    assert summary["Số người đạt điểm tuyệt đối"] == h.full_marks_participants
    assert isinstance(summary["Số lượt thi"], int)
    assert isinstance(summary["Thời điểm xuất"], datetime)

    days = wb["Theo ngày"]
    assert [c.value for c in days[1]] == ["Ngày", "Số người dự thi", "Số lượt thi",
                                          "Số lượt đã nộp bài"]
    assert days.freeze_panes == "A2"
    rows = list(days.iter_rows(min_row=2, values_only=True))
    assert isinstance(rows[0][0], datetime) and rows[0][0].date() == date(2026, 3, 2)
    assert days["A2"].number_format == "DD/MM/YYYY"
    assert sum(r[2] for r in rows) == h.attempts

    units = wb["Theo đơn vị"]
    assert units.column_dimensions["A"].width == 40
    unit_rows = list(units.iter_rows(min_row=2, values_only=True))
    assert sum(r[3] for r in unit_rows) == h.participants
    mine = next(r for r in unit_rows if r[0] == "Tổ dân phố <Số 1>")
    assert mine[2] == 200 and mine[6] == pytest.approx(4 / 200)
    assert units["G1"].value == "Tỉ lệ tham gia (%)"

    sources = list(wb["Theo nguồn"].iter_rows(min_row=2, values_only=True))
    assert sources[0][:5] == ("Pano UBND", "Áp phích", 12, 4, 4)

    areas = list(wb["Theo lĩnh vực"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in areas] == ["b", "a"]  # weakest first
    # first attempts only: 4 people × 2 rounds × 2 questions of area a
    assert areas[1][4] == 16
    questions = list(wb["Theo câu hỏi"].iter_rows(min_row=2, values_only=True))
    assert len(questions) == 3 and all(isinstance(r[3], int) for r in questions)

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
            ~AuditEntry.action.startswith("auth."))) == 0  # only the sign-in is logged


PARTICIPANTS_XLSX = "/reports/export/danh-sach-thi-sinh.xlsx"


def _personal_exports(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.action == "report.export_personal"))


def test_organiser_statistics_workbook_has_no_personal_data(app, client, login_as):
    """The workbook the office forwards carries figures only, even for the organisers."""
    with app.app_context():
        build(rounds=2, people=3)
    login_as("organiser")
    page = client.get("/reports/").get_data(as_text=True)
    assert "Tải danh sách thí sinh (Excel .xlsx)" in page
    wb = _workbook(client.get("/reports/export.xlsx"))
    assert wb.sheetnames == PUBLIC_SHEETS
    assert _personal_exports(app) == 0


def test_organiser_participant_list_is_its_own_workbook_and_is_audited(app, client, login_as):
    with app.app_context():
        build(rounds=2, people=3)
    username = login_as("organiser")
    wb = _workbook(client.get(PARTICIPANTS_XLSX))
    assert wb.sheetnames == ["Danh sách thí sinh"]
    sheet = wb["Danh sách thí sinh"]
    header = [c.value for c in sheet[1]]
    assert header == ["STT", "Họ và tên", "Số điện thoại", "Số CCCD", "Năm sinh", "Giới tính",
                      "Đơn vị", "Đối tượng", "Nguồn (mã QR)", "Thời điểm đăng ký",
                      "Số lượt thi", "Điểm cao nhất"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3
    first = rows[0]
    assert first[1] == "Trần Thị 0"
    assert isinstance(first[2], str) and first[2].startswith("0")
    assert first[3] == "001190000000"  # leading zeros kept: text, not a number
    assert (first[4], first[5], first[6]) == (1980, "Nữ", "Tổ dân phố <Số 1>")
    assert first[9] == datetime(2026, 3, 2, 8, 0)  # Vietnam time
    assert (first[10], first[11]) == (2, 0)
    assert rows[2][11] == 2
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(
            AuditEntry.action == "report.export_personal"))
        assert entry.action == "report.export_personal"
        assert entry.user.username == username
        assert "xlsx" in entry.summary and "danh sách thí sinh" in entry.summary


def test_viewer_cannot_download_participant_list(app, client, login_as):
    with app.app_context():
        build(rounds=1, people=2)
    login_as("viewer")
    assert "Tải danh sách thí sinh" not in client.get("/reports/").get_data(as_text=True)
    for url in ("/reports/export/danh-sach-thi-sinh.csv", PARTICIPANTS_XLSX):
        response = client.get(url)
        assert response.status_code == 403
        assert "dữ liệu cá nhân" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
            ~AuditEntry.action.startswith("auth."))) == 0  # only the sign-in is logged


def test_csv_tables_open_in_excel_and_are_defused(app, client, login_as):
    with app.app_context():
        data = build(rounds=1, people=2)
        factories.make_participant(data["contest"], full_name="=HYPERLINK(\"http://x\")",
                                   unit_other="+cmd|' /C calc'!A0", created_at=vn(2026, 3, 3))
    login_as("admin")
    response = client.get("/reports/export/danh-sach-thi-sinh.csv")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["STT", "Họ và tên", "Số điện thoại"]
    evil = rows[-1]
    assert evil[1] == "'=HYPERLINK(\"http://x\")"
    assert evil[6] == "'+cmd|' /C calc'!A0"
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEntry.summary).where(
            AuditEntry.action == "report.export_personal")).count("csv") == 1
    # the same name in the workbook is text, never a formula
    sheet = _workbook(client.get(PARTICIPANTS_XLSX))["Danh sách thí sinh"]
    cell = sheet.cell(row=sheet.max_row, column=2)
    assert cell.value == "=HYPERLINK(\"http://x\")" and cell.data_type == "s"


def test_workbook_keeps_typed_text_as_text(app, client, login_as):
    """What a resident types stays what they typed: no link, no number, no formula."""
    with app.app_context():
        data = build(rounds=1, people=1)
        for name in ("http://vi-du.vn", "0123", "=1+1"):
            factories.make_participant(data["contest"], full_name=name,
                                       created_at=vn(2026, 3, 3))
    login_as("organiser")
    sheet = _workbook(client.get(PARTICIPANTS_XLSX))["Danh sách thí sinh"]
    cells = [sheet.cell(row=row, column=2) for row in range(3, 6)]
    assert [c.value for c in cells] == ["http://vi-du.vn", "0123", "=1+1"]
    assert all(c.data_type == "s" and c.hyperlink is None for c in cells)


@pytest.mark.parametrize("slug", ["tong-hop", "theo-ngay", "theo-don-vi", "theo-doi-tuong",
                                  "theo-do-tuoi", "theo-nguon", "theo-linh-vuc", "theo-cau-hoi",
                                  "on-tap"])
def test_every_table_has_a_csv(app, client, login_as, slug):
    with app.app_context():
        build(rounds=1, people=2)
    login_as("viewer")
    response = client.get(f"/reports/export/{slug}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) >= 2 and all(rows[0])


def test_unknown_csv_table_is_404(client, login_as):
    login_as("viewer")
    assert client.get("/reports/export/khong-co.csv").status_code == 404


def test_viewer_can_read_but_not_post(client, login_as):
    login_as("viewer")
    assert client.post("/reports/").status_code in (403, 405)


# --------------------------------------------------------------------------- charts (pure)


def test_charts_are_well_formed_escaped_svg_without_style_attributes():
    import xml.etree.ElementTree as ET

    from contest import charts
    evil = '<script>alert("x")</script> & Tổ "1"'
    svgs = [
        charts.bar_chart([(evil, 3), ("Tổ dân phố 2", 0)], title=evil),
        charts.bar_chart([("Tỉ lệ", 0.125)], title="Tỉ lệ", value_label=format_percent),
        charts.line_chart(["01/03", "02/03"], [("Người dự thi", [1, 5]), (evil, [2, 0])],
                          title="Theo ngày"),
        charts.grouped_bar_chart(["Dưới 18 tuổi", evil], [("Nam", [1, 2]), ("Nữ", [0, 4])],
                                 title="Tuổi"),
        charts.funnel_chart([("Lượt quét", 10), ("Đăng ký", 4), ("Nộp bài", 2)], title="Phễu"),
        charts.bar_chart([], title="Trống"),
        charts.line_chart([], [], title="Trống"),
    ]
    for svg in svgs:
        text = str(svg)
        ET.fromstring(text)  # noqa: S314 - our own output, checked to be well-formed XML
        assert "<script" not in text and "style=" not in text
    assert "&lt;script&gt;" in str(svgs[0])
    assert "12,5 %" in str(svgs[1])
    assert "Nộp bài: 2 (20,0 %)" in str(svgs[4])
    assert "Chưa có dữ liệu" in str(svgs[5]) and "Chưa có dữ liệu" in str(svgs[6])
    # Two equal series stay both visible: the second line is dashed over the first.
    lines = [el for el in ET.fromstring(str(charts.line_chart(  # noqa: S314 - our own output
        ["01/03", "02/03"], [("Người dự thi", [2, 2]), ("Lượt thi", [2, 2])], title="Bằng nhau",
    ))).iter() if el.tag.endswith("polyline")]
    assert [line.get("points") for line in lines][0] == lines[1].get("points")
    assert lines[0].get("stroke-dasharray") is None and lines[1].get("stroke-dasharray")


def test_count_ticks_are_distinct_whole_numbers():
    from contest.charts import count_ticks

    assert count_ticks(0) == [0, 1]
    assert count_ticks(1) == [0, 1]
    assert count_ticks(3) == [0, 1, 2, 3]
    assert count_ticks(7) == [0, 2, 4, 6, 8]
    assert count_ticks(12) == [0, 5, 10, 15]
    assert count_ticks(2400) == [0, 1000, 2000, 3000]
    for value in range(0, 5000, 37):
        ticks = count_ticks(value)
        assert ticks[-1] >= value and len(ticks) <= 6 and len(set(ticks)) == len(ticks)
