"""The one place PDFs get their fonts.

The PDF core fonts have no Vietnamese letters, so every document embeds the
DejaVu fonts shipped in ``contest/static/fonts``: "DejaVu" (sans, for posters and
lists) and "DejaVuSerif" (for certificates and administrative documents), each in
regular and bold.
"""

from __future__ import annotations

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
