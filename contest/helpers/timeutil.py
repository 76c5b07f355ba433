"""Time: stored in UTC, shown and entered in Asia/Ho_Chi_Minh."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now_utc() -> datetime:
    return datetime.now(UTC)


def to_local(value: datetime) -> datetime:
    return value.astimezone(LOCAL_TZ)


def local_to_utc(value: datetime) -> datetime:
    """A naive wall-clock time typed in Vietnam, as an aware UTC datetime."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TZ)
    return value.astimezone(UTC)


def format_local(value: datetime | None, fmt: str = "%H:%M %d/%m/%Y") -> str:
    if value is None:
        return ""
    return to_local(value).strftime(fmt)


def format_local_end(value: datetime | None, fmt: str = "%H:%M %d/%m/%Y") -> str:
    """A closing time as Vietnamese notices write it: midnight is "24:00" of the day before.

    A round closing at 00:00 on Monday 30/11 "ends at 24:00 on 29/11" to a reader;
    "00:00 30/11" reads as a day too late.
    """
    if value is None:
        return ""
    local = to_local(value)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return (local - timedelta(days=1)).strftime(fmt.replace("%H:%M", "24:00"))
    return local.strftime(fmt)


def format_duration(ms: int | None) -> str:
    """123456 → '2 phút 03,5 giây'; shown wherever time taken is."""
    if ms is None:
        return ""
    minutes, rest = divmod(int(ms), 60_000)
    seconds = rest / 1000
    text = f"{seconds:04.1f}".replace(".", ",") + " giây"
    return f"{minutes} phút {text}" if minutes else text
