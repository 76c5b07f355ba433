"""Files built to exhaust the server are refused whole, from what they declare, before any
row is built: millions of empty cells, deflate bombs, XML entity expansion. (The time and
memory they take are measured in bench/, not asserted here.)"""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from contest.extensions import db
from contest.helpers.packages import PackageRefused, inspect_package
from contest.models import Question
from contest.services.bank import import_export as bank_io
from contest.services.people import unit_import as units_io


def workbook(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def replace_part(data: bytes, name: str, body: bytes, extra: dict | None = None) -> bytes:
    """The same package with one part's body replaced (and parts added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, body if info.filename == name else src.read(info))
        for extra_name, extra_body in (extra or {}).items():
            dst.writestr(extra_name, extra_body)
    return out.getvalue()


HEADER = ["Lĩnh vực", "Câu hỏi", "A", "B", "Đáp án"]
SHEET = "xl/worksheets/sheet1.xml"
_OPEN = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         b"<sheetData>")


def millions_of_empty_cells() -> bytes:
    """One row declaring two million styled, empty cells: tens of KB zipped."""
    row = b'<row r="1">' + b'<c s="0"/>' * 2_000_000 + b"</row>"
    return replace_part(workbook(HEADER), SHEET, _OPEN + row + b"</sheetData></worksheet>")


def deflate_bomb() -> bytes:
    """A part of zeros that unzips a thousand times its size."""
    return replace_part(workbook(HEADER), SHEET, _OPEN,
                        {"xl/media/padding.bin": b"\0" * 60_000_000})


def entity_expansion() -> bytes:
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
    return replace_part(workbook(HEADER), SHEET,
                        laughs + _OPEN[38:] + b"<row r='1'><c t='inlineStr'><is><t>&lol2;</t>"
                        b"</is></c></row></sheetData></worksheet>")


BOMBS = {
    # Caught by its ratio (200×); a less compressible one by the cell count (test below).
    "millions-of-empty-cells": (millions_of_empty_cells, "bom nén"),
    # Past the ratio (bank: 100 MB allowed) or past the size (units: 50 MB allowed).
    "deflate-bomb": (deflate_bomb, "giải nén ra"),
    "entity-expansion": (entity_expansion, "khai báo DTD/thực thể XML"),
}


@pytest.mark.parametrize("case", sorted(BOMBS))
def test_a_hostile_workbook_is_refused_whole_by_the_bank_import(app_ctx, case):
    build, message = BOMBS[case]
    with pytest.raises(bank_io.ImportRefused) as refused:
        bank_io.import_files([("bom.xlsx", build())], dry_run=False, area_code="a")
    report = refused.value.report
    assert [e.file for e in report.errors] == ["bom.xlsx"]
    assert message in report.errors[0].message, report.lines()
    assert db.session.scalar(sa.select(sa.func.count(Question.id))) == 0


@pytest.mark.parametrize("case", sorted(BOMBS))
def test_a_hostile_workbook_is_refused_by_the_unit_import(app_ctx, case):
    build, message = BOMBS[case]
    report = units_io.parse_units("don-vi.xlsx", build(), 50 * 1024 * 1024)
    assert not report.ok and message in report.file_errors[0]


def test_a_ratio_bomb_under_the_size_limits_is_refused():
    data = replace_part(workbook(HEADER), SHEET, _OPEN + b" " * 30_000_000 + b"</sheetData>")
    with pytest.raises(PackageRefused) as refused:
        inspect_package(data, kind=".xlsx", max_total_bytes=10**9, max_part_bytes=10**9)
    assert "nén bất thường" in refused.value.message


def test_an_ordinary_workbook_passes_and_is_measured():
    package = inspect_package(workbook(HEADER, ["a", "Câu?", "Có", "Không", "A"]), kind=".xlsx",
                              max_total_bytes=10**8, max_part_bytes=10**8, max_cells=100)
    assert package.cells[SHEET] == 10 and not package.has_macros


def test_a_sheet_declaring_more_cells_than_allowed_is_refused():
    data = workbook(*[[f"ô {r}-{c}" for c in range(5)] for r in range(6)])
    with pytest.raises(PackageRefused) as refused:
        inspect_package(data, kind=".xlsx", max_total_bytes=10**8, max_part_bytes=10**8,
                        max_cells=20)
    assert "trang tính khai báo hơn 20 ô" in refused.value.message
