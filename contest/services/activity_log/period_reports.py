"""Quarterly and annual outreach reports: the tables, the PDF, the Word document, the workbook.

``build_report`` gathers plain rows from the database; ``render_pdf``, ``render_docx`` and
``render_xlsx`` turn those rows into bytes (the first two read only the signer's setting when
none is given). The PDF and the Word document are one description (``_body``) in the layout
Nghị định 30/2020/NĐ-CP sets for administrative documents (``contest.helpers.nd30``): issuing
body and number on the left, national motto on the right, place and date in italics, title,
body, recipients and the signature with its title and name, kept on the page of the last
section.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy.orm import joinedload, selectinload

from contest.extensions import db
from contest.helpers import nd30, pdf_layout
from contest.helpers.docx_layout import OfficialDocument
from contest.helpers.formatting import format_number
from contest.helpers.timeutil import format_date, to_local
from contest.helpers.xlsx import cell_text, keep_as_text
from contest.models import Activity, ActivityForm, ContentArea, Unit, activity_content_area
from contest.services.activity_log import activities as svc
from contest.services.documents import signers
from contest.services.people.units import in_natural_order

PARENT_BODY_SHORT = "UBND PHƯỜNG PHÙ VÂN"


@dataclass
class Report:
    """Everything a report shows, as plain values."""

    year: int
    quarter: int | None
    unit_id: int | None
    unit_name: str | None
    issuing_body: str
    parent_body: str | None
    ward_name: str
    issued_on: date
    date_from: date
    date_to: date
    by_form: list[dict]
    by_unit: list[dict]
    quantities: list[dict]
    totals: dict
    contest: dict
    area_coverage: list[dict]
    areas_to_strengthen: list[dict]
    activities: list[dict]
    coverage: dict
    forms_summary: dict
    note: dict = field(default_factory=dict)

    @property
    def period(self) -> str:
        return svc.period_label(self.year, self.quarter)

    @property
    def title_line(self) -> str:
        return f"Kết quả thông tin, tuyên truyền cải cách hành chính {self.period}"

    @property
    def file_stem(self) -> str:
        period = f"quy{self.quarter}-{self.year}" if self.quarter else f"nam-{self.year}"
        who = "phuong" if self.unit_id is None else f"don-vi-{self.unit_id}"
        return f"bao-cao-tuyen-truyen-cchc-{period}-{who}"


def build_report(year: int, quarter: int | None, unit_id: int | None, *, now: datetime,
                 issuing_body: str, ward_name: str) -> Report:
    """Gather the tables of a ward (``unit_id`` None) or unit report for a quarter or a year.

    ``now`` dates the report (the place and date line) and stamps cached statistics.
    """
    today = to_local(now).date()
    first, last = svc.period_range(year, quarter)
    unit = db.session.get(Unit, unit_id) if unit_id is not None else None
    if unit_id is not None and unit is None:
        raise LookupError("unit not found")
    conditions = [Activity.date_start >= first, Activity.date_start <= last]
    if unit_id is not None:
        conditions.append(Activity.unit_id == unit_id)

    people = sa.func.coalesce(sa.func.sum(Activity.people_reached), 0)
    count = sa.func.count(Activity.id)
    form_counts = {
        form_id: (n, int(p)) for form_id, n, p in db.session.execute(
            sa.select(Activity.form_id, count, people).where(*conditions)
            .group_by(Activity.form_id))
    }
    by_form = []
    for form in db.session.scalars(sa.select(ActivityForm).order_by(ActivityForm.position)):
        n, p = form_counts.get(form.id, (0, 0))
        by_form.append({"code": form.code, "title": form.title, "count": n, "people": p})

    by_unit: list[dict] = []
    if unit_id is None:
        unit_rows = {
            uid: (n, int(p), nf) for uid, n, p, nf in db.session.execute(
                sa.select(Activity.unit_id, count, people,
                          sa.func.count(sa.distinct(Activity.form_id)))
                .where(*conditions).group_by(Activity.unit_id))
        }
        units = in_natural_order(db.session.scalars(
            sa.select(Unit).where(sa.or_(sa.and_(Unit.is_plan_responsible, Unit.active),
                                         Unit.id.in_(list(unit_rows))))),
            lambda u: u.is_plan_responsible, group_descending=True)
        for u in units:
            n, p, nf = unit_rows.get(u.id, (0, 0, 0))
            by_unit.append({"unit_id": u.id, "name": u.name, "count": n, "people": p,
                            "forms": nf, "responsible": u.is_plan_responsible})

    quantities = [
        {"unit": qu, "quantity": int(q or 0), "activities": n}
        for qu, q, n in db.session.execute(
            sa.select(Activity.quantity_unit, sa.func.sum(Activity.quantity), count)
            .where(*conditions, Activity.quantity.is_not(None))
            .group_by(Activity.quantity_unit).order_by(Activity.quantity_unit))
    ]

    area_counts = dict(db.session.execute(
        sa.select(activity_content_area.c.content_area_id, sa.func.count())
        .join(Activity, Activity.id == activity_content_area.c.activity_id)
        .where(*conditions).group_by(activity_content_area.c.content_area_id)).all())
    contest = svc.contest_figures(first, last, now, unit_id)
    percent_by_area = {a["id"]: a for a in contest["areas"]}
    area_coverage = []
    for area in db.session.scalars(sa.select(ContentArea).order_by(ContentArea.position)):
        stats = percent_by_area.get(area.id)
        area_coverage.append({
            "code": area.code, "title": area.title, "activities": area_counts.get(area.id, 0),
            "answered": stats["answered"] if stats else 0,
            "percent_correct": stats["percent_correct"] if stats else None,
        })
    weakest_ids = {a["id"] for a in contest["weakest"]}
    areas_to_strengthen = []
    for area in db.session.scalars(sa.select(ContentArea).order_by(ContentArea.position)):
        reasons = []
        if area_counts.get(area.id, 0) == 0:
            reasons.append("chưa có hoạt động tuyên truyền trong kỳ")
        if area.id in weakest_ids:
            reasons.append(
                "tỉ lệ trả lời đúng thấp "
                f"({format_number(percent_by_area[area.id]['percent_correct'], 1)}%)"
            )
        if reasons:
            areas_to_strengthen.append({"code": area.code, "title": area.title,
                                        "reason": "; ".join(reasons)})

    activity_rows = []
    for a in db.session.scalars(
        sa.select(Activity).where(*conditions).order_by(Activity.date_start, Activity.id)
        # Unit, form and content areas with the list, not one query per activity.
        .options(selectinload(Activity.content_areas), joinedload(Activity.unit),
                 joinedload(Activity.form))
    ):
        activity_rows.append({
            "date": a.date_start, "date_end": a.date_end, "unit": a.unit.name,
            "form": a.form.code, "title": a.title, "place": a.place,
            "people": a.people_reached, "quantity": a.quantity, "quantity_unit": a.quantity_unit,
            "areas": ", ".join(c.code for c in a.content_areas), "evidence": a.evidence_url,
        })

    totals = {
        "activities": sum(r["count"] for r in by_form),
        "people": sum(r["people"] for r in by_form),
        "forms_used": sum(1 for r in by_form if r["count"]),
        "form_count": len(by_form),
        "contest_form_done": any(r["count"] for r in by_form if r["code"] == svc.CONTEST_FORM_CODE),
    }
    if unit_id is None:
        responsible = [r for r in by_unit if r["responsible"]]
        totals["responsible_units"] = len(responsible)
        totals["responsible_reported"] = sum(1 for r in responsible if r["count"])
        totals["units_missing"] = [r["name"] for r in responsible if not r["count"]]

    note = svc.get_note(year, quarter, unit_id)
    return Report(
        year=year, quarter=quarter, unit_id=unit_id, unit_name=unit.name if unit else None,
        issuing_body=(unit.name.upper() if unit else issuing_body),
        parent_body=PARENT_BODY_SHORT if unit else None,
        ward_name=ward_name, issued_on=today, date_from=first, date_to=last,
        by_form=by_form, by_unit=by_unit, quantities=quantities, totals=totals,
        contest=contest, area_coverage=area_coverage,
        areas_to_strengthen=areas_to_strengthen, activities=activity_rows,
        coverage=svc.coverage_grid(year) if unit_id is None else {},
        forms_summary=svc.forms_by_quarter(year, unit_id),
        note={"strengths": note.strengths if note else "",
              "limitations": note.limitations if note else "",
              "proposals": note.proposals if note else ""},
    )


# --- the document: one description, rendered as PDF and as Word -------------------------


def _vn(value: int | float | None, decimals: int = 0) -> str:
    return "–" if value is None else format_number(value, decimals)


EMPTY_NOTE = "……………………………………………………………"


def _summary_lines(report: Report) -> list[str]:
    # Broken by hand so the period stays on one line.
    second = report.period + (f" trên địa bàn phường {report.ward_name}"
                              if report.unit_name is None else "")
    return ["Kết quả thông tin, tuyên truyền cải cách hành chính", second]


def _letterhead(report: Report, signing: signers.Signing) -> nd30.Letterhead:
    return nd30.Letterhead(
        issuing_body=report.issuing_body, parent_body=report.parent_body,
        number=signing.number,
        place_date=nd30.place_date_line(report.ward_name, report.issued_on))


def _body(report: Report) -> list[tuple]:
    """The report's text up to its last section, as ("heading" | "paragraph", text) and
    ("table", headings, rows, widths in mm, first numeric column) parts."""
    t = report.totals
    who = report.unit_name or f"Ủy ban nhân dân phường {report.ward_name}"
    parts: list[tuple] = [("paragraph", (
        f"Thực hiện Kế hoạch thông tin, tuyên truyền cải cách hành chính năm {report.year}, "
        f"{who} báo cáo kết quả thực hiện {report.period} "
        f"(từ ngày {format_date(report.date_from)} đến ngày {format_date(report.date_to)}) "
        "như sau:"))]
    parts += [("heading", "I. KẾT QUẢ THỰC HIỆN"),
              ("heading", "1. Hoạt động theo hình thức tuyên truyền (mục II.2 của Kế hoạch)")]
    done = "đã có" if t["contest_form_done"] else "chưa có"
    parts.append(("paragraph",
                  f"Tổng số {_vn(t['activities'])} hoạt động, sử dụng {t['forms_used']}/"
                  f"{t['form_count']} hình thức tuyên truyền; {done} hoạt động thuộc hình thức "
                  "cuộc thi, hội thảo/tọa đàm, sân khấu hóa (mục II.2.e)."))
    parts.append(("table", ["Mục", "Hình thức", "Số hoạt động", "Số người"],
                  [[r["code"], r["title"], _vn(r["count"]), _vn(r["people"])]
                   for r in report.by_form]
                  + [["", "Tổng cộng", _vn(t["activities"]), _vn(t["people"])]],
                  (12, 93, 30, 30), 2))
    section = 2
    if report.unit_name is None:
        parts.append(("heading",
                      f"{section}. Hoạt động theo cơ quan, đơn vị (mục IV.2 của Kế hoạch)"))
        parts.append(("paragraph",
                      f"{t['responsible_reported']}/{t['responsible_units']} cơ quan, đơn vị "
                      "có trách nhiệm đã ghi nhận hoạt động trong kỳ"
                      + (f"; chưa có hoạt động: {', '.join(t['units_missing'])}."
                         if t["units_missing"] else ".")))
        parts.append(("table", ["Cơ quan, đơn vị", "Số hoạt động", "Số hình thức", "Số người"],
                      [[r["name"], _vn(r["count"]), _vn(r["forms"]), _vn(r["people"])]
                       for r in report.by_unit]
                      + [["Tổng cộng", _vn(sum(r["count"] for r in report.by_unit)), "",
                          _vn(sum(r["people"] for r in report.by_unit))]],
                      (75, 30, 30, 30), 1))
        section += 1
    parts.append(("heading", f"{section}. Phạm vi tác động"))
    parts.append(("paragraph", f"Số lượt người được tuyên truyền: {_vn(t['people'])}."))
    if report.quantities:
        parts.append(("table", ["Đơn vị tính", "Số lượng", "Số hoạt động"],
                      [[q["unit"] or "(không ghi)", _vn(q["quantity"]), _vn(q["activities"])]
                       for q in report.quantities], (85, 40, 40), 1))
    section += 1
    c = report.contest
    parts.append(("heading", f"{section}. Kết quả Cuộc thi tìm hiểu về cải cách hành chính"))
    parts.append(("paragraph",
                  f"Số người đăng ký mới: {_vn(c['registrations'])}; số người dự thi: "
                  f"{_vn(c['participants'])}; số lượt thi: {_vn(c['attempts'])}; "
                  f"số bài đã nộp: {_vn(c['completed'])}."))
    if c["areas"]:
        parts.append(("table", ["Mục", "Nội dung (lĩnh vực)", "Số câu trả lời",
                                "Tỉ lệ đúng (%)"],
                      [[a["code"], a["title"], _vn(a["answered"]), _vn(a["percent_correct"], 1)]
                       for a in c["areas"]], (12, 93, 30, 30), 2))
    section += 1
    parts.append(("heading", f"{section}. Nội dung cần tăng cường tuyên truyền"))
    if report.areas_to_strengthen:
        parts.append(("table", ["Mục", "Nội dung (mục II.1)", "Lý do"],
                      [[a["code"], a["title"], a["reason"]] for a in report.areas_to_strengthen],
                      (12, 88, 65), None))
    else:
        parts.append(("paragraph", "Các nội dung đều đã được tuyên truyền trong kỳ."))
    parts.append(("heading", "II. ĐÁNH GIÁ CHUNG"))
    for number, (label, key) in enumerate(
        [("Ưu điểm", "strengths"), ("Hạn chế", "limitations")], start=1
    ):
        parts.append(("heading", f"{number}. {label}"))
        parts.append(("paragraph", report.note.get(key) or EMPTY_NOTE))
    return parts


def _last_section(report: Report) -> list[tuple]:
    """The section the signature is kept with."""
    return [("heading", "III. ĐỀ XUẤT, KIẾN NGHỊ"),
            ("paragraph", report.note.get("proposals") or EMPTY_NOTE)]


def _closing(report: Report, signing: signers.Signing) -> nd30.Closing:
    recipients = (["- Sở Nội vụ;", "- TT Đảng ủy, HĐND;", "- Lãnh đạo UBND phường;",
                   "- Các phòng, ban, ngành, hội, đoàn thể;", "- Lưu: VT, VH-XH."]
                  if report.unit_name is None else
                  ["- UBND phường (qua phòng Văn hóa – Xã hội);", "- Lưu: VT."])
    return nd30.Closing(signature=signing.signature, recipients=recipients)


def default_signing(report: Report) -> signers.Signing:
    """The ward's report is signed for the People's Committee; a unit's by its head."""
    return signers.current("ward_report") if report.unit_id is None else signers.unit_report()


def _draw_pdf(pdf, parts: list[tuple]) -> None:
    for part in parts:
        if part[0] == "heading":
            pdf_layout.heading(pdf, part[1])
        elif part[0] == "paragraph":
            pdf_layout.paragraph(pdf, part[1])
        else:
            _kind, headings, rows, widths, numeric_from = part
            pdf_layout.table(pdf, headings, rows, widths, numeric_from=numeric_from)


def render_pdf(report: Report, signing: signers.Signing | None = None) -> bytes:
    """The report as PDF; ``signing`` (number and signer) defaults to the office's setting."""
    signing = signing or default_signing(report)
    pdf = pdf_layout.new_document(title=f"Báo cáo {report.title_line}",
                                  author=report.issuing_body)
    pdf_layout.letterhead(pdf, _letterhead(report, signing))
    pdf_layout.title(pdf, "BÁO CÁO", _summary_lines(report))
    _draw_pdf(pdf, _body(report))
    pdf_layout.closing_with(pdf, _closing(report, signing),
                            before=lambda target: _draw_pdf(target, _last_section(report)))
    return bytes(pdf.output())


def render_docx(report: Report, signing: signers.Signing | None = None) -> bytes:
    """The same report as a Word document the office can number, edit and sign."""
    signing = signing or default_signing(report)
    document = OfficialDocument(title=f"Báo cáo {report.title_line}", author=report.issuing_body)
    document.letterhead(_letterhead(report, signing))
    document.title("BÁO CÁO", _summary_lines(report))
    for part in _body(report) + _last_section(report):
        if part[0] == "heading":
            document.heading(part[1])
        elif part[0] == "paragraph":
            document.paragraph(part[1])
        else:
            _kind, headings, rows, widths, numeric_from = part
            document.table(headings, rows, widths, numeric_from=numeric_from)
    document.closing(_closing(report, signing))
    return document.to_bytes()


# --- workbook ------------------------------------------------------------------------------


def _sheet(wb: Workbook, title: str, headings: list[str], rows: list[list], widths: list[int]):
    ws = wb.create_sheet(title)
    ws.append(headings)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append([cell_text(value) for value in row])
        for cell in ws[ws.max_row]:
            keep_as_text(cell)
    ws.freeze_panes = "A2"
    for index, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + index)].width = width
    return ws


def render_xlsx(report: Report) -> bytes:
    """The report's tables as sheets: numbers as numbers, header row frozen."""
    wb = Workbook()
    wb.remove(wb.active)
    t = report.totals
    _sheet(wb, "Tổng hợp", ["Chỉ tiêu", "Giá trị"], [
        ["Kỳ báo cáo", report.period],
        ["Đơn vị", report.unit_name or f"Phường {report.ward_name}"],
        ["Từ ngày", report.date_from],
        ["Đến ngày", report.date_to],
        ["Số hoạt động", t["activities"]],
        ["Số người được tuyên truyền", t["people"]],
        ["Số hình thức đã sử dụng", t["forms_used"]],
        ["Có cuộc thi/hội thảo/sân khấu hóa (II.2.e)", "Có" if t["contest_form_done"] else "Chưa"],
        ["Người đăng ký mới", report.contest["registrations"]],
        ["Người dự thi", report.contest["participants"]],
        ["Lượt thi", report.contest["attempts"]],
        ["Bài đã nộp", report.contest["completed"]],
    ], [45, 30])
    _sheet(wb, "Theo hình thức", ["Mục", "Hình thức", "Số hoạt động", "Số người"],
           [[r["code"], r["title"], r["count"], r["people"]] for r in report.by_form],
           [6, 70, 14, 14])
    if report.unit_name is None:
        _sheet(wb, "Theo đơn vị", ["Cơ quan, đơn vị", "Số hoạt động", "Số hình thức", "Số người"],
               [[r["name"], r["count"], r["forms"], r["people"]] for r in report.by_unit],
               [45, 14, 14, 14])
        grid = report.coverage
        _sheet(wb, f"Bao phủ năm {report.year}",
               ["Cơ quan, đơn vị", "Quý I", "Quý II", "Quý III", "Quý IV", "Cả năm"],
               [[r["unit_name"], *r["quarters"], r["total"]] for r in grid["rows"]]
               + [["Tổng cộng", *grid["quarter_totals"], grid["total"]]],
               [45, 10, 10, 10, 10, 10])
    fs = report.forms_summary
    _sheet(wb, f"Hình thức × quý {report.year}",
           ["Mục", "Hình thức", "Quý I", "Quý II", "Quý III", "Quý IV", "Cả năm"],
           [[r["code"], r["title"], *r["quarters"], r["total"]] for r in fs["rows"]],
           [6, 60, 10, 10, 10, 10, 10])
    _sheet(wb, "Phạm vi", ["Đơn vị tính", "Số lượng", "Số hoạt động"],
           [[q["unit"], q["quantity"], q["activities"]] for q in report.quantities], [30, 14, 14])
    _sheet(wb, "Lĩnh vực", ["Mục", "Nội dung", "Số hoạt động", "Số câu trả lời",
                            "Tỉ lệ đúng (%)"],
           [[a["code"], a["title"], a["activities"], a["answered"], a["percent_correct"]]
            for a in report.area_coverage], [6, 70, 14, 14, 14])
    _sheet(wb, "Cần tăng cường", ["Mục", "Nội dung", "Lý do"],
           [[a["code"], a["title"], a["reason"]] for a in report.areas_to_strengthen], [6, 70, 50])
    ws = _sheet(wb, "Danh sách hoạt động",
                ["Ngày", "Đến ngày", "Đơn vị", "Hình thức", "Tên hoạt động", "Địa điểm",
                 "Số người", "Số lượng", "Đơn vị tính", "Nội dung", "Minh chứng"],
                [[a["date"], a["date_end"], a["unit"], a["form"], a["title"], a["place"],
                  a["people"], a["quantity"], a["quantity_unit"], a["areas"], a["evidence"]]
                 for a in report.activities],
                [12, 12, 30, 8, 50, 25, 10, 10, 12, 14, 40])
    for row in ws.iter_rows(min_row=2, max_col=2):
        for cell in row:
            cell.number_format = "DD/MM/YYYY"
    _sheet(wb, "Đánh giá", ["Mục", "Nội dung"], [
        ["Ưu điểm", report.note.get("strengths", "")],
        ["Hạn chế", report.note.get("limitations", "")],
        ["Đề xuất, kiến nghị", report.note.get("proposals", "")],
    ], [20, 100])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
