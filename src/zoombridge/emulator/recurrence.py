"""Occurrences of a recurring meeting (type 8) from Zoom's `recurrence` object.

Zoom expands a series in the meeting's own `timezone`: weekly days and month days are
days there, and each occurrence keeps its local wall-clock time across daylight saving.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["occurrences", "validate_recurrence", "zone_named"]

MAX_OCCURRENCES = 60  # Zoom's limit for end_times
DAILY, WEEKLY, MONTHLY = 1, 2, 3
MONTHLY_WEEKS = (-1, 1, 2, 3, 4)  # -1 is the last week of the month


def validate_recurrence(recurrence: Any) -> str | None:
    """What is wrong with a recurrence object, or None."""
    if not isinstance(recurrence, dict):
        return "recurrence must be an object"
    if recurrence.get("type") not in (DAILY, WEEKLY, MONTHLY):
        return "recurrence.type must be 1 (daily), 2 (weekly) or 3 (monthly)"
    interval = recurrence.get("repeat_interval", 1)
    limits = {DAILY: 99, WEEKLY: 50, MONTHLY: 10}
    if not isinstance(interval, int) or not 1 <= interval <= limits[recurrence["type"]]:
        return "recurrence.repeat_interval is out of range"
    end_times = recurrence.get("end_times")
    if end_times is not None and (not isinstance(end_times, int) or not 0 <= end_times <= 60):
        return "recurrence.end_times must be 0..60"
    if end_times is not None and recurrence.get("end_date_time"):
        return "recurrence.end_times cannot be used with end_date_time"
    return _monthly_problem(recurrence)


def _monthly_problem(recurrence: dict[str, Any]) -> str | None:
    """What is wrong with monthly_day / monthly_week / monthly_week_day, or None."""
    day = recurrence.get("monthly_day")
    if day is not None and (not _is_int(day) or not 1 <= day <= 31):
        return "recurrence.monthly_day must be 1..31"
    week, week_day = recurrence.get("monthly_week"), recurrence.get("monthly_week_day")
    if week is not None and (not _is_int(week) or week not in MONTHLY_WEEKS):
        return "recurrence.monthly_week must be -1, 1, 2, 3 or 4"
    if week_day is not None and (not _is_int(week_day) or not 1 <= week_day <= 7):
        return "recurrence.monthly_week_day must be 1 (Sunday) to 7 (Saturday)"
    if (week is None) != (week_day is None):
        return "recurrence.monthly_week and monthly_week_day must be used together"
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def occurrences(
    recurrence: dict[str, Any], start: datetime, duration: int, timezone: str = "UTC"
) -> list[dict[str, Any]]:
    """The occurrences, as Zoom lists them: occurrence_id (epoch ms), start_time, duration.

    The series is walked in local wall-clock time of `timezone` (the meeting's), and each
    local start is converted to UTC on its own, so daylight saving changes keep the local time.
    """
    zone = zone_named(timezone) or ZoneInfo("UTC")
    kind = recurrence["type"]
    interval = int(recurrence.get("repeat_interval", 1))
    end = _end(recurrence.get("end_date_time"))
    count = min(
        int(recurrence.get("end_times") or (MAX_OCCURRENCES if end else 7)), MAX_OCCURRENCES
    )
    local_start = start.astimezone(zone).replace(tzinfo=None)
    weekdays = _weekdays(recurrence, local_start)
    result: list[dict[str, Any]] = []
    step = 0
    while len(result) < count:
        local = _candidate(kind, recurrence, local_start, interval, step)
        step += 1
        when = local.replace(tzinfo=zone).astimezone(UTC)
        if end is not None and when > end:
            break
        if local < local_start or (kind == WEEKLY and _zoom_weekday(local) not in weekdays):
            continue
        result.append(
            {
                "occurrence_id": str(int(when.timestamp() * 1000)),
                "start_time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "duration": duration,
                "status": "available",
            }
        )
    return result


def zone_named(name: str) -> ZoneInfo | None:
    """The IANA timezone `name`, or None when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _end(until: Any) -> datetime | None:
    """`end_date_time` as an aware UTC datetime (a time without zone is taken as UTC)."""
    if not until:
        return None
    parsed = datetime.fromisoformat(str(until).replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _zoom_weekday(day: date) -> int:
    """Zoom numbers days 1 (Sunday) to 7 (Saturday)."""
    return day.isoweekday() % 7 + 1


def _weekdays(recurrence: dict[str, Any], local_start: datetime) -> set[int]:
    """The `weekly_days` (comma-separated, 1 = Sunday), or the start's local weekday."""
    raw = str(recurrence.get("weekly_days") or "")
    days = {int(d) for d in raw.split(",") if d.strip().isdigit() and 1 <= int(d) <= 7}
    return days or {_zoom_weekday(local_start)}


def _candidate(
    kind: int, recurrence: dict[str, Any], local_start: datetime, interval: int, step: int
) -> datetime:
    """The `step`-th candidate local start (weekly: each day of every `interval`-th week)."""
    if kind == DAILY:
        return local_start + timedelta(days=interval * step)
    if kind == WEEKLY:
        # Zoom's weeks begin on Sunday: walk the days of the start's week, then of every
        # `interval`-th week after it.
        week_start = local_start - timedelta(days=_zoom_weekday(local_start) - 1)
        week, day = divmod(step, 7)
        return week_start + timedelta(weeks=week * interval, days=day)
    month_index = local_start.month - 1 + interval * step
    year, month = local_start.year + month_index // 12, month_index % 12 + 1
    return local_start.replace(
        year=year, month=month, day=_month_day(recurrence, local_start, year, month)
    )


def _month_day(recurrence: dict[str, Any], local_start: datetime, year: int, month: int) -> int:
    """The day of `month` a monthly series meets on."""
    week, week_day = recurrence.get("monthly_week"), recurrence.get("monthly_week_day")
    last = calendar.monthrange(year, month)[1]
    if week is not None and week_day is not None:
        # calendar counts weekdays from Monday = 0; Zoom from Sunday = 1.
        offset = (int(week_day) - 2 - calendar.weekday(year, month, 1)) % 7
        if int(week) > 0:
            return 1 + offset + 7 * (int(week) - 1)
        return 1 + offset + 7 * ((last - 1 - offset) // 7)
    return min(int(recurrence.get("monthly_day") or local_start.day), last)
