"""PDFs (fpdf2) in the layout of Nghị định 30/2020/NĐ-CP, the twin of ``docx_layout``.

The same parts (``contest.helpers.nd30``) as the Word documents: letterhead, tên loại and
trích yếu, paragraphs, tables whose cells wrap their text (never cut), and the closing —
nơi nhận and the signature with quyền hạn, chức vụ and họ tên — which always shares its page
with the text before it (``closing_with``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from contest.helpers.nd30 import MOTTO, NATIONAL_NAME, Closing, Letterhead
from contest.helpers.pdf import SERIF, add_fonts
from contest.helpers.text import without_control_characters

LEFT_COL = 70.0
GAP = 3.0
#: The space left between the signer's title and name for the signature and the seal.
SIGNATURE_SPACE = 24.0
NEXT = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}


class OfficialPDF(FPDF):
    """A4 portrait with the decree's margins; page numbers centred at the top from page 2."""

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font(SERIF, "", 13)
            self.set_y(10)
            self.cell(0, 6, str(self.page_no()), align="C")
            self.set_y(self.t_margin)


def new_document(*, title: str, author: str, orientation: str = "P") -> OfficialPDF:
    pdf = OfficialPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_margins(left=30, top=20, right=15)
    pdf.set_auto_page_break(auto=True, margin=20)
    add_fonts(pdf)
    pdf.set_title(_text(title))
    pdf.set_author(_text(author))
    pdf.add_page()
    return pdf


def _text(value) -> str:
    return without_control_characters("" if value is None else str(value))


def font(pdf: FPDF, style: str = "", size: float = 13) -> None:
    pdf.set_font(SERIF, "B" if "B" in style else "", size)


def italic_cell(pdf: FPDF, x: float, w: float, h: float, text: str, bold: bool = False,
                size: float = 13, align: str = "C") -> None:
    """Italic text (place and date, "Nơi nhận:"). The bundled fonts have no italic face; a
    slant is the usual stand-in."""
    font(pdf, "B" if bold else "", size)
    y = pdf.get_y()
    with pdf.skew(ax=12, x=x + w / 2, y=y + h):
        pdf.set_xy(x, y)
        pdf.multi_cell(w, h, _text(text), align=align, **NEXT)


def _fit_size(pdf: FPDF, text: str, width: float, size: float, style: str = "B") -> float:
    while size > 9:
        font(pdf, style, size)
        if pdf.get_string_width(text) <= width:
            break
        size -= 0.5
    return size


def _columns(pdf: FPDF) -> tuple[float, float, float]:
    width = pdf.w - pdf.l_margin - pdf.r_margin
    return width, pdf.l_margin + LEFT_COL + GAP, width - LEFT_COL - GAP


def letterhead(pdf: FPDF, head: Letterhead) -> None:
    """Issuing body, rule and number on the left; quốc hiệu, tiêu ngữ (underlined as long as
    itself) and the place and date in italics on the right."""
    _width, right_x, right_w = _columns(pdf)
    top = pdf.get_y()
    pdf.set_xy(pdf.l_margin, top)
    if head.parent_body:
        font(pdf, "", 12)
        pdf.multi_cell(LEFT_COL, 5.5, _text(head.parent_body), align="C", **NEXT)
    font(pdf, "B", 12)
    pdf.multi_cell(LEFT_COL, 5.5, _text("\n".join(head.issuing_lines)), align="C", **NEXT)
    rule_y = pdf.get_y() + 1.5
    pdf.line(pdf.l_margin + LEFT_COL * 0.33, rule_y, pdf.l_margin + LEFT_COL * 0.67, rule_y)
    pdf.set_y(rule_y + 2.5)
    if head.number_line:
        font(pdf, "", 13)
        pdf.cell(LEFT_COL, 6, _text(head.number_line), align="C", **NEXT)
    left_bottom = pdf.get_y()

    pdf.set_xy(right_x, top)
    font(pdf, "B", _fit_size(pdf, NATIONAL_NAME, right_w, 12))
    pdf.cell(right_w, 5.5, NATIONAL_NAME, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    font(pdf, "B", _fit_size(pdf, MOTTO, right_w, 13))
    pdf.cell(right_w, 6, MOTTO, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    motto_w = pdf.get_string_width(MOTTO)
    rule_y = pdf.get_y() + 0.5
    pdf.line(right_x + (right_w - motto_w) / 2, rule_y, right_x + (right_w + motto_w) / 2, rule_y)
    pdf.set_xy(right_x, max(rule_y + 2.5, left_bottom))
    italic_cell(pdf, right_x, right_w, 6, head.place_date)
    pdf.set_y(max(pdf.get_y(), left_bottom) + 6)


def title(pdf: FPDF, kind: str, summary: Sequence[str] = ()) -> None:
    """Tên loại and the trích yếu, each line of ``summary`` as given, then a short rule."""
    width = pdf.w - pdf.l_margin - pdf.r_margin
    font(pdf, "B", 14)
    pdf.multi_cell(0, 7, _text(kind), align="C", **NEXT)
    font(pdf, "B", 13)
    for line in summary:
        pdf.multi_cell(0, 6.5, _text(line), align="C", **NEXT)
    rule_y = pdf.get_y() + 1.5
    pdf.line(pdf.l_margin + width * 0.4, rule_y, pdf.l_margin + width * 0.6, rule_y)
    pdf.set_y(rule_y + 5)


def centred(pdf: FPDF, text: str, *, bold: bool = True, size: float = 13) -> None:
    font(pdf, "B" if bold else "", size)
    pdf.multi_cell(0, 6.5, _text(text), align="C", **NEXT)
    pdf.ln(2)


def paragraph(pdf: FPDF, text: str, *, bold: bool = False, size: float = 13) -> None:
    """Body text, justified, one paragraph per line of ``text``."""
    font(pdf, "B" if bold else "", size)
    for line in _text(text).splitlines():
        line = line.strip()
        if line:
            pdf.set_x(pdf.l_margin)
            pdf.multi_cell(0, size * 0.5, line, align="J", **NEXT)


def heading(pdf: FPDF, text: str) -> None:
    if pdf.get_y() > pdf.h - 45:  # no heading alone at the foot of a page
        pdf.add_page()
    pdf.ln(2)
    font(pdf, "B", 13)
    pdf.multi_cell(0, 7, _text(text), align="L", **NEXT)


#: The smallest size a table's text shrinks to so that no word is broken inside a cell.
MIN_TABLE_SIZE = 7.0


def fitting_size(pdf: FPDF, headings: Sequence[str] | None, rows: Sequence[Sequence],
                 widths: Sequence, size: float) -> float:
    """The largest size from ``size`` down at which every word of every cell (headings in
    bold) fits its column, so cells wrap between words and never cut one ("Giải Khuyến khíc",
    "ST/T"). Text that still does not fit at the smallest size wraps inside the word."""
    total = float(sum(widths))
    room = [pdf.epw * w / total - 2 * pdf.c_margin - 0.2 for w in widths]

    def fits(candidate: float) -> bool:
        for style, lines in (("B", [headings] if headings else []), ("", rows)):
            font(pdf, style, candidate)
            for values in lines:
                for value, width in zip(values, room, strict=False):
                    for word in _text(value).split():
                        if pdf.get_string_width(word) > width:
                            return False
        return True

    while size > MIN_TABLE_SIZE and not fits(size):
        size -= 0.5
    return size


def table(pdf: FPDF, headings: Sequence[str] | None, rows: Sequence[Sequence], widths: Sequence,
          *, numeric_from: int | None = None, size: float = 11,
          bold_last_row: bool = False, space_after: bool = True,
          min_row_height: float | None = None) -> None:
    """A ruled table as wide as the text; cells wrap their text onto as many lines as it needs
    and the heading row repeats on a new page. ``headings`` None continues a table just drawn
    (same widths) without a second heading row."""
    columns = len(widths)
    size = fitting_size(pdf, headings, rows, widths, size)
    align = tuple("R" if numeric_from is not None and i >= numeric_from else "L"
                  for i in range(columns))
    font(pdf, "", size)
    heading_style = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
    # Aligned to the left margin: centring would use the page, and the decree's margins are
    # uneven.
    with pdf.table(col_widths=tuple(widths), text_align=align, line_height=size * 0.5,
                   align="LEFT", width=pdf.epw, headings_style=heading_style,
                   first_row_as_headings=headings is not None,
                   repeat_headings=1 if headings is not None else 0,
                   min_row_height=min_row_height) as grid:
        if headings is not None:
            head = grid.row()
            for text in headings:
                head.cell(_text(text), align="C")
        for index, values in enumerate(rows):
            style = (FontFace(emphasis="BOLD") if bold_last_row and index == len(rows) - 1
                     else None)
            row = grid.row(style=style)
            for value in values:
                row.cell(_text(value))
    if space_after:
        pdf.ln(2)


def _closing(pdf: FPDF, closing: Closing) -> None:
    _width, right_x, right_w = _columns(pdf)
    pdf.ln(6)
    top = pdf.get_y()
    if closing.recipients:
        italic_cell(pdf, pdf.l_margin, LEFT_COL, 5.5, "Nơi nhận:", bold=True, size=12,
                    align="L")
        font(pdf, "", 11)
        for line in closing.recipients:
            pdf.set_x(pdf.l_margin)
            pdf.multi_cell(LEFT_COL, 5, _text(line), align="L", **NEXT)
    left_bottom = pdf.get_y()
    pdf.set_xy(right_x, top)
    signature = closing.signature
    font(pdf, "B", 13)
    for line in signature.heading_lines:
        pdf.set_x(right_x)
        pdf.multi_cell(right_w, 6.5, _text(line), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_y(pdf.get_y() + SIGNATURE_SPACE)
    if signature.name:
        pdf.set_x(right_x)
        pdf.multi_cell(right_w, 6.5, _text(signature.name), align="C",
                       new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), left_bottom))


def closing_with(pdf: FPDF, closing: Closing,
                 before: Callable[[FPDF], None] | None = None) -> None:
    """Draw ``before`` (the last part of the text) and then the closing on one page.

    When the two do not fit on what is left of the page, both start on a new page, so no page
    ever holds only "Nơi nhận" and the signature.
    """

    def draw(target: FPDF) -> None:
        if before is not None:
            before(target)
        _closing(target, closing)

    with pdf.offset_rendering() as trial:
        draw(trial)
    if trial.page_break_triggered:
        pdf.add_page()
    draw(pdf)


def table_then_closing(pdf: FPDF, headings: Sequence[str], rows: Sequence[Sequence],
                       widths: Sequence, closing: Closing, *, keep_rows: int = 2,
                       after_table: Callable[[FPDF], None] | None = None, **options) -> None:
    """A table followed by the closing, with the table's last ``keep_rows`` rows on the
    signature's page: the rows before them are drawn first; the last ones continue the grid
    when they fit with the closing, else go to the next page under a repeated heading row."""
    head, tail = list(rows[:-keep_rows] if len(rows) > keep_rows else []), \
        list(rows[-keep_rows:] if len(rows) > keep_rows else rows)
    # One size for the whole grid, both parts.
    options["size"] = fitting_size(pdf, headings, rows, widths, options.get("size", 11))
    if head:
        table(pdf, headings, head, widths, space_after=False,
              **{**options, "bold_last_row": False})

    def draw(target: FPDF, with_headings: bool) -> None:
        table(target, headings if with_headings or not head else None, tail, widths, **options)
        if after_table is not None:
            after_table(target)
        _closing(target, closing)

    with pdf.offset_rendering() as trial:
        draw(trial, False)
    if trial.page_break_triggered:
        pdf.add_page()
        draw(pdf, True)
    else:
        draw(pdf, False)
