"""Rules for text written into workbooks (openpyxl)."""

from __future__ import annotations

from datetime import timedelta

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

#: Time taken as minutes, seconds and tenths ("2:05.4"; Excel shows the decimal separator of
#: the reader's locale). The cell holds a number (a fraction of a day), so it sorts and sums.
DURATION_FORMAT = "[m]:ss.0"

#: Leading characters that make Excel or LibreOffice run a cell as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value):
    """``value`` with the control characters a worksheet cannot hold removed (other values as
    they are). openpyxl refuses such text with an error, so one stray character in a stored
    name or title (pasted, or saved before input was cleaned) would break the whole export."""
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def keep_as_text(cell):
    """Text people typed (a name, an activity title) that starts with "=" stays text.

    openpyxl stores any string beginning with "=" as a formula, so a resident named
    ``=HYPERLINK(...)`` would become a live formula in the organisers' spreadsheet.
    """
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"
    return cell


def duration_cell(cell, ms: int | None):
    """Write a time taken (milliseconds) as a number with the duration format, not as text."""
    cell.value = None if ms is None else timedelta(milliseconds=int(ms))
    cell.number_format = DURATION_FORMAT
    return cell
