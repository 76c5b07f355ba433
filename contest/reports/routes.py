"""Statistics pages and exports. Views parse the filter, call services, render or send bytes."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user

from contest import charts
from contest.downloads import send_made_file
from contest.errors import abort_vi
from contest.extensions import db
from contest.helpers import audit
from contest.helpers.formatting import format_percent
from contest.helpers.timeutil import now_utc
from contest.models import ParticipantCategory, Role, Unit
from contest.reports import bp
from contest.reports.forms import FilterForm
from contest.services.people.units import in_natural_order
from contest.services.statistics import exports, practice_answers
from contest.services.statistics import item_analysis as ia
from contest.services.statistics import participation as stats

PERSONAL_DATA_ROLES = (Role.ADMIN, Role.ORGANISER)


def _may_see_personal_data() -> bool:
    return current_user.role in PERSONAL_DATA_ROLES


def _filter_form() -> tuple[FilterForm, list]:
    """The filter form bound to the query string, with choices for the chosen contest."""
    contests = stats.contests_for_filter()
    raw = request.args.get("contest", "")
    chosen = next((c for c in contests if str(c.id) == raw), None)
    if chosen is None and not raw and contests:
        chosen = contests[0]  # the newest contest by default
    units = in_natural_order(db.session.scalars(db.select(Unit).where(Unit.active)),
                             lambda u: u.kind, group_descending=True)
    categories = db.session.scalars(
        db.select(ParticipantCategory).order_by(ParticipantCategory.position)
    ).all()
    formdata = request.args if request.args else None
    form = FilterForm(formdata=formdata, contests=contests,
                      rounds=stats.rounds_of(chosen.id if chosen else None),
                      units=units, categories=categories)
    if form.contest.data is None and chosen is not None:
        form.contest.data = chosen.id
    return form, contests


def _validated_filter() -> tuple[FilterForm, stats.StatsFilter | None, bool]:
    """(form, filter or None, had_contests). None with errors when the query string is wrong."""
    form, contests = _filter_form()
    if not contests:
        return form, None, False
    if request.args and not form.validate():
        return form, None, True
    return form, form.to_filter(), True


def _query_args(f: stats.StatsFilter) -> dict:
    args = {"contest": f.contest_id, "round": f.round_id, "unit": f.unit_id,
            "category": f.category_id,
            "date_from": f.date_from.isoformat() if f.date_from else None,
            "date_to": f.date_to.isoformat() if f.date_to else None}
    return {k: v for k, v in args.items() if v is not None}


def _dashboard_charts(d: stats.Dashboard) -> dict:
    pct = format_percent
    ag = d.age_gender
    funnel_total = [
        ("Lượt quét mã QR", sum(r.scans for r in d.funnel)),
        ("Người đăng ký", sum(r.registrations for r in d.funnel)),
        ("Người đã nộp bài", sum(r.completed_participants for r in d.funnel)),
    ]
    rated = [r for r in d.by_unit if r.participation_rate is not None]
    return {
        "per_day": charts.line_chart(
            [r.day.strftime("%d/%m") for r in d.per_day],
            [("Người dự thi", [r.participants for r in d.per_day]),
             ("Lượt thi", [r.attempts for r in d.per_day])],
            title="Người dự thi và lượt thi theo ngày"),
        "by_unit": charts.bar_chart(
            [(r.label, r.participants) for r in d.by_unit],
            title="Số người dự thi theo đơn vị"),
        "unit_rate": charts.bar_chart(
            [(r.label, r.participation_rate) for r in rated],
            title="Tỉ lệ tham gia theo đơn vị (đơn vị đã khai báo dân số)",
            value_label=pct, color=charts.PALETTE[2]) if rated else None,
        "by_category": charts.bar_chart(
            [(r.label, r.participants) for r in d.by_category],
            title="Số người dự thi theo đối tượng", color=charts.PALETTE[1]),
        "age_gender": charts.grouped_bar_chart(
            [label for _k, label in ag.bands],
            [(g_label, [ag.count(b, g) for b, _l in ag.bands]) for g, g_label in ag.genders],
            title="Số người dự thi theo độ tuổi và giới tính"),
        "score_bands": charts.bar_chart(
            [(b.label, b.attempts) for b in d.score_bands],
            title="Phân bố điểm (lượt thi đã nộp)", color=charts.PALETTE[3]),
        "funnel": charts.funnel_chart(funnel_total, title="Từ quét mã QR đến nộp bài"),
        "by_entry": charts.bar_chart(
            [(r.label, r.registrations) for r in d.funnel],
            title="Số người đăng ký theo mã QR / nguồn", color=charts.PALETTE[5]),
    }


@bp.route("/")
def index():
    form, f, had_contests = _validated_filter()
    context = {"form": form, "pct": format_percent,
               "may_export_personal": _may_see_personal_data(),
               "personal_slug": exports.PERSONAL_SLUG}
    if f is None:
        return render_template("reports/index.html", dashboard=None,
                               no_contest=not had_contests, **context), (
            400 if had_contests else 200)
    now = now_utc()
    d = stats.dashboard(f, now)
    return render_template(
        "reports/index.html", dashboard=d, charts=_dashboard_charts(d),
        described=stats.describe(f), args=_query_args(f),
        unit_total=stats.totals(d.by_unit), category_total=stats.totals(d.by_category),
        score_note=stats.SCORE_BAND_NOTE, csv_slugs=exports.TABLE_SLUGS,
        practice_total=practice_answers.total(f), **context)


@bp.route("/items")
def items():
    form, f, had_contests = _validated_filter()
    context = {"form": form, "pct": format_percent}
    if f is None:
        return render_template("reports/items.html", analysis=None,
                               no_contest=not had_contests, **context), (
            400 if had_contests else 200)
    analysis = ia.item_analysis(f, now_utc())
    area_chart = charts.bar_chart(
        [(f"{a.code}) {a.title}", a.facility or 0) for a in analysis.areas],
        title="Tỉ lệ trả lời đúng theo lĩnh vực (yếu nhất ở trên)",
        value_label=format_percent, max_value=1, color=charts.PALETTE[1])
    return render_template(
        "reports/items.html", analysis=analysis, area_chart=area_chart,
        practice=practice_answers.compare_by_area(f, analysis),
        described=stats.describe(f), args=_query_args(f), ia=ia, **context)


def _filter_or_400() -> stats.StatsFilter:
    form, f, had_contests = _validated_filter()
    if f is None:
        if not had_contests:
            abort_vi(404, "Chưa có cuộc thi nào để xuất số liệu.")
        problems = "; ".join(e for errors in form.errors.values() for e in errors)
        abort_vi(400, f"Bộ lọc không hợp lệ: {problems}")
    return f


def _audit_personal_export(f: stats.StatsFilter, fmt: str) -> None:
    described = ", ".join(f"{k}: {v}" for k, v in stats.describe(f))
    audit.record(current_user.id, "report.export_personal", object_type="contest",
                 object_id=f.contest_id or "",
                 summary=f"Xuất danh sách thí sinh (dữ liệu cá nhân, {fmt}) — {described}",
                 after={"format": fmt, "filter": f.key()})
    db.session.commit()


@bp.route("/export.xlsx")
def export_xlsx():
    f = _filter_or_400()
    now = now_utc()
    data = exports.workbook_bytes(exports.tables(f, now))
    return send_made_file(data, exports.filename(f, now, "tong-hop", "xlsx"))


def _personal_data_or_403() -> None:
    if not _may_see_personal_data():
        abort_vi(403, "Chỉ Quản trị hệ thống và Ban tổ chức được tải danh sách thí sinh "
                      "(dữ liệu cá nhân).")


@bp.route(f"/export/{exports.PERSONAL_SLUG}.xlsx")
def export_participants_xlsx():
    _personal_data_or_403()
    f = _filter_or_400()
    now = now_utc()
    data = exports.workbook_bytes([exports.participant_table(f)])
    _audit_personal_export(f, "xlsx")
    return send_made_file(data, exports.filename(f, now, exports.PERSONAL_SLUG, "xlsx"))


@bp.route("/export/<slug>.csv")
def export_csv(slug: str):
    if slug == exports.PERSONAL_SLUG:
        _personal_data_or_403()
    elif slug not in exports.TABLE_SLUGS:
        abort_vi(404, "Không có bảng số liệu này.")
    f = _filter_or_400()
    now = now_utc()
    data = exports.csv_bytes(exports.table(f, now, slug))
    if slug == exports.PERSONAL_SLUG:
        _audit_personal_export(f, "csv")
    return send_made_file(data, exports.filename(f, now, slug, "csv"))


@bp.app_template_global()
def reports_url(endpoint: str, args: dict, **extra) -> str:
    """url_for with the current filter kept (for links between report pages)."""
    return url_for(endpoint, **{**args, **extra})
