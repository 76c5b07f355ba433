"""The question bank: list, search, edit, preview, import and export."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from contest.admin import bp
from contest.admin.forms import DIFFICULTIES, ImportForm, QuestionForm
from contest.admin.pending_imports import PendingImport
from contest.downloads import send_made_file
from contest.errors import abort_vi
from contest.extensions import db
from contest.forms import ActionForm, choices, query_int
from contest.helpers import audit
from contest.helpers.text import without_control_characters
from contest.helpers.timeutil import FILE_STAMP_FORMAT, format_local, now_utc
from contest.models import ContentArea, Question, QuestionVersion
from contest.models.bank import MAX_OPTIONS, OPTION_LETTERS
from contest.services.bank import import_export as bank_io
from contest.services.bank import questions as questions_service
from contest.services.bank.listing import STATUS_FILTERS, area_overview, filtered_query
from contest.services.bank.questions import AUDIT_FIELDS, QuestionData, QuestionInUse

#: What the import page takes; a Word file is read by the Word import, the others as tables.
IMPORT_TYPES = {".docx": "Word (.docx)", ".docm": "Word có macro (.docm, chỉ đọc chữ)",
                ".doc": "Word 97-2003 (.doc)", ".xlsx": "Excel (.xlsx)",
                ".xls": "Excel 97-2003 (.xls)", ".csv": "CSV (.csv)"}
MAX_IMPORT_FILES = 20


def _areas() -> list[ContentArea]:
    return list(db.session.scalars(sa.select(ContentArea).order_by(ContentArea.position)))


# --- list, filters, search ------------------------------------------------------------


def _filters() -> dict[str, str]:
    """The list's filters from the query string; unknown values are dropped, not errors."""
    args = request.args
    codes = {a.code for a in _areas()}
    filters = {}
    if args.get("area") in codes:
        filters["area"] = args["area"]
    status = args.get("status", "active")
    filters["status"] = status if status in STATUS_FILTERS else "active"
    if args.get("difficulty") in {str(d) for d in DIFFICULTIES}:
        filters["difficulty"] = args["difficulty"]
    q = (args.get("q") or "").strip()[:200]
    if q:
        filters["q"] = q
    return filters


@bp.route("/questions/")
def questions():
    filters = _filters()
    page = db.paginate(
        filtered_query(filters).order_by(Question.id.desc()), page=query_int("page") or 1,
        per_page=current_app.config["ADMIN_PAGE_SIZE"], max_per_page=200, error_out=False,
    )
    return render_template(
        "admin/questions/list.html", page=page, filters=filters, areas=_areas(),
        area_counts=area_overview(now_utc()), statuses=STATUS_FILTERS,
        difficulties=DIFFICULTIES, letters=OPTION_LETTERS, show_answers=_may_see_answers(),
    )


# --- one question ---------------------------------------------------------------------


def _question_form(question: Question | None) -> QuestionForm:
    if request.method == "POST":
        form = QuestionForm()
    elif question is not None:
        options = list(question.options) + [""] * (MAX_OPTIONS - len(question.options))
        form = QuestionForm(obj=question, data={"options": options})
    else:
        form = QuestionForm(data={"options": [""] * MAX_OPTIONS, "active": True})
    form.content_area_id.choices = choices((a.id, f"{a.code}) {a.title}") for a in _areas())
    return form


def _question_data(form: QuestionForm) -> QuestionData:
    return QuestionData(
        content_area_id=form.content_area_id.data,
        text=form.text.data,
        options=[v for v in form.filled_options() if v],
        correct_option=form.correct_option.data,
        explanation=form.explanation.data or "",
        source=form.source.data or "",
        difficulty=form.difficulty.data,
        active=form.active.data,
        practice=form.practice.data,
    )


def _edit_question(question: Question | None):
    form = _question_form(question)
    if form.validate_on_submit():
        data = _question_data(form)
        duplicate = questions_service.find_duplicate(
            data.text, exclude_id=question.id if question else None)
        if duplicate is not None:
            form.text.errors.append(
                f"Ngân hàng đã có câu hỏi này (câu số {duplicate.id}). "
                "Hãy sửa câu đã có thay vì tạo câu trùng.")
        else:
            before = audit.snapshot(question, AUDIT_FIELDS) if question else None
            if question is None:
                question = questions_service.create_question(data)
                action, summary = "question.create", "Thêm câu hỏi"
            else:
                questions_service.update_question(question, data)
                action, summary = "question.update", "Sửa câu hỏi"
            audit.record(current_user.id, action, object_type="question",
                         object_id=question.id, summary=f"{summary} số {question.id}",
                         before=before, after=audit.snapshot(question, AUDIT_FIELDS))
            db.session.commit()
            flash(f"Đã lưu câu hỏi số {question.id}.", "success")
            # The bank check advises; it never refuses.
            for finding in questions_service.quality_findings(data, exclude_id=question.id):
                flash(f"Lưu ý về chất lượng câu hỏi: {finding.sentence}", "warning")
            return redirect(url_for("admin.question_detail", question_id=question.id))
    status = 422 if request.method == "POST" else 200
    served = question is not None and questions_service.was_served(question.id)
    findings = (questions_service.question_findings(question)
                if question is not None and request.method == "GET" else [])
    return render_template("admin/questions/form.html", form=form, question=question,
                           letters=OPTION_LETTERS, served=served, findings=findings), status


@bp.route("/questions/new", methods=["GET", "POST"])
def question_new():
    return _edit_question(None)


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
def question_edit(question_id: int):
    return _edit_question(db.get_or_404(Question, question_id))


@bp.route("/questions/<int:question_id>")
def question_detail(question_id: int):
    """The question as a resident sees it, then the key and history for organisers."""
    question = db.get_or_404(Question, question_id)
    versions = list(db.session.scalars(
        sa.select(QuestionVersion).where(QuestionVersion.question_id == question.id)
        .order_by(QuestionVersion.number.desc())))
    return render_template(
        "admin/questions/detail.html", question=question, versions=versions,
        letters=OPTION_LETTERS, difficulties=DIFFICULTIES,
        served=questions_service.was_served(question.id), show_answers=_may_see_answers(),
    )


def _set_active(question_id: int, active: bool):
    question = db.get_or_404(Question, question_id)
    if questions_service.set_active(question, active, actor_id=current_user.id):
        db.session.commit()
    flash(f"Câu hỏi số {question.id} " + ("đã được dùng lại." if active else
          "đã ngưng dùng: sẽ không được rút vào các lượt thi mới."), "success")
    if request.form.get("back") == "list":
        return redirect(url_for("admin.questions"))
    return redirect(url_for("admin.question_detail", question_id=question.id))


@bp.route("/questions/<int:question_id>/deactivate", methods=["POST"])
def question_deactivate(question_id: int):
    return _set_active(question_id, False)


@bp.route("/questions/<int:question_id>/reactivate", methods=["POST"])
def question_reactivate(question_id: int):
    return _set_active(question_id, True)


@bp.route("/questions/<int:question_id>/delete", methods=["POST"])
def question_delete(question_id: int):
    question = db.get_or_404(Question, question_id)
    try:
        questions_service.delete_question(question, actor_id=current_user.id)
    except QuestionInUse as refused:
        flash(refused.message, "error")
        return question_detail(question.id), 409
    db.session.commit()
    flash(f"Đã xóa câu hỏi số {question_id}.", "success")
    return redirect(url_for("admin.questions"))


# --- import ---------------------------------------------------------------------------


#: The one preview-then-confirm mechanism, for the bank's uploads (spreadsheets and Word).
_pending = PendingImport("bank")


def _import_form() -> ImportForm:
    form = ImportForm()
    form.area.choices = choices(((a.code, f"{a.code}) {a.title}") for a in _areas()),
                                first=("", "— Theo cột «Lĩnh vực» hoặc tiêu đề trong tệp —"))
    return form


def _import_page(form: ImportForm, status: int = 200, **context):
    context.setdefault("report", None)
    return render_template(
        "admin/questions/import.html", form=form,
        limit=current_app.config["MAX_IMPORT_BYTES"],
        mapping_choices=bank_io.mapping_choices(), **context), status


def _read_uploads(form: ImportForm) -> tuple[list[tuple[str, bytes]], list[str], int]:
    """The uploaded files as (name, bytes), or the problems and the status to answer with."""
    limit = current_app.config["MAX_IMPORT_BYTES"]
    uploads = [f for f in (form.files.data or []) if f and f.filename]
    if not uploads:
        return [], ["Vui lòng chọn tệp Word (.docx), Excel (.xlsx, .xls) hoặc CSV để nhập."], 400
    if len(uploads) > MAX_IMPORT_FILES:
        return [], [f"Mỗi lần nhập tối đa {MAX_IMPORT_FILES} tệp."], 400
    files, problems, status = [], [], 400
    for upload in uploads:
        # The name is shown and goes into the audit log (PostgreSQL refuses a NUL).
        name = without_control_characters(Path(upload.filename.replace("\\", "/")).name)
        name = name[:200] or "tep"
        suffix = Path(name).suffix.lower()
        if suffix not in IMPORT_TYPES:
            problems.append(f"Tệp “{name}” không phải tệp Word (.docx), Excel (.xlsx, .xls) "
                            "hoặc CSV (.csv). Hãy lưu lại bảng câu hỏi theo một trong các dạng "
                            "này.")
            continue
        content = upload.stream.read(limit + 1)
        if len(content) > limit:
            problems.append(f"Tệp “{name}” lớn hơn {limit // (1024 * 1024)} MB. "
                            "Hãy chia nhỏ tệp rồi nhập từng phần.")
            status = 413
            continue
        if not content:
            problems.append(f"Tệp “{name}” trống.")
            continue
        if suffix == ".xlsx" and not content.startswith(b"PK"):
            problems.append(f"Tệp “{name}” có đuôi .xlsx nhưng không phải tệp Excel hợp lệ.")
            continue
        files.append((name, content))
    return files, problems, status


def _mappings(options: dict) -> dict[str, dict[int, str]]:
    """Column mappings as kept in the session (JSON keys are strings) → as the import takes."""
    return {signature: {int(index): key for index, key in mapping.items()}
            for signature, mapping in (options.get("mappings") or {}).items()}


def _check(files, options: dict):
    report = bank_io.import_files(files, dry_run=True, actor_id=current_user.id,
                                  area_code=options.get("area") or None,
                                  mappings=_mappings(options),
                                  max_bytes=current_app.config["MAX_IMPORT_BYTES"])
    db.session.rollback()  # a dry run leaves nothing behind, whatever the service did
    return report


def _preview(form: ImportForm, files, options: dict):
    report = _check(files, options)
    if report.ok or report.unmapped_sheets:
        _pending.store(files, options)
    return _import_page(form, 200 if report.ok else 422, report=report,
                        confirm_form=ActionForm(), file_names=[name for name, _ in files])


@bp.route("/questions/import", methods=["GET", "POST"])
def questions_import():
    form = _import_form()
    if request.method == "GET":
        return _import_page(form)
    if not form.validate_on_submit():
        return _import_page(form, 400)
    files, problems, status = _read_uploads(form)
    if problems:
        return _import_page(form, status, problems=problems)
    return _preview(form, files, {"area": form.area.data or ""})


@bp.route("/questions/import/mapping", methods=["POST"])
def questions_import_mapping():
    """The organiser said which column is which: check again with that mapping."""
    form = ActionForm()
    pending = _pending.load()
    if not form.validate_on_submit() or pending is None:
        flash("Không tìm thấy tệp đang chờ nhập (có thể đã quá hạn). Vui lòng tải tệp lên lại.",
              "warning")
        return redirect(url_for("admin.questions_import"))
    files, options = pending
    requests = _check(files, {**options, "mappings": {}}).unmapped_sheets
    allowed = {key for key, _ in bank_io.mapping_choices() if key}
    mappings = dict(options.get("mappings") or {})
    for number, wanted in enumerate(requests):
        chosen = {}
        for index, _letter, _written in wanted.columns:
            key = request.form.get(f"map-{number}-{index}", "")
            if key in allowed:
                chosen[str(index)] = key
        mappings[wanted.signature] = chosen
    options = {**options, "mappings": mappings}
    import_form = _import_form()
    import_form.area.data = options.get("area", "")
    return _preview(import_form, files, options)


@bp.route("/questions/import/confirm", methods=["POST"])
def questions_import_confirm():
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin.questions_import"))
    pending = _pending.load()
    if pending is None:
        flash("Không tìm thấy tệp đang chờ nhập (có thể đã nhập xong hoặc đã quá hạn). "
              "Vui lòng tải tệp lên lại.", "warning")
        return redirect(url_for("admin.questions_import"))
    files, options = pending
    try:
        report = bank_io.import_files(files, dry_run=False, actor_id=current_user.id,
                                      area_code=options.get("area") or None,
                                      mappings=_mappings(options),
                                      max_bytes=current_app.config["MAX_IMPORT_BYTES"])
    except bank_io.ImportRefused as refused:
        # The bank changed since the preview (e.g. someone added the same questions).
        db.session.rollback()
        _pending.discard()
        return _import_page(_import_form(), 409, report=refused.report, confirm_form=None,
                            file_names=[name for name, _ in files], confirm_failed=True)
    db.session.commit()
    _pending.discard()
    flash("Đã nhập xong: " + "; ".join(report.lines()), "success")
    return redirect(url_for("admin.questions"))


@bp.route("/questions/import/cancel", methods=["POST"])
def questions_import_cancel():
    form = ActionForm()
    if form.validate_on_submit():
        _pending.discard()
        flash("Đã hủy nhập câu hỏi; ngân hàng không thay đổi.", "info")
    return redirect(url_for("admin.questions_import"))


# --- export and template --------------------------------------------------------------


def _may_see_answers() -> bool:
    """Viewers read the bank, but see or take its answer key only once no round is open or
    upcoming (a viewer's screen or file could reach a contestant)."""
    return (current_user.may_change
            or not questions_service.answer_key_is_secret(now_utc()))


@bp.route("/questions/export.xlsx")
def questions_export():
    if not _may_see_answers():
        abort_vi(403, "Trong khi có đợt thi đang mở hoặc sắp diễn ra, chỉ Ban tổ chức và quản "
                      "trị hệ thống được xuất ngân hàng câu hỏi kèm đáp án.")
    filters = _filters()
    if request.args.get("all") == "1":
        questions_list = None
        stem = "ngan-hang-cau-hoi"
    else:
        questions_list = list(db.session.scalars(
            filtered_query(filters).order_by(Question.id)))
        stem = "cau-hoi-da-loc"
    content, _count = bank_io.export_bank(questions=questions_list)
    return send_made_file(content, f"{stem}-{format_local(now_utc(), FILE_STAMP_FORMAT)}.xlsx")


@bp.route("/questions/template.xlsx")
def questions_template():
    return send_made_file(bank_io.template_xlsx(), "Mẫu nhập câu hỏi.xlsx")
