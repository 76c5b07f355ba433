"""Views of the activity log: validate → call the service → flash → redirect."""

from __future__ import annotations

import io
import secrets
from datetime import date

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from contest.activities import bp
from contest.activities.forms import ActivityEntryForm, ReportNoteForm
from contest.downloads import send_made_file
from contest.errors import CSRF_MESSAGE, abort_vi
from contest.extensions import db
from contest.forms import ActionForm, choices, query_int, show_refusal, signing_from_query
from contest.helpers.timeutil import now_utc, to_local
from contest.models import Role
from contest.services.activity_log import activities as svc
from contest.services.activity_log import period_reports as reports

NOT_FOUND = "Không tìm thấy hoạt động này, hoặc hoạt động thuộc đơn vị khác."
UNIT_NOT_FOUND = "Không tìm thấy đơn vị này; vui lòng chọn đơn vị trong danh sách “Phạm vi”."


def _actor() -> svc.Actor:
    return svc.Actor(id=current_user.id, role=current_user.role, unit_id=current_user.unit_id)


def _today() -> date:
    return to_local(now_utc()).date()


def _year_arg() -> int:
    return query_int("year", svc.MIN_YEAR, 2100) or _today().year


def _fill_choices(form: ActivityEntryForm, actor: svc.Actor) -> None:
    units = svc.scoped_units(actor)
    form.unit_id.choices = choices(((u.id, u.name) for u in units),
                                   first=("", "— Chọn đơn vị —") if actor.writes_any_unit else None)
    form.form_id.choices = choices(((f.id, f"{f.code}) {f.title}") for f in svc.activity_forms()),
                                   first=("", "— Chọn hình thức —"))
    form.content_area_ids.choices = choices(
        (a.id, f"{a.code}) {a.title}") for a in svc.content_areas())


def _data_from(form: ActivityEntryForm, actor: svc.Actor) -> svc.ActivityData:
    unit_id = form.unit_id.data
    if not actor.writes_any_unit and unit_id is None:
        unit_id = actor.unit_id  # the locked field: their own unit, whatever was (not) sent
    return svc.ActivityData(
        date_start=form.date_start.data, date_end=form.date_end.data, unit_id=unit_id,
        form_id=form.form_id.data,
        content_area_ids=[i for i in (form.content_area_ids.data or []) if i is not None],
        title=form.title.data or "", description=form.description.data or "",
        place=form.place.data or "", people_reached=form.people_reached.data,
        quantity=form.quantity.data, quantity_unit=form.quantity_unit.data or "",
        evidence_url=form.evidence_url.data or "",
        submission_id=form.submission_id.data or None,
    )


def _upload_from(form: ActivityEntryForm) -> svc.Upload | None:
    storage = form.attachment.data
    if storage is None or not getattr(storage, "filename", None):
        return None
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    data = storage.stream.read(limit + 1)  # one byte over is enough to know it is too big
    return svc.Upload(filename=storage.filename, data=data)


def _save(form: ActivityEntryForm, actor: svc.Actor, activity=None):
    """Validate and save; returns the activity, or None with errors placed on the form."""
    if not form.validate_on_submit():
        return None
    try:
        kwargs = {"max_bytes": current_app.config["MAX_ATTACHMENT_BYTES"],
                  "upload": _upload_from(form)}
        if activity is None:
            return svc.create_activity(actor, _data_from(form, actor), **kwargs)
        return svc.update_activity(actor, activity, _data_from(form, actor),
                                   remove_attachment=bool(form.remove_attachment.data), **kwargs)
    except svc.ActivityInvalid as error:
        show_refusal(form, error)
    except svc.PermissionDenied as error:
        abort_vi(403, error.message)
    return None


@bp.route("/")
def index():
    actor = _actor()
    today = _today()
    filters = svc.ActivityFilters(
        year=query_int("year", svc.MIN_YEAR, 2100), quarter=query_int("quarter", 1, 4),
        unit_id=query_int("unit"), form_id=query_int("form"), content_area_id=query_int("area"),
    )
    if filters.quarter and not filters.year:
        filters.year = today.year
    page = db.paginate(svc.list_query(actor, filters), page=query_int("page") or 1,
                       per_page=current_app.config.get("ADMIN_PAGE_SIZE", 50), error_out=False)
    args = {k: v for k, v in {"year": filters.year, "quarter": filters.quarter,
                              "unit": filters.unit_id, "form": filters.form_id,
                              "area": filters.content_area_id}.items() if v}
    quarter = svc.quarter_of(today)
    unit = current_user.unit if current_user.role == Role.UNIT_REPORTER else None
    unit_summary = None
    if unit is not None:
        unit_summary = svc.forms_by_quarter(today.year, unit.id)
    return render_template(
        "activities/index.html", page=page, filters=filters, args=args,
        units=svc.scoped_units(actor), forms=svc.activity_forms(), areas=svc.content_areas(),
        years=svc.years_with_activities(today), today=today, quarter=quarter,
        actor=actor, unit=unit, unit_summary=unit_summary,
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    actor = _actor()
    if not actor.can_write:
        if actor.role != Role.UNIT_REPORTER:  # a viewer: reads the log, records nothing
            abort_vi(403, svc.READ_ONLY_MESSAGE)
        abort_vi(403, "Tài khoản của bạn chưa được gắn với đơn vị nào; "
                      "vui lòng liên hệ quản trị hệ thống.")
    form = ActivityEntryForm()
    _fill_choices(form, actor)
    if request.method == "GET":
        # Sensible defaults: today, the reporter's unit, what the last entry used.
        form.date_start.data = _today()
        try:  # "Lưu và nhập tiếp" carries the last date over: a quarter's entries come in runs
            form.date_start.data = date.fromisoformat(request.args.get("date", ""))
        except ValueError:
            pass
        if actor.unit_id is not None:
            form.unit_id.data = actor.unit_id
        form.form_id.data = query_int("form")
        if actor.writes_any_unit and query_int("unit"):
            form.unit_id.data = query_int("unit")
        form.submission_id.data = secrets.token_hex(16)
    try:
        activity = _save(form, actor)
    except svc.AlreadyRecorded as repeat:
        flash(f"Hoạt động “{repeat.activity.title}” đã được ghi nhận rồi (biểu mẫu được gửi "
              "hai lần); không tạo thêm bản ghi.", "info")
        return redirect(url_for(".detail", activity_id=repeat.activity.id))
    if activity is not None:
        flash(f"Đã ghi nhận hoạt động “{activity.title}”.", "success")
        if request.form.get("again"):
            return redirect(url_for(".new", form=activity.form_id, unit=activity.unit_id,
                                    date=activity.date_start.isoformat()))
        return redirect(url_for(".detail", activity_id=activity.id))
    status = 400 if request.method == "POST" else 200
    return render_template("activities/form.html", form=form, activity=None, actor=actor,
                           quantity_units=svc.QUANTITY_UNITS,
                           max_mb=current_app.config["MAX_ATTACHMENT_BYTES"] // (1024 * 1024)
                           ), status


def _load(activity_id: int):
    activity = svc.get_for_read(_actor(), activity_id)
    if activity is None:
        abort_vi(404, NOT_FOUND)
    return activity


@bp.route("/<int:activity_id>")
def detail(activity_id: int):
    activity = _load(activity_id)
    return render_template("activities/detail.html", activity=activity,
                           can_edit=svc.can_edit(_actor(), activity), delete_form=ActionForm())


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
def edit(activity_id: int):
    actor = _actor()
    activity = _load(activity_id)
    if not svc.can_edit(actor, activity):
        abort_vi(403, "Bạn không có quyền sửa hoạt động này.")
    form = ActivityEntryForm(obj=activity if request.method == "GET" else None)
    _fill_choices(form, actor)
    if request.method == "GET":
        form.content_area_ids.data = [a.id for a in activity.content_areas]
    saved = _save(form, actor, activity)
    if saved is not None:
        flash("Đã lưu thay đổi.", "success")
        return redirect(url_for(".detail", activity_id=saved.id))
    status = 400 if request.method == "POST" else 200
    return render_template("activities/form.html", form=form, activity=activity, actor=actor,
                           quantity_units=svc.QUANTITY_UNITS,
                           max_mb=current_app.config["MAX_ATTACHMENT_BYTES"] // (1024 * 1024)
                           ), status


@bp.route("/<int:activity_id>/delete", methods=["POST"])
def delete(activity_id: int):
    actor = _actor()
    activity = _load(activity_id)
    if not ActionForm().validate_on_submit():
        abort_vi(400, CSRF_MESSAGE)
    title = activity.title
    try:
        svc.delete_activity(actor, activity)
    except svc.PermissionDenied as error:
        abort_vi(403, error.message)
    flash(f"Đã xóa hoạt động “{title}”.", "success")
    return redirect(url_for(".index"))


@bp.route("/<int:activity_id>/attachment")
def attachment(activity_id: int):
    found = svc.attachment_for_download(_actor(), activity_id)
    if found is None:
        abort_vi(404, "Không tìm thấy tệp đính kèm, hoặc bạn không được xem tệp này.")
    activity, data = found
    response = send_file(io.BytesIO(data), mimetype=activity.attachment_type,
                         as_attachment=True, max_age=0,
                         download_name=activity.attachment_name or "tep-dinh-kem")
    response.headers["Cache-Control"] = "private, no-store"
    # Even if a browser were tricked into rendering it, the file may run nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/coverage")
def coverage():
    actor = _actor()
    if not actor.reads_all_units:
        abort_vi(403, "Bảng theo dõi toàn phường dành cho Ban tổ chức và văn phòng; "
                      "bạn xem báo cáo của đơn vị mình ở trang Báo cáo.")
    year = _year_arg()
    today = _today()
    grid = svc.coverage_grid(year)
    forms = svc.forms_by_quarter(year)
    contest = []
    for q in (1, 2, 3, 4):
        first, last = svc.period_range(year, q)
        contest.append(svc.contest_figures(first, last, now_utc()) if first <= today else None)
    return render_template("activities/coverage.html", year=year, grid=grid, forms=forms,
                           contest=contest, years=svc.years_with_activities(today),
                           current_quarter=svc.quarter_of(today) if year == today.year else None)


def _report_params() -> tuple[int, int | None, int | None]:
    """(year, quarter or None for the year, unit id or None for the ward), scope-checked."""
    actor = _actor()
    today = _today()
    year = _year_arg()
    raw_quarter = request.args.get("quarter")
    if raw_quarter is None:
        quarter = svc.quarter_of(today) if year == today.year else None
    elif raw_quarter.strip() in ("", "0"):
        quarter = None  # the annual report
    else:
        quarter = query_int("quarter", 1, 4)
        if quarter is None:
            abort_vi(400, "Quý không hợp lệ; chọn quý I, II, III, IV hoặc cả năm.")
    unit_id = query_int("unit")  # None for "" and "0": the ward's report
    if "unit" in request.args and request.args["unit"] not in ("", "0") and unit_id is None:
        abort_vi(404, UNIT_NOT_FOUND)
    try:
        unit_id = svc.report_unit(actor, unit_id)
    except svc.PermissionDenied as refused:
        abort_vi(403, refused.message)
    if actor.reads_all_units and unit_id is not None and not svc.unit_names([unit_id]):
        # Before anything is read or saved: a note for a missing unit would break the database.
        abort_vi(404, UNIT_NOT_FOUND)
    return year, quarter, unit_id


def _build(year: int, quarter: int | None, unit_id: int | None) -> reports.Report:
    try:
        return reports.build_report(
            year, quarter, unit_id, now=now_utc(),
            issuing_body=current_app.config["ORGANISATION_FULL_NAME"],
            ward_name=current_app.config["WARD_NAME"],
        )
    except LookupError:
        abort_vi(404, UNIT_NOT_FOUND)


@bp.route("/report", methods=["GET", "POST"])
def report():
    actor = _actor()
    year, quarter, unit_id = _report_params()
    can_edit_note = svc.can_edit_note(actor, unit_id)
    note = svc.get_note(year, quarter, unit_id)
    form = ReportNoteForm(obj=note if request.method == "GET" else None)
    if request.method == "POST":
        if not can_edit_note:
            abort_vi(403, svc.NOTE_NOT_YOURS_MESSAGE)
        if form.validate_on_submit():
            try:
                svc.save_note(actor, year, quarter, unit_id, strengths=form.strengths.data or "",
                              limitations=form.limitations.data or "",
                              proposals=form.proposals.data or "")
            except svc.ActivityInvalid as error:
                show_refusal(form, error)
            else:
                flash("Đã lưu phần đánh giá của báo cáo.", "success")
                return redirect(url_for(".report", **_period_args(year, quarter, unit_id)))
    data = _build(year, quarter, unit_id)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "activities/report.html", report=data, form=form, can_edit_note=can_edit_note,
        period_args=_period_args(year, quarter, unit_id), years=svc.years_with_activities(_today()),
        units=svc.scoped_units(actor), actor=actor,
        signing=reports.default_signing(data).form_values(),
    ), status


def _period_args(year: int, quarter: int | None, unit_id: int | None) -> dict:
    args = {"year": year, "quarter": quarter or 0}
    if unit_id is not None:
        args["unit"] = unit_id
    return args


@bp.route("/report.pdf")
def report_pdf():
    data = _build(*_report_params())
    signing = signing_from_query(reports.default_signing(data))
    return send_made_file(reports.render_pdf(data, signing), f"{data.file_stem}.pdf")


@bp.route("/report.docx")
def report_docx():
    """The report as a Word document, with the number and signer of the download form."""
    data = _build(*_report_params())
    signing = signing_from_query(reports.default_signing(data))
    return send_made_file(reports.render_docx(data, signing), f"{data.file_stem}.docx")


@bp.route("/report.xlsx")
def report_xlsx():
    data = _build(*_report_params())
    return send_made_file(reports.render_xlsx(data), f"{data.file_stem}.xlsx")
