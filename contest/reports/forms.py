"""The statistics filter form (GET: bookmarkable, shareable, no CSRF needed to read)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional, ValidationError

from contest.forms import VnDateField, choice_values, choices, int_or_none
from contest.models import Contest, ParticipantCategory, Round, Unit
from contest.services.statistics.participation import StatsFilter


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only GET form

    # Choices are checked by the validate_* methods below, with Vietnamese messages.
    contest = SelectField("Cuộc thi", coerce=int_or_none, validate_choice=False)
    round = SelectField("Đợt thi", coerce=int_or_none, validate_choice=False)
    date_from = VnDateField("Từ ngày", validators=[Optional()])
    date_to = VnDateField("Đến ngày", validators=[Optional()])
    unit = SelectField("Đơn vị", coerce=int_or_none, validate_choice=False)
    category = SelectField("Đối tượng", coerce=int_or_none, validate_choice=False)

    def __init__(self, *args, contests: list[Contest], rounds: list[Round], units: list[Unit],
                 categories: list[ParticipantCategory], **kwargs):
        super().__init__(*args, **kwargs)
        self.contest.choices = choices((c.id, c.title) for c in contests)
        self.round.choices = choices(((r.id, r.name) for r in rounds),
                                     first=(None, "Tất cả các đợt"))
        self.unit.choices = choices(((u.id, u.name) for u in units), first=(None, "Tất cả đơn vị"))
        self.category.choices = choices(((c.id, c.name) for c in categories),
                                        first=(None, "Tất cả đối tượng"))

    def _check_choice(self, field, message):
        if field.data not in choice_values(field):
            raise ValidationError(message)

    def validate_contest(self, field):
        self._check_choice(field, "Cuộc thi đã chọn không tồn tại. Vui lòng chọn lại.")

    def validate_round(self, field):
        self._check_choice(
            field, "Đợt thi đã chọn không thuộc cuộc thi này. Vui lòng chọn lại đợt thi.")

    def validate_unit(self, field):
        self._check_choice(field, "Đơn vị đã chọn không tồn tại. Vui lòng chọn lại.")

    def validate_category(self, field):
        self._check_choice(field, "Đối tượng đã chọn không tồn tại. Vui lòng chọn lại.")

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("“Đến ngày” phải sau hoặc bằng “Từ ngày”.")

    def to_filter(self) -> StatsFilter:
        return StatsFilter(
            contest_id=self.contest.data, round_id=self.round.data,
            date_from=self.date_from.data, date_to=self.date_to.data,
            unit_id=self.unit.data, category_id=self.category.data,
        )
