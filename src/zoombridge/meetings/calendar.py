"""A host's real Zoom schedule, read into `host_bookings` (source "zoom").

zoombridge's own meetings are booked when they are made; what people schedule in Zoom
directly must block the host too. The upcoming meetings and webinars are listed; a
recurring one is read once more for its occurrences (the list shows only the first). The
host's "zoom" bookings are replaced in one transaction, so a check never sees half of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from zoombridge.db import Catalog
from zoombridge.db.meeting_models import HostBooking, PoolHost, ScheduledMeeting
from zoombridge.errors import ZoomNotFound
from zoombridge.meetings.recurrence import NO_FIXED_TIME, Span, spans_from_occurrences
from zoombridge.zoom.client import ZoomClient
from zoombridge.zoom.meetings import (
    MeetingSummary,
    get_meeting,
    get_webinar,
    list_meetings,
    list_webinars,
)

__all__ = ["read_host_calendar", "refresh_calendars"]

RECURRING_FIXED = {8, 9}
CALENDARS_AT_ONCE = 4


async def read_host_calendar(
    zoom: ZoomClient, catalog: Catalog, connection_id: int, user_id: str, now: datetime
) -> int:
    """Replace the host's "zoom" bookings with their real upcoming schedule; returns how many."""
    ours = _our_zoom_ids(catalog, connection_id)
    items = [(m, False) async for m in list_meetings(zoom, user_id, "upcoming")]
    items += [(w, True) async for w in list_webinars(zoom, user_id)]
    bookings: list[HostBooking] = []
    for summary, webinar in items:
        if summary.id in ours or summary.type in NO_FIXED_TIME:
            continue
        for span in await _spans(zoom, summary, webinar):
            if span.end > now:
                bookings.append(_booking(connection_id, user_id, summary, webinar, span))
    with catalog.session() as session, session.begin():
        session.execute(
            delete(HostBooking).where(
                HostBooking.connection_id == connection_id,
                HostBooking.host_user_id == user_id,
                HostBooking.source == "zoom",
            )
        )
        session.add_all(bookings)
        session.execute(
            update(PoolHost)
            .where(PoolHost.connection_id == connection_id, PoolHost.user_id == user_id)
            .values(calendar_read_at=now)
        )
    return len(bookings)


async def refresh_calendars(
    zoom: ZoomClient,
    catalog: Catalog,
    connection_id: int,
    hosts: Sequence[PoolHost],
    now: datetime,
    max_age: timedelta,
) -> None:
    """Read again the schedules of `hosts` not read within `max_age` (a few at a time)."""
    stale = [h for h in hosts if h.calendar_read_at is None or now - h.calendar_read_at > max_age]
    limit = asyncio.Semaphore(CALENDARS_AT_ONCE)

    async def read(host: PoolHost) -> None:
        async with limit:
            await read_host_calendar(zoom, catalog, connection_id, host.user_id, now)

    await asyncio.gather(*(read(h) for h in stale))


async def _spans(zoom: ZoomClient, summary: MeetingSummary, webinar: bool) -> list[Span]:
    duration = summary.duration or 60
    if summary.type in RECURRING_FIXED:
        try:
            full = await (
                get_webinar(zoom, summary.id) if webinar else get_meeting(zoom, summary.id)
            )
        except ZoomNotFound:  # deleted between the list and the read
            return []
        return spans_from_occurrences(full.occurrences, duration)
    if summary.start_time is None:
        return []
    return [Span(summary.start_time, summary.start_time + timedelta(minutes=duration))]


def _booking(
    connection_id: int, user_id: str, summary: MeetingSummary, webinar: bool, span: Span
) -> HostBooking:
    return HostBooking(
        connection_id=connection_id,
        host_user_id=user_id,
        starts_at=span.start,
        ends_at=span.end,
        webinar=webinar,
        source="zoom",
        zoom_id=summary.id,
        topic=summary.topic or "",
    )


def _our_zoom_ids(catalog: Catalog, connection_id: int) -> set[int]:
    """Meetings zoombridge made are booked already, from its own copy."""
    with catalog.session() as session:
        ids = session.scalars(
            select(ScheduledMeeting.zoom_id).where(
                ScheduledMeeting.connection_id == connection_id,
                ScheduledMeeting.zoom_id.is_not(None),
                ScheduledMeeting.state.in_(("reserved", "active")),
            )
        )
        return {i for i in ids if i is not None}
