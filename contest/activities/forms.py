"""Forms of the activity log. Choices are filled per request; the service re-checks scope."""

from __future__ import annotations

from datetime import date, datetime

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    Field,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class VnIntegerField(Field):
    """A whole number with a Vietnamese message; '1.200' (Vietnamese grouping) is accepted."""

    widget = StringField.widget

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        text = valuelist[0].strip().replace(".", "").replace(" ", "")
        if not text.isdigit() or len(text) > 9:
            raise ValueError("Vui lòng nhập một số nguyên không âm, ví dụ 120.")
        self.data = int(text)


class VnDateField(Field):
    """A date from <input type=date> (YYYY-MM-DD) or typed as DD/MM/YYYY."""

    widget = StringField.widget

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        text = valuelist[0].strip()
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                self.data = datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
                return
            except ValueError:
                continue
        raise ValueError("Ngày không hợp lệ; vui lòng nhập theo dạng ngày/tháng/năm.")


def _max(n: int) -> Length:
    return Length(max=n, message=f"Tối đa {n} ký tự; vui lòng rút gọn.")


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never a real id: the service answers "please choose"


class ActivityEntryForm(FlaskForm):
    date_start = VnDateField("Ngày thực hiện", render_kw={"type": "date"})
    date_end = VnDateField("Đến ngày (nếu kéo dài nhiều ngày)", render_kw={"type": "date"})
    unit_id = SelectField("Đơn vị thực hiện", coerce=_int_or_none, validate_choice=False)
    form_id = SelectField("Hình thức tuyên truyền", coerce=_int_or_none, validate_choice=False)
    content_area_ids = SelectMultipleField(
        "Nội dung tuyên truyền (chọn một hoặc nhiều)", coerce=_int_or_none, validate_choice=False,
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
    )
    title = StringField("Tên hoạt động", validators=[_max(300)],
                        render_kw={"placeholder": "Ví dụ: Treo pano tuyên truyền CCHC tại TDP 3"})
    description = TextAreaField("Mô tả ngắn", validators=[Optional(), _max(5000)])
    place = StringField("Địa điểm", validators=[Optional(), _max(300)])
    people_reached = VnIntegerField("Số người được tuyên truyền",
                                    render_kw={"inputmode": "numeric"})
    quantity = VnIntegerField("Số lượng", render_kw={"inputmode": "numeric"})
    quantity_unit = StringField("Đơn vị tính", validators=[Optional(), _max(60)],
                                render_kw={"list": "quantity-units",
                                           "placeholder": "pano, tin bài, video…"})
    evidence_url = StringField("Đường dẫn minh chứng (bài viết, album ảnh)",
                               validators=[Optional(), _max(500)],
                               render_kw={"type": "url", "placeholder": "https://…"})
    attachment = FileField("Tệp đính kèm (ảnh JPEG/PNG/WebP hoặc PDF)",
                           render_kw={"accept": ".jpg,.jpeg,.png,.webp,.pdf"})
    remove_attachment = BooleanField("Gỡ tệp đính kèm hiện có")


class DeleteForm(FlaskForm):
    """CSRF only."""


class ReportNoteForm(FlaskForm):
    strengths = TextAreaField("Ưu điểm", validators=[Optional(), _max(5000)])
    limitations = TextAreaField("Hạn chế", validators=[Optional(), _max(5000)])
    proposals = TextAreaField("Đề xuất, kiến nghị", validators=[Optional(), _max(5000)])
