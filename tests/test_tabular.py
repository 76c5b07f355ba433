"""The shared reader of uploaded tables: kinds refused, delimiters, formulas, caps, sheets."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from contest.helpers.tables import (
    BLANK_RUN_ENDS_TABLE,
    MAX_BLANK_ROWS,
    Formula,
    TableRefused,
    file_kind,
    read_table,
)
from contest.services.people import unit_import as units_io

LIMITS = {"max_unzipped_bytes": 10 * 1024 * 1024, "content": "câu hỏi"}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100


def xlsx(*sheets: tuple[str, list[list[object]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_cached_value(data: bytes, formula: str, value: str) -> bytes:
    """What Excel saves and openpyxl does not: the formula's last computed value."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                # "<v />" without lxml, "<v></v>" with it (python-docx brings lxml).
                for empty in ("<v />", "<v></v>"):
                    body = body.replace(f"<f>{formula}</f>{empty}".encode(),
                                        f"<f>{formula}</f><v>{value}</v>".encode())
            dst.writestr(info, body)
    return out.getvalue()


def trimmed(rows: list[tuple[int, list[object]]]) -> list[tuple[int, list[object]]]:
    """Rows without the empty cells read-only openpyxl pads each .xlsx row with."""
    out = []
    for number, cells in rows:
        while cells and cells[-1] is None:
            cells = cells[:-1]
        out.append((number, cells))
    return out


def refusal(name: str, data: bytes, **options) -> str:
    with pytest.raises(TableRefused) as refused:
        read_table(name, data, **{**LIMITS, **options})
    return str(refused.value)


# --------------------------------------------------------------------------- kinds


@pytest.mark.parametrize(("name", "data", "message"), [
    # An .xls by its name that is not one inside: the name is what the user chose.
    ("a.xls", "Lĩnh vực,Câu hỏi\n".encode(), "tệp có đuôi .xls nhưng không phải tệp Excel 97"),
    ("a.csv", OLE2, "thực chất là tệp Excel 97-2003 (.xls)"),
    ("a.xlsx", OLE2, "có thể tệp đang đặt mật khẩu"),
    ("a.csv", xlsx(("Sheet", [["x"]])), "thực chất là tệp Excel (.xlsx)"),
    ("a.ods", b"PK\x03\x04", "chỉ nhận tệp .xlsx, .xls hoặc .csv (UTF-8)"),
    ("a", b"x,y\n", "chỉ nhận tệp .xlsx, .xls hoặc .csv (UTF-8)"),
])
def test_wrong_kinds_are_refused_with_what_to_do(name, data, message):
    assert message in refusal(name, data)
    with pytest.raises(TableRefused):
        file_kind(name, data)


def test_a_damaged_xls_is_refused_with_what_to_do():
    assert file_kind("a.xls", OLE2) == "xls"
    assert "không đọc được tệp .xls" in refusal("a.xls", OLE2)


def test_kind_goes_by_the_name_in_any_case():
    assert file_kind("DS.XLSX", b"PK\x03\x04") == "xlsx"
    assert file_kind("ds.Csv", b"a,b") == "csv"


# --------------------------------------------------------------------------- csv


def test_semicolons_from_a_vietnamese_excel_split_cells_and_commas_stay_in_them():
    data = "\ufeffTên đơn vị;Loại\nTổ 1;Cơ quan, đơn vị\n".encode()
    table = read_table("a.csv", data, **LIMITS)
    assert table.rows == [(1, ["Tên đơn vị", "Loại"]), (2, ["Tổ 1", "Cơ quan, đơn vị"])]
    assert not table.truncated


def test_tabs_split_cells_and_commas_win_when_the_header_has_more():
    assert read_table("a.csv", b"a\tb\n1\t2\n", **LIMITS).rows[1] == (2, ["1", "2"])
    assert read_table("a.csv", b"a,b,c;d\n", **LIMITS).rows == [(1, ["a", "b", "c;d"])]


def test_a_quoted_line_break_is_one_row_as_excel_numbers_it():
    table = read_table("a.csv", b'h1,h2\n"two\nlines",x\nlast,y\n', **LIMITS)
    assert [number for number, _ in table.rows] == [1, 2, 3]
    assert table.rows[1][1] == ["two\nlines", "x"]


def test_utf16_csv_is_refused_with_how_to_save_it():
    data = "Lĩnh vực,Câu hỏi\n".encode("utf-16")
    message = refusal("a.csv", data)
    assert "UTF-16" in message and "CSV UTF-8 (Comma delimited)" in message


def test_non_utf8_csv_names_the_line():
    data = b"a,b\nok,ok\nLo\xe0i,x\n"  # "Loài" as Windows-1258 writes it
    message = refusal("a.csv", data)
    assert "không phải mã UTF-8" in message and "dòng 3" in message


def test_nul_bytes_and_a_broken_csv_are_refused():
    assert "ký tự NUL" in refusal("a.csv", b"a,b\n1\x002,3\n")
    assert "sai định dạng" in refusal("a.csv", b'a,b\n"' + b"x" * 200_000 + b'",1\n')


# --------------------------------------------------------------------------- xlsx


def test_formula_cells_are_marked_or_their_cached_values_read():
    book = xlsx(("Sheet", [["Tên", "Số"], ["Tổ 1", "=1+1"]]))
    data = with_cached_value(book, "1+1", "2")
    marked = trimmed(read_table("a.xlsx", data, mark_formulas=True, **LIMITS).rows)[1][1]
    assert marked[0] == "Tổ 1" and len(marked) == 2
    assert isinstance(marked[1], Formula) and marked[1].text == "=1+1"
    assert trimmed(read_table("a.xlsx", data, **LIMITS).rows)[1] == (2, ["Tổ 1", 2])


def test_text_that_starts_with_equals_is_not_a_formula():
    book = Workbook()
    cell = book.active.cell(row=1, column=1, value="=không phải công thức")
    cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    table = read_table("a.xlsx", out.getvalue(), mark_formulas=True, **LIMITS)
    assert trimmed(table.rows) == [(1, ["=không phải công thức"])]


def test_xlsx_rows_keep_their_own_numbers_below_blank_rows():
    data = xlsx(("Sheet", [[None], ["Tiêu đề", "x"], [None], ["a", "b"]]))
    rows = [(number, cells) for number, cells in trimmed(read_table("a.xlsx", data, **LIMITS).rows)
            if cells]
    assert rows == [(2, ["Tiêu đề", "x"]), (4, ["a", "b"])]


def test_preferred_sheet_is_found_by_name_without_case_or_diacritics():
    data = xlsx(("Hướng dẫn", [["đọc tôi"]]), ("CAU HOI", [["câu 1"]]))
    def first_cell(**options) -> object:
        return read_table("a.xlsx", data, **LIMITS, **options).rows[0][1][0]

    assert first_cell(preferred_sheet="Câu hỏi") == "câu 1"
    assert first_cell() == "đọc tôi"
    assert first_cell(preferred_sheet="Đơn vị") == "đọc tôi"


def test_a_zip_bomb_is_refused_before_it_is_opened():
    data = xlsx(("Sheet", [["x" * 5000]]))
    message = refusal("a.xlsx", data, max_unzipped_bytes=4000, content="đơn vị")
    assert message == "tệp .xlsx giải nén ra quá lớn. Hãy chỉ để lại bảng đơn vị."
    assert trimmed(read_table("a.xlsx", data, **LIMITS).rows) == [(1, ["x" * 5000])]


def test_damaged_xlsx_is_refused():
    assert "không đọc được tệp .xlsx" in refusal("a.xlsx", b"PK\x03\x04 not a workbook")


# --------------------------------------------------------------------------- caps


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_row_cap_counts_non_empty_rows_and_marks_the_table_truncated(kind):
    rows = [["h"], ["1"], [""], ["2"], ["3"]]
    data = (xlsx(("Sheet", rows)) if kind == "xlsx"
            else "".join(f"{r[0]}\n" for r in rows).encode())
    name = f"a.{kind}"
    exact = read_table(name, data, max_rows=4, **LIMITS)
    assert not exact.truncated and [n for n, _ in exact.rows] == [1, 2, 3, 4, 5]
    cut = read_table(name, data, max_rows=3, **LIMITS)
    assert cut.truncated
    assert [cells[0] for _, cells in cut.rows if cells and cells[0]] == ["h", "1", "2"]


def styled_to_row(rows: list[list[object]], last_row: int) -> bytes:
    """An .xlsx whose formatting runs far below its data, as when a whole column is styled."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for number in range(len(rows) + 1, last_row + 1):
        sheet.cell(row=number, column=1).number_format = "@"  # styled, no value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_sheet_formatted_far_below_its_data_ends_with_its_data():
    data = styled_to_row([["h"], ["1"], ["2"]], last_row=50_000)
    table = read_table("a.xlsx", data, max_rows=10, **LIMITS)
    assert [cells[0] for _, cells in table.rows if cells[0]] == ["h", "1", "2"]
    assert not table.truncated
    # It stopped after the run of empty rows that ends a table, not at the 50,000th.
    assert len(table.rows) < 3 + BLANK_RUN_ENDS_TABLE


def test_data_after_a_long_run_of_empty_rows_is_not_read():
    data = ("h\n1\n" + "\n" * BLANK_RUN_ENDS_TABLE + "2\n").encode()
    table = read_table("a.csv", data, **LIMITS)
    assert [cells[0] for _, cells in table.rows if cells and cells[0]] == ["h", "1"]


def test_many_gaps_between_rows_are_refused_with_what_to_fix():
    gap = "\n" * (BLANK_RUN_ENDS_TABLE - 1)
    rows_needed = MAX_BLANK_ROWS // (BLANK_RUN_ENDS_TABLE - 1) + 2
    data = "".join(f"{i}\n{gap}" for i in range(rows_needed)).encode()
    message = refusal("a.csv", data)
    assert "dòng trống xen giữa các dòng dữ liệu" in message and "10.000" in message


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_column_cap(kind):
    row = ["a", "b", "c", "d"]
    data = xlsx(("Sheet", [row])) if kind == "xlsx" else b"a,b,c,d\n"
    assert read_table(f"a.{kind}", data, max_columns=2, **LIMITS).rows == [(1, ["a", "b"])]


# --------------------------------------------------------------------------- unit import


@pytest.mark.parametrize(("name", "data", "message"), [
    ("don-vi.xls", OLE2, "Không đọc được tệp .xls"),
    ("don-vi.csv", "Tên đơn vị,Loại\n".encode("utf-16"), "Tệp CSV đang ở mã UTF-16"),
    ("don-vi.csv", xlsx(("Sheet", [["Tên đơn vị", "Loại"]])), "Tệp có đuôi .csv nhưng"),
])
def test_unit_import_gives_the_shared_messages_as_sentences(name, data, message):
    report = units_io.parse_units(name, data, 10**6)
    assert not report.ok and report.file_errors[0].startswith(message)


def test_unit_import_row_cap_counts_units_not_blank_rows(app_ctx, monkeypatch):
    monkeypatch.setattr(units_io, "MAX_ROWS", 2)
    two = "Tên đơn vị,Loại\n\nTổ A,Tổ dân phố\n\n\nTổ B,Tổ dân phố\n\n".encode()
    report = units_io.parse_units("a.csv", two, 10**6)
    assert report.ok, report.lines()
    assert [r.row for r in report.rows] == [3, 6]
    three = two + "Tổ C,Tổ dân phố\n".encode()
    report = units_io.parse_units("a.csv", three, 10**6)
    assert report.file_errors == ["Tệp có quá nhiều dòng; tối đa 2 đơn vị mỗi lần."]
