"""Time: stored in UTC, shown and entered in Asia/Ho_Chi_Minh."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

#: How times are written, one format per use.
DATE_FORMAT = "%d/%m/%Y"
CLOCK_FORMAT = "%H:%M"
CLOCK_SECONDS_FORMAT = f"{CLOCK_FORMAT}:%S"
#: A moment on a page: "08:30 02/03/2026".
DATETIME_FORMAT = f"{CLOCK_FORMAT} {DATE_FORMAT}"
#: A moment to the second (a submission, an audit entry): "08:30:15 02/03/2026".
SECONDS_FORMAT = f"{CLOCK_SECONDS_FORMAT} {DATE_FORMAT}"
#: A moment in running text (rules, posters): "08:30 ngày 02/03/2026".
PROSE_FORMAT = f"{CLOCK_FORMAT} ngày {DATE_FORMAT}"
#: A moment in a spreadsheet cell written as text, date first as sheets sort it.
SHEET_DATETIME_FORMAT = f"{DATE_FORMAT} {CLOCK_FORMAT}"
#: A moment in a file name: "20260302-0830".
FILE_STAMP_FORMAT = "%Y%m%d-%H%M"


def now_utc() -> datetime:
    return datetime.now(UTC)


def to_local(value: datetime) -> datetime:
    return value.astimezone(LOCAL_TZ)


def local_to_utc(value: datetime) -> datetime:
    """A naive wall-clock time typed in Vietnam, as an aware UTC datetime."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TZ)
    return value.astimezone(UTC)


def format_local(value: datetime | None, fmt: str = DATETIME_FORMAT) -> str:
    if value is None:
        return ""
    return to_local(value).strftime(fmt)


def format_local_end(value: datetime | None, fmt: str = DATETIME_FORMAT) -> str:
    """A closing time as Vietnamese notices write it: midnight is "24:00" of the day before.

    A round closing at 00:00 on Monday 30/11 "ends at 24:00 on 29/11" to a reader;
    "00:00 30/11" reads as a day too late.
    """
    if value is None:
        return ""
    local = to_local(value)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return (local - timedelta(days=1)).strftime(fmt.replace(CLOCK_FORMAT, "24:00"))
    return local.strftime(fmt)


def format_local_seconds(value: datetime | None) -> str:
    return format_local(value, SECONDS_FORMAT)


def format_local_clock(value: datetime | None) -> str:
    return format_local(value, CLOCK_FORMAT)


def format_local_date(value: datetime | None) -> str:
    return format_local(value, DATE_FORMAT)


def format_period(opens_at: datetime, closes_at: datetime) -> str:
    """A round's dates in running text: "từ 00:00 ngày 02/03/2026 đến 24:00 ngày 08/03/2026"."""
    return (f"từ {format_local(opens_at, PROSE_FORMAT)} "
            f"đến {format_local_end(closes_at, PROSE_FORMAT)}")


def format_date(value: date | None) -> str:
    """A calendar day (no time zone to convert): "02/03/2026"."""
    return value.strftime(DATE_FORMAT) if value is not None else ""


def format_duration(ms: int | None, *, tenths: bool = True) -> str:
    """A duration in words residents read without thinking, the one format used everywhere.

    ``6200`` → "6,2 giây"; ``125400`` → "2 phút 5,4 giây"; ``897000`` with
    ``tenths=False`` (a countdown) → "14 phút 57 giây"; whole minutes drop the
    seconds ("15 phút"); an hour or more leads with hours ("1 giờ 5 phút").
    Tenths of a second are kept for time taken, the ranking's tie-break; they are
    rounded down, so a time never reads longer than it was. round.js writes the
    countdown the same way (``duration`` there).
    """
    if ms is None:
        return ""
    ms = max(0, int(ms))
    if tenths:
        total_tenths = ms // 100
        whole_seconds, tenth = divmod(total_tenths, 10)
    else:
        whole_seconds, tenth = ms // 1000, 0
    hours, rest = divmod(whole_seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours} giờ")
    if minutes:
        parts.append(f"{minutes} phút")
    if seconds or tenth or not parts:
        parts.append(f"{seconds},{tenth} giây" if tenths and tenth else f"{seconds} giây")
    return " ".join(parts)
