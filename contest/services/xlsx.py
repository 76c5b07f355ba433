"""One rule for every workbook written with openpyxl's normal (not write-only) cells."""

from __future__ import annotations


def keep_as_text(cell):
    """Text people typed (a name, an activity title) that starts with "=" stays text.

    openpyxl stores any string beginning with "=" as a formula, so a resident named
    ``=HYPERLINK(...)`` would become a live formula in the organisers' spreadsheet.
    """
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"
    return cell
