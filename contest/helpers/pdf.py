"""The one place PDFs get their fonts.

The PDF core fonts have no Vietnamese letters, so every document embeds the
DejaVu fonts shipped in ``contest/static/fonts``: "DejaVu" (sans, for posters and
lists) and "DejaVuSerif" (for certificates and administrative documents), each in
regular and bold. :func:`undrawable_characters` says which characters of a text
they cannot draw (emoji and the like), so forms can refuse them.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"

SANS = "DejaVu"
SERIF = "DejaVuSerif"

_FONT_FILES = {
    (SANS, ""): "DejaVuSans.ttf",
    (SANS, "B"): "DejaVuSans-Bold.ttf",
    (SERIF, ""): "DejaVuSerif.ttf",
    (SERIF, "B"): "DejaVuSerif-Bold.ttf",
}


def add_fonts(pdf: FPDF) -> FPDF:
    """Register the bundled fonts on ``pdf`` (sans and serif, regular and bold)."""
    for (family, style), file_name in _FONT_FILES.items():
        pdf.add_font(family, style, str(FONT_DIR / file_name))
    return pdf


@functools.cache
def _drawable() -> frozenset[int]:
    """Code points every bundled font has a glyph for (names print in sans and serif)."""
    from fontTools.ttLib import TTFont  # fpdf2's own dependency

    common: set[int] | None = None
    for file_name in set(_FONT_FILES.values()):
        with TTFont(str(FONT_DIR / file_name), lazy=True) as font:
            points = set(font.getBestCmap())
        common = points if common is None else common & points
    return frozenset(common or ())


def undrawable_characters(text: str) -> list[str]:
    """The characters of ``text`` (NFC, each once, in order) that the PDF fonts cannot draw,
    such as emoji: printed lists and certificates would show a gap for each."""
    seen: list[str] = []
    drawable = _drawable()
    for char in unicodedata.normalize("NFC", text):
        if ord(char) not in drawable and not char.isspace() and char not in seen:
            seen.append(char)
    return seen


def undrawable_message(what: str, characters: list[str]) -> str:
    """"Họ và tên có ký tự không in được: 😀. Vui lòng chỉ dùng chữ cái…" (one wording)."""
    shown = " ".join(characters[:5]) + (" …" if len(characters) > 5 else "")
    return (f"{what} có ký tự không in được trên giấy chứng nhận và danh sách: {shown}. "
            "Vui lòng chỉ dùng chữ cái tiếng Việt, chữ số và dấu câu thông thường.")
