"""Editing a meeting: only what changes is sent, the host's new time is checked and booked
first, and the meeting is read back afterwards.

A new time is checked against the host's other bookings under the scheduling lock and booked
before Zoom is called, so an edit cannot double-book either. A non-urgent edit for a host who
has spent today's 100 writes is queued until 00:00 UTC instead of failing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from zoombridge.db.meeting_models import MeetingPendingChange, PoolHost, ScheduledMeeting
from zoombridge.errors import HostDailyLimitReached, ZoomBridgeError, ZoomError
from zoombridge.meetings import zoom_calls
from zoombridge.meetings.budget import mark_spent, next_reset, take_write
from zoombridge.meetings.choice import bookings_of, conflict_for, refuse_busy
from zoombridge.meetings.drafts import MeetingChanges
from zoombridge.meetings.locking import scheduling_lock
from zoombridge.meetings.notices import MeetingNotice
from zoombridge.meetings.records import (
    copy_from_zoom,
    echo_digest,
    open_passcode,
    replace_bookings,
    spans_of_copy,
)
from zoombridge.meetings.recurrence import Span, spans_of

if TYPE_CHECKING:
    from zoombridge.meetings.service import MeetingService

__all__ = ["EditOutcome", "apply_due_changes", "changed_fields", "update"]


@dataclass(frozen=True)
class EditOutcome:
    meeting: ScheduledMeeting
    sent: dict[str, Any]  # the fields sent to Zoom (empty: nothing changed)
    queued_until: datetime | None = None  # set when the host's writes are spent for today


def changed_fields(
    row: ScheduledMeeting, changes: MeetingChanges, passcode: str | None
) -> dict[str, Any]:
    """Zoom's PATCH body: the fields of `changes` that differ from the meeting now."""
    body: dict[str, Any] = {}
    plain: dict[str, Any] = {"topic": row.topic, "agenda": row.agenda, "duration": row.duration}
    plain |= {"timezone": row.timezone, "recurrence": row.recurrence}
    for name, now in plain.items():
        wanted = getattr(changes, name)
        if wanted is not None and wanted != now:
            body[name] = wanted
    start = changes.utc_start() if changes.start_time else None
    if start is not None and start != row.start_time:
        body["start_time"] = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    if changes.passcode is not None and changes.passcode != passcode:
        body["password"] = changes.passcode
    if changes.options is not None:
        settings = {
            k: v
            for k, v in changes.options.zoom_settings().items()
            if row.settings_json.get(k) != v
        }
        if settings:
            body["settings"] = settings
    return body


async def update(
    service: MeetingService, meeting_id: int, changes: MeetingChanges, *, urgent: bool = True
) -> EditOutcome:
    row = service.get(meeting_id)
    if row.state != "active" or row.zoom_id is None:
        raise ZoomBridgeError(f"meeting {meeting_id} is {row.state}; only active meetings change")
    body = changed_fields(row, changes, open_passcode(row, service.keyring))
    if not body:
        return EditOutcome(row, {})
    new_spans = _spans_after(row, body, changes)
    try:
        await asyncio.to_thread(_book_edit, service, row, body, new_spans)
    except HostDailyLimitReached as exc:
        if urgent:
            raise
        return EditOutcome(row, body, queued_until=_queue(service, row, changes, exc))
    try:
        await zoom_calls.patch(service.zoom, row, body)
        fresh = await zoom_calls.read(service.zoom, row)
    except ZoomError as exc:
        _undo_booking(service, row, exc)
        raise zoom_calls.explain(exc, f"change meeting {row.zoom_id}") from None
    updated = _copy(service, meeting_id, fresh)
    diff = {
        k: (str(_old(row, k)), str(v)) for k, v in body.items() if k not in ("password", "settings")
    }
    if "password" in body:
        diff["passcode"] = ("(old)", "(new)")  # a notice never shows a passcode
    service.notify(MeetingNotice("changed", service.connection_id, meeting_id, diff))
    return EditOutcome(updated, body)


def _old(row: ScheduledMeeting, name: str) -> Any:
    return (
        row.start_time.isoformat()
        if name == "start_time" and row.start_time
        else getattr(row, name, "")
    )


def _spans_after(
    row: ScheduledMeeting, body: dict[str, Any], changes: MeetingChanges
) -> list[Span] | None:
    """The meeting's spans once edited, or None when its time does not change."""
    if not ({"start_time", "duration", "timezone", "recurrence"} & body.keys()):
        return None
    start = changes.utc_start() or row.start_time
    return spans_of(
        row.type,
        start,
        changes.duration or row.duration,
        changes.timezone or row.timezone,
        changes.recurrence or row.recurrence,
    )


def _book_edit(
    service: MeetingService, row: ScheduledMeeting, body: dict[str, Any], spans: list[Span] | None
) -> None:
    now = service.clock.now()
    with scheduling_lock(service.catalog, service.connection_id) as session:
        host = session.get(PoolHost, (service.connection_id, row.host_user_id))
        if spans:
            busy = bookings_of(
                session, service.connection_id, [row.host_user_id], spans, except_meeting=row.id
            )[row.host_user_id]
            if host is not None and (
                conflict := conflict_for(host, service.plan, spans, row.webinar, busy)
            ):
                raise refuse_busy(host, conflict)
        label = host.email if host else row.host_user_id
        take_write(session, service.connection_id, row.host_user_id, label, now)
        live = session.get(ScheduledMeeting, row.id)
        assert live is not None
        live.echo_digest = echo_digest(body)
        if spans is not None:
            replace_bookings(session, live, spans)


def _undo_booking(service: MeetingService, row: ScheduledMeeting, exc: ZoomError) -> None:
    """Zoom refused the edit: the meeting keeps its old time, and the refusal is noted."""
    with service.catalog.session() as session, session.begin():
        live = session.get(ScheduledMeeting, row.id)
        if live is None:
            return
        replace_bookings(session, live, spans_of_copy(live))
        live.echo_digest = None
        live.last_error = str(exc)
        if isinstance(exc, HostDailyLimitReached):
            mark_spent(session, service.connection_id, row.host_user_id, service.clock.now())


def _copy(service: MeetingService, meeting_id: int, fresh: Any) -> ScheduledMeeting:
    with service.catalog.session() as session, session.begin():
        live = session.get(ScheduledMeeting, meeting_id)
        assert live is not None
        digest = live.echo_digest
        copy_from_zoom(session, live, fresh, service.keyring, service.clock.now())
        live.echo_digest = digest  # the webhook echoing this edit may still be on its way
        session.flush()
        session.expunge(live)
    return live


def _queue(
    service: MeetingService,
    row: ScheduledMeeting,
    changes: MeetingChanges,
    exc: HostDailyLimitReached,
) -> datetime:
    now = service.clock.now()
    when = exc.resume_at if exc.resume_at > now else next_reset(now)
    with service.catalog.session() as session, session.begin():
        session.add(
            MeetingPendingChange(
                meeting_id=row.id,
                fields=changes.model_dump(mode="json", exclude_none=True),
                queued_at=now,
                not_before=when,
            )
        )
    return when


async def apply_due_changes(service: MeetingService) -> int:
    """Send the queued edits whose hosts may write again; returns how many were applied."""
    now = service.clock.now()
    with service.catalog.session() as session:
        due = list(
            session.scalars(
                select(MeetingPendingChange)
                .join(ScheduledMeeting, ScheduledMeeting.id == MeetingPendingChange.meeting_id)
                .where(
                    ScheduledMeeting.connection_id == service.connection_id,
                    MeetingPendingChange.applied_at.is_(None),
                    MeetingPendingChange.not_before <= now,
                )
                .order_by(MeetingPendingChange.id)
            )
        )
        session.expunge_all()
    applied = 0
    for item in due:
        error: str | None = None
        try:
            await update(service, item.meeting_id, MeetingChanges.model_validate(item.fields))
            applied += 1
        except HostDailyLimitReached:
            break  # still spent: the rest waits for the next reset
        except ZoomBridgeError as exc:
            error = str(exc)
        with service.catalog.session() as session, session.begin():
            live = session.get(MeetingPendingChange, item.id)
            if live is not None:
                live.applied_at, live.error = service.clock.now(), error
    return applied
