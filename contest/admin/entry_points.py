"""QR entry points: list with their numbers, create/edit, and print downloads."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from contest.admin import bp
from contest.admin.forms_people import EntryPointForm
from contest.downloads import send_made_file
from contest.errors import CSRF_MESSAGE
from contest.extensions import db
from contest.forms import ActionForm, choices, query_int, show_refusal
from contest.models import Contest, EntryPoint
from contest.services.contests import entry_points as qr_service
from contest.services.contests import posters
from contest.services.contests.entry_points import EntryPointData, EntryPointError


def _public_url(code: str) -> str:
    return qr_service.public_url(current_app.config["PUBLIC_BASE_URL"], code)


def _contests() -> list[Contest]:
    return list(db.session.scalars(sa.select(Contest).order_by(Contest.created_at.desc())))


@bp.route("/entry_points/")
def entry_points():
    contests = _contests()
    contest_id = query_int("contest_id")
    query = sa.select(EntryPoint).order_by(EntryPoint.contest_id.desc(), EntryPoint.created_at)
    if contest_id:
        query = query.where(EntryPoint.contest_id == contest_id)
    entries = list(db.session.scalars(query))
    stats = qr_service.entry_point_stats([e.id for e in entries]) if entries else {}
    totals = qr_service.EntryStats(
        scans=sum(s.scans for s in stats.values()),
        registrations=sum(s.registrations for s in stats.values()),
        completed=sum(s.completed for s in stats.values()),
    )
    return render_template(
        "admin/entry_points/list.html", entries=entries, stats=stats, totals=totals,
        contests=contests, contest_id=contest_id,
        contest_titles={c.id: c.title for c in contests}, public_url=_public_url,
        action_form=ActionForm(), local_warning=_local_warning(),
    )


def _form(entry: EntryPoint | None = None) -> EntryPointForm:
    form = EntryPointForm(obj=entry)
    form.contest_id.choices = choices(
        ((c.id, c.title + ("" if c.is_published else " (nháp)")) for c in _contests()),
        first=(None, "— Chọn cuộc thi —"))
    if entry is None and request.method == "GET":
        form.contest_id.data = query_int("contest_id")
    return form


def _data_from(form: EntryPointForm) -> EntryPointData:
    return EntryPointData(contest_id=form.contest_id.data or 0, label=form.label.data or "",
                          place=form.place.data or "", kind=form.kind.data,
                          code=form.code.data or "", active=form.active.data)


@bp.route("/entry_points/new", methods=["GET", "POST"])
def entry_point_new():
    form = _form()
    if form.validate_on_submit():
        try:
            entry = qr_service.create_entry_point(_data_from(form), current_user.id)
        except EntryPointError as error:
            db.session.rollback()
            show_refusal(form, error)
        else:
            db.session.commit()
            flash(f"Đã tạo mã QR {entry.code}: {_public_url(entry.code)}", "success")
            return redirect(url_for("admin.entry_points", contest_id=entry.contest_id))
    return render_template("admin/entry_points/form.html", form=form,
                           local_warning=_local_warning(), entry=None), (
        422 if form.errors else 200)


@bp.route("/entry_points/<int:entry_point_id>/edit", methods=["GET", "POST"])
def entry_point_edit(entry_point_id: int):
    entry = db.get_or_404(EntryPoint, entry_point_id)
    form = _form(entry)
    if form.validate_on_submit():
        try:
            qr_service.update_entry_point(entry, _data_from(form), current_user.id)
        except EntryPointError as error:
            db.session.rollback()
            show_refusal(form, error)
        else:
            db.session.commit()
            flash(f"Đã lưu mã QR {entry.code}.", "success")
            return redirect(url_for("admin.entry_points", contest_id=entry.contest_id))
    return render_template("admin/entry_points/form.html", form=form,
                           local_warning=_local_warning(), entry=entry,
                           url=_public_url(entry.code)), (422 if form.errors else 200)


@bp.route("/entry_points/<int:entry_point_id>/deactivate", methods=["POST"])
def entry_point_deactivate(entry_point_id: int):
    return _set_active(entry_point_id, False)


@bp.route("/entry_points/<int:entry_point_id>/activate", methods=["POST"])
def entry_point_activate(entry_point_id: int):
    return _set_active(entry_point_id, True)


def _set_active(entry_point_id: int, active: bool):
    entry = db.get_or_404(EntryPoint, entry_point_id)
    if ActionForm().validate_on_submit():
        qr_service.set_active(entry, active, current_user.id)
        db.session.commit()
        flash(f"Đã {'bật lại' if active else 'tắt'} mã QR {entry.code}.", "success")
    else:
        flash(CSRF_MESSAGE, "error")
    return redirect(url_for("admin.entry_points", contest_id=entry.contest_id))


@bp.route("/entry_points/<int:entry_point_id>/qr.png")
def entry_point_png(entry_point_id: int):
    entry = db.get_or_404(EntryPoint, entry_point_id)
    return send_made_file(qr_service.qr_png(_public_url(entry.code)), f"ma-qr-{entry.code}.png")


@bp.route("/entry_points/<int:entry_point_id>/qr.svg")
def entry_point_svg(entry_point_id: int):
    entry = db.get_or_404(EntryPoint, entry_point_id)
    return send_made_file(qr_service.qr_svg(_public_url(entry.code)), f"ma-qr-{entry.code}.svg")


def _local_warning() -> str:
    return qr_service.local_address_warning(current_app.config["PUBLIC_BASE_URL"])


def _poster_rounds(contest: Contest) -> list[posters.RoundDates]:
    """Every round's dates, in order: residents plan for all of them."""
    return [posters.RoundDates(r.name, r.opens_at, r.closes_at) for r in contest.rounds]


def _poster_prizes(contest: Contest) -> list[str]:
    """The contest's prize structure, or the first round's when it has none of its own."""
    tiers = contest.prize_tiers or next((r.prize_tiers for r in contest.rounds
                                         if r.prize_tiers), [])
    return posters.prize_lines(tiers)


@bp.route("/entry_points/<int:entry_point_id>/poster.pdf")
def entry_point_poster(entry_point_id: int):
    entry = db.get_or_404(EntryPoint, entry_point_id)
    contest = db.get_or_404(Contest, entry.contest_id)
    pdf = posters.poster_pdf(
        title=contest.title, url=_public_url(entry.code), organiser=contest.organiser,
        rounds=_poster_rounds(contest), prizes=_poster_prizes(contest),
        place=entry.place or entry.label, code=entry.code, test_copy_warning=_local_warning(),
    )
    return send_made_file(pdf, f"ap-phich-{entry.code}.pdf")


@bp.route("/entry_points/stickers/<int:contest_id>.pdf")
def entry_point_stickers(contest_id: int):
    contest = db.get_or_404(Contest, contest_id)
    entries = db.session.scalars(
        sa.select(EntryPoint)
        .where(EntryPoint.contest_id == contest.id, EntryPoint.active.is_(True))
        .order_by(EntryPoint.created_at, EntryPoint.id)
    )
    stickers = [posters.Sticker(url=_public_url(e.code), place=e.place, code=e.code)
                for e in entries]
    pdf = posters.sticker_sheet_pdf(title=contest.title, stickers=stickers,
                                    test_copy_warning=_local_warning())
    return send_made_file(pdf, f"ma-qr-{contest.slug}.pdf")
