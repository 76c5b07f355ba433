"""Phones held after too many wrong registration or confirmation tries, and their release.

The resident was told to contact the organisers; an organiser checks who is
calling, then releases the phone here (audited). Viewers see the list only.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from contest.admin import bp
from contest.errors import CSRF_MESSAGE, abort_vi
from contest.extensions import db
from contest.forms import ActionForm
from contest.helpers.timeutil import now_utc
from contest.models import Contest, PhoneHold
from contest.services.taking import phone_holds


@bp.route("/results/contests/<int:contest_id>/held-phones")
def held_phones(contest_id: int):
    contest = db.get_or_404(Contest, contest_id, description="Không tìm thấy cuộc thi.")
    show_all = request.args.get("all") == "1"
    return render_template(
        "admin/results/held_phones.html", contest=contest, show_all=show_all,
        holds=phone_holds.held_phones(contest.id, include_released=show_all),
        form=ActionForm(), limit=phone_holds.TRY_LIMIT,
    )


@bp.route("/results/held-phones/<int:hold_id>/release", methods=["POST"])
def release_phone(hold_id: int):
    hold = db.session.get(PhoneHold, hold_id)
    if hold is None:
        abort_vi(404, "Không tìm thấy số điện thoại bị tạm khóa này.")
    back = url_for("admin.held_phones", contest_id=hold.contest_id)
    if not ActionForm().validate_on_submit():
        flash(CSRF_MESSAGE, "error")
        return redirect(back)
    try:
        phone_holds.release(hold, actor_id=current_user.id, now=now_utc())
        db.session.commit()
    except phone_holds.HoldError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(back)
    flash("Đã mở khóa số điện thoại. Người dự thi có thể đăng ký hoặc xác nhận lại.", "success")
    return redirect(back)
