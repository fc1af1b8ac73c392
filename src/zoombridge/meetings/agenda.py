"""One host's bookings over a stretch of time, each marked when it breaks Zoom's concurrency
rules, for the portal's calendar and its JSON twin.

Bookings made by zoombridge never clash (they are checked under the lock), but what people
schedule in Zoom directly is only read afterwards, so a host's calendar can hold clashes a
person must resolve; this is where they are shown rather than found by a failed meeting.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from zoombridge.db import Catalog
from zoombridge.db.meeting_models import HostBooking, PoolHost
from zoombridge.errors import InvalidInput
from zoombridge.meetings.budget import HOST_WRITES_PER_DAY, writes_today
from zoombridge.meetings.conflicts import Busy, capacity_of, peak_load
from zoombridge.meetings.recurrence import Span

__all__ = ["MAX_DAYS", "AgendaItem", "HostAgenda", "host_agenda"]

MAX_DAYS = 31


@dataclass(frozen=True)
class AgendaItem:
    """One booking; `clash` says why it cannot run as booked (None: it can)."""

    starts_at: datetime
    ends_at: datetime
    topic: str
    webinar: bool
    source: str  # "ours": scheduled by zoombridge; "zoom": found in the host's Zoom schedule
    meeting_id: int | None
    zoom_id: int | None
    clash: str | None

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["starts_at"] = self.starts_at.isoformat()
        found["ends_at"] = self.ends_at.isoformat()
        return found


@dataclass(frozen=True)
class HostAgenda:
    email: str
    user_id: str
    display_name: str
    status: str
    capacity: int  # meetings the host may run at once
    webinar: bool
    writes_left_today: int
    calendar_read_at: datetime | None
    start: datetime
    end: datetime
    items: list[AgendaItem]

    @property
    def clashes(self) -> int:
        return sum(1 for item in self.items if item.clash)

    def as_dict(self) -> dict[str, Any]:
        read = self.calendar_read_at
        return {
            "host": {
                "email": self.email,
                "user_id": self.user_id,
                "display_name": self.display_name,
                "status": self.status,
                "capacity": self.capacity,
                "webinar": self.webinar,
                "writes_left_today": self.writes_left_today,
                "calendar_read_at": read.isoformat() if read else None,
            },
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "clashes": self.clashes,
            "bookings": [item.as_dict() for item in self.items],
        }


def host_agenda(
    catalog: Catalog,
    connection_id: int,
    host: str,
    plan: str,
    window: Span,
    now: datetime,
) -> HostAgenda:
    """The bookings of the host named by e-mail or Zoom user id (any status: a departed
    host's calendar is what someone needs to see) that touch `window`."""
    if window.end <= window.start or window.end - window.start > timedelta(days=MAX_DAYS):
        raise InvalidInput(f"a calendar covers 1 second to {MAX_DAYS} days; 'to' after 'from'")
    key = host.strip().lower()
    with catalog.session() as session:
        found = session.scalar(
            select(PoolHost).where(
                PoolHost.connection_id == connection_id,
                or_(PoolHost.email == key, PoolHost.user_id == host.strip()),
            )
        )
        if found is None:
            raise InvalidInput(
                f"no host {host!r}; run `zoombridge meetings hosts --sync` if it is new"
            )
        rows = session.scalars(
            select(HostBooking)
            .where(
                HostBooking.connection_id == connection_id,
                HostBooking.host_user_id == found.user_id,
                HostBooking.starts_at < window.end,
                HostBooking.ends_at > window.start,
            )
            .order_by(HostBooking.starts_at, HostBooking.id)
        ).all()
        spent = writes_today(session, connection_id, now).get(found.user_id, 0)
        capacity = capacity_of(found.user_type, plan)
        items = _marked(list(rows), capacity)
        return HostAgenda(
            email=found.email,
            user_id=found.user_id,
            display_name=found.display_name,
            status=found.status,
            capacity=capacity,
            webinar=found.webinar,
            writes_left_today=max(0, HOST_WRITES_PER_DAY - spent),
            calendar_read_at=found.calendar_read_at,
            start=window.start,
            end=window.end,
            items=items,
        )


def _marked(rows: list[HostBooking], capacity: int) -> list[AgendaItem]:
    busy = [Busy(Span(r.starts_at, r.ends_at), r.webinar, r.topic) for r in rows]
    return [
        AgendaItem(
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            topic=row.topic or "untitled",
            webinar=row.webinar,
            source=row.source,
            meeting_id=row.scheduled_meeting_id,
            zoom_id=row.zoom_id,
            clash=_clash(index, busy, capacity),
        )
        for index, row in enumerate(rows)
    ]


def _clash(index: int, busy: list[Busy], capacity: int) -> str | None:
    """Why booking `index` cannot run beside the others: a webinar next to anything, or more
    bookings at one moment than the host may run."""
    own = busy[index]
    others = [b for i, b in enumerate(busy) if i != index and b.span.overlaps(own.span)]
    if not others:
        return None
    if own.webinar or any(b.webinar for b in others):
        return f"a webinar cannot run beside another meeting: {others[0].label}"
    at_once = peak_load([own, *others], own.span)
    if at_once > capacity:
        many = "one meeting" if capacity == 1 else f"{capacity} meetings"
        return f"{at_once} at once; the host can run {many} at a time"
    return None
