"""Date windows as Zoom reads from/to: inclusive ends, one month at most, recent enough."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from zoombridge.emulator.api import ApiError, Call

__all__ = ["Window", "date_window", "months_before", "one_month_after"]


def one_month_after(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Window:
    """A from/to query as Zoom reads it: both ends inclusive."""

    start: datetime
    end: datetime

    @property
    def first(self) -> date:
        return self.start.date()

    @property
    def last(self) -> date:
        return self.end.date()

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment <= self.end


def _missing(name: str) -> ApiError:
    return ApiError(
        400, 300, "Validation Failed.", errors=[{"field": name, "message": "Required."}]
    )


def _moment(call: Call, name: str, *, end: bool = False) -> datetime | None:
    """`yyyy-MM-dd`, `yyyy-MM-dd HH:mm:ss` or `yyyy-MM-ddTHH:mm:ssZ`, in UTC. A bare date
    stands for the start of the day, or for its last second when it ends a range."""
    raw = (call.query.get(name) or "").strip()
    if not raw:
        return None
    day = call.date_param(name) if len(raw) == 10 else None
    if day is not None:
        return datetime.combine(day, time.max if end else time.min, UTC).replace(microsecond=0)
    try:
        parsed = datetime.fromisoformat(raw.replace(" ", "T").replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, 300, f"Invalid field: {name}.") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def date_window(
    call: Call,
    *,
    default: timedelta | None = None,
    six_months: bool = True,
    max_span: timedelta | None = None,
) -> Window:
    """from/to with Zoom's rules: `to` is required once `from` is given (both are, when no
    `default` span applies), at most one month apart (or `max_span`), and by default the
    range must fall within the last six months."""
    now = call.world.now().replace(microsecond=0)
    start = _moment(call, "from")
    end = _moment(call, "to", end=True)
    if start is None and end is None and default is not None:
        start, end = now - default, now
    if start is None:
        raise _missing("from")
    if end is None:
        raise _missing("to")
    if end < start:
        raise ApiError(400, 300, "The 'to' date must not be earlier than the 'from' date.")
    if max_span is not None:
        if end - start > max_span:
            days = max_span.days
            raise ApiError(
                400, 300, f"The date range between from and to cannot exceed {days} days."
            )
    elif end.date() > one_month_after(start.date()):
        raise ApiError(400, 300, "The date range cannot exceed one month.")
    if six_months and start.date() < months_before(now.date(), 6):
        raise ApiError(400, 300, "The date range must fall within the last six months.")
    return Window(start, end)
