"""Rules for text written into workbooks (openpyxl)."""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


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
