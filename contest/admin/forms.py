"""Forms of the back office: questions, bank import, contests and rounds.

(Units, QR codes and users live in forms_people.py.) Forms check shape and
type; the rules that need the database or span fields live in
contest/services/rounds.py and contest/services/questions.py.
"""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    MultipleFileField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from contest.forms import (
    MultiCheckboxField,
    VnIntegerField,
    VnSelectField,
    check_year_range,
    choices,
    max_length,
)
from contest.helpers.text import clean, control_characters_message, has_control_characters
from contest.models import ContestStatus
from contest.models.bank import (
    EXPLANATION_MAX_LENGTH,
    MAX_OPTIONS,
    OPTION_LETTERS,
    OPTION_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    SOURCE_MAX_LENGTH,
)
from contest.models.base import REASON_MAX_LENGTH
from contest.models.contest import (
    AGE_BOUNDS,
    COUNTED_ATTEMPT_RULES,
    DEFAULT_ORGANISER,
    FIELD_MODE_LABELS,
    PREDICTION_TARGETS,
    PRIZE_VALUE_MAX_LENGTH,
    REVEAL_POLICIES,
    ROUND_NAME_MAX_LENGTH,
    SLUG_MAX_LENGTH,
    CountedAttempt,
    FieldMode,
    PredictionTarget,
    RevealPolicy,
)
from contest.services.bank.questions import question_problems
from contest.services.contests import rounds

DIFFICULTIES = {1: "Dễ", 2: "Trung bình", 3: "Khó"}
STATUS_LABELS = {ContestStatus.DRAFT: "Bản nháp (chỉ Ban tổ chức thấy)",
                 ContestStatus.PUBLISHED: "Công bố (người dân thấy và dự thi)"}
PRIZE_ROWS = 6
LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"
CONTROL_CHARACTERS_MESSAGE = control_characters_message("Ô này")


def _refuse_control_characters(fields) -> bool:
    """Mark every text field (nested ones too) holding a control character; True if none."""
    ok = True
    for field in fields:
        if isinstance(field, FieldList):
            ok = _refuse_control_characters(field.entries) and ok
        elif isinstance(field, FormField):
            ok = _refuse_control_characters(field.form) and ok
        elif isinstance(field.data, str) and has_control_characters(field.data):
            field.errors = [*field.errors, CONTROL_CHARACTERS_MESSAGE]
            ok = False
    return ok


class BackOfficeForm(FlaskForm):
    """A back-office form: text with a control character is refused beside its field."""

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return _refuse_control_characters(self) and ok


class VnDateTimeLocalField(DateTimeLocalField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", [LOCAL_INPUT_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"])
        kwargs.setdefault("invalid_value_message",
                          "Vui lòng nhập ngày giờ theo dạng ngày/tháng/năm giờ:phút.")
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        check_year_range(self)


# --- questions ------------------------------------------------------------------------


class QuestionForm(BackOfficeForm):
    content_area_id = VnSelectField("Lĩnh vực", coerce=int,
                                  validators=[InputRequired("Vui lòng chọn lĩnh vực.")])
    text = TextAreaField("Nội dung câu hỏi", validators=[
        DataRequired("Vui lòng nhập nội dung câu hỏi."),
        max_length(QUESTION_MAX_LENGTH, "Câu hỏi"),
    ])
    options = FieldList(
        StringField(validators=[Optional(), max_length(OPTION_MAX_LENGTH, "Phương án")]),
        min_entries=MAX_OPTIONS, max_entries=MAX_OPTIONS,
    )
    correct_option = VnSelectField(
        "Đáp án đúng", coerce=int,
        choices=choices(enumerate(OPTION_LETTERS[:MAX_OPTIONS])),
    )
    explanation = TextAreaField("Giải thích đáp án", validators=[
        max_length(EXPLANATION_MAX_LENGTH, "Giải thích")])
    source = StringField("Căn cứ (mục kế hoạch, văn bản)", validators=[
        max_length(SOURCE_MAX_LENGTH, "Căn cứ")])
    difficulty = VnSelectField("Độ khó", coerce=int, choices=choices(DIFFICULTIES))
    active = BooleanField("Đang dùng (được rút vào đề thi)", default=True)
    practice = BooleanField("Câu hỏi ôn tập (chỉ dùng để ôn tập, không bao giờ rút vào đề thi)")

    def filled_options(self) -> list[str]:
        # As the service will store them (NFC, spaces folded): duplicates compare alike.
        return [clean(entry.data) for entry in self.options.entries]

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then the bank's one rule for a question."""
        ok = super().validate(extra_validators)
        fields = {"text": self.text, "answer": self.correct_option,
                  "explanation": self.explanation, "source": self.source,
                  "difficulty": self.difficulty,
                  **{f"option_{letter}": entry
                     for letter, entry in zip(OPTION_LETTERS, self.options.entries, strict=False)}}
        problems = question_problems(
            self.text.data or "", self.filled_options(), self.correct_option.data,
            explanation=self.explanation.data or "", source=self.source.data or "",
            difficulty=self.difficulty.data)
        for problem in problems:
            target = fields.get(problem.field, self.correct_option)
            if not target.errors:  # a field's own message (required, too long) comes first
                target.errors = [*target.errors, problem.sentence()]
            ok = False
        return ok


class ImportForm(BackOfficeForm):
    files = MultipleFileField("Tệp câu hỏi (.docx, .xlsx, .xls hoặc .csv)")
    #: Choices (the content areas) are set by the view; blank: each question names its own.
    area = VnSelectField("Lĩnh vực cho cả tệp", default="")


# --- contests and rounds --------------------------------------------------------------


class PrizeTierForm(Form):
    name = StringField("Tên giải", validators=[Optional(), max_length(100)])
    count = VnIntegerField("Số lượng", validators=[Optional()])
    min_score = VnIntegerField("Điểm tối thiểu", validators=[Optional()])
    value = StringField("Giải thưởng gồm", validators=[
        Optional(), max_length(PRIZE_VALUE_MAX_LENGTH, "Giải thưởng gồm")])


def prize_tier_values(prize_tiers: FieldList) -> list[dict]:
    """The filled rows of a prize table as tiers; rules are checked by the service."""
    tiers = []
    for entry in prize_tiers.entries:
        name = (entry.form.name.data or "").strip()
        count = entry.form.count.data
        minimum = entry.form.min_score.data
        value = (entry.form.value.data or "").strip()
        if name or count is not None or value or minimum is not None:
            tier = {"name": name, "count": count}
            if value:
                tier["value"] = value
            if minimum is not None:
                tier["min_score"] = minimum
            tiers.append(tier)
    return tiers


class ContestForm(BackOfficeForm):
    title = StringField("Tên cuộc thi", validators=[
        DataRequired("Vui lòng nhập tên cuộc thi."),
        max_length(*rounds.CONTEST_TEXT_LIMITS["title"])])
    slug = StringField("Đường dẫn rút gọn", validators=[
        DataRequired("Vui lòng nhập đường dẫn rút gọn (ví dụ: cchc-2026)."),
        max_length(SLUG_MAX_LENGTH, "Đường dẫn rút gọn")])
    organiser = StringField("Đơn vị tổ chức",
                            validators=[max_length(*rounds.CONTEST_TEXT_LIMITS["organiser"])],
                            default=DEFAULT_ORGANISER)
    rules = TextAreaField("Thể lệ", validators=[
        max_length(*rounds.CONTEST_TEXT_LIMITS["rules"])])
    status = VnSelectField("Trạng thái", choices=choices(STATUS_LABELS),
                           default=ContestStatus.DRAFT)
    birth_year_mode = VnSelectField("Năm sinh", choices=choices(FIELD_MODE_LABELS),
                                  default=FieldMode.OPTIONAL)
    gender_mode = VnSelectField("Giới tính", choices=choices(FIELD_MODE_LABELS),
                              default=FieldMode.OPTIONAL)
    citizen_id_mode = VnSelectField("Số CCCD", choices=choices(FIELD_MODE_LABELS),
                                  default=FieldMode.OPTIONAL)
    category_ids = MultiCheckboxField("Đối tượng dự thi", coerce=int)
    min_age = VnIntegerField("Tuổi tối thiểu", validators=[
        Optional(), NumberRange(*AGE_BOUNDS, rounds.AGE_MESSAGE)])
    max_age = VnIntegerField("Tuổi tối đa", validators=[
        Optional(), NumberRange(*AGE_BOUNDS, rounds.AGE_MESSAGE)])
    one_prize_per_contest = BooleanField("Mỗi người chỉ nhận tối đa một giải trong cả cuộc thi")
    rank_by_category_group = BooleanField(
        "Xếp hạng riêng theo nhóm đối tượng (ví dụ: cán bộ, công chức và người dân)")
    study_material = TextAreaField("Tài liệu tìm hiểu", validators=[
        max_length(*rounds.CONTEST_TEXT_LIMITS["study_material"])])
    practice_enabled = BooleanField(
        "Cho phép mọi người ôn tập (không cần đăng ký) với các câu hỏi ôn tập")
    purpose = StringField("Mục đích cuộc thi (một câu)", validators=[
        max_length(*rounds.CONTEST_TEXT_LIMITS["purpose"])])
    contact_phone = StringField("Số điện thoại đường dây nóng / Zalo của Ban tổ chức", validators=[
        max_length(*rounds.CONTEST_TEXT_LIMITS["contact_phone"])],
        render_kw={"inputmode": "tel"})
    contact_address = StringField("Địa chỉ liên hệ Ban tổ chức", validators=[
        max_length(*rounds.CONTEST_TEXT_LIMITS["contact_address"])])
    participation_certificates = BooleanField(
        "Người đã nộp bài được tải Giấy chứng nhận tham gia (PDF)")
    prize_tiers = FieldList(FormField(PrizeTierForm), min_entries=PRIZE_ROWS,
                            max_entries=PRIZE_ROWS)


class RoundForm(BackOfficeForm):
    """Quota inputs (one per content area) are added by :func:`round_form_class`."""

    name = StringField("Tên đợt thi", validators=[
        DataRequired("Vui lòng nhập tên đợt thi."),
        max_length(ROUND_NAME_MAX_LENGTH, "Tên đợt thi")])
    opens_at = VnDateTimeLocalField("Bắt đầu (giờ Việt Nam)",
                                    validators=[InputRequired("Vui lòng nhập thời điểm bắt đầu.")])
    closes_at = VnDateTimeLocalField("Kết thúc (giờ Việt Nam)", validators=[
        InputRequired("Vui lòng nhập thời điểm kết thúc.")])
    time_limit_minutes = VnIntegerField("Thời gian làm bài (phút)", default=15, validators=[
        InputRequired("Vui lòng nhập thời gian làm bài."),
        NumberRange(*rounds.TIME_LIMIT_BOUNDS, rounds.TIME_LIMIT_MESSAGE)])
    attempts_allowed = VnIntegerField("Số lượt thi mỗi người", default=1, validators=[
        InputRequired("Vui lòng nhập số lượt thi."),
        NumberRange(*rounds.ATTEMPTS_BOUNDS, rounds.ATTEMPTS_MESSAGE)])
    counted_attempt = VnSelectField("Lượt được tính khi xếp hạng",
                                  choices=choices(COUNTED_ATTEMPT_RULES),
                                  default=CountedAttempt.BEST)
    has_prediction = BooleanField("Có câu hỏi dự đoán", default=True)
    prediction_target = VnSelectField("Câu hỏi dự đoán hỏi về",
                                    choices=choices(PREDICTION_TARGETS),
                                    default=PredictionTarget.FULL_MARKS)
    reveal_answers = VnSelectField("Công bố đáp án", choices=choices(REVEAL_POLICIES),
                                 default=RevealPolicy.AFTER_CLOSE)
    prize_tiers = FieldList(FormField(PrizeTierForm), min_entries=PRIZE_ROWS,
                            max_entries=PRIZE_ROWS)

    def quota_field(self, area):
        return self[f"quota_{area.id}"]

    def prize_tier_values(self) -> list[dict]:
        return prize_tier_values(self.prize_tiers)


class ReopenRoundForm(BackOfficeForm):
    """Reopening a closed round whose results are published: a new close and the reason."""

    closes_at = VnDateTimeLocalField("Kết thúc mới (giờ Việt Nam)", validators=[
        InputRequired("Vui lòng nhập thời điểm kết thúc mới.")])
    reason = TextAreaField("Lý do mở lại", validators=[
        DataRequired("Vui lòng ghi lý do mở lại đợt thi."), max_length(REASON_MAX_LENGTH, "Lý do")])


def round_form_class(areas) -> type[RoundForm]:
    """A RoundForm with one ``quota_<area id>`` number input per content area."""

    class _RoundForm(RoundForm):
        pass

    for area in areas:
        setattr(_RoundForm, f"quota_{area.id}", VnIntegerField(
            f"{area.code}) {area.title}", default=0,
            validators=[Optional(), NumberRange(0, rounds.MAX_QUESTIONS_PER_ROUND,
                                                rounds.QUOTA_MESSAGE)]))
    return _RoundForm


def to_local_input(value: datetime | None) -> datetime | None:
    """An aware UTC time as the naive Vietnam wall-clock time a datetime-local input shows."""
    from contest.helpers.timeutil import to_local

    return to_local(value).replace(tzinfo=None) if value is not None else None
