"""Occurrences of a recurring meeting (type 8) from Zoom's `recurrence` object."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from typing import Any

__all__ = ["occurrences", "validate_recurrence"]

MAX_OCCURRENCES = 60  # Zoom's limit for end_times
DAILY, WEEKLY, MONTHLY = 1, 2, 3


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
    return None


def occurrences(recurrence: dict[str, Any], start: datetime, duration: int) -> list[dict[str, Any]]:
    """The occurrences, as Zoom lists them: occurrence_id (epoch ms), start_time, duration."""
    kind = recurrence["type"]
    interval = int(recurrence.get("repeat_interval", 1))
    until = recurrence.get("end_date_time")
    end = datetime.fromisoformat(str(until).replace("Z", "+00:00")) if until else None
    count = int(recurrence.get("end_times") or (MAX_OCCURRENCES if end else 7))
    weekdays = _weekdays(recurrence, start)
    result: list[dict[str, Any]] = []
    current = start
    while len(result) < min(count, MAX_OCCURRENCES):
        if end is not None and current > end:
            break
        if kind != WEEKLY or current.isoweekday() % 7 + 1 in weekdays:
            result.append(
                {
                    "occurrence_id": str(int(current.timestamp() * 1000)),
                    "start_time": current.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "duration": duration,
                    "status": "available",
                }
            )
        current = _step(kind, current, interval, start)
    return result


def _weekdays(recurrence: dict[str, Any], start: datetime) -> set[int]:
    """Zoom numbers days 1 (Sunday) to 7 (Saturday), comma-separated."""
    raw = str(recurrence.get("weekly_days") or "")
    days = {int(d) for d in raw.split(",") if d.strip().isdigit() and 1 <= int(d) <= 7}
    return days or {start.isoweekday() % 7 + 1}


def _step(kind: int, current: datetime, interval: int, start: datetime) -> datetime:
    if kind == DAILY:
        return current + timedelta(days=interval)
    if kind == WEEKLY:
        nxt = current + timedelta(days=1)
        if nxt.isoweekday() % 7 + 1 == 1 and interval > 1:  # a new week began: skip weeks
            nxt += timedelta(weeks=interval - 1)
        return nxt
    month_index = current.month - 1 + interval
    year, month = current.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return current.replace(year=year, month=month, day=day)
