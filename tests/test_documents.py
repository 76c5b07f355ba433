"""Signed documents: the office's number and signer, the report as Word and as PDF."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.helpers.formatting import format_phone
from contest.models import AuditEntry, ReportNote, Unit
from contest.services.activity_log import period_reports as reports
from contest.services.documents import signers
from tests.helpers import docx_text, pdf_pages

NOW = datetime(2026, 4, 3, 2, 0, tzinfo=UTC)
SIGNER = {"number": "/BC-UBND", "authority": "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH",
          "position": "Phó Chủ tịch", "signer": "Lê Thị Thu"}


def _save_setting(client, kind: str = "ward_report", **values):
    data = {f"{kind}-{name}": value for name, value in {**SIGNER, **values}.items()}
    return client.post(f"/admin/documents/{kind}", data=data)


# --- settings ----------------------------------------------------------------------------

def test_office_fills_the_signer_once(client, login_as, app):
    login_as("organiser")
    page = client.get("/admin/documents/").get_data(as_text=True)
    assert "Văn bản và người ký" in page and "PHÓ CHỦ TỊCH" in page
    response = _save_setting(client)
    assert response.status_code == 302
    with app.app_context():
        signing = signers.current("ward_report")
        assert signing.signature.name == "Lê Thị Thu"
        assert signing.signature.position == "PHÓ CHỦ TỊCH"  # capitals, as the decree prints
        assert signing.signature.authority == ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH")
        assert db.session.query(AuditEntry).filter_by(action="documents.signer").count() == 1


def test_settings_refuse_bad_values_beside_the_field(client, login_as):
    login_as("organiser")
    response = _save_setting(client, signer="x" * 101)
    assert response.status_code == 400
    assert "Họ tên người ký dài tối đa 100 ký tự." in response.get_data(as_text=True)
    response = _save_setting(client, authority="TM. A\nKT. B\nC\nD")
    assert response.status_code == 400
    assert "tối đa 3 dòng" in response.get_data(as_text=True)
    assert client.post("/admin/documents/nope", data={}).status_code == 404


def test_viewer_reads_the_settings_but_cannot_change_them(client, login_as):
    login_as("viewer")
    page = client.get("/admin/documents/")
    assert page.status_code == 200
    assert "/admin/documents/ward_report" not in page.get_data(as_text=True)
    assert _save_setting(client).status_code == 403


# --- the quarterly report ------------------------------------------------------------------

def test_report_docx_in_the_decree_layout(client, login_as, app):
    login_as("organiser")
    _save_setting(client)
    with app.app_context():
        db.session.add(ReportNote(year=2026, quarter=1, unit_id=None,
                                  strengths="Các đơn vị chủ động treo pano.",
                                  limitations="", proposals="Đôn đốc các đơn vị."))
        db.session.commit()
    response = client.get("/activities/report.docx?year=2026&quarter=1")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert response.headers["Content-Disposition"].startswith("attachment")
    document, text = docx_text(response.data)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "ỦY BAN NHÂN DÂN", "PHƯỜNG PHÙ VÂN", "/BC-UBND", "Phù Vân, ngày",
                     "BÁO CÁO", "Kết quả thông tin, tuyên truyền cải cách hành chính",
                     "quý I năm 2026", "Các đơn vị chủ động treo pano.", "Đôn đốc các đơn vị.",
                     "Nơi nhận:", "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH",
                     "Lê Thị Thu", "III. ĐỀ XUẤT, KIẾN NGHỊ"):
        assert expected in text, expected
    # Times New Roman, 13 pt body, A4 with the decree's margins.
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size.pt == 13
    fonts = {run.font.name for p in document.paragraphs for run in p.runs if run.text.strip()}
    assert fonts == {"Times New Roman"}
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.left_margin.mm) == 30
    # The table of forms holds every form with its counts, and the total.
    forms_table = next(t for t in document.tables if t.rows[0].cells[1].text == "Hình thức")
    rows = [[c.text for c in row.cells] for row in forms_table.rows]
    assert rows[0] == ["Mục", "Hình thức", "Số hoạt động", "Số người"]
    assert len(rows) == 1 + 7 + 1 and rows[-1][1] == "Tổng cộng"


def test_number_and_signer_changed_for_one_download(client, login_as):
    login_as("organiser")
    _save_setting(client)
    args = ("year=2026&quarter=1&number=15/BC-UBND&authority=TM.+%E1%BB%A6Y+BAN+NH%C3%82N+D%C3%82N"
            "%0D%0AKT.+CH%E1%BB%A6+T%E1%BB%8ACH&position=ph%C3%B3+ch%E1%BB%A7+t%E1%BB%8Bch"
            "&signer=Nguy%E1%BB%85n+V%C4%83n+An")
    _document, text = docx_text(client.get(f"/activities/report.docx?{args}").data)
    assert "Số: 15/BC-UBND" in text and "Nguyễn Văn An" in text and "Lê Thị Thu" not in text
    pages = pdf_pages(client.get(f"/activities/report.pdf?{args}").data)
    assert "Số: 15/BC-UBND" in pages[0] and "Nguyễn Văn An" in pages[-1]
    assert "PHÓ CHỦ TỊCH" in pages[-1]
    # The setting itself is unchanged.
    _document, text = docx_text(client.get("/activities/report.docx?year=2026&quarter=1").data)
    assert "Lê Thị Thu" in text


@pytest.mark.parametrize("query, message", [
    ("signer=" + "x" * 101, "Họ tên người ký dài tối đa 100 ký tự."),
    ("number=%01", "Số, ký hiệu có ký tự không hợp lệ"),
])
def test_bad_download_values_are_a_clear_400(client, login_as, query, message):
    login_as("organiser")
    for kind in ("docx", "pdf"):
        response = client.get(f"/activities/report.{kind}?year=2026&quarter=1&{query}")
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


def test_report_page_offers_word_and_the_signing_form(client, login_as):
    login_as("organiser")
    page = client.get("/activities/report?year=2026&quarter=1").get_data(as_text=True)
    assert "/activities/report.docx?" in page
    assert 'name="signer"' in page and "chưa có họ tên người ký" in page
    # The download form offers the lengths the settings and the service accept.
    for name, longest in (("number", 60), ("authority", 200), ("position", 100),
                          ("signer", 100)):
        assert re.search(rf'name="{name}"[^>]*maxlength="{longest}"', page), name


def test_unit_report_is_signed_by_the_unit_head(client, login_as, app):
    with app.app_context():
        unit_id = db.session.scalar(sa.select(Unit.id).where(Unit.is_plan_responsible))
    login_as("viewer")
    _document, text = docx_text(
        client.get(f"/activities/report.docx?year=2026&quarter=0&unit={unit_id}").data)
    assert "THỦ TRƯỞNG ĐƠN VỊ" in text and "TM. ỦY BAN NHÂN DÂN" not in text
    assert "UBND PHƯỜNG PHÙ VÂN" in text and "/BC" in text


def test_signature_never_alone_on_a_page(app_ctx):
    """Whatever the length of the last section, the signer's page also holds its text."""
    base = reports.build_report(2026, 1, None, now=NOW,
                                issuing_body="ỦY BAN NHÂN DÂN PHƯỜNG PHÙ VÂN",
                                ward_name="Phù Vân")
    signing = signers.Signing("/BC-UBND", signers.current("ward_report").signature.__class__(
        ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"), "PHÓ CHỦ TỊCH", "Lê Thị Thu"))
    moved = 0
    for lines in range(0, 30, 2):
        limitation = "\n".join(f"Hạn chế số {i} của kỳ báo cáo." for i in range(lines))
        report = dataclasses.replace(base, note={"strengths": "", "limitations": limitation,
                                                 "proposals": "Kiến nghị cuối cùng."})
        pages = pdf_pages(reports.render_pdf(report, signing))
        signed = [page for page in pages if "Lê Thị Thu" in page]
        assert len(signed) == 1
        assert "Kiến nghị cuối cùng." in signed[0], lines
        assert "PHÓ CHỦ TỊCH" in signed[0] and "Nơi nhận:" in signed[0]
        moved += signed[0].startswith(("2 III.", "3 III.", "4 III."))
    assert moved, "no length pushed the closing over a page: the test proves nothing"


@pytest.mark.parametrize("stored, shown", [
    ("+84912345678", "0912 345 678"), ("0912345678", "0912 345 678"), ("", ""), (None, ""),
    ("+8424123", "024123"),
])
def test_phones_as_the_office_writes_them(stored, shown):
    assert format_phone(stored) == shown
