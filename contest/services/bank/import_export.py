"""Question bank import (.xlsx/.csv) and export (.xlsx), with no Flask in it.

Used by ``flask --app contest bank import/export`` and by the admin import page.

The import is all or nothing: every row of every file is validated first and
every problem is reported with its file, row (as Excel shows it: the header is
row 1) and column: a dry run (the preview) returns the report, errors and all; an
import meant to write raises :class:`ImportRefused` carrying it. Only when nothing is
wrong are the new questions written, in one commit, through
:func:`contest.services.bank.questions.create_questions` so that each gets its first
frozen version. Rows whose question is already in the bank
are skipped and counted, not refused, so importing the same file twice adds
nothing the second time.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from contest.extensions import db
from contest.helpers import audit
from contest.helpers.formatting import format_number
from contest.helpers.tables import Formula, Table, TableRefused, is_empty, read_table
from contest.helpers.text import clean, fingerprint, search_key
from contest.helpers.timeutil import CLOCK_FORMAT, SHEET_DATETIME_FORMAT, format_date
from contest.helpers.xlsx import FORMULA_PREFIXES, cell_text, keep_as_text
from contest.models import ColumnMapping, ContentArea, Question
from contest.models.bank import (
    EXPLANATION_MAX_LENGTH,
    MAX_OPTIONS,
    OPTION_LETTERS,
    OPTION_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    SOURCE_MAX_LENGTH,
)
from contest.services.bank import quality
from contest.services.bank.questions import (
    QuestionData,
    bank_items,
    create_questions,
    question_problems,
)
from contest.services.errors import DomainError
from contest.services.setup.seed import CONTENT_AREAS

#: More rows than this in one import is almost certainly a wrong file (the plan's bank is ~100).
MAX_IMPORT_ROWS = 5000
#: Used when no max_bytes is given and there is no app config to read it from.
DEFAULT_MAX_IMPORT_BYTES = 5 * 1024 * 1024
#: An .xlsx that unzips to more than this is a zip bomb, not a question bank.
MAX_XLSX_UNZIPPED_BYTES = 100 * 1024 * 1024
#: The header may sit below a title row or two that organisers like to add.
HEADER_SEARCH_ROWS = 10

#: How many quality warnings a preview or the command line lists.
MAX_SHOWN_WARNINGS = 100


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False


COLUMNS: list[Column] = [
    Column("area", "Lĩnh vực", required=True),
    Column("text", "Câu hỏi", required=True),
    *[
        Column(f"option_{letter}", f"Phương án {letter}", required=letter in "AB")
        for letter in OPTION_LETTERS
    ],
    Column("answer", "Đáp án đúng", required=True),
    Column("explanation", "Giải thích"),
    Column("source", "Căn cứ"),
    Column("difficulty", "Mức độ"),
]
#: Optional extra column written by the export so an export keeps deactivated questions so.
ACTIVE_COLUMN = Column("active", "Đang dùng")
#: Optional: «Có» puts the question in the practice pool (never drawn in a round).
PRACTICE_COLUMN = Column("practice", "Ôn tập")
ALL_COLUMNS = [*COLUMNS, ACTIVE_COLUMN, PRACTICE_COLUMN]
COLUMN_BY_KEY = {column.key: column for column in ALL_COLUMNS}
TEMPLATE_HEADERS = [column.header for column in COLUMNS]
EXPORT_HEADERS = [column.header for column in ALL_COLUMNS]

#: Other spellings organisers use for the same headers (compared after _header_key).
_HEADER_ALIASES = {
    "malinhvuc": "area", "linhvuc": "area", "chude": "area",
    "noidungcauhoi": "text", "noidung": "text", "cauhoi": "text",
    "dapan": "answer", "phuongandung": "answer", "dapandung": "answer", "traloi": "answer",
    "cautraloidung": "answer", "dapanchon": "answer",
    "dokho": "difficulty", "mucdo": "difficulty",
    "cancu": "source", "nguon": "source",
    "giaithich": "explanation",
    "trangthai": "active",
}
for _number, _letter in enumerate(OPTION_LETTERS, start=1):
    for _spelling in (_letter.lower(), f"phuongan{_letter.lower()}", f"phuongan{_number}",
                      f"pa{_letter.lower()}", f"pa{_number}", f"dapan{_letter.lower()}",
                      f"luachon{_letter.lower()}", f"luachon{_number}"):
        _HEADER_ALIASES[_spelling] = f"option_{_letter}"

_AREA_CODE = re.compile(r"^(dd|[a-zđ])(?=$|[\s).:\-–])")
_DIFFICULTY_WORDS = {"de": 1, "trung binh": 2, "kho": 3}
_YES = {"co", "x", "1", "true", "yes", "dang dung", "dung"}
_NO = {"khong", "0", "false", "no", "ngung", "ngung dung", "an"}


# --------------------------------------------------------------------------- report


@dataclass
class ImportIssue:
    """One problem (or note) found in a file; row and column are empty for whole-file issues."""

    file: str
    message: str
    row: int | None = None
    #: A question of a Word document: "Câu 12 «Theo Kế hoạch, nội dung…»".
    question: str = ""
    #: The template's header name of the column ("Phương án C"), or the header as written.
    column: str = ""
    #: The spreadsheet column letter ("E"), when known.
    column_letter: str = ""

    def where(self) -> str:
        parts = [self.file]
        if self.question:
            parts.append(self.question)
        if self.row is not None:
            parts.append(f"dòng {self.row}")
        if self.column:
            letter = f" ({self.column_letter})" if self.column_letter else ""
            parts.append(f"cột «{self.column}»{letter}")
        elif self.column_letter:
            parts.append(f"cột {self.column_letter}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.where()}: {self.message}"


@dataclass
class PlannedQuestion:
    """A valid row that will become (or became) a new question: where it is, and what."""

    file: str
    row: int
    area_code: str
    content: QuestionData
    #: Why this option is taken as the right one ("in đậm", "đáp án cuối tệp", a column).
    how: str = ""
    #: Where it is, when not a spreadsheet row ("Câu 12").
    place: str = ""

    @property
    def correct_letter(self) -> str:
        return OPTION_LETTERS[self.content.correct_option]

    @property
    def where(self) -> str:
        return self.place or f"dòng {self.row}"

    @property
    def lettered_options(self) -> list[tuple[str, str, bool]]:
        return [(OPTION_LETTERS[i], option, i == self.content.correct_option)
                for i, option in enumerate(self.content.options)]


@dataclass
class UnmappedSheet:
    """A sheet whose headers were not understood: its columns, for the organiser to map."""

    file: str
    row: int
    signature: str
    #: (0-based index, column letter, header as written).
    columns: list[tuple[int, str, str]]
    #: What each column seems to be, to preselect.
    guess: dict[int, str] = field(default_factory=dict)


@dataclass
class SkippedRow:
    """A row whose question text is already in the bank: skipped, not an error."""

    file: str
    row: int
    text: str
    existing_id: int
    #: The file's answer/options/... differ from the bank's (the import never updates).
    differs: bool = False
    place: str = ""

    @property
    def where(self) -> str:
        return self.place or f"dòng {self.row}"


@dataclass
class ImportReport:
    files: list[str] = field(default_factory=list)
    #: Non-empty data rows read.
    rows_read: int = 0
    to_add: list[PlannedQuestion] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    errors: list[ImportIssue] = field(default_factory=list)
    #: Harmless things worth saying (empty rows skipped, columns ignored).
    notes: list[ImportIssue] = field(default_factory=list)
    #: Sheets whose columns the organiser must map before anything can be checked.
    unmapped_sheets: list[UnmappedSheet] = field(default_factory=list)
    #: The bank check's advice on the new questions (never blocks the import).
    warnings: list[quality.Finding] = field(default_factory=list)
    dry_run: bool = False
    #: Questions actually written (0 on a dry run or when there are errors).
    added: int = 0
    added_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def shown_warnings(self) -> list:
        """The first warnings: a file built from one template can raise thousands."""
        return list(self.warnings[:MAX_SHOWN_WARNINGS])

    @property
    def more_warnings(self) -> int:
        return max(0, len(self.warnings) - MAX_SHOWN_WARNINGS)

    def lines(self) -> list[str]:
        """The report as Vietnamese lines: every error, notes, then a summary."""
        out = [f"Lỗi – {issue}" for issue in self.errors]
        out += [f"Lưu ý – {note}" for note in self.notes]
        out += [f"Cảnh báo – {warning}" for warning in self.shown_warnings]
        if self.more_warnings:
            out.append(f"Cảnh báo – … và {self.more_warnings} cảnh báo khác cùng loại.")
        out += [
            f"Lưu ý – {s.file}, {s.where}: câu hỏi đã có trong ngân hàng "
            f"(mã {s.existing_id}) nhưng nội dung khác; bản trong ngân hàng được giữ nguyên, "
            "hãy sửa trong trang quản trị."
            for s in self.skipped if s.differs
        ]
        files = ", ".join(self.files) or "(không có tệp)"
        out.append(f"Đã đọc {len(self.files)} tệp ({files}): {self.rows_read} dòng câu hỏi.")
        if self.errors:
            out.append(
                f"Có {len(self.errors)} lỗi; không ghi câu hỏi nào. "
                "Hãy sửa các lỗi trên rồi nhập lại."
            )
        elif self.dry_run:
            out.append(
                f"Chạy thử, chưa ghi gì: tệp hợp lệ, sẽ thêm {len(self.to_add)} câu hỏi, "
                f"bỏ qua {len(self.skipped)} câu trùng với câu đã có trong ngân hàng."
            )
        else:
            out.append(
                f"Đã thêm {self.added} câu hỏi; bỏ qua {len(self.skipped)} câu trùng với "
                "câu đã có trong ngân hàng."
            )
        return out


class ImportRefused(DomainError):  # noqa: N818 - reads better at call sites
    """An import that was to write refused, nothing written; ``report`` names every error."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"Có {len(report.errors)} lỗi; không ghi câu hỏi nào.")
        self.report = report


# --------------------------------------------------------------------------- values


def _as_text(value: Any) -> str:
    """A cell as the text the organiser sees in Excel."""
    if value is None:
        return ""
    if isinstance(value, Formula):
        return value.text
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        # Excel turns a typed "17/12/2024" into a date; give back the Vietnamese form.
        if value.time() == time(0, 0):
            return format_date(value)
        return value.strftime(SHEET_DATETIME_FORMAT)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, time):
        return value.strftime(CLOCK_FORMAT)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _header_key(value: Any) -> str:
    """'Phương án  a (*)' → 'phuongana': case-, diacritic-, space- and punctuation-free."""
    text = re.sub(r"\(.*?\)", "", search_key(_as_text(value).replace("\ufeff", "")))
    return re.sub(r"[^0-9a-z]", "", text)


_HEADER_KEYS = {_header_key(column.header): column.key for column in ALL_COLUMNS}
_HEADER_KEYS.update(_HEADER_ALIASES)


def _parse_area(text: str, by_code: dict[str, ContentArea], by_title: dict[str, ContentArea]):
    lowered = clean(text).lower()
    match = _AREA_CODE.match(lowered)
    if match:
        # "đ" and "d" are different areas: no diacritic folding on the code itself.
        code = "đ" if match.group(1) == "dd" else match.group(1)
        return by_code.get(code)
    return by_title.get(search_key(text))


def parse_answer(text: str, options: list[str], raw: Any = None) -> int | None:
    """The right option's index from a letter ("B", "b)"), a number 1–6 or the option's text."""
    written = clean(text)
    letter = written.upper().strip("().: ")
    if len(letter) == 1 and letter in OPTION_LETTERS:
        return OPTION_LETTERS.index(letter)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        number = float(raw)
        return int(number) - 1 if number.is_integer() and 1 <= number <= MAX_OPTIONS else None
    if letter.isdigit() and 1 <= int(letter) <= MAX_OPTIONS:
        return int(letter) - 1
    wanted = written.casefold()
    matches = [i for i, option in enumerate(options) if option and option.casefold() == wanted]
    return matches[0] if len(matches) == 1 else None


def _parse_difficulty(value: Any, text: str) -> int | None:
    if text == "":
        return 1
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        word = search_key(text)
        if word in _DIFFICULTY_WORDS:
            return _DIFFICULTY_WORDS[word]
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return None
    if number.is_integer() and 1 <= number <= 3:
        return int(number)
    return None


def _parse_active(text: str, default: bool = True) -> bool | None:
    """«Có»/«Không» (and the usual spellings); empty is ``default``; anything else None."""
    if text == "":
        return default
    word = search_key(text)
    if word in _YES:
        return True
    if word in _NO:
        return False
    return None


# --------------------------------------------------------------------------- validation


@dataclass
class _Context:
    report: ImportReport
    by_code: dict[str, ContentArea]
    by_title: dict[str, ContentArea]
    #: The area chosen for the whole file(s) in the form or by --area; None when not chosen.
    chosen_area: ContentArea | None = None
    #: Column mappings chosen by the organiser: header signature → {column index: key}.
    mappings: dict[str, dict[int, str]] = field(default_factory=dict)
    #: fingerprint → (file, place) of the first question with that text.
    seen: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Practice pool for rows whose «Ôn tập» cell is empty or absent.
    practice: bool = False


@dataclass
class _Header:
    #: Index in the sheet's rows of the header row.
    at: int
    #: Column key → 0-based column index.
    mapping: dict[str, int]
    #: Columns whose header is not the template's: ignored, their cells are not read.
    ignored: set[int]


def header_signature(cells: list[Any]) -> str:
    """The headers of a sheet as one key: the same headers in the same order give the same key."""
    keys = [_header_key(c) for c in cells]
    while keys and not keys[-1]:
        keys.pop()
    return "|".join(keys)[:2000]


def _first_filled(rows: list[tuple[int, list[Any]]]) -> int | None:
    for index, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(not is_empty(c) for c in cells):
            return index
    return None


def _ask_for_mapping(name: str, rows, at: int, report: ImportReport, why: str) -> None:
    """The headers cannot be read: offer the organiser to say which column is which."""
    row_number, cells = rows[at]
    columns = [(index, get_column_letter(index + 1), clean(_as_text(value))[:60])
               for index, value in enumerate(cells) if not is_empty(value)]
    report.unmapped_sheets.append(UnmappedSheet(
        file=name, row=row_number, signature=header_signature(cells), columns=columns,
        guess={index: key for index, _, _ in columns
               if (key := _HEADER_KEYS.get(_header_key(cells[index])))},
    ))
    report.errors.append(ImportIssue(
        name, why + " Hãy chọn cột nào là cột nào ở bảng «Ghép cột» bên dưới, hoặc sửa dòng "
              "tiêu đề theo tệp mẫu (" + ", ".join(TEMPLATE_HEADERS) + ").",
        row=row_number))


def _required(ctx: _Context) -> list[Column]:
    return [c for c in ALL_COLUMNS
            if c.required and not (c.key == "area" and ctx.chosen_area is not None)]


def _header(ctx: _Context, name: str, rows: list[tuple[int, list[Any]]]) -> _Header | None:
    """Find the header row and map its columns; None when the rows cannot be read."""
    report = ctx.report
    header_at = None
    for index, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = {_HEADER_KEYS.get(_header_key(c)) for c in cells if not isinstance(c, Formula)}
        # Two different known headers: a data row ("a", …, "A") is not mistaken for one.
        if len(keys - {None}) >= 2:
            header_at = index
            break
    chosen: dict[int, str] | None = None
    if header_at is None:
        header_at = _first_filled(rows)
        if header_at is None:
            report.errors.append(ImportIssue(
                name, "tệp không có dữ liệu. Hãy kiểm tra đúng tệp, đúng trang tính."))
            return None
    signature = header_signature(rows[header_at][1])
    if signature in ctx.mappings:
        chosen = ctx.mappings[signature]
    elif len({_HEADER_KEYS.get(_header_key(c)) for c in rows[header_at][1]} - {None}) < 2:
        remembered = remembered_mapping(signature)
        if remembered is None:
            _ask_for_mapping(name, rows, header_at, report,
                             "không nhận ra dòng tiêu đề (tên các cột).")
            return None
        chosen = remembered
        report.notes.append(ImportIssue(
            name, "dùng cách ghép cột đã lưu cho tệp có cùng dòng tiêu đề."))
    row_number, cells = rows[header_at]
    notes_before = len(report.notes)
    mapping: dict[str, int] = {}
    ignored: set[int] = set()
    ignored_names: list[str] = []
    fatal = False
    for index, value in enumerate(cells):
        letter = get_column_letter(index + 1)
        if is_empty(value):
            continue
        written = clean(_as_text(value)).replace("\ufeff", "")
        if chosen is not None:
            key = chosen.get(index)
        else:
            key = _HEADER_KEYS.get(_header_key(value))
        if key is None or key not in COLUMN_BY_KEY:
            ignored.add(index)
            ignored_names.append(f"«{written[:40]}» ({letter})")
        elif key in mapping:
            first = get_column_letter(mapping[key] + 1)
            report.errors.append(ImportIssue(
                name,
                f"cột «{COLUMN_BY_KEY[key].header}» xuất hiện hai lần (cột {first} và cột "
                f"{letter}). Hãy xóa một cột.",
                row=row_number, column=COLUMN_BY_KEY[key].header, column_letter=letter,
            ))
            fatal = True
        else:
            mapping[key] = index
    if ignored_names:
        report.notes.append(ImportIssue(
            name, "bỏ qua các cột không thuộc mẫu: " + ", ".join(ignored_names) + ".",
            row=row_number))
    missing = [c for c in _required(ctx) if c.key not in mapping]
    if missing and chosen is None and not fatal and len(missing) > 1:
        remembered = remembered_mapping(signature)
        if remembered is not None:
            # Headers partly known: the organiser's earlier mapping of them wins.
            del report.notes[notes_before:]
            ctx.mappings[signature] = remembered
            report.notes.append(ImportIssue(
                name, "dùng cách ghép cột đã lưu cho tệp có cùng dòng tiêu đề."))
            return _header(ctx, name, rows)
        _ask_for_mapping(name, rows, header_at, report,
                         "thiếu cột " + ", ".join(f"«{c.header}»" for c in missing) + ".")
        return None
    for column in missing:
        hint = (" hoặc chọn một lĩnh vực cho cả tệp" if column.key == "area" else "")
        report.errors.append(ImportIssue(
            name, f"thiếu cột «{column.header}». Hãy thêm cột này vào dòng tiêu đề{hint}.",
            row=row_number, column=column.header,
        ))
        fatal = True
    return None if fatal else _Header(header_at, mapping, ignored)


def problem_column(key: str) -> str:
    """The template's header for a validator field key."""
    return COLUMN_BY_KEY[key].header if key in COLUMN_BY_KEY else ""


def _validate_row(
    ctx: _Context, name: str, number: int, cells: list[Any], header: _Header
) -> PlannedQuestion | None:
    mapping = header.mapping
    errors: list[ImportIssue] = []

    def error(key: str, message: str) -> None:
        column = COLUMN_BY_KEY[key]
        letter = get_column_letter(mapping[key] + 1) if key in mapping else ""
        errors.append(ImportIssue(name, message, row=number, column=column.header,
                                  column_letter=letter))

    raw: dict[str, Any] = {}
    values: dict[str, str] = {}
    for key, index in mapping.items():
        value = cells[index] if index < len(cells) else None
        raw[key] = value
        text = clean(_as_text(value))
        values[key] = text
        if isinstance(value, Formula):
            error(key, f"ô chứa công thức ({text[:40]}); chỉ nhận giá trị. Hãy dán lại dạng "
                       "\"chỉ giá trị\" (Paste Values).")
        elif isinstance(value, str) and text.startswith(FORMULA_PREFIXES):
            error(key, f"ô bắt đầu bằng «{text[0]}» có thể bị Excel chạy như công thức (chèn "
                       "công thức). Hãy bỏ ký tự này hoặc viết thêm chữ phía trước.")
    # Data in columns with no header would be silently lost: say so.
    mapped = set(mapping.values()) | header.ignored
    for index, value in enumerate(cells):
        if index not in mapped and not is_empty(value):
            errors.append(ImportIssue(
                name, "có dữ liệu ở cột không có tiêu đề. Hãy xóa ô này hoặc "
                      "đặt tiêu đề cho cột.",
                row=number, column_letter=get_column_letter(index + 1),
            ))
    bad_cells = {e.column for e in errors}

    def usable(key: str) -> bool:
        return COLUMN_BY_KEY[key].header not in bad_cells

    area = ctx.chosen_area
    if values.get("area", "") == "":
        if area is None:
            error("area", "thiếu lĩnh vực. Hãy ghi mã lĩnh vực: " + _area_codes(ctx)
                          + ", hoặc chọn một lĩnh vực cho cả tệp.")
    elif usable("area"):
        area = _parse_area(values["area"], ctx.by_code, ctx.by_title)
        if area is None:
            error("area", f"không có lĩnh vực «{values['area'][:40]}». Hãy dùng một mã: "
                          + _area_codes(ctx) + " (chữ đ viết là «đ» hoặc «dd»).")

    text = values.get("text", "")
    options = [values.get(f"option_{letter}", "") for letter in OPTION_LETTERS]

    correct = None
    answer = values.get("answer", "")
    if answer and usable("answer"):
        correct = parse_answer(answer, options, raw.get("answer"))
        if correct is None:
            error("answer", f"đáp án đúng «{answer[:40]}» không hợp lệ. Hãy ghi chữ cái A–F, "
                            "số thứ tự 1–6 hoặc chép đúng nội dung phương án đúng.")

    difficulty = 1
    if "difficulty" in values and usable("difficulty"):
        parsed = _parse_difficulty(raw.get("difficulty"), values["difficulty"])
        if parsed is None:
            error("difficulty", f"mức độ «{values['difficulty'][:20]}» không hợp lệ. Hãy ghi 1 "
                                "(dễ), 2 (trung bình) hoặc 3 (khó); để trống là 1.")
        else:
            difficulty = parsed

    active = True
    if "active" in values and usable("active"):
        parsed_active = _parse_active(values["active"])
        if parsed_active is None:
            error("active", f"«{values['active'][:20]}» không hợp lệ. Hãy ghi «Có» hoặc "
                            "«Không»; để trống là «Có».")
        else:
            active = parsed_active

    practice = ctx.practice
    if "practice" in values and usable("practice"):
        parsed_practice = _parse_active(values["practice"], default=ctx.practice)
        if parsed_practice is None:
            error("practice", f"«{values['practice'][:20]}» không hợp lệ. Hãy ghi «Có» (câu "
                              "hỏi ôn tập) hoặc «Không»; để trống là «Không».")
        else:
            practice = parsed_practice

    # The bank's one rule for a question; a cell already refused above is not refused twice.
    for problem in question_problems(
        text, options, correct, explanation=values.get("explanation", ""),
        source=values.get("source", ""), difficulty=difficulty,
    ):
        if problem.field == "answer" and answer and correct is None:
            continue
        if usable(problem.field):
            error(problem.field, problem.message)
            bad_cells.add(problem_column(problem.field))

    if text and usable("text"):
        _check_repeat(ctx, name, f"dòng {number}", text,
                      lambda message: error("text", message))

    ctx.report.errors.extend(errors)
    if errors or area is None or correct is None:
        return None
    return PlannedQuestion(
        file=name, row=number, area_code=area.code,
        how=f"cột «{problem_column('answer')}»: «{answer[:30]}»",
        content=QuestionData(
            content_area_id=area.id, text=text, options=[o for o in options if o],
            correct_option=correct, explanation=values.get("explanation", ""),
            source=values.get("source", ""), difficulty=difficulty, active=active,
            practice=practice,
        ))


def _check_repeat(ctx: _Context, name: str, place: str, text: str, error) -> None:
    """Every question of the files must be a different one."""
    key = fingerprint(text)
    if key in ctx.seen:
        other_file, other_place = ctx.seen[key]
        where = other_place + ("" if other_file == name else f" của tệp {other_file}")
        error(f"câu hỏi trùng với {where}. Hãy xóa một trong hai.")
    else:
        ctx.seen[key] = (name, place)


def _area_codes(ctx: _Context) -> str:
    return ", ".join(ctx.by_code)


def _check_sheet(
    ctx: _Context, name: str, data: bytes, max_rows: int
) -> list[PlannedQuestion]:
    report = ctx.report
    budget = max(max_rows - report.rows_read, 0)
    try:
        # Title rows above the header must not eat into the question budget.
        sheet = read_table(
            name, data, max_rows=budget + HEADER_SEARCH_ROWS,
            preferred_sheet="Câu hỏi", mark_formulas=True,
            max_unzipped_bytes=MAX_XLSX_UNZIPPED_BYTES, content="câu hỏi",
        )
    except TableRefused as refused:
        report.errors.append(ImportIssue(name, str(refused)))
        return []
    header = _header(ctx, name, sheet.rows)
    if header is None:
        return []
    planned: list[PlannedQuestion] = []
    empty_rows: list[int] = []
    pending_empty: list[int] = []
    for number, cells in sheet.rows[header.at + 1:]:
        if all(is_empty(c) for c in cells):
            pending_empty.append(number)
            continue
        # Empty rows between questions are harmless; trailing ones (Excel formatting) are noise.
        empty_rows += pending_empty
        pending_empty = []
        report.rows_read += 1
        if report.rows_read > max_rows:
            sheet.truncated = True
            report.rows_read -= 1
            break
        question = _validate_row(ctx, name, number, cells, header)
        if question is not None:
            planned.append(question)
    if not sheet.truncated and not any(True for _ in _data_rows(sheet, header)):
        # A header and nothing under it is almost always the wrong sheet or an unsaved file.
        report.errors.append(ImportIssue(
            name, "tệp không có dòng câu hỏi nào dưới dòng tiêu đề. Hãy kiểm tra đúng tệp, "
                  "đúng trang tính (trang đầu tiên hoặc trang tên «Câu hỏi»)."))
    if sheet.truncated:
        report.errors.append(_too_many(name, max_rows))
    if empty_rows:
        shown = ", ".join(str(n) for n in empty_rows[:10]) + ("…" if len(empty_rows) > 10 else "")
        report.notes.append(ImportIssue(name, f"bỏ qua {len(empty_rows)} dòng trống ({shown})."))
    return planned


def _too_many(name: str, max_rows: int) -> ImportIssue:
    return ImportIssue(
        name, f"quá nhiều dòng: mỗi lần chỉ nhập tối đa {format_number(max_rows)} câu hỏi. "
              "Hãy chia thành nhiều tệp và nhập lần lượt.")


def _check_file(
    ctx: _Context, name: str, data: bytes, max_bytes: int, max_rows: int
) -> list[PlannedQuestion]:
    report = ctx.report
    if not data:
        report.errors.append(ImportIssue(name, "tệp rỗng."))
        return []
    if len(data) > max_bytes:
        report.errors.append(ImportIssue(
            name, f"tệp lớn {len(data) / 1024 / 1024:.1f} MB, vượt giới hạn "
                  f"{max_bytes / 1024 / 1024:.1f} MB. Hãy chia nhỏ tệp."))
        return []
    if is_word_file(name, data):
        from contest.services.bank import word_import  # it builds on this module's parts

        return word_import.check_document(ctx, name, data, max_rows)
    return _check_sheet(ctx, name, data, max_rows)


def _data_rows(sheet: Table, header: _Header):
    return (cells for _, cells in sheet.rows[header.at + 1:]
            if not all(is_empty(c) for c in cells))


def _content_differs(question: Question, planned: QuestionData) -> bool:
    return (
        question.content_area_id != planned.content_area_id
        or list(question.options) != planned.options
        or question.correct_option != planned.correct_option
        or question.explanation != planned.explanation
        or question.source != planned.source
        or question.difficulty != planned.difficulty
        or question.active != planned.active
        or question.practice != planned.practice
    )


def _existing(fingerprints: Iterable[str]) -> dict[str, Question]:
    keys = list(set(fingerprints))
    found: dict[str, Question] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        for question in db.session.scalars(
            sa.select(Question).where(Question.fingerprint.in_(chunk))
        ):
            found[question.fingerprint] = question
    return found


#: Names of Word documents (refused or read as text by the Word import, never as a table).
WORD_SUFFIXES = (".docx", ".docm", ".dotx", ".dotm", ".doc", ".dot", ".rtf", ".odt")


def is_word_file(name: str, data: bytes) -> bool:
    """A word-processor document by its name, or a .docx whatever it is called."""
    if name.lower().endswith(WORD_SUFFIXES):
        return True
    return data[:4] == b"PK\x03\x04" and b"word/document.xml" in data[:4096]


def _signature_hash(signature: str) -> str:
    return hashlib.sha256(signature.encode("utf-8")).hexdigest()


def remembered_mapping(signature: str) -> dict[int, str] | None:
    """The column mapping last chosen for this header row, if any."""
    saved = db.session.scalar(sa.select(ColumnMapping).where(
        ColumnMapping.signature_hash == _signature_hash(signature)))
    if saved is None:
        return None
    return {int(index): key for index, key in saved.mapping.items() if key in COLUMN_BY_KEY}


def _remember_mappings(mappings: dict[str, dict[int, str]]) -> None:
    for signature, mapping in mappings.items():
        digest = _signature_hash(signature)
        saved = db.session.scalar(sa.select(ColumnMapping).where(
            ColumnMapping.signature_hash == digest))
        values = {str(index): key for index, key in mapping.items() if key in COLUMN_BY_KEY}
        if saved is None:
            db.session.add(ColumnMapping(signature_hash=digest, mapping=values))
        else:
            saved.mapping = values


def mapping_choices() -> list[tuple[str, str]]:
    """What a column can be, for the mapping form: ("", "Bỏ qua"), then the template's columns."""
    return [("", "— Bỏ qua cột này —"), *((c.key, c.header) for c in ALL_COLUMNS)]


def check_files(
    files: list[tuple[str, bytes]],
    *,
    area_code: str | None = None,
    mappings: dict[str, dict[int, str]] | None = None,
    max_bytes: int | None = None,
    max_rows: int = MAX_IMPORT_ROWS,
    practice: bool = False,
) -> ImportReport:
    """Validate files without writing: the report of what an import would do.

    ``area_code`` is a content area for every question whose file names none;
    ``mappings`` are column mappings the organiser chose (header signature → {index: key}).
    ``practice``: rows without an «Ôn tập» value go to the practice pool.
    """
    if max_bytes is None:
        max_bytes = DEFAULT_MAX_IMPORT_BYTES
    areas = list(db.session.scalars(sa.select(ContentArea).order_by(ContentArea.position)))
    report = ImportReport(files=[name for name, _ in files], dry_run=True)
    ctx = _Context(
        report=report,
        by_code={area.code: area for area in areas},
        by_title={search_key(area.title): area for area in areas},
        practice=practice,
        mappings=dict(mappings or {}),
    )
    if area_code:
        ctx.chosen_area = _parse_area(area_code, ctx.by_code, ctx.by_title)
        if ctx.chosen_area is None:
            report.errors.append(ImportIssue(
                "(lựa chọn)", f"không có lĩnh vực «{area_code[:40]}». Hãy dùng một mã: "
                              + _area_codes(ctx) + "."))
            return report
    if not files:
        report.errors.append(ImportIssue("(không có tệp)", "chưa chọn tệp nào để nhập."))
        return report
    planned: list[PlannedQuestion] = []
    for name, data in files:
        planned += _check_file(ctx, name, data, max_bytes, max_rows)
    existing = _existing(fingerprint(p.content.text) for p in planned)
    for question in planned:
        match = existing.get(fingerprint(question.content.text))
        if match is None:
            report.to_add.append(question)
        else:
            report.skipped.append(SkippedRow(
                file=question.file, row=question.row, text=question.content.text,
                existing_id=match.id, differs=_content_differs(match, question.content),
                place=question.place,
            ))
    if report.to_add:
        new = [quality.BankItem(f"{p.file}, {p.where}", p.content.text, p.content.options,
                                p.content.correct_option, p.content.explanation,
                                p.content.source) for p in report.to_add]
        report.warnings = quality.check_bank(new, others=bank_items())
    return report


def import_files(
    files: list[tuple[str, bytes]],
    dry_run: bool = False,
    actor_id: int | None = None,
    *,
    area_code: str | None = None,
    mappings: dict[str, dict[int, str]] | None = None,
    max_bytes: int | None = None,
    max_rows: int = MAX_IMPORT_ROWS,
    practice: bool = False,
) -> ImportReport:
    """Validate ``(file name, bytes)`` pairs and, when all is well and not a dry run, add them.

    A dry run returns the report whatever it found. Otherwise all or nothing: one bad row
    anywhere and nothing is written, :class:`ImportRefused` carrying the report. Commits on
    success, and then keeps the column mappings used for the next file with the same headers.
    """
    report = check_files(files, area_code=area_code, mappings=mappings, max_bytes=max_bytes,
                         max_rows=max_rows, practice=practice)
    report.dry_run = dry_run
    if dry_run:
        return report
    if not report.ok:
        raise ImportRefused(report)
    if not report.to_add:
        return report
    try:
        created = create_questions([planned.content for planned in report.to_add])
        report.added_ids = [question.id for question in created]
        if mappings:
            _remember_mappings(mappings)
        if actor_id is not None:
            audit.record(
                actor_id, "question.import", object_type="question",
                summary=f"Nhập {len(report.added_ids)} câu hỏi từ {', '.join(report.files)}",
                after={
                    "files": report.files,
                    "added": len(report.added_ids),
                    "skipped_duplicates": len(report.skipped),
                    "question_ids": report.added_ids,
                },
            )
        db.session.commit()
    except sa.exc.IntegrityError:
        # Someone added one of these questions between the check and the write.
        db.session.rollback()
        report.added_ids = []
        report.errors.append(ImportIssue(
            ", ".join(report.files),
            "ngân hàng vừa thay đổi trong lúc nhập (có câu hỏi trùng được thêm cùng lúc); "
            "không ghi câu hỏi nào. Hãy nhập lại.",
        ))
        raise ImportRefused(report) from None
    except Exception:
        db.session.rollback()
        raise
    report.added = len(report.added_ids)
    return report


# --------------------------------------------------------------------------- writing


_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_WRAP = Alignment(wrap_text=True, vertical="top")
_WIDTHS = {"area": 10, "text": 60, "answer": 12, "explanation": 50, "source": 32,
           "difficulty": 9, "active": 11, "practice": 9}
_OPTION_WIDTH = 32


def _put(ws, row: int, column: int, value: Any) -> None:
    cell = keep_as_text(ws.cell(row=row, column=column, value=cell_text(value)))
    cell.alignment = _WRAP


def _sheet(wb: Workbook, headers: list[str], keys: list[str]):
    ws = wb.active
    ws.title = "Câu hỏi"
    for index, (header, key) in enumerate(zip(headers, keys, strict=True), start=1):
        cell = ws.cell(row=1, column=index, value=header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        width = _OPTION_WIDTH if key.startswith("option_") else _WIDTHS.get(key, 15)
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    return ws


def _row_values(question: Question) -> list[Any]:
    options = list(question.options) + [""] * (MAX_OPTIONS - len(question.options))
    return [
        question.content_area.code, question.text, *options, question.correct_letter,
        question.explanation, question.source, question.difficulty,
        "Có" if question.active else "Không",
        "Có" if question.practice else "Không",
    ]


def _to_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def export_bank(questions: Iterable[Question] | None = None) -> tuple[bytes, int]:
    """The bank (or the given questions) as .xlsx in the import columns, plus «Đang dùng»."""
    if questions is None:
        questions = db.session.scalars(
            sa.select(Question).join(ContentArea)
            .order_by(ContentArea.position, ContentArea.code, Question.id)
        ).all()
    wb = Workbook()
    ws = _sheet(wb, EXPORT_HEADERS, [c.key for c in ALL_COLUMNS])
    count = 0
    for count, question in enumerate(questions, start=1):
        for column, value in enumerate(_row_values(question), start=1):
            _put(ws, count + 1, column, value)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(EXPORT_HEADERS))}{count + 1}"
    return _to_bytes(wb), count


#: The template's example: the starter bank's first question, so leaving it in adds nothing.
TEMPLATE_EXAMPLE = [
    "a",
    "Kế hoạch tuyên truyền cải cách hành chính năm 2026 của phường mong muốn điều gì ở người dân?",
    "Đóng góp kinh phí để sửa chữa trụ sở các cơ quan hành chính của phường",
    "Hiểu và đồng thuận với các mục tiêu, nhiệm vụ cải cách hành chính",
    "Tự soạn thảo các thủ tục hành chính mới cho phường",
    "Thay cán bộ tiếp nhận hồ sơ tại các buổi họp tổ dân phố",
    "",
    "",
    "B",
    "Kế hoạch đặt mục tiêu nâng cao nhận thức, sự đồng thuận của người dân, tổ chức, xã hội về "
    "việc thực hiện các mục tiêu, nhiệm vụ cải cách hành chính của phường.",
    "Kế hoạch thông tin, tuyên truyền cải cách hành chính năm 2026 của UBND phường Phù Vân",
    1,
]

_GUIDE = [
    "Hướng dẫn điền tệp câu hỏi",
    "",
    "Mỗi dòng ở trang «Câu hỏi» là một câu hỏi; dòng 1 là tiêu đề, giữ nguyên tên các cột.",
    "Lĩnh vực: mã lĩnh vực theo mục II.1 của Kế hoạch (bảng dưới). Chữ đ ghi «đ» (hoặc «dd»), "
    "khác với «d».",
    "Câu hỏi: bắt buộc, tối đa {q} ký tự.",
    "Phương án A…F: ít nhất 2 phương án, điền liền nhau từ A; mỗi phương án tối đa {o} ký tự.",
    "Đáp án đúng: chữ cái A–F, số thứ tự 1–6 hoặc chép đúng nội dung phương án đúng; phải là "
    "phương án có nội dung.",
    "Giải thích (tối đa {e} ký tự), Căn cứ (tối đa {s} ký tự): nên ghi để người dự thi xem "
    "khi công bố đáp án.",
    "Mức độ: 1 (dễ), 2 (trung bình), 3 (khó); để trống là 1.",
    "Không ô nào được bắt đầu bằng =, +, - hoặc @ (Excel sẽ hiểu là công thức).",
    "Câu hỏi đã có trong ngân hàng sẽ được bỏ qua; nếu có lỗi ở bất kỳ dòng nào thì không câu nào "
    "được ghi.",
    "Cột Lĩnh vực có thể bỏ khi chọn một lĩnh vực cho cả tệp; cột khác mẫu (STT, Ghi chú…) "
    "được bỏ qua.",
    "Lưu tệp dạng .xlsx, .xls, hoặc «CSV UTF-8 (Comma delimited)». Cũng nhận tài liệu Word "
    "(.docx): «Câu 1: …», phương án «A. …», đáp án in đậm hoặc bảng đáp án cuối tệp.",
    "",
    "Mã lĩnh vực",
]


def template_xlsx() -> bytes:
    """An .xlsx with the import headers, one valid example row and a guide sheet."""
    wb = Workbook()
    ws = _sheet(wb, TEMPLATE_HEADERS, [c.key for c in COLUMNS])
    for column, value in enumerate(TEMPLATE_EXAMPLE, start=1):
        _put(ws, 2, column, value)
    # Drop-down lists guide typing without limiting pasting (Excel validates typing only).
    codes = ",".join(code for code, _ in CONTENT_AREAS)
    for key, formula in (("area", f'"{codes}"'), ("answer", '"A,B,C,D,E,F"'),
                         ("difficulty", '"1,2,3"')):
        letter = get_column_letter([c.key for c in COLUMNS].index(key) + 1)
        validation = DataValidation(type="list", formula1=formula, allow_blank=True)
        validation.add(f"{letter}2:{letter}{MAX_IMPORT_ROWS + 1}")
        ws.add_data_validation(validation)
    guide = wb.create_sheet("Hướng dẫn")
    guide.column_dimensions["A"].width = 14
    guide.column_dimensions["B"].width = 90
    for row, line in enumerate(_GUIDE, start=1):
        text = line.format(q=QUESTION_MAX_LENGTH, o=OPTION_MAX_LENGTH,
                           e=EXPLANATION_MAX_LENGTH, s=SOURCE_MAX_LENGTH)
        guide.cell(row=row, column=1, value=text).font = Font(bold=row in (1, len(_GUIDE)))
    for row, (code, title) in enumerate(CONTENT_AREAS, start=len(_GUIDE) + 1):
        guide.cell(row=row, column=1, value=code)
        guide.cell(row=row, column=2, value=title)
    return _to_bytes(wb)
