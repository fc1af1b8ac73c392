"""The moderation queue: recordings waiting for a Manager (status "pending_review"), oldest
submission first, and the two decisions. Approving publishes; rejecting returns the
recording to Draft with a reason its author reads on the recording's page. A decision on a
recording no longer waiting (another Manager was quicker, or its author took it back) is
refused, and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from zoombridge.archive.library import make_ref, parse_ref
from zoombridge.archive.moderation import DRAFT, PENDING, PUBLISHED
from zoombridge.db import Catalog
from zoombridge.db.models import LibraryEntry, Meeting, PortalUser
from zoombridge.errors import InvalidInput, RecordingNotFound

__all__ = [
    "MAX_REASON",
    "QUEUE_PAGE",
    "Review",
    "Waiting",
    "approve",
    "check_reason",
    "reject",
    "review_of",
    "waiting",
]

QUEUE_PAGE = 200
MAX_REASON = 2000


@dataclass(frozen=True)
class Waiting:
    """One recording in the queue."""

    ref: str
    topic: str | None
    host_email: str | None
    start_time: datetime | None
    author: str | None
    submitted_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.__dict__,
            "start_time": _iso(self.start_time),
            "submitted_at": _iso(self.submitted_at),
        }


@dataclass(frozen=True)
class Review:
    """The last decision on a recording, for its author and Managers."""

    decision: str  # "approved" | "rejected" | "waiting"
    note: str | None
    reviewed_at: datetime | None
    reviewer: str | None
    submitted_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.__dict__,
            "reviewed_at": _iso(self.reviewed_at),
            "submitted_at": _iso(self.submitted_at),
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def waiting(catalog: Catalog, limit: int = QUEUE_PAGE) -> list[Waiting]:
    """What waits for a decision, oldest submission first."""
    query = (
        select(LibraryEntry, Meeting, PortalUser.email)
        .join(
            Meeting,
            and_(
                Meeting.connection_id == LibraryEntry.connection_id,
                Meeting.uuid == LibraryEntry.meeting_uuid,
            ),
        )
        .outerjoin(PortalUser, PortalUser.id == LibraryEntry.author_id)
        .where(LibraryEntry.status == PENDING)
        .order_by(LibraryEntry.submitted_at, Meeting.uuid)
        .limit(limit)
    )
    with catalog.session() as session:
        rows = session.execute(query).all()
    return [
        Waiting(
            make_ref(meeting.connection_id, meeting.uuid),
            meeting.topic,
            meeting.host_email,
            meeting.start_time,
            author,
            entry.submitted_at,
        )
        for entry, meeting, author in rows
    ]


def review_of(session: Session, connection_id: int, uuid: str) -> Review | None:
    """The recording's moderation state, or None when it never went through moderation."""
    reviewer = aliased(PortalUser)
    row = session.execute(
        select(LibraryEntry, reviewer.email)
        .outerjoin(reviewer, reviewer.id == LibraryEntry.reviewed_by)
        .where(LibraryEntry.connection_id == connection_id, LibraryEntry.meeting_uuid == uuid)
    ).first()
    if row is None:
        return None
    entry, email = row
    if entry.status == PENDING:
        decision = "waiting"
    elif entry.reviewed_at is None:
        return None
    else:
        decision = "rejected" if entry.review_note else "approved"
    return Review(decision, entry.review_note, entry.reviewed_at, email, entry.submitted_at)


def _decide(
    catalog: Catalog, ref: str, reviewer_id: int, now: datetime, status: str, note: str | None
) -> None:
    connection_id, uuid = parse_ref(ref)
    with catalog.session() as session, session.begin():
        entry = session.get(LibraryEntry, (connection_id, uuid), with_for_update=True)
        if entry is None:
            raise RecordingNotFound(f"no recording {ref[:80]!r} in the moderation queue")
        if entry.status != PENDING:
            raise InvalidInput(f"this recording is not waiting for review (it is {entry.status})")
        entry.status, entry.review_note = status, note
        entry.reviewed_at, entry.reviewed_by = now, reviewer_id
        entry.updated_at, entry.updated_by = now, reviewer_id


def approve(catalog: Catalog, ref: str, reviewer_id: int, now: datetime) -> None:
    """Publish a waiting recording; RecordingNotFound, or InvalidInput if it is not waiting."""
    _decide(catalog, ref, reviewer_id, now, PUBLISHED, None)


def check_reason(reason: str) -> str:
    """A rejection's reason, trimmed; InvalidInput when there is none or it is too long."""
    said = reason.strip()
    if not said:
        raise InvalidInput("say why the recording is rejected: its author reads the reason")
    if len(said) > MAX_REASON:
        raise InvalidInput(f"a reason has at most {MAX_REASON} characters")
    return said


def reject(catalog: Catalog, ref: str, reviewer_id: int, reason: str, now: datetime) -> None:
    """Return a waiting recording to Draft with `reason` (required: its author reads it)."""
    _decide(catalog, ref, reviewer_id, now, DRAFT, check_reason(reason))
