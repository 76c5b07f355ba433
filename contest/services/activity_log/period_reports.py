"""Quarterly and annual outreach reports: the tables, the PDF and the workbook.

``build_report`` gathers plain rows from the database; ``render_pdf`` and
``render_xlsx`` turn those rows into bytes and never query. The PDF follows the
layout Nghị định 30/2020/NĐ-CP sets for administrative documents (A4, margins
20–25 / 15–20 / 30–35 mm; issuing body and number on the left, national motto on
the right, place and date in italics, title, body, recipients and signature).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy.orm import joinedload, selectinload

from contest.extensions import db
from contest.helpers.formatting import format_number
from contest.helpers.pdf import SERIF, add_fonts
from contest.helpers.timeutil import to_local
from contest.helpers.xlsx import cell_text, keep_as_text
from contest.models import Activity, ActivityForm, ContentArea, Unit, activity_content_area
from contest.services.activity_log import activities as svc

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
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
    def number_line(self) -> str:
        # The number is given by the clerk at issue; the space is left for it, as in the plan.
        return "Số:        /BC-UBND" if self.unit_id is None else "Số:        /BC"

    @property
    def place_date_line(self) -> str:
        d = self.issued_on
        return f"{self.ward_name}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"

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
        units = db.session.scalars(
            sa.select(Unit).where(sa.or_(sa.and_(Unit.is_plan_responsible, Unit.active),
                                         Unit.id.in_(list(unit_rows))))
            .order_by(Unit.is_plan_responsible.desc(), Unit.position, Unit.name))
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
                "tỷ lệ trả lời đúng thấp "
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


# --- PDF -----------------------------------------------------------------------------------


def _vn(value: int | float | None, decimals: int = 0) -> str:
    return "–" if value is None else format_number(value, decimals)


class _ReportPDF(FPDF):
    def header(self) -> None:
        # ND 30: page numbers from the second page, centred in the top margin.
        if self.page_no() > 1:
            self.set_font(SERIF, "", 13)
            self.set_y(10)
            self.cell(0, 6, str(self.page_no()), align="C")
            self.set_y(self.t_margin)


LEFT_COL = 70.0
GAP = 3.0


def _font(pdf: FPDF, style: str = "", size: float = 13) -> None:
    pdf.set_font(SERIF, "B" if "B" in style else "", size)


def _italic_cell(pdf: FPDF, x: float, w: float, h: float, text: str, bold: bool = False,
                 size: float = 13, align: str = "C") -> None:
    # The bundled fonts have no italic face; a slant is the usual stand-in.
    _font(pdf, "B" if bold else "", size)
    y = pdf.get_y()
    with pdf.skew(ax=12, x=x + w / 2, y=y + h):
        pdf.set_xy(x, y)
        pdf.multi_cell(w, h, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _fit_size(pdf: FPDF, text: str, width: float, size: float, style: str = "B") -> float:
    while size > 9:
        _font(pdf, style, size)
        if pdf.get_string_width(text) <= width:
            break
        size -= 0.5
    return size


def _paragraph(pdf: FPDF, text: str) -> None:
    _font(pdf, "", 13)
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            pdf.set_x(pdf.l_margin)
            pdf.multi_cell(0, 6.5, line, align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _heading(pdf: FPDF, text: str) -> None:
    if pdf.get_y() > pdf.h - 45:  # no heading alone at the foot of a page
        pdf.add_page()
    pdf.ln(2)
    _font(pdf, "B", 13)
    pdf.multi_cell(0, 7, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _table(pdf: FPDF, headings: list[str], rows: list[list[str]], widths: tuple,
           numeric_from: int) -> None:
    _font(pdf, "", 11)
    align = tuple("L" if i < numeric_from else "R" for i in range(len(headings)))
    heading_style = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
    # Aligned to the left margin: centring would use the page, and ND 30 margins are uneven.
    with pdf.table(col_widths=widths, text_align=align, line_height=5.5, align="LEFT",
                   width=pdf.epw,
                   headings_style=heading_style, first_row_as_headings=True) as table:
        head = table.row()
        for heading in headings:
            head.cell(heading, align="C")
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(2)


def render_pdf(report: Report) -> bytes:
    pdf = _ReportPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(left=30, top=20, right=15)
    pdf.set_auto_page_break(auto=True, margin=20)
    add_fonts(pdf)
    pdf.set_title(f"Báo cáo {report.title_line}")
    pdf.set_author(report.issuing_body)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    right_x = pdf.l_margin + LEFT_COL + GAP
    right_w = width - LEFT_COL - GAP
    top = pdf.get_y()

    # Left: the issuing body (and, for a unit, the body it belongs to), a rule, the number.
    pdf.set_xy(pdf.l_margin, top)
    if report.parent_body:
        _font(pdf, "", 12)
        pdf.multi_cell(LEFT_COL, 5.5, report.parent_body, align="C",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _font(pdf, "B", 12)
    body = report.issuing_body
    if report.parent_body is None and body.startswith("ỦY BAN NHÂN DÂN "):
        body = "ỦY BAN NHÂN DÂN\n" + body.removeprefix("ỦY BAN NHÂN DÂN ")
    pdf.multi_cell(LEFT_COL, 5.5, body, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    rule_y = pdf.get_y() + 1.5
    pdf.line(pdf.l_margin + LEFT_COL * 0.33, rule_y, pdf.l_margin + LEFT_COL * 0.67, rule_y)
    pdf.set_y(rule_y + 2.5)
    _font(pdf, "", 13)
    pdf.cell(LEFT_COL, 6, report.number_line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_bottom = pdf.get_y()

    # Right: Quốc hiệu, Tiêu ngữ underlined as long as itself, then place and date in italics.
    pdf.set_xy(right_x, top)
    size = _fit_size(pdf, NATIONAL_NAME, right_w, 12)
    _font(pdf, "B", size)
    pdf.cell(right_w, 5.5, NATIONAL_NAME, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    size = _fit_size(pdf, MOTTO, right_w, 13)
    _font(pdf, "B", size)
    pdf.cell(right_w, 6, MOTTO, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    motto_w = pdf.get_string_width(MOTTO)
    rule_y = pdf.get_y() + 0.5
    pdf.line(right_x + (right_w - motto_w) / 2, rule_y, right_x + (right_w + motto_w) / 2, rule_y)
    pdf.set_xy(right_x, max(rule_y + 2.5, left_bottom))
    _italic_cell(pdf, right_x, right_w, 6, report.place_date_line)
    pdf.set_y(max(pdf.get_y(), left_bottom) + 6)

    # Title and summary line.
    _font(pdf, "B", 14)
    pdf.cell(0, 7, "BÁO CÁO", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _font(pdf, "B", 13)
    # Broken by hand so the period stays on one line.
    second = report.period + (f" trên địa bàn phường {report.ward_name}"
                              if report.unit_name is None else "")
    for line in ("Kết quả thông tin, tuyên truyền cải cách hành chính", second):
        pdf.multi_cell(0, 6.5, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    rule_y = pdf.get_y() + 1.5
    pdf.line(pdf.l_margin + width * 0.4, rule_y, pdf.l_margin + width * 0.6, rule_y)
    pdf.set_y(rule_y + 5)

    t = report.totals
    who = report.unit_name or f"Ủy ban nhân dân phường {report.ward_name}"
    intro = (
        f"Thực hiện Kế hoạch thông tin, tuyên truyền cải cách hành chính năm {report.year}, "
        f"{who} "
        f"báo cáo kết quả thực hiện {report.period} "
        f"(từ ngày {report.date_from:%d/%m/%Y} đến ngày {report.date_to:%d/%m/%Y}) như sau:"
    )
    _paragraph(pdf, intro)

    _heading(pdf, "I. KẾT QUẢ THỰC HIỆN")
    _heading(pdf, "1. Hoạt động theo hình thức tuyên truyền (mục II.2 của Kế hoạch)")
    summary = (f"Tổng số {_vn(t['activities'])} hoạt động, sử dụng {t['forms_used']}/"
               f"{t['form_count']} hình thức tuyên truyền; "
               + ("đã có hoạt động thuộc hình thức cuộc thi, hội thảo/tọa đàm, sân khấu hóa "
                  "(mục II.2.e)." if t["contest_form_done"] else
                  "chưa có hoạt động thuộc hình thức cuộc thi, hội thảo/tọa đàm, sân khấu hóa "
                  "(mục II.2.e)."))
    _paragraph(pdf, summary)
    _table(pdf, ["Mục", "Hình thức", "Số hoạt động", "Số người"],
           [[r["code"], r["title"], _vn(r["count"]), _vn(r["people"])] for r in report.by_form]
           + [["", "Tổng cộng", _vn(t["activities"]), _vn(t["people"])]],
           (12, 93, 30, 30), numeric_from=2)

    section = 2
    if report.unit_name is None:
        _heading(pdf, f"{section}. Hoạt động theo cơ quan, đơn vị (mục IV.2 của Kế hoạch)")
        _paragraph(pdf, f"{t['responsible_reported']}/{t['responsible_units']} cơ quan, đơn vị "
                        f"có trách nhiệm đã ghi nhận hoạt động trong kỳ"
                        + (f"; chưa có hoạt động: {', '.join(t['units_missing'])}."
                           if t["units_missing"] else "."))
        _table(pdf, ["Cơ quan, đơn vị", "Số hoạt động", "Số hình thức", "Số người"],
               [[r["name"], _vn(r["count"]), _vn(r["forms"]), _vn(r["people"])]
                for r in report.by_unit]
               + [["Tổng cộng", _vn(sum(r["count"] for r in report.by_unit)), "",
                   _vn(sum(r["people"] for r in report.by_unit))]],
               (75, 30, 30, 30), numeric_from=1)
        section += 1

    _heading(pdf, f"{section}. Phạm vi tác động")
    _paragraph(pdf, f"Số lượt người được tuyên truyền: {_vn(t['people'])}.")
    if report.quantities:
        _table(pdf, ["Đơn vị tính", "Số lượng", "Số hoạt động"],
               [[q["unit"] or "(không ghi)", _vn(q["quantity"]), _vn(q["activities"])]
                for q in report.quantities], (85, 40, 40), numeric_from=1)
    section += 1

    c = report.contest
    _heading(pdf, f"{section}. Kết quả Cuộc thi tìm hiểu về cải cách hành chính")
    _paragraph(pdf, f"Số người đăng ký mới: {_vn(c['registrations'])}; số người dự thi: "
                    f"{_vn(c['participants'])}; số lượt thi: {_vn(c['attempts'])}; "
                    f"số bài đã nộp: {_vn(c['completed'])}.")
    if c["areas"]:
        _table(pdf, ["Mục", "Nội dung (lĩnh vực)", "Số câu trả lời", "Tỷ lệ đúng (%)"],
               [[a["code"], a["title"], _vn(a["answered"]), _vn(a["percent_correct"], 1)]
                for a in c["areas"]], (12, 93, 30, 30), numeric_from=2)
    section += 1

    _heading(pdf, f"{section}. Nội dung cần tăng cường tuyên truyền")
    if report.areas_to_strengthen:
        _table(pdf, ["Mục", "Nội dung (mục II.1)", "Lý do"],
               [[a["code"], a["title"], a["reason"]] for a in report.areas_to_strengthen],
               (12, 88, 65), numeric_from=3)
    else:
        _paragraph(pdf, "Các nội dung đều đã được tuyên truyền trong kỳ.")

    _heading(pdf, "II. ĐÁNH GIÁ CHUNG")
    for number, (label, key) in enumerate(
        [("Ưu điểm", "strengths"), ("Hạn chế", "limitations")], start=1
    ):
        _heading(pdf, f"{number}. {label}")
        _paragraph(pdf, report.note.get(key) or "……………………………………………………………")
    _heading(pdf, "III. ĐỀ XUẤT, KIẾN NGHỊ")
    _paragraph(pdf, report.note.get("proposals") or "……………………………………………………………")

    # Recipients on the left, signature on the right, kept together on one page.
    if pdf.get_y() > pdf.h - 75:
        pdf.add_page()
    pdf.ln(6)
    top = pdf.get_y()
    recipients = (["- Sở Nội vụ;", "- TT Đảng ủy, HĐND;", "- Lãnh đạo UBND phường;",
                   "- Các phòng, ban, ngành, hội, đoàn thể;", "- Lưu: VT, VH-XH."]
                  if report.unit_name is None else
                  ["- UBND phường (qua phòng Văn hóa – Xã hội);", "- Lưu: VT."])
    _italic_cell(pdf, pdf.l_margin, LEFT_COL, 5.5, "Nơi nhận:", bold=True, size=12, align="L")
    _font(pdf, "", 11)
    for line in recipients:
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(LEFT_COL, 5, line, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_xy(right_x, top)
    signature = (["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
                 if report.unit_name is None else ["THỦ TRƯỞNG ĐƠN VỊ"])
    _font(pdf, "B", 13)
    for line in signature:
        pdf.set_x(right_x)
        pdf.cell(right_w, 6.5, line, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    return bytes(pdf.output())


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
                            "Tỷ lệ đúng (%)"],
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
