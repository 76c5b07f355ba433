"""The outreach activity log: recording, permissions, attachments, plan coverage.

Plain functions over plain values. The actor comes in as an :class:`Actor`
(id, role, unit) and never from the HTTP call, so the same rules hold for the
web views, the CLI and the tests.

Scope rule: a unit reporter reads and writes only their own unit's
activities; organisers and admins write for any unit; viewers read all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from contest.extensions import db
from contest.helpers import audit
from contest.helpers.formatting import format_number, to_roman
from contest.helpers.text import clean, too_long_message, without_control_characters
from contest.models import (
    Activity,
    ActivityAttachment,
    ActivityForm,
    ContentArea,
    ReportNote,
    Role,
    Unit,
    activity_content_area,
)
from contest.models.activity import (
    EVIDENCE_URL_MAX_LENGTH,
    PLACE_MAX_LENGTH,
    QUANTITY_UNIT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
)
from contest.models.user import BACK_OFFICE_ROLES, CHANGE_ROLES
from contest.services.errors import DomainError
from contest.services.people.units import in_natural_order

#: The plan's form e: contests, seminars, theatre (II.2.e asks for at least one).
CONTEST_FORM_CODE = "e"

#: Suggestions offered for the unit of measure; free text is allowed too.
QUANTITY_UNITS = ["tin bài", "pano", "băng rôn", "áp phích", "tờ rơi", "video", "infographic",
                  "hội nghị", "buổi", "lớp", "cuộc thi", "chuyên mục", "lượt"]

#: Content type → (extension, label). Only these are accepted, judged by content.
ATTACHMENT_TYPES = {
    "image/jpeg": (".jpg", "ảnh JPEG"),
    "image/png": (".png", "ảnh PNG"),
    "image/webp": (".webp", "ảnh WebP"),
    "application/pdf": (".pdf", "tệp PDF"),
}
ATTACHMENT_HELP = "ảnh (JPEG, PNG, WebP) hoặc tệp PDF"

READ_ONLY_MESSAGE = "Tài khoản của bạn chỉ được xem, không được ghi nhận hoạt động."
NOTE_NOT_YOURS_MESSAGE = "Bạn không được sửa phần đánh giá của báo cáo này."

#: Far beyond any real ward activity; stops typos like 10000000 from skewing totals.
NUMBER_MAX = 10_000_000
#: Activities are recorded for the plan's years; anything far outside is a typo.
MIN_YEAR = 2000


class AlreadyRecorded(Exception):  # noqa: N818 - reads better at call sites
    """The same entry form was sent again ("Lưu" pressed twice): it is recorded once."""

    def __init__(self, activity: Activity):
        super().__init__(activity.id)
        self.activity = activity


_SUBMISSION_ID = re.compile(r"[0-9a-f]{32}")


def _recorded_submission(submission_id: str | None) -> Activity | None:
    if not submission_id:
        return None
    return db.session.scalar(sa.select(Activity).where(Activity.submission_id == submission_id))


class PermissionDenied(DomainError):  # noqa: N818 - reads better at call sites
    """The actor may not do this to this record."""

    def __init__(self, message: str = "Bạn không có quyền thao tác trên hoạt động này."):
        super().__init__(message)


class ActivityInvalid(DomainError):  # noqa: N818
    """Input refused, each message beside the field it is about (``errors``)."""


@dataclass(frozen=True)
class Actor:
    """Who is acting, as plain values."""

    id: int | None
    role: str
    unit_id: int | None = None

    @property
    def writes_any_unit(self) -> bool:
        return self.role in CHANGE_ROLES

    @property
    def reads_all_units(self) -> bool:
        return self.role in BACK_OFFICE_ROLES

    @property
    def can_write(self) -> bool:
        return self.writes_any_unit or (
            self.role == Role.UNIT_REPORTER and self.unit_id is not None)


@dataclass
class ActivityData:
    """One activity's fields as plain values (from a form or a test)."""

    date_start: date | None
    unit_id: int | None
    form_id: int | None
    content_area_ids: list[int]
    title: str
    date_end: date | None = None
    description: str = ""
    place: str = ""
    people_reached: int | None = None
    quantity: int | None = None
    quantity_unit: str = ""
    evidence_url: str = ""
    #: The entry form's one-time id (32 hex digits), when it came from the form.
    submission_id: str | None = None


@dataclass
class Upload:
    """An uploaded file as given by the browser: its claimed name and its bytes."""

    filename: str
    data: bytes


@dataclass
class ActivityFilters:
    year: int | None = None
    quarter: int | None = None
    unit_id: int | None = None
    form_id: int | None = None
    content_area_id: int | None = None
    extra: dict = field(default_factory=dict)


# --- periods -------------------------------------------------------------------------------


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def period_range(year: int, quarter: int | None = None) -> tuple[date, date]:
    """First and last day (inclusive) of a quarter, or of the year when ``quarter`` is None."""
    if quarter is None:
        return date(year, 1, 1), date(year, 12, 31)
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1–4")
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, last - timedelta(days=1)


def period_label(year: int, quarter: int | None) -> str:
    return f"quý {to_roman(quarter)} năm {year}" if quarter else f"năm {year}"


# --- permissions ---------------------------------------------------------------------------


def can_read(actor: Actor, activity: Activity) -> bool:
    return actor.reads_all_units or (
        actor.role == Role.UNIT_REPORTER and actor.unit_id is not None
        and activity.unit_id == actor.unit_id
    )


def can_edit(actor: Actor, activity: Activity) -> bool:
    return actor.writes_any_unit or (
        actor.role == Role.UNIT_REPORTER and actor.unit_id is not None
        and activity.unit_id == actor.unit_id
    )


def get_for_read(actor: Actor, activity_id: int) -> Activity | None:
    """The activity if it exists and the actor may see it; None otherwise (the view says 404).

    Another unit's record answers like a missing one, so ids reveal nothing.
    """
    activity = db.session.get(Activity, activity_id)
    if activity is None or not can_read(actor, activity):
        return None
    return activity


def _require_edit(actor: Actor, activity: Activity) -> None:
    if not can_edit(actor, activity):
        raise PermissionDenied()


# --- validation ----------------------------------------------------------------------------


def safe_evidence_url(value: str) -> str:
    """The URL stripped; ActivityInvalid unless it is a plain http(s) address with a host."""
    url = (value or "").strip()
    if not url:
        return ""
    if len(url) > EVIDENCE_URL_MAX_LENGTH:
        raise ActivityInvalid(too_long_message("Đường dẫn", EVIDENCE_URL_MAX_LENGTH),
                              "evidence_url")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise ActivityInvalid("Đường dẫn không được chứa dấu cách hoặc ký tự điều khiển.",
                              "evidence_url")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ActivityInvalid(
            "Đường dẫn minh chứng phải bắt đầu bằng http:// hoặc https://, "
            "ví dụ https://phuvan.ninhbinh.gov.vn/bai-viet.", "evidence_url"
        )
    return url


def _check_number(errors: dict, name: str, value: int | None, label: str) -> None:
    if value is not None and not 0 <= value <= NUMBER_MAX:
        errors[name] = f"{label} phải là số từ 0 đến {format_number(NUMBER_MAX)}."


def _validate(actor: Actor, data: ActivityData) -> tuple[dict, list[ContentArea]]:
    """Check everything; return cleaned values, or raise ActivityInvalid with every problem."""
    errors: dict[str, str] = {}
    cleaned: dict = {}

    if data.date_start is None:
        errors["date_start"] = "Vui lòng nhập ngày thực hiện."
    elif data.date_start.year < MIN_YEAR or data.date_start.year > 2100:
        errors["date_start"] = "Ngày thực hiện không hợp lệ, vui lòng kiểm tra lại năm."
    if data.date_end is not None and data.date_start is not None:
        if data.date_end < data.date_start:
            errors["date_end"] = "Ngày kết thúc phải bằng hoặc sau ngày bắt đầu."
        elif (data.date_end - data.date_start).days > 366:
            errors["date_end"] = "Một hoạt động không kéo dài quá một năm; vui lòng tách ra."
    cleaned["date_start"] = data.date_start
    # A one-day activity keeps date_end empty rather than equal to the start.
    cleaned["date_end"] = data.date_end if data.date_end != data.date_start else None

    unit = db.session.get(Unit, data.unit_id) if data.unit_id else None
    if not actor.writes_any_unit:
        # A unit reporter's unit comes from their account; any other id is tampering.
        if data.unit_id is not None and data.unit_id != actor.unit_id:
            raise PermissionDenied("Bạn chỉ được ghi nhận hoạt động cho đơn vị của mình.")
        unit = db.session.get(Unit, actor.unit_id) if actor.unit_id else None
    if unit is None:
        errors["unit_id"] = "Vui lòng chọn đơn vị thực hiện."
    cleaned["unit_id"] = unit.id if unit else None

    form = db.session.get(ActivityForm, data.form_id) if data.form_id else None
    if form is None:
        errors["form_id"] = "Vui lòng chọn hình thức tuyên truyền."
    cleaned["form_id"] = form.id if form else None

    area_ids = sorted({int(i) for i in data.content_area_ids or []})
    areas = list(db.session.scalars(
        sa.select(ContentArea).where(ContentArea.id.in_(area_ids)).order_by(ContentArea.position)
    )) if area_ids else []
    if not area_ids:
        errors["content_area_ids"] = "Vui lòng chọn ít nhất một nội dung tuyên truyền."
    elif len(areas) != len(area_ids):
        errors["content_area_ids"] = "Có nội dung tuyên truyền không hợp lệ; vui lòng chọn lại."

    title = clean(without_control_characters(data.title))
    if not title:
        errors["title"] = "Vui lòng nhập tên hoạt động."
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = too_long_message("Tên hoạt động", TITLE_MAX_LENGTH)
    cleaned["title"] = title

    description = without_control_characters(data.description).strip()
    if len(description) > TEXT_MAX_LENGTH:
        errors["description"] = too_long_message("Mô tả", TEXT_MAX_LENGTH)
    cleaned["description"] = description

    place = clean(without_control_characters(data.place))
    if len(place) > PLACE_MAX_LENGTH:
        errors["place"] = too_long_message("Địa điểm", PLACE_MAX_LENGTH)
    cleaned["place"] = place

    _check_number(errors, "people_reached", data.people_reached, "Số người được tuyên truyền")
    _check_number(errors, "quantity", data.quantity, "Số lượng")
    cleaned["people_reached"] = data.people_reached
    cleaned["quantity"] = data.quantity
    quantity_unit = clean(without_control_characters(data.quantity_unit))
    if len(quantity_unit) > QUANTITY_UNIT_MAX_LENGTH:
        errors["quantity_unit"] = too_long_message("Đơn vị tính", QUANTITY_UNIT_MAX_LENGTH)
    elif data.quantity is not None and not quantity_unit:
        errors["quantity_unit"] = "Vui lòng ghi đơn vị tính, ví dụ: pano, tin bài, video."
    cleaned["quantity_unit"] = quantity_unit

    try:
        cleaned["evidence_url"] = safe_evidence_url(data.evidence_url)
    except ActivityInvalid as error:
        errors["evidence_url"] = error.message

    if errors:
        raise ActivityInvalid(errors=errors)
    return cleaned, areas


# --- attachments ---------------------------------------------------------------------------


def sniff_type(data: bytes) -> str | None:
    """The content type judged from the first bytes (magic numbers), never from the name."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def check_upload_name(name: str) -> str:
    """The display name, cleaned; ActivityInvalid for a name that tries to be a path.

    Browsers send a bare file name. A name with a folder separator, a '..', a
    drive letter, a NUL or other control character was crafted, so it is refused
    rather than quietly trimmed. The name is only ever shown, never used as a path.
    """
    raw = name or ""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in raw):
        raise ActivityInvalid(
            "Tên tệp chứa ký tự không hợp lệ. Vui lòng đổi tên tệp rồi tải lên lại.", "attachment")
    if "/" in raw or "\\" in raw or ".." in raw or re.match(r"^[A-Za-z]:", raw):
        raise ActivityInvalid(
            "Tên tệp không hợp lệ (có dấu / hoặc \\ hoặc ..). "
            "Vui lòng đổi tên tệp rồi tải lên lại.", "attachment")
    display = unicodedata.normalize("NFC", raw).strip().strip(".").strip()
    # Only harmless characters survive, so the name is safe in a header or a page.
    display = re.sub(r"[^\w\s.,()\-+]", "_", display)
    display = re.sub(r"\s+", " ", display)
    if len(display) > 150:
        stem, dot, ext = display.rpartition(".")
        display = (stem[: 140] + dot + ext[:8]) if dot else display[:150]
    return display or "tep-dinh-kem"


def check_upload(upload: Upload, max_bytes: int) -> tuple[str, str]:
    """(content type, display name) for an acceptable upload, or ActivityInvalid saying what to
    fix."""
    if not upload.data:
        raise ActivityInvalid("Tệp đính kèm rỗng. Vui lòng chọn lại tệp.", "attachment")
    if len(upload.data) > max_bytes:
        limit_mb = max_bytes / (1024 * 1024)
        raise ActivityInvalid(
            f"Tệp đính kèm quá lớn (tối đa {limit_mb:.0f} MB). "
            "Vui lòng nén ảnh hoặc chọn tệp nhỏ hơn.", "attachment"
        )
    display = check_upload_name(upload.filename)
    content_type = sniff_type(upload.data)
    if content_type is None:
        raise ActivityInvalid(f"Chỉ nhận {ATTACHMENT_HELP}. Tệp đã chọn không đúng định dạng.",
                              "attachment")
    ext = ATTACHMENT_TYPES[content_type][0]
    stem = display.rsplit(".", 1)[0] if "." in display else display
    # The shown name carries the extension of what the file really is.
    return content_type, (stem or "tep-dinh-kem") + ext


# --- writes --------------------------------------------------------------------------------

_AUDIT_FIELDS = ["unit_id", "form_id", "date_start", "date_end", "title", "description",
                 "place", "people_reached", "quantity", "quantity_unit", "evidence_url",
                 "attachment_name"]


def _snapshot(activity: Activity) -> dict:
    values = audit.snapshot(activity, _AUDIT_FIELDS)
    values["content_areas"] = [area.code for area in activity.content_areas]
    return values


def _prepare_upload(upload: Upload | None, max_bytes: int) -> tuple[str, str] | None:
    if upload is None:
        return None
    return check_upload(upload, max_bytes)


def _attach(activity: Activity, file_info: tuple[str, str] | None, data: bytes | None,
            remove: bool = False) -> None:
    """Put the uploaded file on the activity (replacing any), or take it off."""
    if file_info is not None and data is not None:
        activity.attachment_type, activity.attachment_name = file_info
        activity.attachment_file = ActivityAttachment(data=data, size=len(data))
    elif remove:
        activity.attachment_name = activity.attachment_type = None
        activity.attachment_file = None


def create_activity(
    actor: Actor, data: ActivityData, *, max_bytes: int, upload: Upload | None = None,
) -> Activity:
    """Record an activity (and its file) and commit; nothing is kept if anything is refused.

    The file is stored in the database with the activity, in the same transaction:
    every server behind the load balancer sees it, and a database backup holds it.
    The same entry form sent twice (its submission id already recorded, or recorded by
    the other submission in the meantime) raises :class:`AlreadyRecorded` with the first.
    """
    if not actor.can_write:
        raise PermissionDenied(READ_ONLY_MESSAGE)
    submission_id = data.submission_id \
        if data.submission_id and _SUBMISSION_ID.fullmatch(data.submission_id) else None
    if (earlier := _recorded_submission(submission_id)) is not None:
        raise AlreadyRecorded(earlier)
    cleaned, areas = _validate(actor, data)
    file_info = _prepare_upload(upload, max_bytes)
    activity = Activity(author_id=actor.id, submission_id=submission_id, **cleaned)
    activity.content_areas = areas
    try:
        _attach(activity, file_info, upload.data if upload else None)
        db.session.add(activity)
        db.session.flush()
        audit.record(actor.id, "activity.create", object_type="activity", object_id=activity.id,
                     summary=f"Ghi nhận hoạt động: {activity.title}", after=_snapshot(activity))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if (earlier := _recorded_submission(submission_id)) is not None:
            raise AlreadyRecorded(earlier) from None
        raise
    except Exception:
        db.session.rollback()
        raise
    return activity


def update_activity(
    actor: Actor, activity: Activity, data: ActivityData, *, max_bytes: int,
    upload: Upload | None = None, remove_attachment: bool = False,
) -> Activity:
    """Change an activity; a new file replaces the old one in the same transaction."""
    _require_edit(actor, activity)
    cleaned, areas = _validate(actor, data)
    file_info = _prepare_upload(upload, max_bytes)
    before = _snapshot(activity)
    try:
        for name, value in cleaned.items():
            setattr(activity, name, value)
        activity.content_areas = areas
        _attach(activity, file_info, upload.data if upload else None, remove=remove_attachment)
        audit.record(actor.id, "activity.update", object_type="activity", object_id=activity.id,
                     summary=f"Sửa hoạt động: {activity.title}", before=before,
                     after=_snapshot(activity))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return activity


def delete_activity(actor: Actor, activity: Activity) -> None:
    _require_edit(actor, activity)
    audit.record(actor.id, "activity.delete", object_type="activity", object_id=activity.id,
                 summary=f"Xóa hoạt động: {activity.title}", before=_snapshot(activity))
    db.session.delete(activity)
    db.session.commit()


def attachment_for_download(actor: Actor, activity_id: int) -> tuple[Activity, bytes] | None:
    """The activity and its file's bytes when the actor may read it and it has a file."""
    activity = get_for_read(actor, activity_id)
    if activity is None or activity.attachment_file is None:
        return None
    return activity, activity.attachment_file.data


# --- reads ---------------------------------------------------------------------------------


def scoped_units(actor: Actor) -> list[Unit]:
    """The units the actor may record for or filter on."""
    query = sa.select(Unit)
    if not actor.reads_all_units:
        query = query.where(Unit.id == (actor.unit_id or -1))
    else:
        query = query.where(Unit.active)
    return in_natural_order(db.session.scalars(query), lambda u: u.is_plan_responsible,
                            group_descending=True)


def activity_forms() -> list[ActivityForm]:
    return list(db.session.scalars(sa.select(ActivityForm).order_by(ActivityForm.position)))


def content_areas() -> list[ContentArea]:
    return list(db.session.scalars(sa.select(ContentArea).order_by(ContentArea.position)))


def list_query(actor: Actor, filters: ActivityFilters) -> sa.Select:
    """Activities the actor may see, filtered, newest first."""
    query = sa.select(Activity)
    if not actor.reads_all_units:
        query = query.where(Activity.unit_id == (actor.unit_id or -1))
    elif filters.unit_id:
        query = query.where(Activity.unit_id == filters.unit_id)
    if filters.year:
        first, last = period_range(filters.year, filters.quarter)
        query = query.where(Activity.date_start >= first, Activity.date_start <= last)
    if filters.form_id:
        query = query.where(Activity.form_id == filters.form_id)
    if filters.content_area_id:
        query = query.where(
            Activity.id.in_(
                sa.select(activity_content_area.c.activity_id).where(
                    activity_content_area.c.content_area_id == filters.content_area_id
                )
            )
        )
    return query.order_by(Activity.date_start.desc(), Activity.id.desc())


def years_with_activities(today: date) -> list[int]:
    years = set(db.session.scalars(
        sa.select(sa.extract("year", Activity.date_start)).distinct()
    ))
    years = {int(y) for y in years if y is not None} | {today.year}
    return sorted(years, reverse=True)


# --- plan coverage -------------------------------------------------------------------------


def _period_activity_filter(first: date, last: date, unit_id: int | None) -> list:
    conditions = [Activity.date_start >= first, Activity.date_start <= last]
    if unit_id is not None:
        conditions.append(Activity.unit_id == unit_id)
    return conditions


def coverage_grid(year: int) -> dict:
    """Quarter × unit activity counts for a year (plan I.2.b: 100 % of units report).

    Rows are the plan-responsible units plus any other unit that recorded
    something. ``missing`` lists, per quarter, the responsible units with nothing.
    """
    first, last = period_range(year)
    quarter_expr = _quarter_expr()
    counts: dict[tuple[int, int], int] = {}
    for unit_id, quarter, count in db.session.execute(
        sa.select(Activity.unit_id, quarter_expr, sa.func.count(Activity.id))
        .where(*_period_activity_filter(first, last, None))
        .group_by(Activity.unit_id, quarter_expr)
    ):
        counts[(unit_id, int(quarter))] = count
    reporting_ids = {unit_id for unit_id, _ in counts}
    units = in_natural_order(db.session.scalars(
        sa.select(Unit)
        .where(sa.or_(sa.and_(Unit.is_plan_responsible, Unit.active), Unit.id.in_(reporting_ids)))
    ), lambda u: u.is_plan_responsible, group_descending=True)
    rows = []
    for unit in units:
        cells = [counts.get((unit.id, q), 0) for q in (1, 2, 3, 4)]
        rows.append({"unit_id": unit.id, "unit_name": unit.name,
                     "responsible": unit.is_plan_responsible,
                     "quarters": cells, "total": sum(cells)})
    quarter_totals = [sum(row["quarters"][q] for row in rows) for q in range(4)]
    responsible = [row for row in rows if row["responsible"]]
    reported = [sum(1 for row in responsible if row["quarters"][q] > 0) for q in range(4)]
    return {
        "year": year,
        "rows": rows,
        "quarter_totals": quarter_totals,
        "total": sum(quarter_totals),
        "responsible_count": len(responsible),
        "reported_per_quarter": reported,
        "coverage_percent": [
            round(100 * n / len(responsible)) if responsible else 0 for n in reported
        ],
        "missing": [[row["unit_name"] for row in responsible if row["quarters"][q] == 0]
                    for q in range(4)],
    }


def _quarter_expr():
    month = sa.extract("month", Activity.date_start)
    return sa.case((month <= 3, 1), (month <= 6, 2), (month <= 9, 3), else_=4)


def forms_by_quarter(year: int, unit_id: int | None = None) -> dict:
    """Form × quarter counts (plan II.2 diversity) and whether form e happened (II.2.e)."""
    first, last = period_range(year)
    quarter_expr = _quarter_expr()
    counts: dict[tuple[int, int], int] = {}
    for form_id, quarter, count in db.session.execute(
        sa.select(Activity.form_id, quarter_expr, sa.func.count(Activity.id))
        .where(*_period_activity_filter(first, last, unit_id))
        .group_by(Activity.form_id, quarter_expr)
    ):
        counts[(form_id, int(quarter))] = count
    rows = []
    for form in activity_forms():
        cells = [counts.get((form.id, q), 0) for q in (1, 2, 3, 4)]
        rows.append({"form_id": form.id, "code": form.code, "title": form.title,
                     "quarters": cells, "total": sum(cells)})
    forms_used = [sum(1 for row in rows if row["quarters"][q] > 0) for q in range(4)]
    contest_row = next((row for row in rows if row["code"] == CONTEST_FORM_CODE), None)
    return {
        "year": year,
        "rows": rows,
        "quarter_totals": [sum(row["quarters"][q] for row in rows) for q in range(4)],
        "forms_used_per_quarter": forms_used,
        "forms_used_year": sum(1 for row in rows if row["total"] > 0),
        "form_count": len(rows),
        "contest_form_done": [bool(contest_row and contest_row["quarters"][q]) for q in range(4)],
        "contest_form_done_year": bool(contest_row and contest_row["total"]),
    }


# --- the contest's own figures -------------------------------------------------------------


def contest_figures(first: date, last: date, now: datetime, unit_id: int | None = None,
                    weakest: int = 3) -> dict:
    """Participants, attempts, completed attempts and weakest content areas in a period.

    Read live from the contest data through the statistics services, so the
    report uses the same definitions as the office dashboard and item analysis:
    attempts by start time (Vietnam dates), disqualified people left out,
    participants = people with an attempt in the period, registrations = people
    who registered in it; content areas ranked by share right over each
    participant's first submitted attempt per round. With ``unit_id`` only that
    unit's participants count. Every contest is covered.
    """
    from contest.services.statistics import item_analysis
    from contest.services.statistics import participation as stats
    figures = stats.headline(stats.StatsFilter(None, date_from=first, date_to=last,
                                               unit_id=unit_id))
    areas = []
    for area in item_analysis.weakest_areas(None, first, last, now, unit_id=unit_id,
                                            limit=None):
        if not area.served:
            continue
        areas.append({"id": area.area_id, "code": area.code, "title": area.title,
                      "answered": area.served, "correct": area.correct,
                      "percent_correct": round(100 * (area.facility or 0.0), 1)})
    return {
        "registrations": figures.registrations,
        "participants": figures.participants,
        "attempts": figures.attempts,
        "completed": figures.completed_attempts,
        "areas": areas,
        "weakest": areas[:weakest],
    }


# --- report notes --------------------------------------------------------------------------


def get_note(year: int, quarter: int | None, unit_id: int | None) -> ReportNote | None:
    return db.session.scalar(sa.select(ReportNote).where(
        ReportNote.year == year,
        ReportNote.quarter.is_(None) if quarter is None else ReportNote.quarter == quarter,
        ReportNote.unit_id.is_(None) if unit_id is None else ReportNote.unit_id == unit_id,
    ))


def can_edit_note(actor: Actor, unit_id: int | None) -> bool:
    if actor.writes_any_unit:
        return True
    return actor.role == Role.UNIT_REPORTER and unit_id is not None and unit_id == actor.unit_id


def report_unit(actor: Actor, unit_id: int | None) -> int | None:
    """The unit whose report ``actor`` reads on asking for ``unit_id`` (None: the ward's).

    The office reads any unit's report and the ward's; a unit reporter reads only
    their own unit's, which is also what they get on asking for none. Raises
    :class:`PermissionDenied` for anything else.
    """
    if actor.reads_all_units:
        return unit_id
    if unit_id is not None and unit_id != actor.unit_id:
        raise PermissionDenied("Bạn chỉ được xem báo cáo của đơn vị mình.")
    if actor.unit_id is None:
        raise PermissionDenied("Tài khoản của bạn chưa được gắn với đơn vị nào.")
    return actor.unit_id


def save_note(actor: Actor, year: int, quarter: int | None, unit_id: int | None, *,
              strengths: str, limitations: str, proposals: str) -> ReportNote:
    """Keep the written assessment of a period's report and commit (audited)."""
    if not can_edit_note(actor, unit_id):
        raise PermissionDenied(NOTE_NOT_YOURS_MESSAGE)
    texts = {"strengths": strengths, "limitations": limitations, "proposals": proposals}
    errors = {name: too_long_message("Nội dung", TEXT_MAX_LENGTH)
              for name, value in texts.items() if len(value or "") > TEXT_MAX_LENGTH}
    if errors:
        raise ActivityInvalid(errors=errors)
    texts = {name: without_control_characters(value).strip() for name, value in texts.items()}
    for tries_left in (1, 0):
        note = get_note(year, quarter, unit_id)
        before = audit.snapshot(note, list(texts)) if note else None
        if note is None:
            note = ReportNote(year=year, quarter=quarter, unit_id=unit_id)
            db.session.add(note)
        for name, value in texts.items():
            setattr(note, name, value)
        note.updated_by_id = actor.id
        try:
            db.session.flush()
            break
        except IntegrityError:
            # Someone saved this period's first note between our read and our insert:
            # the database keeps one per period, so write ours over theirs.
            db.session.rollback()
            if not tries_left:
                raise
    audit.record(actor.id, "report_note.update", object_type="report_note", object_id=note.id,
                 summary=f"Đánh giá báo cáo {period_label(year, quarter)}",
                 before=before, after=dict(texts))
    db.session.commit()
    return note


def unit_names(ids: Iterable[int]) -> dict[int, str]:
    ids = list(ids)
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all())
