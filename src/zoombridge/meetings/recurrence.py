"""When a meeting keeps its host busy: its occurrences as UTC spans.

A conflict check runs before Zoom has seen the new meeting, so the series of a recurring
request is expanded here, from Zoom's documented `recurrence` rules: days and weekdays are
days in the meeting's own time zone, each occurrence keeps its local wall-clock time across
daylight saving, weekdays are numbered 1 (Sunday) to 7 (Saturday), `end_times` is capped at
60 and `end_date_time` bounds the series instead. Once Zoom has created the meeting, the
`occurrences` it returns replace this expansion.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zoombridge.errors import InvalidInput

__all__ = [
    "NO_FIXED_TIME",
    "Span",
    "check_recurrence",
    "spans_from_occurrences",
    "spans_of",
    "zone",
]

MAX_OCCURRENCES = 60
DEFAULT_OCCURRENCES = 7  # what Zoom makes of a series with neither end_times nor end date
NO_FIXED_TIME = {3, 6}  # recurring without a fixed time: never busy, never blocked
DAILY, WEEKLY, MONTHLY = 1, 2, 3
INTERVAL_LIMITS = {DAILY: 99, WEEKLY: 50, MONTHLY: 10}


@dataclass(frozen=True, order=True)
class Span:
    """[start, end) in UTC."""

    start: datetime
    end: datetime

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone `name` (UTC when blank); InvalidInput naming it when there is none."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"timezone {name!r} is not an IANA time zone name") from None


def spans_of(
    meeting_type: int,
    start: datetime | None,
    duration: int | None,
    timezone: str | None = None,
    recurrence: Mapping[str, Any] | None = None,
) -> list[Span]:
    """The spans a meeting of this shape keeps its host busy (none without a fixed time)."""
    if meeting_type in NO_FIXED_TIME or start is None:
        return []
    length = timedelta(minutes=duration or 60)
    if meeting_type not in (8, 9):
        return [Span(start, start + length)]
    if recurrence is None:
        raise InvalidInput("a recurring meeting with a fixed time needs a recurrence")
    return [Span(s, s + length) for s in _starts(recurrence, start, zone(timezone))]


def spans_from_occurrences(occurrences: Sequence[Mapping[str, Any]], duration: int) -> list[Span]:
    """Spans from Zoom's `occurrences` list (deleted occurrences do not keep anyone busy)."""
    spans = []
    for item in occurrences:
        if item.get("status") == "deleted" or not item.get("start_time"):
            continue
        start = datetime.fromisoformat(str(item["start_time"]).replace("Z", "+00:00"))
        minutes = int(item.get("duration") or duration or 60)
        spans.append(
            Span(start.astimezone(UTC), start.astimezone(UTC) + timedelta(minutes=minutes))
        )
    return sorted(spans)


def check_recurrence(recurrence: Any) -> None:
    """InvalidInput saying what is wrong with a `recurrence` object, if anything is."""
    if not isinstance(recurrence, Mapping):
        raise InvalidInput("recurrence must be an object")
    kind = recurrence.get("type")
    if kind not in INTERVAL_LIMITS:
        raise InvalidInput("recurrence.type must be 1 (daily), 2 (weekly) or 3 (monthly)")
    interval = recurrence.get("repeat_interval", 1)
    if not _whole(interval) or not 1 <= interval <= INTERVAL_LIMITS[kind]:
        raise InvalidInput(f"recurrence.repeat_interval must be 1..{INTERVAL_LIMITS[kind]}")
    end_times = recurrence.get("end_times")
    if end_times is not None and (not _whole(end_times) or not 0 <= end_times <= 60):
        raise InvalidInput("recurrence.end_times must be 0..60")
    if end_times and recurrence.get("end_date_time"):
        raise InvalidInput("recurrence.end_times and end_date_time cannot be used together")
    if recurrence.get("end_date_time"):
        _end_of(recurrence)
    if kind == WEEKLY and recurrence.get("weekly_days") is not None:
        _weekdays(recurrence, None)
    if kind == MONTHLY:
        _check_monthly(recurrence)


def _check_monthly(recurrence: Mapping[str, Any]) -> None:
    day, week = recurrence.get("monthly_day"), recurrence.get("monthly_week")
    week_day = recurrence.get("monthly_week_day")
    if day is not None and (not _whole(day) or not 1 <= day <= 31):
        raise InvalidInput("recurrence.monthly_day must be 1..31")
    if (week is None) != (week_day is None):
        raise InvalidInput("recurrence.monthly_week and monthly_week_day go together")
    if week is not None and (not _whole(week) or week not in (-1, 1, 2, 3, 4)):
        raise InvalidInput("recurrence.monthly_week must be -1 (last), 1, 2, 3 or 4")
    if week_day is not None and (not _whole(week_day) or not 1 <= week_day <= 7):
        raise InvalidInput("recurrence.monthly_week_day must be 1 (Sunday) to 7 (Saturday)")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _starts(recurrence: Mapping[str, Any], start: datetime, tz: ZoneInfo) -> Iterator[datetime]:
    check_recurrence(recurrence)
    until = _end_of(recurrence)
    wanted = int(recurrence.get("end_times") or 0) or (MAX_OCCURRENCES if until else 0)
    count = min(wanted or DEFAULT_OCCURRENCES, MAX_OCCURRENCES)
    first = start.astimezone(tz).replace(tzinfo=None)
    for made, local in enumerate(_local_series(recurrence, first)):
        when = local.replace(tzinfo=tz).astimezone(UTC)
        if made >= count or (until is not None and when > until):
            return
        yield when


def _local_series(recurrence: Mapping[str, Any], first: datetime) -> Iterator[datetime]:
    """Local wall-clock starts, in order, from `first` on (unbounded; the caller stops)."""
    kind, interval = recurrence["type"], int(recurrence.get("repeat_interval", 1))
    if kind == DAILY:
        for step in range(MAX_OCCURRENCES * 2):
            yield first + timedelta(days=interval * step)
    elif kind == WEEKLY:
        days = _weekdays(recurrence, first.date())
        sunday = first - timedelta(days=first.isoweekday() % 7)
        for week in range(MAX_OCCURRENCES * 2):
            for offset in range(7):
                local = sunday + timedelta(weeks=week * interval, days=offset)
                if local >= first and offset + 1 in days:
                    yield local
    else:
        for step in range(MAX_OCCURRENCES * 2):
            index = first.month - 1 + interval * step
            year, month = first.year + index // 12, index % 12 + 1
            local = first.replace(
                year=year, month=month, day=_month_day(recurrence, year, month, first)
            )
            if local >= first:
                yield local


def _weekdays(recurrence: Mapping[str, Any], fallback: date | None) -> set[int]:
    """`weekly_days` ("1,3,5"; 1 = Sunday), or the first occurrence's own weekday."""
    raw = str(recurrence.get("weekly_days") or "").strip()
    if not raw:
        return {fallback.isoweekday() % 7 + 1} if fallback else set()
    parts = [p.strip() for p in raw.split(",")]
    if not all(p.isdigit() and 1 <= int(p) <= 7 for p in parts):
        raise InvalidInput("recurrence.weekly_days must list days 1 (Sunday) to 7 (Saturday)")
    return {int(p) for p in parts}


def _month_day(recurrence: Mapping[str, Any], year: int, month: int, first: datetime) -> int:
    last_day = calendar.monthrange(year, month)[1]
    week = recurrence.get("monthly_week")
    if week is None:
        return min(int(recurrence.get("monthly_day") or first.day), last_day)
    weekday = (int(recurrence["monthly_week_day"]) - 2) % 7  # Zoom 1=Sunday -> Python 6
    days = [d for d in range(1, last_day + 1) if date(year, month, d).weekday() == weekday]
    return days[-1] if week == -1 else days[int(week) - 1]


def _end_of(recurrence: Mapping[str, Any]) -> datetime | None:
    raw = recurrence.get("end_date_time")
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("recurrence.end_date_time is not an ISO-8601 time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
