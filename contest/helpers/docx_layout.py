"""Word documents (.docx, python-docx) in the layout of Nghị định 30/2020/NĐ-CP.

``OfficialDocument`` writes the parts ``contest.helpers.nd30`` describes — the letterhead,
tên loại and trích yếu, body paragraphs, tables, nơi nhận and the signature — on A4 with the
decree's margins in Times New Roman 13 pt, page numbers from the second page, and the
signature kept on the page of the text before it. The office opens the file in Word or
LibreOffice, writes the number, edits a sentence and prints.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from contest.helpers.nd30 import MOTTO, NATIONAL_NAME, Closing, Letterhead
from contest.helpers.text import without_control_characters

FONT = "Times New Roman"
BODY_SIZE = 13
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGINS_MM["left"] - MARGINS_MM["right"]
#: The letterhead's and the closing's two columns: issuing body | quốc hiệu.
LEFT_MM = 62
RIGHT_MM = TEXT_WIDTH_MM - LEFT_MM

_CENTER = WD_ALIGN_PARAGRAPH.CENTER
#: Elements that come after w:pBdr in a paragraph's properties (ECMA-376 order).
_AFTER_PBDR = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)
#: Elements after w:tblBorders in a table's properties.
_AFTER_TBLBORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
                     "w:tblDescription", "w:tblPrChange")


def _text(value) -> str:
    # XML cannot hold control characters; a stray one pasted into a name must not break the file.
    return without_control_characters("" if value is None else str(value))


def _set_run_font(run, size: float | None = None, bold: bool = False,
                  italic: bool = False) -> None:
    run.font.name = FONT
    run.font.bold = bold or None
    run.font.italic = italic or None
    if size:
        run.font.size = Pt(size)
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)


def _no_spacing(paragraph) -> None:
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing = 1.0


def _rule(container, length_mm: float, width_mm: float) -> None:
    """A centred horizontal line ``length_mm`` long under the previous line (the decree's
    short rule under the issuing body, the motto and the trích yếu): the bottom border of an
    empty, very low paragraph indented from both sides, which Word and LibreOffice both draw."""
    paragraph = container.add_paragraph()
    _no_spacing(paragraph)
    fmt = paragraph.paragraph_format
    side = max(0.0, (width_mm - length_mm) / 2)
    fmt.left_indent = Mm(side)
    fmt.right_indent = Mm(side)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(2)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                       ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    # WordprocessingML wants pPr's children in schema order; Word refuses a file otherwise.
    paragraph._p.get_or_add_pPr().insert_element_before(borders, *_AFTER_PBDR)


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.insert_element_before(borders, *_AFTER_TBLBORDERS)


def _widths(table, widths_mm: Sequence[float]) -> None:
    """Fixed column widths: the grid (LibreOffice reads it) and every cell (Word reads those)."""
    table.autofit = False  # w:tblLayout fixed
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)


def _keep_row_whole(row, repeat_as_header: bool = False) -> None:
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if repeat_as_header:
        properties.append(OxmlElement("w:tblHeader"))


def _write(paragraph, text: str, *, size: float = BODY_SIZE, bold: bool = False,
           italic: bool = False) -> None:
    lines = _text(text).split("\n")
    for index, line in enumerate(lines):
        run = paragraph.add_run(line)
        _set_run_font(run, size, bold, italic)
        if index < len(lines) - 1:
            run.add_break(WD_BREAK.LINE)


def _cell_paragraph(cell, text: str, *, first: bool, size: float = BODY_SIZE,
                    bold: bool = False, italic: bool = False, align=_CENTER):
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    _no_spacing(paragraph)
    paragraph.alignment = align
    _write(paragraph, text, size=size, bold=bold, italic=italic)
    return paragraph


class OfficialDocument:
    """One administrative document being written, top to bottom."""

    def __init__(self, *, title: str, author: str) -> None:
        self.doc = Document()
        self.doc.core_properties.title = _text(title)[:250]
        self.doc.core_properties.author = _text(author)[:250]
        self.doc.core_properties.language = "vi-VN"
        normal = self.doc.styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(BODY_SIZE)
        properties = normal.element.get_or_add_rPr()
        fonts = properties.get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attribute), FONT)
        language = OxmlElement("w:lang")
        language.set(qn("w:val"), "vi-VN")
        properties.insert_element_before(language, "w:eastAsianLayout", "w:specVanish",
                                         "w:oMath")
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
        section.top_margin = Mm(MARGINS_MM["top"])
        section.bottom_margin = Mm(MARGINS_MM["bottom"])
        section.left_margin = Mm(MARGINS_MM["left"])
        section.right_margin = Mm(MARGINS_MM["right"])
        section.header_distance = Mm(10)
        self._page_numbers(section)
        self._last_paragraph = None
        self._last_table = None

    def _page_numbers(self, section) -> None:
        """The page number centred at the top, from the second page on."""
        section.different_first_page_header_footer = True
        section.first_page_header.is_linked_to_previous = False  # an empty one, defined
        paragraph = section.header.paragraphs[0]
        paragraph.alignment = _CENTER
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        run = paragraph.add_run("2")
        _set_run_font(run, BODY_SIZE)
        # The run moves inside the field: Word and LibreOffice replace its text by the number.
        field.append(run._r)
        paragraph._p.append(field)

    # --- the parts -------------------------------------------------------------------------

    def letterhead(self, head: Letterhead) -> None:
        table = self.doc.add_table(rows=1, cols=2)
        _no_borders(table)
        _widths(table, (LEFT_MM, RIGHT_MM))
        left, right = table.rows[0].cells
        first = True
        if head.parent_body:
            _cell_paragraph(left, head.parent_body, first=True, size=12)
            first = False
        for line in head.issuing_lines:
            _cell_paragraph(left, line, first=first, size=12, bold=True)
            first = False
        _rule(left, LEFT_MM / 3, LEFT_MM)
        if head.number_line:
            paragraph = _cell_paragraph(left, head.number_line, first=False)
            paragraph.paragraph_format.space_before = Pt(6)
        _cell_paragraph(right, NATIONAL_NAME, first=True, size=12, bold=True)
        _cell_paragraph(right, MOTTO, first=False, size=13, bold=True)
        # Times New Roman bold 13 pt: the motto is about 62 mm long.
        _rule(right, 62, RIGHT_MM)
        paragraph = _cell_paragraph(right, head.place_date, first=False, italic=True)
        paragraph.paragraph_format.space_before = Pt(6)

    def title(self, kind: str, summary: Sequence[str] = ()) -> None:
        """Tên loại (e.g. "BÁO CÁO") and the trích yếu under it, then a short rule."""
        paragraph = self.doc.add_paragraph()
        _no_spacing(paragraph)
        paragraph.paragraph_format.space_before = Pt(18)
        paragraph.alignment = _CENTER
        _write(paragraph, kind, size=14, bold=True)
        for line in summary:
            paragraph = self.doc.add_paragraph()
            _no_spacing(paragraph)
            paragraph.alignment = _CENTER
            _write(paragraph, line, size=14, bold=True)
        _rule(self.doc, 30, TEXT_WIDTH_MM)
        self.doc.add_paragraph().paragraph_format.space_after = Pt(0)

    def centred(self, text: str, *, bold: bool = True, italic: bool = False, size: float = 14,
                space_before: float = 6) -> None:
        paragraph = self.doc.add_paragraph()
        _no_spacing(paragraph)
        paragraph.paragraph_format.space_before = Pt(space_before)
        paragraph.paragraph_format.space_after = Pt(6)
        paragraph.paragraph_format.keep_with_next = True
        paragraph.alignment = _CENTER
        _write(paragraph, text, size=size, bold=bold, italic=italic)
        self._last_paragraph = paragraph
        self._last_table = None

    def paragraph(self, text: str, *, bold: bool = False, italic: bool = False,
                  indent: bool = True, size: float = BODY_SIZE) -> None:
        """Body text, justified, first line indented 1 cm, 6 pt after (one per line of text)."""
        for line in _text(text).splitlines() or [""]:
            line = line.strip()
            if not line:
                continue
            paragraph = self.doc.add_paragraph()
            fmt = paragraph.paragraph_format
            fmt.space_before = Pt(0)
            fmt.space_after = Pt(6)
            fmt.line_spacing = 1.15
            if indent:
                fmt.first_line_indent = Mm(10)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            _write(paragraph, line, size=size, bold=bold, italic=italic)
            self._last_paragraph = paragraph
        self._last_table = None

    def heading(self, text: str) -> None:
        """A section heading ("I. KẾT QUẢ THỰC HIỆN"), kept with what follows it."""
        self.paragraph(text, bold=True)
        self._last_paragraph.paragraph_format.keep_with_next = True
        self._last_paragraph.paragraph_format.space_before = Pt(6)

    def table(self, headings: Sequence[str], rows: Sequence[Sequence], widths_mm: Sequence[float],
              *, numeric_from: int | None = None, size: float = 12,
              bold_last_row: bool = False, min_row_height_mm: float | None = None) -> None:
        """A ruled table: the heading row repeats on every page, cells wrap their text, columns
        from ``numeric_from`` on are right-aligned."""
        table = self.doc.add_table(rows=1, cols=len(headings))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _widths(table, widths_mm)
        _keep_row_whole(table.rows[0], repeat_as_header=True)
        for cell, heading in zip(table.rows[0].cells, headings, strict=True):
            _cell_paragraph(cell, heading, first=True, size=size, bold=True)
        for index, values in enumerate(rows):
            cells = table.add_row().cells
            bold = bold_last_row and index == len(rows) - 1
            for column, (cell, value) in enumerate(zip(cells, values, strict=True)):
                numeric = numeric_from is not None and column >= numeric_from
                _cell_paragraph(cell, "" if value is None else str(value), first=True,
                                size=size, bold=bold,
                                align=WD_ALIGN_PARAGRAPH.RIGHT if numeric
                                else WD_ALIGN_PARAGRAPH.LEFT)
        for index, row in enumerate(table.rows):
            for cell, width in zip(row.cells, widths_mm, strict=True):
                cell.width = Mm(width)
            if min_row_height_mm and index:
                row.height = Mm(min_row_height_mm)
                row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        spacer = self.doc.add_paragraph()
        _no_spacing(spacer)
        spacer.paragraph_format.space_after = Pt(6)
        self._last_paragraph = spacer
        self._last_table = table

    def page_break(self) -> None:
        self.doc.add_page_break()
        self._last_paragraph = None
        self._last_table = None

    def closing(self, closing: Closing) -> None:
        """Nơi nhận on the left, the signature on the right, on the page of the last paragraph
        (that paragraph is kept with the closing, and the closing never splits)."""
        if self._last_paragraph is not None:
            self._last_paragraph.paragraph_format.keep_with_next = True
        if self._last_table is not None:
            # A table just before: its last two rows go to the signature's page with it.
            for row in self._last_table.rows[-2:]:
                for cell in row.cells:
                    for paragraph in cell.paragraphs:
                        paragraph.paragraph_format.keep_with_next = True
        table = self.doc.add_table(rows=1, cols=2)
        _no_borders(table)
        _widths(table, (LEFT_MM + 8, RIGHT_MM - 8))
        _keep_row_whole(table.rows[0])
        left, right = table.rows[0].cells
        if closing.recipients:
            paragraph = _cell_paragraph(left, "Nơi nhận:", first=True, size=12, bold=True,
                                        italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
            paragraph.paragraph_format.space_before = Pt(12)
            for line in closing.recipients:
                _cell_paragraph(left, line, first=False, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
        signature = closing.signature
        first = True
        for line in signature.heading_lines:
            paragraph = _cell_paragraph(right, line, first=first, bold=True)
            if first:
                paragraph.paragraph_format.space_before = Pt(12)
            first = False
        # Room for the signature and the seal.
        for _ in range(4):
            _cell_paragraph(right, "", first=first)
            first = False
        if signature.name:
            _cell_paragraph(right, signature.name, first=first, bold=True)
        for cell in (left, right):
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()
