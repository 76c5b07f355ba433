"""Forms for units, QR entry points, users and the audit-log filter.

The Vietnamese fields and helpers they use live in contest/forms.py.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional

from contest.admin.forms import BackOfficeForm
from contest.forms import (
    IdSelectField,
    VnDateField,
    VnIntegerField,
    VnSelectField,
    choices,
    max_length,
)
from contest.models import ENTRY_POINT_KINDS, ROLES, UNIT_KINDS
from contest.models.people import ENTRY_POINT_LABEL_MAX_LENGTH, ENTRY_POINT_PLACE_MAX_LENGTH
from contest.models.reference import UNIT_NAME_MAX_LENGTH
from contest.models.user import FULL_NAME_MAX_LENGTH, MIN_PASSWORD_LENGTH, USERNAME_MAX_LENGTH
from contest.services.contests.entry_points import CODE_HINT, CODE_MAX_LENGTH
from contest.services.people.units import POPULATION_MAX

# --- units ----------------------------------------------------------------------------------

class UnitForm(BackOfficeForm):
    name = StringField("Tên đơn vị", validators=[
        DataRequired("Vui lòng nhập tên đơn vị."), max_length(UNIT_NAME_MAX_LENGTH, "Tên đơn vị")])
    kind = VnSelectField("Loại", choices=choices(UNIT_KINDS))
    population = VnIntegerField(
        "Dân số (tổ dân phố) / số người (cơ quan)", grouping=True,
        invalid_value_message="Vui lòng nhập một số nguyên, ví dụ 1250.",
        validators=[Optional(), NumberRange(0, POPULATION_MAX,
                                            f"Nhập số từ 0 đến {POPULATION_MAX}.")],
    )
    is_plan_responsible = BooleanField("Có trách nhiệm tuyên truyền theo Kế hoạch (báo cáo quý)")
    active = BooleanField("Đang sử dụng", default=True)


class UnitMergeForm(BackOfficeForm):
    target_id = IdSelectField("Gộp vào đơn vị",
                              validators=[DataRequired("Vui lòng chọn đơn vị nhận.")])


class UnitImportForm(BackOfficeForm):
    file = FileField("Tệp danh sách đơn vị (.xlsx, .xls hoặc .csv)",
                     validators=[FileRequired("Vui lòng chọn tệp để nhập.")])
    kind = VnSelectField("Loại cho các dòng không ghi loại",
                         choices=choices(UNIT_KINDS, first=("", "— Theo tên (“Tổ dân phố …”) —")),
                         default="")


# --- entry points ---------------------------------------------------------------------------

class EntryPointForm(BackOfficeForm):
    contest_id = IdSelectField("Cuộc thi", validators=[DataRequired("Vui lòng chọn cuộc thi.")])
    label = StringField("Tên gọi", validators=[
        DataRequired("Vui lòng nhập tên gọi, ví dụ “Pano ngã tư Phù Vân”."),
        max_length(ENTRY_POINT_LABEL_MAX_LENGTH, "Tên gọi")])
    place = StringField("Vị trí đặt",
                        validators=[max_length(ENTRY_POINT_PLACE_MAX_LENGTH, "Vị trí")])
    kind = VnSelectField("Loại ấn phẩm", choices=choices(ENTRY_POINT_KINDS))
    code = StringField("Mã ngắn (để trống để tự tạo)", validators=[
        max_length(CODE_MAX_LENGTH)], description=CODE_HINT)
    active = BooleanField("Đang sử dụng", default=True)


# --- users ----------------------------------------------------------------------------------

ROLE_CHOICES = choices(ROLES)


class UserCreateForm(BackOfficeForm):
    username = StringField("Tên đăng nhập", validators=[
        DataRequired("Vui lòng nhập tên đăng nhập."), max_length(USERNAME_MAX_LENGTH)])
    full_name = StringField("Họ và tên", validators=[
        DataRequired("Vui lòng nhập họ và tên."), max_length(FULL_NAME_MAX_LENGTH, "Họ và tên")])
    role = VnSelectField("Vai trò", choices=ROLE_CHOICES)
    unit_id = IdSelectField("Đơn vị (bắt buộc với cán bộ báo cáo của đơn vị)")
    password = PasswordField(
        f"Mật khẩu (để trống để hệ thống tạo; tối thiểu {MIN_PASSWORD_LENGTH} ký tự)",
        # The rules (length, common passwords...) are the service's: users.check_password_rules.
        validators=[Optional()],
    )


class UserEditForm(BackOfficeForm):
    full_name = StringField("Họ và tên", validators=[
        DataRequired("Vui lòng nhập họ và tên."), max_length(FULL_NAME_MAX_LENGTH, "Họ và tên")])
    role = VnSelectField("Vai trò", choices=ROLE_CHOICES)
    unit_id = IdSelectField("Đơn vị (bắt buộc với cán bộ báo cáo của đơn vị)")


# --- audit log ------------------------------------------------------------------------------

class AuditFilterForm(FlaskForm):
    """A GET filter: no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    user_id = IdSelectField("Người thực hiện", validate_choice=False)
    action = StringField("Thao tác", validators=[max_length(60)])
    object_type = VnSelectField("Loại đối tượng", validate_choice=False)
    date_from = VnDateField("Từ ngày", validators=[Optional()])
    date_to = VnDateField("Đến ngày", validators=[Optional()])
