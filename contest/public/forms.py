"""Resident forms. Validation lives in contest.services.taking.registration; these carry
CSRF, labels and the values typed (so a form with errors keeps them)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.fields import TelField

from contest.forms import ActionForm, choices
from contest.models import GENDERS
from contest.models.people import PARTICIPANT_NAME_MAX_LENGTH, UNIT_OTHER_MAX_LENGTH
from contest.services.taking.registration import PHONE_INPUT_MAX_LENGTH

__all__ = ["ActionForm", "CodeForm", "ConfirmForm", "RegistrationForm"]

CONSENT_LABEL = (
    "Tôi đồng ý để Ban tổ chức thu thập và xử lý các thông tin cá nhân trên cho mục đích tổ "
    "chức cuộc thi, liên hệ và trao giải, theo Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu "
    "cá nhân."
)


class RegistrationForm(FlaskForm):
    full_name = StringField("Họ và tên", render_kw={"autocomplete": "name",
                                                    "maxlength": PARTICIPANT_NAME_MAX_LENGTH})
    phone = TelField("Số điện thoại di động",
                     render_kw={"autocomplete": "tel", "inputmode": "tel",
                                "maxlength": PHONE_INPUT_MAX_LENGTH})
    birth_year = StringField("Năm sinh", render_kw={"inputmode": "numeric", "maxlength": 4,
                                                    "autocomplete": "bday-year"})
    gender = RadioField("Giới tính", choices=choices(GENDERS), validate_choice=False)
    citizen_id = StringField("Số CCCD (12 chữ số)",
                             render_kw={"inputmode": "numeric", "maxlength": 20})
    unit = SelectField("Tổ dân phố / cơ quan, đơn vị", validate_choice=False)
    unit_other = StringField("Tên tổ dân phố / đơn vị khác",
                             render_kw={"maxlength": UNIT_OTHER_MAX_LENGTH})
    category = SelectField("Đối tượng", validate_choice=False)
    consent = BooleanField(CONSENT_LABEL)


class ConfirmForm(FlaskForm):
    phone = TelField("Số điện thoại đã đăng ký",
                     render_kw={"autocomplete": "tel", "inputmode": "tel",
                                "maxlength": PHONE_INPUT_MAX_LENGTH})
    full_name = StringField("Họ và tên đã đăng ký",
                            render_kw={"autocomplete": "name",
                                       "maxlength": PARTICIPANT_NAME_MAX_LENGTH})
    birth_year = StringField("Năm sinh đã đăng ký",
                             render_kw={"inputmode": "numeric", "maxlength": 4})


class CodeForm(FlaskForm):
    personal_code = StringField(
        "Mã dự thi",
        render_kw={"maxlength": 12, "autocomplete": "off", "autocapitalize": "characters",
                   "spellcheck": "false"},
    )
