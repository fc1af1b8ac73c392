"""The local copy of a meeting and the host time it books, kept equal to what Zoom says.

Every path that learns a meeting's state from Zoom (the create and edit re-reads, webhook
events, the nightly reconcile) ends in `copy_from_zoom`, so the copy, its sealed join link
and passcode, and the host's bookings are always rewritten together. The join link carries
the passcode (`?pwd=`), so both are sealed with the installation's key, never stored plain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from zoombridge.db.meeting_models import HostBooking, ScheduledMeeting
from zoombridge.db.secrets import KeyRing
from zoombridge.meetings.recurrence import Span, spans_from_occurrences, spans_of
from zoombridge.zoom.meetings import Meeting

__all__ = [
    "WEBINAR_TYPES",
    "copy_from_zoom",
    "echo_digest",
    "open_join_url",
    "open_passcode",
    "replace_bookings",
    "spans_of_copy",
]

WEBINAR_TYPES = {5, 6, 9}
COMPARED_FIELDS = ("topic", "agenda", "start_time", "duration", "timezone", "type", "password")


def echo_digest(fields: Mapping[str, Any]) -> str:
    """A digest of the fields a write sent, to recognise the webhook that echoes it.

    Only fields a `meeting.updated` event reports are compared; times are normalised to
    UTC text so "…Z" and "+00:00" agree."""
    kept = {k: _plain(fields[k]) for k in sorted(fields) if k in COMPARED_FIELDS}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value.endswith("Z") and "T" in value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
        except ValueError:
            return value
    return value


def copy_from_zoom(
    session: Session, row: ScheduledMeeting, meeting: Meeting, keyring: KeyRing, now: datetime
) -> None:
    """Make `row` and its bookings what Zoom says the meeting is now."""
    if row.id is None:  # the sealing context names the row
        session.add(row)
        session.flush()
    row.zoom_id = meeting.id
    row.uuid = meeting.uuid or row.uuid
    row.type = int(meeting.type or row.type)
    row.webinar = row.type in WEBINAR_TYPES
    row.host_user_id = meeting.host_id or row.host_user_id
    row.topic = meeting.topic or ""
    row.agenda = meeting.agenda or None
    row.timezone = meeting.timezone or row.timezone
    row.start_time = meeting.start_time
    row.duration = meeting.duration
    row.recurrence = meeting.recurrence
    row.settings_json = dict(meeting.settings)
    context = _context(row)
    row.join_url_sealed = keyring.seal(meeting.join_url, context) if meeting.join_url else None
    row.passcode_sealed = keyring.seal(meeting.password, context) if meeting.password else None
    row.state = "active"
    row.last_error = None
    row.zoom_read_at = now
    row.updated_at = now
    if meeting.occurrences:
        spans = spans_from_occurrences(meeting.occurrences, meeting.duration or 60)
    else:
        spans = spans_of_copy(row)
    replace_bookings(session, row, spans)


def spans_of_copy(row: ScheduledMeeting) -> list[Span]:
    return spans_of(row.type, row.start_time, row.duration, row.timezone, row.recurrence)


def replace_bookings(session: Session, row: ScheduledMeeting, spans: Sequence[Span]) -> None:
    """The meeting's bookings become `spans` (none: it no longer keeps its host busy)."""
    session.flush()  # a new row needs its id before bookings can point at it
    session.execute(delete(HostBooking).where(HostBooking.scheduled_meeting_id == row.id))
    session.add_all(
        HostBooking(
            connection_id=row.connection_id,
            host_user_id=row.host_user_id,
            starts_at=span.start,
            ends_at=span.end,
            webinar=row.webinar,
            source="ours",
            scheduled_meeting_id=row.id,
            zoom_id=row.zoom_id,
            topic=row.topic,
        )
        for span in spans
    )


def open_join_url(row: ScheduledMeeting, keyring: KeyRing) -> str | None:
    return keyring.open(row.join_url_sealed, _context(row)) if row.join_url_sealed else None


def open_passcode(row: ScheduledMeeting, keyring: KeyRing) -> str | None:
    return keyring.open(row.passcode_sealed, _context(row)) if row.passcode_sealed else None


def _context(row: ScheduledMeeting) -> str:
    # Bound to the row: a sealed link copied onto another meeting does not open.
    return f"meeting:{row.connection_id}:{row.id}"
