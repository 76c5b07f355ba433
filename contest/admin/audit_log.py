"""The audit log: admins browse and filter every recorded change.

The admin blueprint also lets organisers and viewers in, so this view checks
the role itself; the endpoint stays ``admin.audit_log`` because the menu and
other pages link to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template, request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from contest.admin import bp
from contest.admin.forms_people import AuditFilterForm
from contest.errors import abort_vi
from contest.extensions import db
from contest.forms import INVALID_CHOICE, choices, query_int
from contest.helpers.text import search_key
from contest.helpers.timeutil import DATETIME_FORMAT, format_local, local_to_utc
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


#: Every action the app records, as the log shows it; unknown codes show as stored.
ACTION_LABELS = {
    "auth.login": "Đăng nhập",
    "auth.login_failed": "Đăng nhập không thành công",
    "activity.create": "Ghi hoạt động tuyên truyền",
    "activity.update": "Sửa hoạt động tuyên truyền",
    "activity.delete": "Xóa hoạt động tuyên truyền",
    "contest.create": "Tạo cuộc thi",
    "contest.update": "Sửa cuộc thi",
    "contest.practice_whole_bank": "Mở toàn bộ ngân hàng cho ôn tập",
    "documents.signer": "Sửa người ký văn bản",
    "entry_point.create": "Tạo mã QR",
    "entry_point.update": "Sửa mã QR",
    "entry_point.activate": "Bật lại mã QR",
    "entry_point.deactivate": "Tắt mã QR",
    "participant.disqualify": "Loại thí sinh",
    "participant.reinstate": "Khôi phục thí sinh",
    "participant.clear_duplicate": "Xác nhận thí sinh không trùng",
    "phone_hold.release": "Gỡ giữ số điện thoại",
    "question.create": "Thêm câu hỏi",
    "question.update": "Sửa câu hỏi",
    "question.delete": "Xóa câu hỏi",
    "question.deactivate": "Ngừng dùng câu hỏi",
    "question.reactivate": "Dùng lại câu hỏi",
    "question.import": "Nhập câu hỏi từ tệp",
    "report.export_personal": "Tải dữ liệu có thông tin cá nhân",
    "report_note.update": "Sửa ghi chú báo cáo",
    "results.publish": "Công bố kết quả",
    "results.republish": "Công bố lại kết quả",
    "round.create": "Tạo đợt thi",
    "round.update": "Sửa đợt thi",
    "round.reopen": "Mở lại đợt thi",
    "round.fix_prediction_actual": "Chốt số thực tế (câu dự đoán)",
    "unit.create": "Tạo đơn vị",
    "unit.update": "Sửa đơn vị",
    "unit.activate": "Dùng lại đơn vị",
    "unit.deactivate": "Ngừng dùng đơn vị",
    "unit.merge": "Gộp đơn vị",
    "unit.import": "Nhập danh sách đơn vị",
    "user.create": "Tạo tài khoản",
    "user.update": "Sửa tài khoản",
    "user.activate": "Mở khóa tài khoản",
    "user.deactivate": "Khóa tài khoản",
    "user.reset_password": "Đặt lại mật khẩu",
    "user.change_password": "Đổi mật khẩu",
}

#: Field names in the before/after values, in Vietnamese; unknown ones show as stored.
FIELD_LABELS = {
    "title": "tên", "slug": "đường dẫn rút gọn", "rules": "thể lệ", "status": "trạng thái",
    "organiser": "đơn vị tổ chức", "birth_year_mode": "năm sinh", "gender_mode": "giới tính",
    "citizen_id_mode": "số CCCD", "min_age": "tuổi tối thiểu", "max_age": "tuổi tối đa",
    "one_prize_per_contest": "mỗi người tối đa một giải",
    "rank_by_category_group": "xếp hạng riêng theo nhóm đối tượng",
    "study_material": "tài liệu tìm hiểu", "practice_enabled": "cho phép ôn tập",
    "practice_whole_bank": "ôn tập toàn bộ ngân hàng",
    "purpose": "mục đích", "contact_phone": "điện thoại liên hệ",
    "contact_address": "địa chỉ liên hệ", "participation_certificates": "giấy chứng nhận tham gia",
    "prize_tiers": "cơ cấu giải", "category_ids": "đối tượng dự thi",
    "name": "tên", "opens_at": "bắt đầu", "closes_at": "kết thúc",
    "time_limit_minutes": "thời gian làm bài (phút)", "question_quota": "số câu theo lĩnh vực",
    "attempts_allowed": "số lượt thi", "counted_attempt": "lượt được tính",
    "has_prediction": "câu hỏi dự đoán", "prediction_target": "nội dung dự đoán",
    "reveal_answers": "công bố đáp án", "prediction_actual": "số thực tế",
    "prediction_actual_fixed_at": "chốt số thực tế lúc", "reason": "lý do",
    "kind": "loại", "population": "dân số / số người", "households": "số hộ",
    "is_plan_responsible": "đơn vị báo cáo theo kế hoạch", "active": "đang dùng",
    "merged_into": "gộp vào (mã)", "merged_into_name": "gộp vào",
    "username": "tên đăng nhập", "full_name": "họ tên", "role": "vai trò",
    "unit_id": "đơn vị (mã)", "contest_id": "cuộc thi (mã)", "round_id": "đợt thi (mã)",
    "code": "mã", "label": "nhãn", "place": "nơi đặt",
    "content_area_id": "lĩnh vực (mã)", "text": "nội dung", "options": "các phương án",
    "correct_option": "đáp án đúng", "explanation": "giải thích", "source": "căn cứ",
    "difficulty": "độ khó", "practice": "câu ôn tập",
    "disqualified_at": "loại lúc", "disqualified_reason": "lý do loại",
    "duplicate_cleared": "đã xác nhận không trùng",
    "form_id": "hình thức (mã)", "date_start": "từ ngày", "date_end": "đến ngày",
    "description": "mô tả", "people_reached": "số người được tuyên truyền",
    "quantity": "số lượng", "quantity_unit": "đơn vị tính", "evidence_url": "đường dẫn minh chứng",
    "attachment_name": "tệp đính kèm", "publication_id": "bản công bố (mã)", "version": "lần",
    "winners": "người đạt giải (mã)", "provisional": "tạm tính", "format": "định dạng",
    "number": "số văn bản", "signer_name": "người ký", "position": "chức vụ",
    "authority": "thẩm quyền ký",
}

#: Longer than this, a value is folded (<details>) so one edit of the rules stays one line.
FOLD_AFTER = 160
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)


def show_value(value: Any) -> str:
    """A before/after value as a reader expects it: local times, Có/Không, lists in words."""
    if value is None or value == "" or value == [] or value == {}:
        return "(trống)"
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return format_local(moment)
        return moment.strftime(DATETIME_FORMAT)
    if isinstance(value, dict):
        return ", ".join(f"{FIELD_LABELS.get(str(k), k)}: {show_value(v)}"
                         for k, v in value.items())
    if isinstance(value, list):
        if all(isinstance(item, dict) and "name" in item for item in value):
            parts = []
            for tier in value:
                part = f"{tier.get('name')}"
                if tier.get("count") is not None:
                    part += f": {tier['count']}"
                if tier.get("min_score") is not None:
                    part += f" (từ {tier['min_score']} điểm)"
                if tier.get("value"):
                    part += f" — {tier['value']}"
                parts.append(part)
            return "; ".join(parts)
        return ", ".join(show_value(item) for item in value)
    return str(value)


@dataclass(frozen=True)
class Change:
    label: str
    old: str | None  # None: nothing before (a creation)
    new: str

    @property
    def long(self) -> bool:
        return max(len(self.old or ""), len(self.new)) > FOLD_AFTER


def changes(entry: AuditEntry) -> list[Change]:
    """'trường: cũ → mới' for each field the entry holds, in Vietnamese."""
    before, after = entry.before or {}, entry.after or {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return [
        Change(FIELD_LABELS.get(key, key),
               show_value(before.get(key)) if entry.before is not None else None,
               show_value(after.get(key)))
        for key in keys
    ]


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
        # The code ("unit.merge") or words of its Vietnamese name ("gộp đơn vị", "gop don vi").
        wanted = search_key(action)
        codes = [code for code, label in ACTION_LABELS.items() if wanted in search_key(label)]
        query = query.where(sa.or_(AuditEntry.action.contains(action, autoescape=True),
                                   AuditEntry.action.in_(codes)))
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
                           object_types=OBJECT_TYPES, action_label=action_label,
                           changes=changes)
