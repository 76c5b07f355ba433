"""Study material (Tài liệu tìm hiểu): the organisers' plain text, as blocks and as a PDF.

No markup to learn. A line is read as

* a heading when it starts with a Roman numeral and a dot ("I. ", "IV. "), a number and
  a dot ("1. ", "12. ") or ends with a colon, and is short (a long numbered line is a
  paragraph);
* a list item when it starts with "-", "•", "+" or "*" and a space;
* otherwise part of a paragraph; a blank line ends the paragraph.

Blocks are plain values; templates escape the text as they show it, so whatever an
organiser types is shown as text, never as HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fpdf import FPDF

from contest.helpers.pdf import SANS, add_fonts

#: A heading is a short line; longer numbered lines are paragraphs.
HEADING_MAX_LENGTH = 150

_ROMAN = re.compile(r"^[IVXLC]+\.\s+\S")
_NUMBERED = re.compile(r"^\d{1,2}\.\s+\S")
_BULLET = re.compile(r"^[-–•+*]\s+")
#: What only Markdown writes: "## Tiêu đề", "**đậm**", "[chữ](địa chỉ)", a table row.
_MARKDOWN = re.compile(r"^#{1,6}\s|\*\*\S[^*\n]*\*\*|\[[^\]\n]+\]\([^)\n]+\)|^\|.*\|\s*$",
                       re.MULTILINE)


@dataclass
class Block:
    """``kind``: "h2" (Roman numeral), "h3" (numbered or ending with ":"), "p" or "ul"."""

    kind: str
    text: str = ""
    items: list[str] = field(default_factory=list)


def _heading_kind(line: str) -> str | None:
    if len(line) > HEADING_MAX_LENGTH:
        return None
    if _ROMAN.match(line):
        return "h2"
    if _NUMBERED.match(line) or line.endswith(":"):
        return "h3"
    return None


def looks_like_markdown(text: str | None) -> bool:
    """Rules saved when the field took Markdown keep rendering as Markdown."""
    return bool(_MARKDOWN.search(text or ""))


def parse(text: str, *, keep_lines: bool = False) -> list[Block]:
    """The text as headings, paragraphs and lists, in order.

    ``keep_lines`` (the rules, often pasted from Word, one paragraph a line): every line
    is its own paragraph instead of running into the next one.
    """
    blocks: list[Block] = []
    paragraph: list[str] = []

    def end_paragraph() -> None:
        if paragraph:
            blocks.append(Block("p", " ".join(paragraph)))
            paragraph.clear()

    for raw in (text or "").splitlines():
        line = " ".join(raw.split())
        if not line:
            end_paragraph()
            continue
        if _BULLET.match(line):
            end_paragraph()
            item = _BULLET.sub("", line, count=1)
            if blocks and blocks[-1].kind == "ul":
                blocks[-1].items.append(item)
            else:
                blocks.append(Block("ul", items=[item]))
            continue
        kind = _heading_kind(line)
        if kind:
            end_paragraph()
            blocks.append(Block(kind, line))
            continue
        paragraph.append(line)
        if keep_lines:
            end_paragraph()
    end_paragraph()
    return blocks


def study_pdf(title: str, organiser: str, text: str) -> bytes:
    """The study material as an A4 PDF, with the contest's title on top."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    add_fonts(pdf)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(18, 15, 18)
    pdf.set_title(f"Tài liệu tìm hiểu – {title}")
    pdf.add_page()
    next_line = {"new_x": "LMARGIN", "new_y": "NEXT"}
    pdf.set_font(SANS, "", 10)
    pdf.multi_cell(0, 5, organiser.upper(), align="C", **next_line)
    pdf.set_font(SANS, "B", 14)
    pdf.multi_cell(0, 8, "TÀI LIỆU TÌM HIỂU", align="C", **next_line)
    pdf.set_font(SANS, "B", 11)
    pdf.multi_cell(0, 6, title, align="C", **next_line)
    pdf.ln(4)
    for block in parse(text):
        if block.kind in ("h2", "h3"):
            pdf.ln(2)
            pdf.set_font(SANS, "B", 12 if block.kind == "h2" else 11)
            pdf.multi_cell(0, 6, block.text, **next_line)
            pdf.ln(1)
        elif block.kind == "ul":
            pdf.set_font(SANS, "", 10.5)
            for item in block.items:
                pdf.set_x(pdf.l_margin + 4)
                pdf.multi_cell(0, 5.5, f"•  {item}", **next_line)
            pdf.ln(1.5)
        else:
            pdf.set_font(SANS, "", 10.5)
            pdf.multi_cell(0, 5.5, block.text, align="J", **next_line)
            pdf.ln(1.5)
    return bytes(pdf.output())
