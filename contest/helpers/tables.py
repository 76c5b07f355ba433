"""Reading an uploaded table (.xlsx, legacy .xls or .csv) into rows of cell values, no Flask.

Shared by the question-bank import and the unit import. Every file that cannot be
read raises :class:`TableRefused`, whose message says what is wrong and what to do
about it, in Vietnamese starting in lower case so that it can follow a file name
("a.csv: tệp CSV …").
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook

from contest.helpers.formatting import format_number
from contest.helpers.packages import PackageRefused, inspect_package
from contest.helpers.text import search_key
from contest.services.errors import DomainError

#: Columns read from a sheet: far more than any import template has (the bank's has 13).
DEFAULT_MAX_COLUMNS = 60
#: Cells one sheet may declare: 5,000 questions of 14 columns are 70,000; a row of
#: millions of styled empty cells is refused before openpyxl walks it.
MAX_CELLS = 400_000

_KINDS_ACCEPTED = (
    "chỉ nhận tệp .xlsx, .xls hoặc .csv (UTF-8). Hãy lưu lại đúng một trong các dạng này."
)


class TableRefused(DomainError):
    """The whole file cannot be read; the message says why and what to do."""


class Formula:
    """Marks an .xlsx cell that holds a formula, when the caller asked for formulas marked."""

    def __init__(self, text: str) -> None:
        self.text = text


@dataclass
class Table:
    #: (row number as the spreadsheet shows it, cell values) in file order, empty rows kept;
    #: an .xlsx row is padded with None up to the column cap.
    rows: list[tuple[int, list[Any]]]
    #: Stopped reading because more than ``max_rows`` non-empty rows were found.
    truncated: bool = False


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


OLE2_MAGIC = b"\xd0\xcf\x11\xe0"


def file_kind(name: str, data: bytes) -> str:
    """'xlsx', 'xls' or 'csv', judged on the name and the first bytes; refuses anything else."""
    lower = name.lower()
    if data[:4] == OLE2_MAGIC:  # OLE2: Excel 97-2003, or an encrypted .xlsx
        if lower.endswith(".xlsx"):
            raise TableRefused(
                "tệp không đọc được như .xlsx: có thể tệp đang đặt mật khẩu hoặc là tệp .xls "
                "đổi đuôi. Hãy bỏ mật khẩu và lưu lại bằng Excel dạng .xlsx."
            )
        if lower.endswith(".csv"):
            raise TableRefused(
                "tệp có đuôi .csv nhưng thực chất là tệp Excel 97-2003 (.xls). Hãy đổi đuôi "
                "thành .xls hoặc lưu lại dạng CSV UTF-8."
            )
        if lower.endswith(".xls"):
            return "xls"
        raise TableRefused(_KINDS_ACCEPTED)
    if lower.endswith(".xlsx"):
        return "xlsx"
    if lower.endswith(".csv"):
        if data[:4] == b"PK\x03\x04":
            raise TableRefused(
                "tệp có đuôi .csv nhưng thực chất là tệp Excel (.xlsx). Hãy đổi đuôi thành "
                ".xlsx hoặc lưu lại dạng CSV UTF-8."
            )
        return "csv"
    if lower.endswith(".xls"):
        raise TableRefused(
            "tệp có đuôi .xls nhưng không phải tệp Excel 97-2003. Hãy mở bằng Excel và lưu "
            "lại dạng .xlsx."
        )
    raise TableRefused(_KINDS_ACCEPTED)


def read_table(
    name: str,
    data: bytes,
    *,
    max_rows: int | None = None,
    max_columns: int = DEFAULT_MAX_COLUMNS,
    preferred_sheet: str | None = None,
    mark_formulas: bool = False,
    max_unzipped_bytes: int,
    content: str,
) -> Table:
    """The rows of the file called ``name``; raises :class:`TableRefused`.

    ``max_rows`` counts non-empty rows, header and title rows included; past it the
    table is cut short and marked ``truncated``. ``preferred_sheet`` is compared
    without case or diacritics; without a match the first sheet is read. With
    ``mark_formulas`` a formula cell is a :class:`Formula`, otherwise its value as
    Excel last computed it (None when no spreadsheet program ever saved it).
    ``max_unzipped_bytes`` guards against a zip bomb: a small .xlsx that would unzip to
    gigabytes is refused before openpyxl expands it. ``content`` names what the table
    holds ("câu hỏi"), for that message.
    """
    kind = file_kind(name, data)
    if kind == "csv":
        return _read_csv(data, max_rows, max_columns)
    if kind == "xls":
        return _read_xls(data, max_rows, max_columns, preferred_sheet)
    return _read_xlsx(data, max_rows, max_columns, preferred_sheet, mark_formulas,
                      max_unzipped_bytes, content)


#: Consecutive empty rows that end a table: a sheet formatted down to Excel's last row
#: (a million styled, empty rows) ends where its data does, not a million rows later.
BLANK_RUN_ENDS_TABLE = 1_000
#: Empty rows kept in all: more means a file padded with gaps, refused with what to fix.
MAX_BLANK_ROWS = 10_000


class _Rows:
    """Collects rows; stops at the row cap or at a long run of empty rows."""

    def __init__(self, max_rows: int | None) -> None:
        self.table = Table(rows=[])
        self.max_rows = max_rows
        self.filled = 0
        self.blanks = 0
        self.blank_run = 0

    def add(self, number: int | None, cells: list[Any]) -> bool:
        """Keep the row; False when reading should stop (the row is then not kept).

        ``number`` None is a row element with no cells: empty, and not kept.
        """
        if number is not None and any(not is_empty(c) for c in cells):
            self.blank_run = 0
            self.filled += 1
            if self.max_rows is not None and self.filled > self.max_rows:
                self.table.truncated = True
                return False
            self.table.rows.append((number, cells))
            return True
        self.blank_run += 1
        self.blanks += 1
        if self.blank_run >= BLANK_RUN_ENDS_TABLE:
            return False
        if self.blanks > MAX_BLANK_ROWS:
            raise TableRefused(
                f"bảng có hơn {format_number(MAX_BLANK_ROWS)} dòng trống xen giữa các dòng dữ "
                "liệu. Hãy xoá các dòng trống rồi lưu lại."
            )
        if number is not None:
            self.table.rows.append((number, cells))
        return True


def _decode_csv(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableRefused(
            "tệp CSV đang ở mã UTF-16 (\"Unicode Text\"). Hãy lưu lại bằng Excel dạng "
            "\"CSV UTF-8 (Comma delimited)\"."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise TableRefused(
            f"tệp CSV không phải mã UTF-8 (ký tự lạ ở dòng {line}, có thể là mã Windows-1258 "
            "hoặc TCVN3). Hãy lưu lại bằng Excel dạng \"CSV UTF-8 (Comma delimited)\"."
        ) from None


def _delimiter(text: str) -> str:
    """Comma, or the semicolon/tab a Vietnamese-locale Excel may use, judged on the header line."""
    first = text.split("\n", 1)[0]
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_csv(data: bytes, max_rows: int | None, max_columns: int) -> Table:
    text = _decode_csv(data)
    if "\x00" in text:
        raise TableRefused("tệp CSV chứa ký tự NUL: đây không phải tệp văn bản CSV.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows = _Rows(max_rows)
    try:
        # csv counts records, not physical lines: a quoted cell with line breaks is one
        # row, as Excel shows it.
        for number, cells in enumerate(reader, start=1):
            if not rows.add(number, cells[:max_columns]):
                break
    except csv.Error:
        raise TableRefused(
            "tệp CSV sai định dạng (có thể thiếu dấu ngoặc kép đóng hoặc một ô quá dài). "
            "Hãy lưu lại dạng CSV UTF-8."
        ) from None
    return rows.table


def _is_formula(cell: Any) -> bool:
    data_type = getattr(cell, "data_type", None)
    value = cell.value
    return data_type == "f" or (
        isinstance(value, str) and value.startswith("=") and len(value) > 1 and data_type != "s"
    )


def _read_xlsx(
    data: bytes,
    max_rows: int | None,
    max_columns: int,
    preferred_sheet: str | None,
    mark_formulas: bool,
    max_unzipped_bytes: int,
    content: str,
) -> Table:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > max_unzipped_bytes:
                raise TableRefused(
                    f"tệp .xlsx giải nén ra quá lớn. Hãy chỉ để lại bảng {content}."
                )
        # What the file declares, measured before openpyxl builds a row from it.
        inspect_package(data, kind=".xlsx", max_total_bytes=max_unzipped_bytes,
                        max_part_bytes=max_unzipped_bytes, max_cells=MAX_CELLS)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=not mark_formulas)
    except TableRefused:
        raise
    except PackageRefused as refused:
        raise TableRefused(refused.message) from None
    except Exception:  # openpyxl raises many kinds on a damaged or foreign file
        raise TableRefused(
            "không đọc được tệp .xlsx (tệp hỏng hoặc không phải Excel). Hãy mở bằng Excel và "
            "lưu lại dạng .xlsx."
        ) from None
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise TableRefused("tệp .xlsx không có trang tính nào.")
        # A template's own sheet may have been moved; its name still finds it.
        wanted = search_key(preferred_sheet) if preferred_sheet else None
        sheet = next((ws for ws in sheets if search_key(ws.title) == wanted), sheets[0])
        rows = _Rows(max_rows)
        # Read-only openpyxl parses the sheet lazily: a damaged sheet fails in this loop.
        for row in sheet.iter_rows(max_col=max_columns):
            cells: list[Any] = []
            number = None
            for cell in row:
                number = number or getattr(cell, "row", None)
                value = cell.value
                if mark_formulas and _is_formula(cell):
                    value = Formula(str(value))
                cells.append(value)
            if not rows.add(number, cells):
                break
        return rows.table
    except TableRefused:
        raise
    except Exception:
        raise TableRefused(
            "không đọc được nội dung tệp .xlsx (tệp hỏng). Hãy mở bằng Excel và lưu lại."
        ) from None
    finally:
        workbook.close()


def _xls_value(cell: Any, datemode: int) -> Any:
    import xlrd

    kind = cell.ctype
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if kind == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except Exception:  # an out-of-range date: give the number as Excel stores it
            return cell.value
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if kind == xlrd.XL_CELL_ERROR:
        return None
    return cell.value


def _read_xls(
    data: bytes, max_rows: int | None, max_columns: int, preferred_sheet: str | None
) -> Table:
    """A legacy Excel 97-2003 workbook through xlrd; formulas give their last computed value."""
    import xlrd

    try:
        # ragged_rows: a row is as long as its last cell, not padded to the widest row.
        book = xlrd.open_workbook(file_contents=data, on_demand=True, ragged_rows=True)
    except Exception:  # xlrd raises many kinds on a damaged or encrypted file
        raise TableRefused(
            "không đọc được tệp .xls (tệp hỏng hoặc đặt mật khẩu). Hãy mở bằng Excel và lưu "
            "lại dạng .xlsx."
        ) from None
    try:
        names = book.sheet_names()
        if not names:
            raise TableRefused("tệp .xls không có trang tính nào.")
        wanted = search_key(preferred_sheet) if preferred_sheet else None
        index = next((i for i, title in enumerate(names) if search_key(title) == wanted), 0)
        sheet = book.sheet_by_index(index)
        rows = _Rows(max_rows)
        for r in range(sheet.nrows):
            width = min(sheet.row_len(r), max_columns)
            cells = [_xls_value(sheet.cell(r, c), book.datemode) for c in range(width)]
            if not rows.add(r + 1, cells):
                break
        return rows.table
    except TableRefused:
        raise
    except Exception:
        raise TableRefused(
            "không đọc được nội dung tệp .xls (tệp hỏng). Hãy mở bằng Excel và lưu lại."
        ) from None
    finally:
        book.release_resources()
