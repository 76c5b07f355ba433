"""The audit log: admins browse and filter every recorded change.

The admin blueprint also lets organisers and viewers in, so this view checks
the role itself; the endpoint stays ``admin.audit_log`` because the menu and
other pages link to it.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app, render_template, request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from contest.admin import bp
from contest.admin.forms_people import AuditFilterForm
from contest.errors import abort_vi
from contest.extensions import db
from contest.forms import INVALID_CHOICE, choices, query_int
from contest.helpers.timeutil import local_to_utc
from contest.models import AuditEntry, Role, User
from contest.models.base import MAX_DB_INT

#: Readable names for the object types the app records; unknown ones show as stored.
OBJECT_TYPES = {
    "unit": "Đơn vị",
    "entry_point": "Mã QR",
    "user": "Tài khoản",
    "question": "Câu hỏi",
    "contest": "Cuộc thi",
    "round": "Đợt thi",
    "participant": "Thí sinh",
    "activity": "Hoạt động tuyên truyền",
    "result_publication": "Công bố kết quả",
}


def _require_admin() -> None:
    if not current_user.is_authenticated or current_user.role != Role.ADMIN:
        abort_vi(403, "Chỉ quản trị hệ thống được xem nhật ký thao tác.")


@bp.route("/audit_log/")
def audit_log():
    _require_admin()
    form = AuditFilterForm(request.args)
    users = db.session.scalars(sa.select(User).order_by(User.username)).all()
    form.user_id.choices = choices(((u.id, u.username) for u in users), first=(None, "Tất cả"))
    stored_types = db.session.scalars(
        sa.select(AuditEntry.object_type).distinct().where(AuditEntry.object_type != "")
    ).all()
    form.object_type.choices = choices(
        ((t, OBJECT_TYPES.get(t, t)) for t in sorted(set(stored_types))), first=("", "Tất cả"))
    query = (sa.select(AuditEntry).options(selectinload(AuditEntry.user))
             .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))
    # Bad filter values (a mistyped date) show a message beside the field and are ignored.
    form.validate()
    if form.user_id.data is not None and not 1 <= form.user_id.data <= MAX_DB_INT:
        form.user_id.errors.append(INVALID_CHOICE)
    if form.user_id.data and not form.user_id.errors:
        query = query.where(AuditEntry.user_id == form.user_id.data)
    action = (form.action.data or "").strip()
    if action:
        query = query.where(AuditEntry.action.contains(action, autoescape=True))
    if form.object_type.data:
        query = query.where(AuditEntry.object_type == form.object_type.data)
    if form.date_from.data and not form.date_from.errors:
        query = query.where(AuditEntry.at >= local_to_utc(
            datetime.combine(form.date_from.data, time.min)))
    if form.date_to.data and not form.date_to.errors:
        # The whole last day, in Vietnam time.
        query = query.where(AuditEntry.at < local_to_utc(
            datetime.combine(form.date_to.data + timedelta(days=1), time.min)))
    page = db.paginate(query, page=query_int("page") or 1,
                       per_page=current_app.config["ADMIN_PAGE_SIZE"], error_out=False)
    filters = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("admin/audit/list.html", page=page, form=form, filters=filters,
                           object_types=OBJECT_TYPES)
