"""Forms for units, QR entry points, users and the audit-log filter.

WTForms ships no Vietnamese messages, so the few built-in ones a user can
trigger (a bad number, a choice not in the list) are replaced here.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from contest.models import ENTRY_POINT_KINDS, ROLES, UNIT_KINDS
from contest.models.user import MIN_PASSWORD_LENGTH
from contest.services.qr import CODE_MAX_LENGTH
from contest.services.units import POPULATION_MAX


def optional_int(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)  # type: ignore[arg-type]


class ViIntegerField(IntegerField):
    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] in ("", None):
            self.data = None
            return
        text = str(valuelist[0]).strip().replace(".", "").replace(" ", "")
        try:
            self.data = int(text)
        except ValueError as error:
            self.data = None
            raise ValueError("Vui lòng nhập một số nguyên, ví dụ 1250.") from error


class ViSelectField(SelectField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Lựa chọn không hợp lệ.") from error

    def pre_validate(self, form):
        if self.validate_choice and self.choices is not None:
            values = [value for value, _label in self.iter_choices_values()]
            if self.data not in values:
                raise ValidationError("Vui lòng chọn một mục trong danh sách.")

    def iter_choices_values(self):
        for choice in self.choices or []:
            if isinstance(choice, tuple | list):
                yield choice[0], choice[1]
            else:
                yield choice, choice


class ViDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Ngày không hợp lệ (dạng ngày/tháng/năm).") from error


class ActionForm(FlaskForm):
    """An empty form: a button that changes state still carries a CSRF token."""


# --- units ----------------------------------------------------------------------------------

class UnitForm(FlaskForm):
    name = StringField("Tên đơn vị", validators=[
        DataRequired("Vui lòng nhập tên đơn vị."), Length(max=200, message="Tối đa 200 ký tự.")])
    kind = ViSelectField("Loại", choices=list(UNIT_KINDS.items()))
    population = ViIntegerField(
        "Dân số (tổ dân phố) / số người (cơ quan)",
        validators=[Optional(), NumberRange(0, POPULATION_MAX,
                                            f"Nhập số từ 0 đến {POPULATION_MAX}.")],
    )
    is_plan_responsible = BooleanField("Có trách nhiệm tuyên truyền theo Kế hoạch (báo cáo quý)")
    active = BooleanField("Đang sử dụng", default=True)


class UnitMergeForm(FlaskForm):
    target_id = ViSelectField("Gộp vào đơn vị", coerce=optional_int,
                              validators=[DataRequired("Vui lòng chọn đơn vị nhận.")])


class UnitImportForm(FlaskForm):
    file = FileField("Tệp danh sách đơn vị (.xlsx hoặc .csv)",
                     validators=[FileRequired("Vui lòng chọn tệp để nhập.")])


class UnitImportConfirmForm(FlaskForm):
    payload = HiddenField(validators=[DataRequired("Thiếu dữ liệu xác nhận; hãy tải tệp lại.")])
    filename = HiddenField()


# --- entry points ---------------------------------------------------------------------------

class EntryPointForm(FlaskForm):
    contest_id = ViSelectField("Cuộc thi", coerce=optional_int,
                               validators=[DataRequired("Vui lòng chọn cuộc thi.")])
    label = StringField("Tên gọi", validators=[
        DataRequired("Vui lòng nhập tên gọi, ví dụ “Pano ngã tư Phù Vân”."),
        Length(max=200, message="Tối đa 200 ký tự.")])
    place = StringField("Vị trí đặt", validators=[Length(max=300, message="Tối đa 300 ký tự.")])
    kind = ViSelectField("Loại ấn phẩm", choices=list(ENTRY_POINT_KINDS.items()))
    code = StringField("Mã ngắn (để trống để tự tạo)", validators=[
        Length(max=CODE_MAX_LENGTH, message=f"Tối đa {CODE_MAX_LENGTH} ký tự.")])
    active = BooleanField("Đang sử dụng", default=True)


# --- users ----------------------------------------------------------------------------------

ROLE_CHOICES = list(ROLES.items())


class UserCreateForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[
        DataRequired("Vui lòng nhập tên đăng nhập."), Length(max=60, message="Tối đa 60 ký tự.")])
    full_name = StringField("Họ và tên", validators=[
        DataRequired("Vui lòng nhập họ và tên."), Length(max=120, message="Tối đa 120 ký tự.")])
    role = ViSelectField("Vai trò", choices=ROLE_CHOICES)
    unit_id = ViSelectField("Đơn vị (bắt buộc với cán bộ báo cáo của đơn vị)",
                            coerce=optional_int)
    password = PasswordField(
        f"Mật khẩu (để trống để hệ thống tạo; tối thiểu {MIN_PASSWORD_LENGTH} ký tự)",
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=200,
                                       message=f"Mật khẩu phải có từ {MIN_PASSWORD_LENGTH} "
                                               "đến 200 ký tự.")],
    )


class UserEditForm(FlaskForm):
    full_name = StringField("Họ và tên", validators=[
        DataRequired("Vui lòng nhập họ và tên."), Length(max=120, message="Tối đa 120 ký tự.")])
    role = ViSelectField("Vai trò", choices=ROLE_CHOICES)
    unit_id = ViSelectField("Đơn vị (bắt buộc với cán bộ báo cáo của đơn vị)",
                            coerce=optional_int)


# --- audit log ------------------------------------------------------------------------------

class AuditFilterForm(FlaskForm):
    """A GET filter: no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    user_id = ViSelectField("Người thực hiện", coerce=optional_int, validate_choice=False)
    action = StringField("Thao tác", validators=[Length(max=60)])
    object_type = ViSelectField("Loại đối tượng", validate_choice=False)
    date_from = ViDateField("Từ ngày", validators=[Optional()])
    date_to = ViDateField("Đến ngày", validators=[Optional()])
