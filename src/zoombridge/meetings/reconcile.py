"""The reconcile: every meeting zoombridge keeps active is checked against Zoom, to catch what
webhooks did not say (Zoom drops an event after three failed deliveries, and sends none when
a meeting ID expires).

Each active meeting that still matters (a future date, a recurring series not over, or no
fixed time) is read once: a changed one is copied and told like a webhook edit; one Zoom says
does not exist (3001, as a meeting and as a webinar) is "missing", told, and can be recreated;
any other error leaves it as it is and is reported as "unknown", since an API error is never a
deletion. Meeting IDs Zoom expires on its own (a scheduled meeting 30 days after its date, a
webinar after its end, a recurring one after 365 days) are "expired": expected, not missing,
so nobody is alarmed, and a meeting long past is marked so without asking Zoom at all.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from zoombridge.db.meeting_models import HostBooking, ScheduledMeeting
from zoombridge.errors import ZoomBridgeError
from zoombridge.meetings.locking import scheduling_lock
from zoombridge.meetings.records import replace_bookings, spans_of_copy
from zoombridge.meetings.recurrence import NO_FIXED_TIME
from zoombridge.meetings.sync import MeetingsConnection, read_in_zoom, settle_read

__all__ = ["ReconcileItem", "ReconcileReport", "expires_at", "reconcile"]

log = logging.getLogger("zoombridge.meetings.reconcile")

READS_AT_ONCE = 4
# How long after its last date Zoom keeps a meeting ID (Zoom KB "Meeting and webinar IDs").
KEPT_AFTER = {
    2: timedelta(days=30),  # a scheduled meeting
    8: timedelta(days=365),  # a recurring one (365 days after its last start)
    5: timedelta(0),  # webinars expire after their scheduled end
    9: timedelta(0),
}
NO_FIXED_TIME_KEPT = timedelta(days=365)  # counted from creation: we never see it start
OUTCOMES = ("unchanged", "changed", "missing", "expired", "unknown")


@dataclass(frozen=True)
class ReconcileItem:
    meeting_id: int
    zoom_id: int
    topic: str
    outcome: str  # unchanged | changed | missing | expired | unknown
    detail: str = ""


@dataclass
class ReconcileReport:
    started_at: datetime
    items: list[ReconcileItem] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        found = Counter(item.outcome for item in self.items)
        return {outcome: found.get(outcome, 0) for outcome in OUTCOMES}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: counts, and every meeting that was not simply unchanged."""
        return {
            "started_at": self.started_at.isoformat(),
            "checked": len(self.items),
            **self.counts(),
            "meetings": [asdict(i) for i in self.items if i.outcome != "unchanged"],
        }


@dataclass(frozen=True)
class _Candidate:
    meeting_id: int
    zoom_id: int
    topic: str
    webinar: bool
    type: int
    created_at: datetime
    last_end: datetime | None  # None: no fixed time


async def reconcile(ctx: MeetingsConnection) -> ReconcileReport:
    """Check every active meeting of the connection against Zoom (see the module docstring)."""
    now = ctx.clock.now()
    report = ReconcileReport(now)
    limit = asyncio.Semaphore(READS_AT_ONCE)

    async def check(candidate: _Candidate) -> ReconcileItem:
        async with limit:
            return await _check(ctx, candidate, now)

    report.items = list(await asyncio.gather(*(check(c) for c in _candidates(ctx))))
    log.info("meetings reconcile of connection %d: %s", ctx.connection_id, report.counts())
    return report


def expires_at(meeting_type: int, created_at: datetime, last_end: datetime | None) -> datetime:
    """When Zoom expires a meeting ID left alone (no start we know of after `last_end`)."""
    if meeting_type in NO_FIXED_TIME or last_end is None:
        return created_at + NO_FIXED_TIME_KEPT
    return last_end + KEPT_AFTER.get(meeting_type, KEPT_AFTER[2])


async def _check(ctx: MeetingsConnection, candidate: _Candidate, now: datetime) -> ReconcileItem:
    expiry = expires_at(candidate.type, candidate.created_at, candidate.last_end)
    over = candidate.last_end is not None and candidate.last_end <= now
    if over and expiry <= now:  # nothing ahead, and Zoom has let the ID go: no call needed
        return _expire(ctx, candidate, now)
    if over:
        return _item(candidate, "unchanged", "over; its ID is kept until " + expiry.isoformat())
    try:
        found = await read_in_zoom(ctx.zoom, candidate.zoom_id, webinar_first=candidate.webinar)
    except ZoomBridgeError as exc:  # unknown is not gone: leave it, say so
        return _item(candidate, "unknown", str(exc))
    if found is None and expiry <= now:
        return _expire(ctx, candidate, now)
    outcome = settle_read(ctx, candidate.meeting_id, found, why="the nightly reconcile")
    action = "changed" if outcome.action in ("changed", "restored") else outcome.action
    return _item(candidate, "unchanged" if action == "ignored" else action, outcome.detail)


def _item(candidate: _Candidate, outcome: str, detail: str = "") -> ReconcileItem:
    return ReconcileItem(candidate.meeting_id, candidate.zoom_id, candidate.topic, outcome, detail)


def _expire(ctx: MeetingsConnection, candidate: _Candidate, now: datetime) -> ReconcileItem:
    """Zoom has expired the ID, as it does: recorded, bookings released, nobody alarmed."""
    with scheduling_lock(ctx.catalog, ctx.connection_id) as session:
        row = session.get(ScheduledMeeting, candidate.meeting_id)
        if row is None or row.state != "active":
            return _item(candidate, "unchanged", "no longer active here")
        row.state = "expired"
        row.last_error = "Zoom expired this meeting ID after its last date, as it does"
        row.updated_at = now
        replace_bookings(session, row, [])
    return _item(candidate, "expired", row.last_error)


def _candidates(ctx: MeetingsConnection) -> list[_Candidate]:
    """The connection's active meetings with a Zoom id, with their last booked end."""
    with ctx.catalog.session() as session:
        last_booked = (
            select(
                HostBooking.scheduled_meeting_id.label("meeting_id"),
                func.max(HostBooking.ends_at).label("last_end"),
            )
            .group_by(HostBooking.scheduled_meeting_id)
            .subquery()
        )
        rows = session.execute(
            select(ScheduledMeeting, last_booked.c.last_end)
            .outerjoin(last_booked, last_booked.c.meeting_id == ScheduledMeeting.id)
            .where(
                ScheduledMeeting.connection_id == ctx.connection_id,
                ScheduledMeeting.state == "active",
                ScheduledMeeting.zoom_id.is_not(None),
            )
            .order_by(ScheduledMeeting.id)
        ).all()
        return [_candidate(row, booked) for row, booked in rows]


def _candidate(row: ScheduledMeeting, booked: datetime | None) -> _Candidate:
    return _Candidate(
        meeting_id=row.id,
        zoom_id=row.zoom_id or 0,
        topic=row.topic,
        webinar=row.webinar,
        type=row.type,
        created_at=row.created_at,
        last_end=_last_end(row, booked),
    )


def _last_end(row: ScheduledMeeting, booked: datetime | None) -> datetime | None:
    """When the meeting's last occurrence ends: its bookings, else its own shape (a copy
    whose occurrences have all passed has no bookings left ahead)."""
    if row.type in NO_FIXED_TIME:
        return None
    try:
        spans = spans_of_copy(row)
    except ZoomBridgeError:  # a recurrence we cannot expand: trust the bookings alone
        spans = []
    ends = [span.end for span in spans] + ([booked] if booked is not None else [])
    return max(ends) if ends else None
