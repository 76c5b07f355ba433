"""Statistics exports: one .xlsx workbook, and a CSV per table. Bytes out; views only send them.

Every table is described once (:class:`Table`: Vietnamese headers, a kind and a
width per column, rows) and written both ways:

* **xlsx** (XlsxWriter in constant-memory mode, so the participant list of
  100,000 rows is streamed row by row, not held as cell objects): numbers as
  numbers, percentages as fractions formatted ``0.0%``, dates and times as Excel
  dates (Vietnam time), header row frozen, column widths set. Text is always
  written as text (never a formula, a link or a number) and loses the control
  characters a worksheet cannot hold (:func:`contest.helpers.xlsx.cell_text`).
* **CSV**: UTF-8 with a byte-order mark so Excel opens Vietnamese correctly;
  percentages as numbers of percent (the header says "(%)"); any text cell
  starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a
  leading apostrophe so a spreadsheet never runs it as a formula (CSV injection).

The participant list (personal data) is its own file, never a sheet of the statistics
workbook; the view lets only those who may see personal data download it and records an
audit entry for every such export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from contest.extensions import db
from contest.helpers.formatting import format_phone
from contest.helpers.timeutil import (
    FILE_STAMP_FORMAT,
    SHEET_DATETIME_FORMAT,
    format_date,
    format_local,
    to_local,
)
from contest.helpers.xlsx import FORMULA_PREFIXES, cell_text
from contest.models import (
    GENDERS,
    OPTION_LETTERS,
    Attempt,
    AttemptStatus,
    EntryPoint,
    Participant,
    ParticipantCategory,
    Unit,
)
from contest.services.statistics import item_analysis as ia
from contest.services.statistics import participation as stats
from contest.services.statistics import practice_answers
from contest.services.statistics.participation import StatsFilter

PERSONAL_SLUG = "danh-sach-thi-sinh"


class Pct(float):
    """A share (0–1) that the writers show as a percentage."""


@dataclass
class Column:
    header: str
    #: "text", "int", "float", "pct", "date", "datetime" or "any".
    kind: str = "text"
    width: int = 14


@dataclass
class Table:
    slug: str
    sheet: str
    columns: list[Column]
    #: A list, or a generator for big tables (read once).
    rows: Iterable[list] = field(default_factory=list)
    personal: bool = False


# --------------------------------------------------------------------------- the tables


def summary_table(f: StatsFilter, now: datetime, d: stats.Dashboard) -> Table:
    h = d.headline
    rows: list[list] = [[label, value] for label, value in stats.describe(f)]
    rows.append(["Thời điểm xuất", to_local(now).replace(tzinfo=None)])
    rows += [
        ["Số người đăng ký", h.registrations],
        ["Số người dự thi", h.participants],
        ["Số lượt thi", h.attempts],
        ["Số lượt thi đã nộp bài", h.completed_attempts],
        ["Số người đạt điểm tuyệt đối", h.full_marks_participants],
        ["Số lượt đạt điểm tuyệt đối", h.full_marks_attempts],
        ["Điểm trung bình (lượt đã nộp)", h.average_score],
        ["Tỉ lệ câu trả lời đúng trung bình", _pct(h.average_correct_rate)],
        ["Dân số các đơn vị đã khai báo", h.known_population],
        ["Người dự thi thuộc các đơn vị đó", h.participants_in_known_units],
        ["Tỉ lệ tham gia", _pct(h.participation_rate)],
    ]
    for band in d.score_bands:
        rows.append([f"Số lượt: {band.label}", band.attempts])
    rows.append(["Cách chia nhóm điểm", stats.SCORE_BAND_NOTE])
    return Table("tong-hop", "Tổng hợp",
                 [Column("Chỉ tiêu", "text", 42), Column("Giá trị", "any", 40)], rows)


def _pct(value: float | None) -> Pct | None:
    return None if value is None else Pct(value)


def per_day_table(d: stats.Dashboard) -> Table:
    return Table("theo-ngay", "Theo ngày", [
        Column("Ngày", "date", 12), Column("Số người dự thi", "int", 16),
        Column("Số lượt thi", "int", 12), Column("Số lượt đã nộp bài", "int", 18),
    ], [[r.day, r.participants, r.attempts, r.completed_attempts] for r in d.per_day])


def unit_table(d: stats.Dashboard) -> Table:
    return Table("theo-don-vi", "Theo đơn vị", [
        Column("Đơn vị", "text", 40), Column("Loại", "text", 16),
        Column("Dân số / số người", "int", 18), Column("Số người dự thi", "int", 16),
        Column("Số lượt thi", "int", 12), Column("Số lượt đã nộp bài", "int", 18),
        Column("Tỉ lệ tham gia (%)", "pct", 18),
    ], [[r.label, r.kind_label, r.population, r.participants, r.attempts,
         r.completed_attempts, _pct(r.participation_rate)] for r in d.by_unit])


def category_table(d: stats.Dashboard) -> Table:
    return Table("theo-doi-tuong", "Theo đối tượng", [
        Column("Đối tượng", "text", 36), Column("Số người dự thi", "int", 16),
        Column("Số lượt thi", "int", 12), Column("Số lượt đã nộp bài", "int", 18),
    ], [[r.label, r.participants, r.attempts, r.completed_attempts] for r in d.by_category])


def age_gender_table(d: stats.Dashboard) -> Table:
    ag = d.age_gender
    columns = [Column("Nhóm tuổi", "text", 20)]
    columns += [Column(label, "int", 14) for _k, label in ag.genders]
    columns.append(Column("Tổng", "int", 10))
    rows = [[label] + [ag.count(band, g) for g, _l in ag.genders] + [ag.band_total(band)]
            for band, label in ag.bands]
    return Table("theo-do-tuoi", "Theo độ tuổi, giới tính", columns, rows)


def entry_point_table(d: stats.Dashboard) -> Table:
    return Table("theo-nguon", "Theo nguồn", [
        Column("Mã QR / nguồn", "text", 36), Column("Loại", "text", 18),
        Column("Lượt quét", "int", 12), Column("Số người đăng ký", "int", 16),
        Column("Số người đã nộp bài", "int", 18), Column("Số lượt đã nộp bài", "int", 18),
        Column("Đăng ký / lượt quét (%)", "pct", 20),
        Column("Nộp bài / đăng ký (%)", "pct", 20),
    ], [[r.label, r.kind_label, r.scans, r.registrations, r.completed_participants,
         r.completed_attempts, _pct(r.registration_rate), _pct(r.completion_rate)]
        for r in d.funnel])


def area_table(analysis: ia.ItemAnalysis) -> Table:
    return Table("theo-linh-vuc", "Theo lĩnh vực", [
        Column("Thứ tự (yếu nhất trước)", "int", 12), Column("Mã", "text", 6),
        Column("Lĩnh vực", "text", 60), Column("Số câu hỏi đã dùng", "int", 14),
        Column("Số lượt trả lời", "int", 14), Column("Số lượt trả lời đúng", "int", 16),
        Column("Tỉ lệ đúng (%)", "pct", 14),
    ], [[i, a.code, a.title, a.questions, a.served, a.correct, _pct(a.facility)]
        for i, a in enumerate(analysis.areas, start=1)])


def question_table(analysis: ia.ItemAnalysis) -> Table:
    letters = OPTION_LETTERS[:max([4] + [len(q.options) for q in analysis.questions])]
    columns = [
        Column("Mã câu hỏi", "int", 10), Column("Lĩnh vực", "text", 8),
        Column("Câu hỏi", "text", 60), Column("Số lượt hỏi", "int", 11),
        Column("Tỉ lệ đúng (%)", "pct", 12), Column("Độ phân biệt", "float", 12),
        Column("Đáp án đúng", "text", 10),
    ]
    columns += [Column(f"Chọn {letter} (%)", "pct", 11) for letter in letters]
    columns += [Column("Không trả lời (%)", "pct", 14), Column("Cảnh báo", "text", 50)]
    rows = []
    for q in analysis.questions:
        shares = {o.letter: o.share for o in q.options}
        right = ", ".join(o.letter for o in q.options if o.is_correct)
        rows.append(
            [q.question_id, q.area_code, q.text, q.served, _pct(q.facility),
             None if q.discrimination is None else round(q.discrimination, 4), right]
            + [_pct(shares.get(letter)) for letter in letters]
            + [_pct(q.no_answer / q.served if q.served else None), "; ".join(q.flag_labels)]
        )
    return Table("theo-cau-hoi", "Theo câu hỏi", columns, rows)


def practice_table(f: StatsFilter, analysis: ia.ItemAnalysis) -> Table:
    """Per content area, the contest's counted answers beside the (anonymous) practice ones."""
    return Table("on-tap", "Dự thi và ôn tập", [
        Column("Mã", "text", 6), Column("Lĩnh vực", "text", 60),
        Column("Dự thi: lượt trả lời", "int", 16), Column("Dự thi: tỉ lệ đúng (%)", "pct", 16),
        Column("Ôn tập: lượt trả lời", "int", 16), Column("Ôn tập: trả lời đúng", "int", 16),
        Column("Ôn tập: tỉ lệ đúng (%)", "pct", 16),
    ], [[a.code, a.title, a.contest_served, _pct(a.contest_facility), a.practice_answered,
         a.practice_correct, _pct(a.practice_facility)]
        for a in practice_answers.compare_by_area(f, analysis)])


def participant_table(f: StatsFilter) -> Table:
    """Personal data: everyone in scope, with attempts in scope and best score (streamed)."""
    conds = stats.attempt_conditions(f)
    per_person = (
        sa.select(
            Attempt.participant_id.label("pid"),
            sa.func.count(Attempt.id).label("attempts"),
            sa.func.max(sa.case((Attempt.status == AttemptStatus.SUBMITTED, Attempt.score)))
            .label("best"),
        )
        .join(Participant, Participant.id == Attempt.participant_id)
        .where(*conds)
        .group_by(Attempt.participant_id)
        .subquery()
    )
    attempts = sa.func.coalesce(per_person.c.attempts, 0)
    query = (
        sa.select(
            Participant.full_name, Participant.phone, Participant.citizen_id,
            Participant.birth_year, Participant.gender, Unit.name, Participant.unit_other,
            ParticipantCategory.name, EntryPoint.label, Participant.created_at,
            attempts, per_person.c.best,
        )
        .outerjoin(per_person, per_person.c.pid == Participant.id)
        .outerjoin(Unit, Unit.id == Participant.unit_id)
        .outerjoin(ParticipantCategory, ParticipantCategory.id == Participant.category_id)
        .outerjoin(EntryPoint, EntryPoint.id == Participant.entry_point_id)
        .where(*stats._participant_conditions(f))
        .order_by(Participant.created_at, Participant.id)
    )
    registered = sa.and_(sa.true(), *stats._time_conditions(Participant.created_at, f))
    if f.round_id is not None:
        query = query.where(attempts > 0)
    elif f.date_from or f.date_to:
        # In the period: registered in it, or took part in it.
        query = query.where(sa.or_(registered, attempts > 0))

    def rows() -> Iterator[list]:
        result = db.session.execute(query.execution_options(yield_per=2000))
        for number, r in enumerate(result, start=1):
            yield [
                number, r[0], format_phone(r[1]), r[2] or "", r[3],
                GENDERS.get(r[4] or "", ""), r[5] or r[6] or "", r[7] or "", r[8] or "",
                to_local(r[9]).replace(tzinfo=None) if r[9] else None, r[10], r[11],
            ]

    return Table(PERSONAL_SLUG, "Danh sách thí sinh", [
        Column("STT", "int", 7), Column("Họ và tên", "text", 28),
        Column("Số điện thoại", "text", 14),
        Column("Số CCCD", "text", 15), Column("Năm sinh", "int", 10),
        Column("Giới tính", "text", 10), Column("Đơn vị", "text", 32),
        Column("Đối tượng", "text", 26), Column("Nguồn (mã QR)", "text", 24),
        Column("Thời điểm đăng ký", "datetime", 18), Column("Số lượt thi", "int", 11),
        Column("Điểm cao nhất", "int", 13),
    ], rows(), personal=True)


def tables(f: StatsFilter, now: datetime, *, dashboard: stats.Dashboard | None = None,
           analysis: ia.ItemAnalysis | None = None) -> list[Table]:
    """Every statistics table, in sheet order: figures only, no personal data.

    The participant list is a file of its own (:func:`participant_table`): the statistics
    workbook is what the office forwards, and personal data must not travel with it.
    """
    d = dashboard or stats.dashboard(f, now)
    analysis = analysis or ia.item_analysis(f, now)
    return [
        summary_table(f, now, d), per_day_table(d), unit_table(d), category_table(d),
        age_gender_table(d), entry_point_table(d), area_table(analysis), question_table(analysis),
        practice_table(f, analysis),
    ]


#: slug → builder, for the one-table CSV downloads (the personal one is separate).
TABLE_SLUGS: dict[str, str] = {
    "tong-hop": "Tổng hợp", "theo-ngay": "Theo ngày", "theo-don-vi": "Theo đơn vị",
    "theo-doi-tuong": "Theo đối tượng", "theo-do-tuoi": "Theo độ tuổi, giới tính",
    "theo-nguon": "Theo nguồn", "theo-linh-vuc": "Theo lĩnh vực",
    "theo-cau-hoi": "Theo câu hỏi", "on-tap": "Dự thi và ôn tập",
}
_NEEDS_ANALYSIS = {"theo-linh-vuc", "theo-cau-hoi", "on-tap"}


def table(f: StatsFilter, now: datetime, slug: str) -> Table:
    """One table by its slug, computing only what it needs."""
    if slug == PERSONAL_SLUG:
        return participant_table(f)
    if slug in _NEEDS_ANALYSIS:
        analysis = ia.item_analysis(f, now)
        if slug == "on-tap":
            return practice_table(f, analysis)
        return area_table(analysis) if slug == "theo-linh-vuc" else question_table(analysis)
    builders: dict[str, Callable[[stats.Dashboard], Table]] = {
        "theo-ngay": per_day_table, "theo-don-vi": unit_table,
        "theo-doi-tuong": category_table, "theo-do-tuoi": age_gender_table,
        "theo-nguon": entry_point_table,
    }
    d = stats.dashboard(f, now)
    if slug == "tong-hop":
        return summary_table(f, now, d)
    return builders[slug](d)


# --------------------------------------------------------------------------- writers

_FORMATS = {"float": "0.00", "pct": "0.0%", "date": "DD/MM/YYYY",
            "datetime": "DD/MM/YYYY HH:MM"}
#: Every string is written as a string: never a formula ("=..."), a link or a number.
_XLSX_OPTIONS = {"constant_memory": True, "strings_to_formulas": False,
                 "strings_to_urls": False, "strings_to_numbers": False}


def workbook_bytes(table_list: list[Table]) -> bytes:
    """The .xlsx file with one sheet per table."""
    # Imported here, as xlrd is in helpers.tables: the app starts (and every page but this
    # export works) in an environment installed before XlsxWriter joined the lock files.
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, _XLSX_OPTIONS)
    header_format = book.add_format({"bold": True, "bg_color": "#EEF0F3",
                                     "text_wrap": True, "valign": "top"})
    formats = {kind: book.add_format({"num_format": f}) for kind, f in _FORMATS.items()}
    for t in table_list:
        ws = book.add_worksheet(t.sheet)
        ws.freeze_panes(1, 0)
        for i, col in enumerate(t.columns):
            # openpyxl's width w (what these files carried before) is w × 7 pixels in the
            # default font; the same pixels store the same width.
            ws.set_column_pixels(i, i, col.width * 7)
        ws.write_row(0, 0, [col.header for col in t.columns], header_format)
        writers = [_cell_writer(ws, col.kind, formats) for col in t.columns]
        # Row by row: constant-memory mode flushes each row once the next one begins.
        for number, row in enumerate(t.rows, start=1):
            for i, (value, write) in enumerate(zip(row, writers, strict=True)):
                if value is not None and value != "":  # no cell: reads back the same
                    write(number, i, value)
    book.close()
    return buffer.getvalue()


def _cell_writer(ws, kind: str, formats: dict) -> Callable[[int, int, object], object]:
    """How one column's values are written: with its kind's number format, else by type."""
    if kind in ("float", "pct", "date", "datetime"):
        write = ws.write_datetime if kind in ("date", "datetime") else ws.write_number
        return lambda r, c, v: write(r, c, v, formats[kind])

    def by_type(r, c, v):
        if isinstance(v, str):
            return ws.write_string(r, c, cell_text(v))
        if isinstance(v, Pct):
            return ws.write_number(r, c, v, formats["pct"])
        if isinstance(v, datetime):
            return ws.write_datetime(r, c, v, formats["datetime"])
        if isinstance(v, date):
            return ws.write_datetime(r, c, v, formats["date"])
        return ws.write(r, c, v)  # integers (General format), booleans
    return by_type


def neutralise(value: str) -> str:
    """Defuse CSV injection: text a spreadsheet would run as a formula gets a leading '."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, Pct):
        return round(value * 100, 2)
    if isinstance(value, datetime):
        return value.strftime(SHEET_DATETIME_FORMAT)
    if isinstance(value, date):
        return format_date(value)
    return value


def csv_bytes(t: Table) -> bytes:
    """One table as CSV, UTF-8 with BOM."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([neutralise(c.header) for c in t.columns])
    for row in t.rows:
        writer.writerow([_csv_value(v) for v in row])
    return "\ufeff".encode() + text.getvalue().encode("utf-8")


def filename(f: StatsFilter, now: datetime, slug: str, ext: str) -> str:
    """ASCII file name (browsers and mail clients mangle others): thong-ke-<slug>-<date>.ext."""
    return f"thong-ke-{slug}-{format_local(now, FILE_STAMP_FORMAT)}.{ext}"
