"""Forms of the activity log. Choices are filled per request; the service re-checks scope."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional
from wtforms.widgets import TextInput

from contest.forms import MultiCheckboxField, VnDateField, VnIntegerField, int_or_none, max_length
from contest.models.activity import (
    EVIDENCE_URL_MAX_LENGTH,
    PLACE_MAX_LENGTH,
    QUANTITY_UNIT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
)

#: Counts are typed, not spun: a text input keeps "1.200" (Vietnamese grouping) as typed.
_count = dict(grouping=True, counts_only=True, widget=TextInput(),
              invalid_value_message="Vui lòng nhập một số nguyên không âm, ví dụ 120.")


class ActivityEntryForm(FlaskForm):
    #: A new one each time the empty form is shown; the service records each id once.
    submission_id = HiddenField()
    date_start = VnDateField("Ngày thực hiện", render_kw={"type": "date"})
    date_end = VnDateField("Đến ngày (nếu kéo dài nhiều ngày)", render_kw={"type": "date"})
    unit_id = SelectField("Đơn vị thực hiện", coerce=int_or_none, validate_choice=False)
    form_id = SelectField("Hình thức tuyên truyền", coerce=int_or_none, validate_choice=False)
    content_area_ids = MultiCheckboxField(
        "Nội dung tuyên truyền (chọn một hoặc nhiều)", coerce=int_or_none, validate_choice=False)
    title = StringField("Tên hoạt động", validators=[max_length(TITLE_MAX_LENGTH, "Tên hoạt động")],
                        render_kw={"placeholder": "Ví dụ: Treo pano tuyên truyền CCHC tại TDP 3"})
    description = TextAreaField("Mô tả ngắn",
                                validators=[Optional(), max_length(TEXT_MAX_LENGTH, "Mô tả")])
    place = StringField("Địa điểm",
                        validators=[Optional(), max_length(PLACE_MAX_LENGTH, "Địa điểm")])
    people_reached = VnIntegerField("Số người được tuyên truyền",
                                    render_kw={"inputmode": "numeric"}, **_count)
    quantity = VnIntegerField("Số lượng", render_kw={"inputmode": "numeric"}, **_count)
    quantity_unit = StringField(
        "Đơn vị tính", validators=[Optional(), max_length(QUANTITY_UNIT_MAX_LENGTH, "Đơn vị tính")],
        render_kw={"list": "quantity-units", "placeholder": "pano, tin bài, video…"})
    evidence_url = StringField(
        "Đường dẫn minh chứng (bài viết, album ảnh)",
        validators=[Optional(), max_length(EVIDENCE_URL_MAX_LENGTH, "Đường dẫn")],
        render_kw={"type": "url", "placeholder": "https://…"})
    attachment = FileField("Tệp đính kèm (ảnh JPEG/PNG/WebP hoặc PDF)",
                           render_kw={"accept": ".jpg,.jpeg,.png,.webp,.pdf"})
    remove_attachment = BooleanField("Gỡ tệp đính kèm hiện có")


class ReportNoteForm(FlaskForm):
    strengths = TextAreaField("Ưu điểm", validators=[Optional(), max_length(TEXT_MAX_LENGTH)])
    limitations = TextAreaField("Hạn chế", validators=[Optional(), max_length(TEXT_MAX_LENGTH)])
    proposals = TextAreaField("Đề xuất, kiến nghị",
                              validators=[Optional(), max_length(TEXT_MAX_LENGTH)])
