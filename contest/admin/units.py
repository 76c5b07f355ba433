"""Units (tổ dân phố, cơ quan/đơn vị): list, create, edit, merge, deactivate, import."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from contest.admin import bp
from contest.admin.forms_people import UnitForm, UnitImportForm, UnitMergeForm
from contest.admin.pending_imports import PendingImport
from contest.downloads import send_made_file
from contest.errors import CSRF_MESSAGE
from contest.extensions import db
from contest.forms import ActionForm, choices, show_refusal
from contest.helpers.text import search_key
from contest.models import UNIT_KINDS, Participant, Unit, User
from contest.services.people import unit_import as units_io
from contest.services.people import units as unit_service
from contest.services.people.units import UnitData, UnitError, in_natural_order


@bp.route("/units/")
def units():
    kind = request.args.get("kind", "")
    status = request.args.get("status", "active")
    query_text = request.args.get("q", "")
    participants = (
        sa.select(Participant.unit_id, sa.func.count(Participant.id).label("n"))
        .group_by(Participant.unit_id).subquery()
    )
    accounts = (
        sa.select(User.unit_id, sa.func.count(User.id).label("n"))
        .group_by(User.unit_id).subquery()
    )
    query = (
        sa.select(Unit, participants.c.n, accounts.c.n)
        .outerjoin(participants, participants.c.unit_id == Unit.id)
        .outerjoin(accounts, accounts.c.unit_id == Unit.id)
    )
    if kind in UNIT_KINDS:
        query = query.where(Unit.kind == kind)
    if status == "active":
        query = query.where(Unit.active.is_(True))
    elif status == "inactive":
        query = query.where(Unit.active.is_(False))
    rows = in_natural_order(db.session.execute(query).all(), lambda u: u.kind,
                            unit=lambda row: row[0])
    if query_text.strip():
        # Diacritic-free matching in Python: "to 5" finds "Tổ dân phố 5" on any backend.
        wanted = search_key(query_text)
        rows = [row for row in rows if wanted in search_key(row[0].name)]
    return render_template(
        "admin/units/list.html", rows=rows, kinds=UNIT_KINDS, kind=kind, status=status,
        q=query_text, action_form=ActionForm(),
    )


def _data_from(form: UnitForm) -> UnitData:
    return UnitData(name=form.name.data or "", kind=form.kind.data,
                    population=form.population.data,
                    is_plan_responsible=form.is_plan_responsible.data,
                    active=form.active.data)


@bp.route("/units/new", methods=["GET", "POST"])
def unit_new():
    form = UnitForm()
    if form.validate_on_submit():
        try:
            unit = unit_service.create_unit(_data_from(form), current_user.id)
        except UnitError as error:
            db.session.rollback()
            show_refusal(form, error)
        else:
            db.session.commit()
            flash(f"Đã thêm đơn vị “{unit.name}”.", "success")
            return redirect(url_for("admin.units"))
    return render_template("admin/units/form.html", form=form, unit=None), (
        422 if form.errors else 200)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
def unit_edit(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    form = UnitForm(obj=unit)
    if form.validate_on_submit():
        try:
            unit_service.update_unit(unit, _data_from(form), current_user.id)
        except UnitError as error:
            db.session.rollback()
            show_refusal(form, error)
        else:
            db.session.commit()
            flash(f"Đã lưu đơn vị “{unit.name}”.", "success")
            return redirect(url_for("admin.units"))
    return render_template("admin/units/form.html", form=form, unit=unit), (
        422 if form.errors else 200)


@bp.route("/units/<int:unit_id>/deactivate", methods=["POST"])
def unit_deactivate(unit_id: int):
    return _set_active(unit_id, False)


@bp.route("/units/<int:unit_id>/activate", methods=["POST"])
def unit_activate(unit_id: int):
    return _set_active(unit_id, True)


def _set_active(unit_id: int, active: bool):
    unit = db.get_or_404(Unit, unit_id)
    if not ActionForm().validate_on_submit():
        flash(CSRF_MESSAGE, "error")
        return redirect(url_for("admin.units"))
    unit_service.set_active(unit, active, current_user.id)
    db.session.commit()
    flash(f"Đã {'mở lại' if active else 'ngừng sử dụng'} đơn vị “{unit.name}”.", "success")
    return redirect(url_for("admin.units", status="all"))


@bp.route("/units/<int:unit_id>/merge", methods=["GET", "POST"])
def unit_merge(unit_id: int):
    source = db.get_or_404(Unit, unit_id)
    form = UnitMergeForm()
    targets = in_natural_order(db.session.scalars(
        sa.select(Unit).where(Unit.active.is_(True), Unit.id != source.id)), lambda u: u.kind)
    form.target_id.choices = choices(((u.id, f"{u.name} ({u.kind_label})") for u in targets),
                                     first=(None, "— Chọn đơn vị —"))
    counts = {
        "participants": db.session.scalar(
            sa.select(sa.func.count(Participant.id)).where(Participant.unit_id == source.id)),
        "users": db.session.scalar(
            sa.select(sa.func.count(User.id)).where(User.unit_id == source.id)),
    }
    if form.validate_on_submit():
        target = db.session.get(Unit, form.target_id.data)
        if target is None:
            form.target_id.errors = ["Vui lòng chọn đơn vị nhận."]
        else:
            try:
                moved = unit_service.merge_units(source, target, current_user.id)
            except UnitError as error:
                db.session.rollback()
                show_refusal(form, error)
            else:
                db.session.commit()
                flash(
                    f"Đã gộp “{source.name}” vào “{target.name}”: chuyển {moved.participants} "
                    f"thí sinh, {moved.users} tài khoản, {moved.activities} hoạt động. "
                    f"“{source.name}” đã ngừng sử dụng.", "success",
                )
                return redirect(url_for("admin.units"))
    return render_template("admin/units/merge.html", form=form, unit=source, counts=counts), (
        422 if form.errors else 200)


#: The one preview-then-confirm mechanism of every import (see contest/admin/pending_imports).
_pending = PendingImport("units")


@bp.route("/units/import", methods=["GET", "POST"])
def unit_import():
    form = UnitImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        limit = current_app.config["MAX_IMPORT_BYTES"]
        # Read one byte past the limit: enough to know it is too big without reading it all.
        data = upload.read(limit + 1)
        options = {"kind": form.kind.data or ""}
        report = units_io.parse_units(upload.filename or "", data, limit,
                                      default_kind=options["kind"] or None)
        if report.ok:
            _pending.store([(report.filename, data)], options)
        return _import_page(form, report, report.ok), (200 if report.ok else 422)
    return _import_page(form, None, False), (422 if form.errors else 200)


def _import_page(form, report, confirmable: bool):
    return render_template("admin/units/import.html", kinds=UNIT_KINDS, form=form,
                           report=report, confirm=ActionForm() if confirmable else None)


@bp.route("/units/import/confirm", methods=["POST"])
def unit_import_confirm():
    pending = _pending.load()
    if not ActionForm().validate_on_submit() or pending is None:
        flash("Không tìm thấy tệp đang chờ nhập (có thể đã nhập xong hoặc đã quá hạn); "
              "hãy tải tệp lên lại.", "error")
        return redirect(url_for("admin.unit_import"))
    [(filename, data)], options = pending
    # The list may have changed since the preview: the same check again, then all or nothing.
    report = units_io.parse_units(filename, data, current_app.config["MAX_IMPORT_BYTES"],
                                  default_kind=options.get("kind") or None)
    _pending.discard()
    try:
        units_io.apply_rows(report, current_user.id)
    except units_io.UnitImportRefused as refused:
        return _import_page(UnitImportForm(formdata=None), refused.report, False), 409
    db.session.commit()
    flash(f"Đã nhập danh sách đơn vị: thêm {report.count('add')}, cập nhật "
          f"{report.count('update')}, không đổi {report.count('unchanged')}.", "success")
    return redirect(url_for("admin.units"))


@bp.route("/units/import/template.xlsx")
def unit_import_template():
    return send_made_file(units_io.template_xlsx(), "Mẫu danh sách đơn vị.xlsx")
