"""The winners' certificates (giấy chứng nhận), one A4 landscape page each.

fpdf2 with the bundled DejaVu fonts embedded, so Vietnamese diacritics print on any
machine. They read a publication snapshot only: what is printed is exactly what was
published. The lists and the decision are in ``results.documents``.
"""

from __future__ import annotations

from datetime import datetime

from fpdf import FPDF

from contest.helpers.nd30 import MOTTO, NATIONAL_NAME, Signature, place_date_line
from contest.helpers.pdf import add_fonts
from contest.helpers.timeutil import to_local
from contest.services.results.prizes import NO_WINNERS_TEXT

#: Move to the start of the next line after a cell (fpdf2 otherwise stays to the right).
NEXT_LINE = {"new_x": "LMARGIN", "new_y": "NEXT"}


def _pdf(orientation: str = "P") -> FPDF:
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    add_fonts(pdf)
    pdf.set_auto_page_break(auto=True, margin=15)
    return pdf


def _certificate_page(pdf: FPDF, organisation_full: str) -> None:
    """A new landscape certificate page: the double red frame, the issuing body on the
    left and the quốc hiệu and tiêu ngữ on the right (the same on every certificate)."""
    pdf.add_page()
    pdf.set_draw_color(165, 14, 14)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_line_width(0.4)
    pdf.rect(13, 13, 271, 184)
    pdf.set_xy(20, 20)
    pdf.set_font("DejaVuSerif", "B", 12)
    pdf.cell(110, 6, organisation_full, align="C")
    pdf.cell(0, 6, NATIONAL_NAME, align="C", **NEXT_LINE)
    pdf.set_x(130)
    pdf.cell(0, 6, MOTTO, align="C", **NEXT_LINE)


def _signature_block(pdf: FPDF, top: float, ward: str, day: datetime,
                     signature: Signature) -> None:
    """Place and date, quyền hạn and chức vụ, and under the space to sign, the name."""
    pdf.set_xy(150, top)
    pdf.set_font("DejaVuSerif", "", 12)
    pdf.cell(120, 7, place_date_line(ward, day.date()), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVuSerif", "B", 12)
    for line in signature.heading_lines:
        pdf.cell(120, 6.5, line, align="C", new_x="LEFT", new_y="NEXT")
    if signature.name:
        pdf.set_y(184)
        pdf.set_x(150)
        pdf.cell(120, 7, signature.name, align="C")


def certificates_pdf(snapshot: dict, *, organisation: str, organisation_full: str, ward: str,
                     published_at: datetime, signature: Signature) -> bytes:
    """One A4 landscape giấy chứng nhận per winner of the publication, signed for the
    organising committee: quyền hạn, chức vụ and, under the space for the signature, the name."""
    pdf = _pdf("L")
    pdf.set_auto_page_break(auto=False)
    day = to_local(published_at)
    for w in snapshot["winners"]:
        _certificate_page(pdf, organisation_full)
        pdf.set_y(52)
        pdf.set_text_color(165, 14, 14)
        pdf.set_font("DejaVuSerif", "B", 32)
        pdf.cell(0, 16, "GIẤY CHỨNG NHẬN", align="C", **NEXT_LINE)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("DejaVuSerif", "", 14)
        pdf.ln(4)
        pdf.cell(0, 9, f"{organisation} chứng nhận", align="C", **NEXT_LINE)
        pdf.set_font("DejaVuSerif", "B", 22)
        pdf.cell(0, 13, w["full_name"], align="C", **NEXT_LINE)
        pdf.set_font("DejaVuSerif", "", 14)
        if w["unit"]:
            pdf.cell(0, 9, f"Đơn vị: {w['unit']}", align="C", **NEXT_LINE)
        pdf.cell(0, 9, "Đã đạt", align="C", **NEXT_LINE)
        pdf.set_font("DejaVuSerif", "B", 20)
        prize = w["prize"].upper() + (f" — {w['group']}" if w.get("group") else "")
        pdf.cell(0, 12, prize, align="C", **NEXT_LINE)
        pdf.set_font("DejaVuSerif", "", 14)
        pdf.set_x(30)
        about = f"{snapshot['round_name']} — {snapshot['contest_title']}"
        # A long contest title takes a smaller size rather than running into the signature.
        pdf.set_font("DejaVuSerif", "", 14 if len(about) <= 120 else 12)
        pdf.multi_cell(237, 7, about, align="C", **NEXT_LINE)
        _signature_block(pdf, max(pdf.get_y() + 2, 146), ward, day, signature)
    if not snapshot["winners"]:
        pdf.add_page()
        pdf.set_font("DejaVuSerif", "", 14)
        pdf.cell(0, 10, NO_WINNERS_TEXT, align="C")
    return bytes(pdf.output())


def participation_certificate_pdf(*, full_name: str, unit: str, contest_title: str,
                                  round_name: str, correct: int, total: int, organisation: str,
                                  organisation_full: str, ward: str,
                                  submitted_at: datetime, signature: Signature) -> bytes:
    """Giấy chứng nhận tham gia: one A4 landscape page for a resident who submitted.

    Name, unit, contest, round and score (số câu đúng). Only the letters used are
    embedded (fpdf2 subsets the fonts), so the file stays a few tens of KB.
    """
    pdf = _pdf("L")
    pdf.set_auto_page_break(auto=False)
    pdf.set_title(f"Giấy chứng nhận tham gia - {full_name}")
    _certificate_page(pdf, organisation_full)
    pdf.set_y(50)
    pdf.set_text_color(165, 14, 14)
    pdf.set_font("DejaVuSerif", "B", 28)
    pdf.cell(0, 14, "GIẤY CHỨNG NHẬN THAM GIA", align="C", **NEXT_LINE)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVuSerif", "", 14)
    pdf.ln(4)
    pdf.cell(0, 9, f"{organisation} chứng nhận", align="C", **NEXT_LINE)
    pdf.set_font("DejaVuSerif", "B", 22)
    pdf.cell(0, 13, full_name, align="C", **NEXT_LINE)
    pdf.set_font("DejaVuSerif", "", 14)
    if unit:
        pdf.cell(0, 9, f"Đơn vị: {unit}", align="C", **NEXT_LINE)
    pdf.cell(0, 9, "đã tham gia", align="C", **NEXT_LINE)
    pdf.set_font("DejaVuSerif", "B", 15)
    pdf.set_x(30)
    pdf.multi_cell(237, 8, contest_title, align="C", **NEXT_LINE)
    pdf.set_font("DejaVuSerif", "", 14)
    pdf.cell(0, 9, f"{round_name} · Kết quả: {correct}/{total} câu trả lời đúng", align="C",
             **NEXT_LINE)
    _signature_block(pdf, max(pdf.get_y() + 2, 146), ward, to_local(submitted_at), signature)
    return bytes(pdf.output())
