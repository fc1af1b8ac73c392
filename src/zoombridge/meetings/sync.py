"""Zoom's meeting and webinar webhooks applied to zoombridge: the Zoom-to-us half of the sync.

An event about a meeting zoombridge made is a hint, not the truth: the event is checked to
be ours and not our own edit echoing back (`echo_digest`), then the meeting is read from Zoom
once and `copy_from_zoom` rewrites the copy and its bookings, so a partial `object`, a
duplicate or an out-of-order delivery can never leave a half-updated copy. What changed is
told to people (a "changed" or "host_changed" notice).

A meeting is "missing" only when Zoom answers 3001 ("does not exist") for it as a meeting
and as a webinar (a conversion moves it from one endpoint to the other, keeping its id):
any other error leaves the copy as it is and the event waiting (retriable) or failed, never
a deletion. Missing destroys nothing local (links stay, so the caller can "recreate"); its
bookings are released and people are told.

An event about a meeting in a pool host's own Zoom schedule (made in Zoom, not by us) reads
that host's calendar again, so it blocks (or frees) the host at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from zoombridge.clock import Clock
from zoombridge.db import Catalog
from zoombridge.db.meeting_models import HostBooking, PoolHost, ScheduledMeeting
from zoombridge.db.secrets import KeyRing
from zoombridge.errors import InvalidInput, ZoomNotFound, ZoomRequestError
from zoombridge.meetings.calendar import read_host_calendar
from zoombridge.meetings.locking import scheduling_lock
from zoombridge.meetings.notices import MeetingNotice, NoticeKind, Notify, ignore_notices
from zoombridge.meetings.records import (
    WEBINAR_TYPES,
    copy_from_zoom,
    echo_digest,
    open_join_url,
    open_passcode,
    replace_bookings,
)
from zoombridge.zoom.client import ZoomClient
from zoombridge.zoom.meetings import Meeting, get_meeting, get_webinar
from zoombridge.zoom.webhooks import WebhookEvent

__all__ = [
    "MEETING_EVENTS",
    "MeetingsConnection",
    "SyncContext",
    "SyncOutcome",
    "apply_meeting_event",
    "read_in_zoom",
    "settle_read",
]

log = logging.getLogger("zoombridge.meetings.sync")

MEETING_EVENTS = frozenset(
    f"{kind}.{what}"
    for kind in ("meeting", "webinar")
    for what in ("created", "updated", "deleted", "recovered")
) | {"meeting.converted_to_webinar", "webinar.converted_to_meeting"}
GONE_CODE = 3001  # "Meeting does not exist" / "Webinar does not exist"
WEBINAR_ENDPOINT_CODE = 3000  # a meeting endpoint asked about a webinar
SETTLED_STATES = ("cancelled", "failed")  # we deleted it, or Zoom never made it
GONE_STATES = ("missing", "expired")  # not in Zoom (deleted by someone, or its id expired)
# Fields a person reads in a notice; the passcode and join link are said to change, never shown.
SHOWN_FIELDS = ("topic", "agenda", "start_time", "duration", "timezone", "kind", "recurrence")
SECRET_FIELDS = ("passcode", "join link")


class MeetingsConnection(Protocol):
    """What the sync needs of one Zoom connection (a `SyncContext`, or the meetings service)."""

    @property
    def connection_id(self) -> int: ...
    @property
    def zoom(self) -> ZoomClient: ...
    @property
    def catalog(self) -> Catalog: ...
    @property
    def keyring(self) -> KeyRing: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def notify(self) -> Notify: ...


@dataclass(frozen=True)
class SyncContext:
    connection_id: int
    zoom: ZoomClient
    catalog: Catalog
    keyring: KeyRing
    clock: Clock
    notify: Notify = ignore_notices


@dataclass(frozen=True)
class SyncOutcome:
    """What one event did. action: changed | unchanged | echo | missing | restored | calendar |
    ignored; `meeting_id` is zoombridge's id when the meeting is ours."""

    action: str
    meeting_id: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class _Ours:
    id: int
    state: str
    webinar: bool
    echo_digest: str | None


async def apply_meeting_event(ctx: MeetingsConnection, event: WebhookEvent) -> SyncOutcome:
    """Apply one verified meeting.* / webinar.* event. InvalidInput (nothing changed) when its
    object names no meeting; Zoom errors other than "does not exist" propagate, so the inbox
    keeps a retriable event for later and records any other as failed."""
    if event.event not in MEETING_EVENTS:
        return SyncOutcome("ignored", detail=f"{event.event} is not a meeting event")
    zoom_id, host_id = _target(event)
    ours = _find_ours(ctx, zoom_id)
    if ours is None:
        return await _refresh_calendars(ctx, zoom_id, host_id)
    if ours.state in SETTLED_STATES or ours.state == "reserved":
        return SyncOutcome("ignored", ours.id, f"the meeting is {ours.state} here")
    if event.event.endswith(".deleted") and ours.state in GONE_STATES:
        return SyncOutcome("unchanged", ours.id, f"already {ours.state}")
    if event.event.endswith(".updated") and _is_echo(ctx, ours, event.object):
        return SyncOutcome("echo", ours.id, "our own edit")
    webinar_first = _webinar_first(event, ours)
    found = await read_in_zoom(ctx.zoom, zoom_id, webinar_first=webinar_first)
    return settle_read(ctx, ours.id, found, why=_why(event))


def _target(event: WebhookEvent) -> tuple[int, str | None]:
    """The Zoom id (and host, when given) an event is about; InvalidInput if it names none."""
    raw = event.object.get("id")
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).isdigit():
        raise InvalidInput(
            f"{event.event}: payload.object.id must be the meeting's number, got {raw!r}; "
            "nothing was changed"
        )
    host = event.object.get("host_id")
    return int(raw), host if isinstance(host, str) and host else None


def _webinar_first(event: WebhookEvent, ours: _Ours) -> bool:
    """Which endpoint to ask first: where the event says the meeting is now."""
    if event.event == "meeting.converted_to_webinar":
        return True
    if event.event == "webinar.converted_to_meeting":
        return False
    kind = event.object.get("type")
    if isinstance(kind, int) and not isinstance(kind, bool):
        return kind in WEBINAR_TYPES
    return event.event.startswith("webinar.") or ours.webinar


def _why(event: WebhookEvent) -> str:
    who = event.payload.get("operator")
    by = f" by {who}" if isinstance(who, str) and who else ""
    return f"{event.event}{by}"


def _find_ours(ctx: MeetingsConnection, zoom_id: int) -> _Ours | None:
    """Our copy of Zoom meeting `zoom_id` (the newest, if a recreate reused nothing else)."""
    with ctx.catalog.session() as session:
        row = session.scalars(
            select(ScheduledMeeting)
            .where(
                ScheduledMeeting.connection_id == ctx.connection_id,
                ScheduledMeeting.zoom_id == zoom_id,
            )
            .order_by(ScheduledMeeting.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        return _Ours(row.id, row.state, row.webinar, row.echo_digest)


def _is_echo(ctx: MeetingsConnection, ours: _Ours, changed: Mapping[str, Any]) -> bool:
    """The event reports exactly what our last write sent: skip it, once (the digest is
    cleared, so a later edit by someone else with the same fields is read)."""
    if not ours.echo_digest or echo_digest(changed) != ours.echo_digest:
        return False
    with ctx.catalog.session() as session, session.begin():
        session.execute(
            update(ScheduledMeeting)
            .where(
                ScheduledMeeting.id == ours.id,
                ScheduledMeeting.echo_digest == ours.echo_digest,
            )
            .values(echo_digest=None)
        )
    return True


async def read_in_zoom(zoom: ZoomClient, zoom_id: int, *, webinar_first: bool) -> Meeting | None:
    """The meeting or webinar `zoom_id` as Zoom has it now, None only when both endpoints say
    it does not exist (3001). Every other error is raised: unknown is not gone."""
    endpoints = (get_webinar, get_meeting) if webinar_first else (get_meeting, get_webinar)
    for get in endpoints:
        try:
            return await get(zoom, zoom_id)
        except ZoomNotFound as exc:
            if exc.code != GONE_CODE:
                raise
        except ZoomRequestError as exc:
            if exc.code != WEBINAR_ENDPOINT_CODE:
                raise
    return None


def settle_read(
    ctx: MeetingsConnection, meeting_id: int, found: Meeting | None, *, why: str
) -> SyncOutcome:
    """Make our meeting `meeting_id` what Zoom answered (`found`; None: it does not exist),
    under the scheduling lock, then tell people what changed (after the commit: a mail that
    fails undoes nothing)."""
    now = ctx.clock.now()
    with scheduling_lock(ctx.catalog, ctx.connection_id) as session:
        row = session.get(ScheduledMeeting, meeting_id)
        if row is None or row.state in SETTLED_STATES or row.state == "reserved":
            return SyncOutcome("ignored", meeting_id, "no longer active here")
        if found is None:
            outcome, notice = _mark_missing(session, row, now, why)
        else:
            outcome, notice = _copy(ctx, session, row, found, now, why)
    if notice is not None:
        _tell(ctx, notice)
    return outcome


def _mark_missing(
    session: Session, row: ScheduledMeeting, now: datetime, why: str
) -> tuple[SyncOutcome, MeetingNotice | None]:
    if row.state in GONE_STATES:
        return SyncOutcome("unchanged", row.id, f"already {row.state}"), None
    row.state = "missing"
    row.last_error = f"not found in Zoom ({why}); recreate it to get a new link"
    row.updated_at = now
    replace_bookings(session, row, [])
    notice = MeetingNotice("deleted_in_zoom", row.connection_id, row.id, detail=why)
    return SyncOutcome("missing", row.id, why), notice


def _copy(
    ctx: MeetingsConnection,
    session: Session,
    row: ScheduledMeeting,
    found: Meeting,
    now: datetime,
    why: str,
) -> tuple[SyncOutcome, MeetingNotice | None]:
    was_missing = row.state in GONE_STATES
    before, touched = _shown(row, ctx.keyring), row.updated_at
    copy_from_zoom(session, row, found, ctx.keyring, now)
    _drop_calendar_copies(session, row)
    changes = _changes(before, _shown(row, ctx.keyring))
    if was_missing:
        changes["state"] = (before["state"], "active")
    if not changes:
        row.updated_at = touched  # read again (zoom_read_at), but nothing changed
        return SyncOutcome("unchanged", row.id), None
    kind: NoticeKind = "host_changed" if "host" in changes else "changed"
    notice = MeetingNotice(kind, row.connection_id, row.id, changes=changes, detail=why)
    return SyncOutcome("restored" if was_missing else "changed", row.id, why), notice


def _drop_calendar_copies(session: Session, row: ScheduledMeeting) -> None:
    """Our meeting read from its host's Zoom schedule too (before its id was known here) must
    not keep the host busy twice."""
    session.query(HostBooking).filter(
        HostBooking.connection_id == row.connection_id,
        HostBooking.source == "zoom",
        HostBooking.zoom_id == row.zoom_id,
    ).delete(synchronize_session=False)


def _shown(row: ScheduledMeeting, keyring: KeyRing) -> dict[str, str]:
    """The fields of the copy people are told about, as text."""
    shown = {
        "state": row.state,
        "topic": row.topic or "",
        "agenda": row.agenda or "",
        "start_time": row.start_time.isoformat() if row.start_time else "",
        "duration": str(row.duration or ""),
        "timezone": row.timezone or "",
        "kind": _kind(row.type),
        "recurrence": json.dumps(row.recurrence, sort_keys=True) if row.recurrence else "",
        "host": row.host_user_id,
        "passcode": open_passcode(row, keyring) or "",
        "join link": open_join_url(row, keyring) or "",
    }
    for key, value in sorted((row.settings_json or {}).items()):
        if isinstance(value, str | int | float | bool):
            shown[f"settings.{key}"] = str(value)
    return shown


def _kind(meeting_type: int) -> str:
    names = {
        1: "instant meeting",
        2: "meeting",
        3: "recurring meeting (no fixed time)",
        8: "recurring meeting",
        5: "webinar",
        6: "recurring webinar (no fixed time)",
        9: "recurring webinar",
    }
    return names.get(meeting_type, f"type {meeting_type}")


def _changes(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """field -> (old, new); secret fields say only that they changed (empty values)."""
    changed: dict[str, tuple[str, str]] = {}
    for key in sorted((set(before) | set(after)) - {"state"}):
        old, new = before.get(key, ""), after.get(key, "")
        if old != new:
            changed[key] = ("", "") if key in SECRET_FIELDS else (old, new)
    return changed


def _tell(ctx: MeetingsConnection, notice: MeetingNotice) -> None:
    try:
        ctx.notify(notice)
    except Exception:  # a notifier's failure must not undo or repeat the change
        log.exception(
            "could not hand over the %s notice of meeting %d", notice.kind, notice.meeting_id
        )


async def _refresh_calendars(
    ctx: MeetingsConnection, zoom_id: int, host_id: str | None
) -> SyncOutcome:
    """Not ours: if it keeps (or kept) a pool host busy, read that host's Zoom schedule again."""
    hosts = _hosts_concerned(ctx, zoom_id, host_id)
    if not hosts:
        return SyncOutcome("ignored", detail="not a pool host's meeting")
    now = ctx.clock.now()
    for host in hosts:
        await read_host_calendar(ctx.zoom, ctx.catalog, ctx.connection_id, host, now)
    return SyncOutcome("calendar", detail=f"read again: {', '.join(hosts)}")


def _hosts_concerned(ctx: MeetingsConnection, zoom_id: int, host_id: str | None) -> list[str]:
    """The pool host the event names, and whoever the meeting was booked for before (a
    meeting moved to another host frees the old one)."""
    with ctx.catalog.session() as session:
        booked = set(
            session.scalars(
                select(HostBooking.host_user_id).where(
                    HostBooking.connection_id == ctx.connection_id,
                    HostBooking.source == "zoom",
                    HostBooking.zoom_id == zoom_id,
                )
            )
        )
        if host_id is not None:
            pooled = session.scalar(
                select(PoolHost.user_id).where(
                    PoolHost.connection_id == ctx.connection_id,
                    PoolHost.user_id == host_id,
                    PoolHost.status != "gone",
                )
            )
            if pooled is not None:
                booked.add(pooled)
    return sorted(booked)
