"""Printable PDFs: the A4 poster of one QR code, and a sticker sheet of many.

Plain values in (URLs, titles, aware datetimes), PDF bytes out. DejaVu fonts
are embedded because the PDF core fonts have no Vietnamese letters.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fpdf import FPDF

from contest.helpers.pdf import add_fonts
from contest.helpers.timeutil import format_period
from contest.services.contests.entry_points import qr_image

#: The plan's guiding sentence, printed on every poster.
SLOGAN = (
    "Cải cách hành chính phải xuất phát từ lợi ích của người dân, doanh nghiệp; "
    "lấy người dân, doanh nghiệp làm trung tâm"
)
RED = (165, 14, 14)
DARK = (17, 17, 17)


@dataclass(frozen=True)
class RoundDates:
    name: str
    opens_at: datetime
    closes_at: datetime


@dataclass(frozen=True)
class Sticker:
    url: str
    place: str = ""
    code: str = ""


def round_line(dates: RoundDates) -> str:
    return f"{dates.name}: {format_period(dates.opens_at, dates.closes_at)}"


def _pdf(title: str) -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(15, 15, 15)
    add_fonts(pdf)
    pdf.set_title(title)
    pdf.set_creator("Cuộc thi tìm hiểu về cải cách hành chính")
    return pdf


def _fit_font_size(pdf: FPDF, text: str, width: float, start: float, smallest: float) -> float:
    """The largest size from ``start`` down at which ``text`` fits on one line."""
    size = start
    while size > smallest:
        pdf.set_font_size(size)
        if pdf.get_string_width(text) <= width:
            break
        size -= 1
    pdf.set_font_size(size)
    return size


#: What a sticker says to passers-by (the entry point's label is for the organisers).
STICKER_CALL = "Quét mã để dự thi"
TEST_COPY_MARK = "BẢN THỬ"


def prize_lines(tiers: Sequence[dict]) -> list[str]:
    """'Giải Nhất: 1 giải — Giấy khen và 1.000.000 đồng' for each tier."""
    lines = []
    for tier in tiers:
        line = f"{tier.get('name', '')}: {tier.get('count', 0)} giải"
        if tier.get("value"):
            line += f" — {tier['value']}"
        lines.append(line)
    return lines


def _test_copy(pdf: FPDF, warning: str, y: float) -> None:
    """'BẢN THỬ' across the page and the reason at its top, for a QR that phones cannot open."""
    with pdf.local_context(fill_opacity=0.22, text_color=RED):
        pdf.set_font("DejaVu", "B", 110)
        with pdf.rotation(50, x=pdf.w / 2, y=pdf.h / 2):
            pdf.set_xy(0, pdf.h / 2 - 20)
            pdf.cell(pdf.w, 40, TEST_COPY_MARK, align="C")
    pdf.set_font("DejaVu", "B", 8)
    pdf.set_text_color(*RED)
    pdf.set_xy(12, y)
    pdf.multi_cell(pdf.w - 24, 3.3, warning, align="C")
    pdf.set_text_color(*DARK)


def poster_pdf(*, title: str, url: str, organiser: str, rounds: Sequence[RoundDates] = (),
               prizes: Sequence[str] = (), place: str = "", code: str = "",
               slogan: str = SLOGAN, test_copy_warning: str = "") -> bytes:
    """An A4 poster: organiser, title, every round's dates, the QR code, the URL typed out,
    the prizes, the slogan. ``test_copy_warning`` (the address is a local one) marks the
    page "BẢN THỬ" and prints the warning at its top."""
    pdf = _pdf(title)
    pdf.add_page()
    # The QR code gives way to round and prize lines, down to a size still easy to scan.
    qr_size = max(62, 105 - 7 * max(0, len(rounds) - 1) - 6 * (len(prizes) + bool(prizes)))
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_draw_color(*RED)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)

    pdf.set_text_color(*DARK)
    pdf.set_font("DejaVu", "B", 13)
    pdf.set_y(16)
    pdf.multi_cell(width, 6.5, organiser.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    pdf.set_text_color(*RED)
    pdf.set_font("DejaVu", "B", 24 if len(title) < 90 else 19)
    pdf.multi_cell(width, 11, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_text_color(*DARK)
    pdf.set_font("DejaVu", "", 13)
    pdf.set_font_size(13 if len(rounds) <= 3 else 11)
    for dates in rounds:
        pdf.multi_cell(width, 6.5, round_line(dates), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    pdf.set_font("DejaVu", "B", 17)
    pdf.cell(width, 9, "Quét mã QR bằng điện thoại để dự thi", align="C",
             new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y() + 2
    pdf.image(qr_image(url, box_size=20), x=(pdf.w - qr_size) / 2, y=top, w=qr_size, h=qr_size)
    pdf.set_y(top + qr_size + 3)

    pdf.set_font("DejaVu", "", 13)
    pdf.cell(width, 7, "Không quét được mã? Gõ địa chỉ sau vào trình duyệt:", align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B")
    _fit_font_size(pdf, url, width, 22, 10)
    pdf.multi_cell(width, 11, url, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    if prizes:
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(width, 6.5, "Cơ cấu giải", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 11)
        for line in prizes:
            pdf.multi_cell(width, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    pdf.set_text_color(*RED)
    pdf.set_font("DejaVuSerif", "B", 14)
    pdf.multi_cell(width, 7.5, f"“{slogan}”", align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.set_text_color(*DARK)
    pdf.set_font("DejaVu", "", 12)
    pdf.set_y(pdf.h - 32)
    pdf.multi_cell(width, 6, f"Ban tổ chức: {organiser}", align="C",
                   new_x="LMARGIN", new_y="NEXT")
    if place or code:
        pdf.set_font("DejaVu", "", 8)
        pdf.set_text_color(110, 110, 110)
        tag = " · ".join(part for part in (place, f"Mã {code}" if code else "") if part)
        pdf.cell(width, 5, tag, align="C")
    if test_copy_warning:
        _test_copy(pdf, test_copy_warning, pdf.h - 19.5)
    return bytes(pdf.output())


def sticker_sheet_pdf(*, title: str, stickers: Sequence[Sticker], columns: int = 3,
                      rows: int = 4, test_copy_warning: str = "") -> bytes:
    """A4 pages of QR stickers in a grid, each saying "Quét mã để dự thi" with the URL typed
    out, and in small print where it goes and its code (the label stays for organisers)."""
    pdf = _pdf(f"Mã QR — {title}")
    margin_x, header_h, margin_bottom = 10, 14, 8
    cell_w = (pdf.w - 2 * margin_x) / columns
    cell_h = (pdf.h - header_h - margin_bottom - 6) / rows
    per_page = columns * rows
    if not stickers:
        pdf.add_page()
        pdf.set_font("DejaVu", "", 12)
        pdf.cell(0, 10, f"{title}: chưa có mã QR nào.")
        if test_copy_warning:
            _test_copy(pdf, test_copy_warning, pdf.h - 12)
        return bytes(pdf.output())
    pages = (len(stickers) + per_page - 1) // per_page
    for index, sticker in enumerate(stickers):
        slot = index % per_page
        if slot == 0:
            if index and test_copy_warning:
                _test_copy(pdf, test_copy_warning, pdf.h - 12)
            pdf.add_page()
            pdf.set_font("DejaVu", "B", 10)
            pdf.set_text_color(*DARK)
            pdf.set_xy(margin_x, 6)
            pdf.cell(pdf.w - 2 * margin_x, 6,
                     f"{title} — trang {index // per_page + 1}/{pages}", align="C")
            pdf.set_draw_color(180, 180, 180)
            pdf.set_line_width(0.2)
        col, row = slot % columns, slot // columns
        x, y = margin_x + col * cell_w, header_h + row * cell_h
        # Dashed outline: where to cut.
        pdf.set_dash_pattern(dash=1.5, gap=1.5)
        pdf.rect(x, y, cell_w, cell_h)
        pdf.set_dash_pattern()
        qr_size = min(cell_w, cell_h) - 28
        pdf.image(qr_image(sticker.url, box_size=10), x=x + (cell_w - qr_size) / 2, y=y + 3,
                  w=qr_size, h=qr_size)
        inner = cell_w - 6
        pdf.set_text_color(*DARK)
        pdf.set_xy(x + 3, y + qr_size + 4)
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(inner, 5.5, STICKER_CALL, align="C", new_x="LEFT", new_y="NEXT")
        pdf.set_font("DejaVu", "")
        _fit_font_size(pdf, sticker.url, inner, 8.5, 5)
        pdf.set_x(x + 3)
        pdf.cell(inner, 4.4, sticker.url, align="C", new_x="LEFT", new_y="NEXT")
        if sticker.place or sticker.code:
            pdf.set_font("DejaVu", "", 6.5)
            pdf.set_text_color(110, 110, 110)
            pdf.set_x(x + 3)
            tag = " · ".join(p for p in (sticker.place, f"Mã {sticker.code}" if sticker.code
                                         else "") if p)
            pdf.cell(inner, 3.5, tag[:80], align="C")
    if test_copy_warning:
        _test_copy(pdf, test_copy_warning, pdf.h - 12)
    return bytes(pdf.output())


# --- the link preview: the poster as a picture for chat apps --------------------------------

#: Open Graph's recommended size: Zalo and Facebook crop other shapes.
PREVIEW_SIZE = (1200, 630)


def _wrap(draw, text: str, font, width: int) -> list[str]:
    """Lines of ``text`` no wider than ``width`` pixels, broken between words."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and draw.textlength(candidate, font=font) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def poster_preview_png(*, title: str, url: str, organiser: str, dates: RoundDates | None,
                       slogan: str = SLOGAN) -> bytes:
    """The poster's content (organiser, title, round dates, QR code, address, slogan) as a
    1200×630 PNG, for the link preview (og:image) of the contest and its entry pages."""
    from PIL import Image, ImageDraw, ImageFont

    from contest.helpers.pdf import FONT_DIR

    width, height = PREVIEW_SIZE
    image = Image.new("RGB", PREVIEW_SIZE, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, width - 13, height - 13), outline=RED, width=8)

    def font(name: str, size: int):
        return ImageFont.truetype(str(FONT_DIR / name), size)

    qr_side = 330
    qr = qr_image(url, box_size=10).convert("RGB").resize((qr_side, qr_side), Image.NEAREST)
    image.paste(qr, (width - qr_side - 50, 90))
    text_width = width - qr_side - 50 - 60 - 40
    x, y = 60, 50
    bold = font("DejaVuSans-Bold.ttf", 26)
    for line in _wrap(draw, organiser.upper(), bold, text_width)[:2]:
        draw.text((x, y), line, fill=DARK, font=bold)
        y += 34
    y += 16
    size = 54 if len(title) < 60 else 44 if len(title) < 110 else 36
    title_font = font("DejaVuSans-Bold.ttf", size)
    lines = _wrap(draw, title, title_font, text_width)
    if len(lines) > 5:
        lines = [*lines[:4], lines[4] + "…"]
    for line in lines:
        draw.text((x, y), line, fill=RED, font=title_font)
        y += int(size * 1.2)
    y += 14
    regular = font("DejaVuSans.ttf", 26)
    if dates is not None:
        for line in _wrap(draw, round_line(dates), regular, text_width)[:2]:
            draw.text((x, y), line, fill=DARK, font=regular)
            y += 34
    url_font = font("DejaVuSans-Bold.ttf", 24)
    draw.text((width - qr_side - 50 + qr_side / 2, 90 + qr_side + 16), "Quét mã để dự thi",
              fill=DARK, font=url_font, anchor="mt")
    slogan_font = font("DejaVuSerif-Bold.ttf", 22)
    slogan_lines = _wrap(draw, f"“{slogan}”", slogan_font, width - 120)[:2]
    y = height - 40 - 30 * len(slogan_lines)
    for line in slogan_lines:
        draw.text((width / 2, y), line, fill=RED, font=slogan_font, anchor="mt")
        y += 30
    out = io.BytesIO()
    # A few flat colours: a palette keeps the picture small for slow connections.
    image.quantize(colors=32).save(out, format="PNG", optimize=True)
    return out.getvalue()
