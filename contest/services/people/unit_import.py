"""Import units from .xlsx/.xls/.csv: validate every row, then write all or nothing.

Columns (header row, any order, diacritics and case ignored; a title above it is fine):
``Tên đơn vị`` (or ``Tên tổ dân phố``) · ``Loại`` (Tổ dân phố / Cơ quan, đơn vị; optional)
· ``Dân số / Số người`` (or ``Số nhân khẩu``) · ``Số hộ``. Other columns (``STT``, ``Ghi
chú``) are ignored and listed. Without a kind, it is the one chosen for the whole file, or
taken from the name ("Tổ dân phố 3", "TDP số 3" → tổ dân phố). A name already in the list
updates that unit; a name twice in the file, a kind that cannot be told or a bad number
is an error, and one error stops the whole import. Nothing here reads the HTTP call.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from contest.extensions import db
from contest.helpers import audit
from contest.helpers.tables import TableRefused, file_kind, read_table
from contest.helpers.text import (
    clean,
    has_control_characters,
    search_key,
    without_control_characters,
)
from contest.models import UNIT_KINDS
from contest.services.errors import DomainError
from contest.services.people.units import (
    POPULATION_MAX,
    UNIT_FIELDS,
    UNIT_NAME_MAX_LENGTH,
    UnitData,
    create_unit,
    units_by_name,
)

#: Units in one import, at the most.
MAX_ROWS = 2000
#: A small .xlsx can unzip to gigabytes; a unit list never needs more than this.
MAX_XLSX_UNZIPPED_BYTES = 50 * 1024 * 1024
COLUMN_NAME, COLUMN_KIND, COLUMN_POPULATION = "Tên đơn vị", "Loại", "Dân số / Số người"
COLUMN_HOUSEHOLDS = "Số hộ"
TEMPLATE_HEADER = [COLUMN_NAME, COLUMN_KIND, COLUMN_POPULATION, COLUMN_HOUSEHOLDS]
#: Rows above the header that a title ("DANH SÁCH TỔ DÂN PHỐ") may take.
HEADER_SEARCH_ROWS = 10

#: Accepted spellings of each kind, compared without diacritics or case.
KIND_ALIASES = {
    "to dan pho": "residential_group",
    "tdp": "residential_group",
    "co quan, don vi": "agency",
    "co quan": "agency",
    "don vi": "agency",
    "co quan don vi": "agency",
}
_HEADER_KEYS = {
    "ten don vi": "name", "ten": "name", "don vi": "name", "ten to dan pho": "name",
    "to dan pho": "name", "ten tdp": "name", "ten to": "name", "ten co quan, don vi": "name",
    "loai": "kind", "loai don vi": "kind",
    "dan so / so nguoi": "population", "dan so": "population", "so nguoi": "population",
    "dan so/so nguoi": "population", "so nhan khau": "population", "nhan khau": "population",
    "so khau": "population",
    "so ho": "households", "ho": "households", "so ho gia dinh": "households",
}
#: A name that says it is a tổ dân phố ("Tổ dân phố 3", "TDP số 3", "Tổ 3").
_RESIDENTIAL_NAME = re.compile(r"^(to dan pho|tdp|to so|to \d)")


@dataclass
class RowResult:
    row: int
    name: str
    kind: str | None = None
    population: int | None = None
    households: int | None = None
    #: How the kind was known: "" (its column), "theo tên", "chọn cho cả tệp".
    kind_how: str = ""
    #: "add", "update", "unchanged" or "error".
    status: str = "add"
    errors: list[str] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return {"add": "Thêm mới", "update": "Cập nhật", "unchanged": "Không đổi",
                "error": "Lỗi"}[self.status]


@dataclass
class ImportReport:
    filename: str
    rows: list[RowResult] = field(default_factory=list)
    #: Errors about the file itself (type, size, header), not a row.
    file_errors: list[str] = field(default_factory=list)
    #: Harmless things worth saying (columns ignored).
    notes: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.file_errors and not any(r.errors for r in self.rows) and bool(self.rows)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    def lines(self) -> list[str]:
        """The report as Vietnamese text lines (CLI, logs)."""
        out = [f"Tệp {self.filename}:"] + [f"  {e}" for e in self.file_errors]
        out += [f"  Lưu ý: {n}" for n in self.notes]
        for r in self.rows:
            detail = "; ".join(r.errors) if r.errors else r.status_label
            out.append(f"  Dòng {r.row}: {r.name or '(trống)'} — {detail}")
        out.append(
            f"Thêm mới {self.count('add')}, cập nhật {self.count('update')}, "
            f"không đổi {self.count('unchanged')}, lỗi {self.count('error')}."
        )
        return out


def _parse_population(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError
        return int(value)
    text = clean(str(value)).replace(" ", "")
    if not text:
        return None
    # "1.234" and "1,234" are thousands in Vietnamese and English spreadsheets.
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", text):
        text = re.sub(r"[.,]", "", text)
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError
    return int(text)


def parse_units(filename: str, data: bytes, max_bytes: int,
                default_kind: str | None = None) -> ImportReport:
    """Check the file and every row against the current list of units. Writes nothing.

    ``default_kind`` is the kind chosen for every row whose file gives none.
    """
    # The name goes back in the confirmation form and into the audit log (PostgreSQL
    # refuses a NUL): a control character in it is dropped, it names nothing.
    filename = without_control_characters(filename)
    report = ImportReport(filename=filename or "(không tên)")
    try:
        # The kind before the size: a file of the wrong kind is no better made smaller.
        file_kind(filename or "", data)
        if len(data) > max_bytes:
            raise TableRefused(
                f"Tệp quá lớn ({len(data) // 1024} KB); tối đa {max_bytes // (1024 * 1024)} MB."
            )
        if not data:
            raise TableRefused("Tệp rỗng.")
        # The header is the first non-empty row, so one more than the units.
        table = read_table(filename, data, max_rows=MAX_ROWS + HEADER_SEARCH_ROWS,
                           max_unzipped_bytes=MAX_XLSX_UNZIPPED_BYTES, content="đơn vị")
    except TableRefused as refused:
        message = str(refused)
        # The shared messages are written to follow a file name; here each stands alone.
        report.file_errors.append(message[:1].upper() + message[1:])
        return report
    if table.truncated:
        report.file_errors.append(f"Tệp có quá nhiều dòng; tối đa {MAX_ROWS} đơn vị mỗi lần.")
        return report
    return _check_table(report, table.rows, default_kind)


def _blank(cells: list[object]) -> bool:
    return all(clean(str(c if c is not None else "")) == "" for c in cells)


def _header_at(filled: list[tuple[int, list[object]]]) -> int:
    for index, (_, cells) in enumerate(filled[:HEADER_SEARCH_ROWS]):
        if any(_HEADER_KEYS.get(search_key(str(c or ""))) == "name" for c in cells):
            return index
    return 0


def _check_table(report: ImportReport, rows: list[tuple[int, list[object]]],
                 default_kind: str | None = None) -> ImportReport:
    """Rows are (the spreadsheet's own row number, cells); the header is the first row naming
    a unit column (a title above it is skipped)."""
    filled = [(number, cells) for number, cells in rows if not _blank(cells)]
    if not filled:
        report.file_errors.append("Tệp không có dữ liệu.")
        return report
    at = _header_at(filled)
    (_, header), body = filled[at], filled[at + 1:]
    if len(body) > MAX_ROWS:
        report.file_errors.append(f"Tệp có quá nhiều dòng; tối đa {MAX_ROWS} đơn vị mỗi lần.")
        return report
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        written = clean(str(cell or ""))
        key = _HEADER_KEYS.get(search_key(written))
        if key and key not in columns:
            columns[key] = index
        elif written:
            ignored.append(f"“{written[:40]}”")
    if "name" not in columns:
        report.file_errors.append(
            f"Thiếu cột: {COLUMN_NAME}"
            + f". Dòng đầu phải là tiêu đề: {', '.join(TEMPLATE_HEADER)} "
            "(hoặc Tên tổ dân phố, Số hộ, Số nhân khẩu)."
        )
        return report
    if ignored:
        report.notes.append("Bỏ qua các cột không dùng: " + ", ".join(ignored) + ".")

    def cell(row: list[object], key: str) -> object:
        index = columns.get(key)
        return row[index] if index is not None and index < len(row) else None

    seen: dict[str, int] = {}
    known = units_by_name()  # one read of the list, not one per row
    for line, raw in body:
        name = clean(str(cell(raw, "name") or ""))
        result = RowResult(row=line, name=name)
        if not name:
            result.errors.append(f"Cột “{COLUMN_NAME}”: bỏ trống.")
        elif len(name) > UNIT_NAME_MAX_LENGTH:
            result.errors.append(f"Cột “{COLUMN_NAME}”: dài quá {UNIT_NAME_MAX_LENGTH} ký tự.")
        elif has_control_characters(name):
            result.errors.append(
                f"Cột “{COLUMN_NAME}”: có ký tự điều khiển không in được. Hãy gõ lại tên.")
        elif name.casefold() in seen:
            result.errors.append(
                f"Cột “{COLUMN_NAME}”: trùng với dòng {seen[name.casefold()]} trong tệp."
            )
        else:
            seen[name.casefold()] = line
        kind_text = clean(str(cell(raw, "kind") or ""))
        result.kind = KIND_ALIASES.get(search_key(kind_text))
        if not kind_text and default_kind in UNIT_KINDS:
            result.kind, result.kind_how = default_kind, "chọn cho cả tệp"
        elif not kind_text and _RESIDENTIAL_NAME.match(search_key(name)):
            result.kind, result.kind_how = "residential_group", "theo tên"
        if result.kind is None and not kind_text:
            result.errors.append(
                f"Cột “{COLUMN_KIND}”: không biết “{name or '(trống)'}” là tổ dân phố hay cơ "
                "quan, đơn vị. Hãy ghi “Tổ dân phố” hoặc “Cơ quan, đơn vị”, hoặc chọn loại "
                "cho cả tệp."
            )
        elif result.kind is None:
            result.errors.append(
                f"Cột “{COLUMN_KIND}”: “{kind_text}” không hợp lệ; "
                "ghi “Tổ dân phố” hoặc “Cơ quan, đơn vị”."
            )
        try:
            result.population = _parse_population(cell(raw, "population"))
            if result.population is not None and not 0 <= result.population <= POPULATION_MAX:
                raise ValueError
        except ValueError:
            result.errors.append(
                f"Cột “{COLUMN_POPULATION}”: “{cell(raw, 'population')}” phải là số nguyên "
                f"từ 0 đến {POPULATION_MAX}."
            )
        try:
            result.households = _parse_population(cell(raw, "households"))
            if result.households is not None and not 0 <= result.households <= POPULATION_MAX:
                raise ValueError
        except ValueError:
            result.errors.append(
                f"Cột “{COLUMN_HOUSEHOLDS}”: “{cell(raw, 'households')}” phải là số nguyên "
                f"từ 0 đến {POPULATION_MAX}."
            )
        if result.errors:
            result.status = "error"
        elif (existing := known.get(name.casefold())) is not None:
            same = (existing.kind == result.kind
                    and (result.population is None or existing.population == result.population)
                    and (result.households is None or existing.households == result.households))
            result.status = "unchanged" if same else "update"
        report.rows.append(result)
    if not report.rows:
        report.file_errors.append("Tệp không có dòng đơn vị nào dưới dòng tiêu đề.")
    return report


class UnitImportRefused(DomainError):  # noqa: N818 - reads better at call sites
    """An import refused because its file has errors; ``report`` names them row by row."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("Tệp còn lỗi: không nhập đơn vị nào.")
        self.report = report


def apply_rows(report: ImportReport, actor_id: int | None) -> ImportReport:
    """Write a report's rows; the caller commits. A report with any error: UnitImportRefused."""
    if not report.ok:
        raise UnitImportRefused(report)
    known = units_by_name()
    for row in report.rows:
        existing = known.get(clean(row.name).casefold())
        if existing is None:
            known[clean(row.name).casefold()] = create_unit(
                UnitData(row.name, row.kind, row.population, households=row.households),
                actor_id)
            continue
        before = audit.snapshot(existing, UNIT_FIELDS)
        existing.kind = row.kind
        if row.population is not None:
            existing.population = row.population
        if row.households is not None:
            existing.households = row.households
        after = audit.snapshot(existing, UNIT_FIELDS)
        if before != after:
            audit.record(actor_id, "unit.update", object_type="unit", object_id=existing.id,
                         summary=f"Cập nhật đơn vị {existing.name} từ tệp {report.filename}",
                         before=before, after=after)
    audit.record(actor_id, "unit.import", object_type="unit",
                 summary=(f"Nhập đơn vị từ tệp {report.filename}: thêm {report.count('add')}, "
                          f"cập nhật {report.count('update')}"))
    db.session.flush()
    report.applied = True
    return report


def template_xlsx() -> bytes:
    """An empty import template with the header row and two example rows."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Danh sách đơn vị"
    sheet.append(TEMPLATE_HEADER)
    sheet.append(["Tổ dân phố số 1", "Tổ dân phố", 850, 230])
    sheet.append(["Trường Tiểu học Phù Vân", "Cơ quan, đơn vị", 45, None])
    for letter, width in zip("ABCD", (40, 20, 20, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    guide = book.create_sheet("Hướng dẫn")
    for line in (
        "Mỗi dòng một đơn vị; dòng 1 là tiêu đề.",
        "Tên đơn vị: bắt buộc. Có thể dùng danh sách tổ dân phố sẵn có của phường với các "
        "cột STT, Tên tổ dân phố, Số hộ, Số nhân khẩu (cột STT được bỏ qua).",
        "Loại: Tổ dân phố hoặc Cơ quan, đơn vị. Để trống thì lấy theo tên (“Tổ dân phố …”) "
        "hoặc theo loại chọn khi nhập.",
        "Dân số / Số người (hoặc Số nhân khẩu), Số hộ: số nguyên, có thể để trống.",
    ):
        guide.append([line])
    guide.column_dimensions["A"].width = 110
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
