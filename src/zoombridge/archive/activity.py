"""What a connection's sync status panel shows beyond the counts: the files that need a
look (failed, waiting on Zoom, deleted in Zoom before they were archived, flagged media),
a retry for a failed one, and what was archived and freed day by day."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from zoombridge.archive.catalog import retry_failed
from zoombridge.db import Catalog
from zoombridge.db.models import AuditEntry, Connection, FileState, Meeting, RecordingFileRow
from zoombridge.errors import InvalidInput

__all__ = [
    "AttentionItem",
    "DailyActivity",
    "connection_id",
    "daily_activity",
    "needs_attention",
    "retry_file",
]


@dataclass(frozen=True)
class AttentionItem:
    file_id: str
    meeting_uuid: str
    topic: str | None
    start_time: datetime | None
    file_type: str | None
    state: str  # failed | processing | gone | flagged
    reason: str
    retryable: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DailyActivity:
    day: date
    recordings: int  # instances with a file archived that day
    bytes_archived: int
    bytes_freed: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


FREEING_ACTIONS = ("trash", "delete")  # what deletion records once Zoom has done it
REASONS = {
    FileState.PROCESSING: "Zoom is still producing it; fetched when it is ready",
    FileState.GONE: "deleted in Zoom before it was archived",
}


def connection_id(catalog: Catalog, name: str) -> int:
    with catalog.session() as session:
        found = session.scalar(select(Connection.id).where(Connection.name == name))
    if found is None:
        raise InvalidInput(f"no connection named {name!r}")
    return found


def needs_attention(catalog: Catalog, connection: int, limit: int = 100) -> list[AttentionItem]:
    """Failed files first, then flagged media, waiting and gone ones; newest first in each."""
    wanted = or_(
        RecordingFileRow.state.in_([FileState.FAILED, FileState.PROCESSING, FileState.GONE]),
        RecordingFileRow.media_problem.is_not(None),
    )
    order = {FileState.FAILED: 0, "flagged": 1, FileState.PROCESSING: 2, FileState.GONE: 3}
    with catalog.session() as session:
        rows = session.execute(
            select(RecordingFileRow, Meeting.topic, Meeting.start_time)
            .join(
                Meeting,
                (Meeting.connection_id == RecordingFileRow.connection_id)
                & (Meeting.uuid == RecordingFileRow.meeting_uuid),
            )
            .where(RecordingFileRow.connection_id == connection, wanted)
            .order_by(RecordingFileRow.updated_at.desc())
            .limit(limit)
        ).all()
    items = [_item(row, topic, start) for row, topic, start in rows]
    return sorted(items, key=lambda item: order.get(item.state, 9))


def _item(row: RecordingFileRow, topic: str | None, start: datetime | None) -> AttentionItem:
    flagged = row.state == FileState.ARCHIVED and row.media_problem
    state = "flagged" if flagged else row.state
    if flagged:
        reason = f"archived as Zoom served it, but {row.media_problem}"
    else:
        reason = row.last_error or REASONS.get(row.state, "failed without a message")
    return AttentionItem(
        file_id=row.file_id,
        meeting_uuid=row.meeting_uuid,
        topic=topic,
        start_time=start,
        file_type=row.file_type,
        state=state,
        reason=reason,
        retryable=row.state == FileState.FAILED,
    )


def retry_file(catalog: Catalog, connection: int, file_id: str, now: datetime) -> None:
    """Give one failed file a new attempt (the next sync transfers it). InvalidInput when
    there is no such file or it has not failed: nothing else is retried by hand."""
    if retry_failed(catalog, connection, now, file_id) != 1:
        raise InvalidInput(f"no failed file {file_id!r} to retry")


def daily_activity(
    catalog: Catalog, connection: int, today: date, days: int = 30
) -> list[DailyActivity]:
    """One entry per day of the last `days` (UTC), oldest first, quiet days included."""
    first = today - timedelta(days=days - 1)
    since = datetime(first.year, first.month, first.day, tzinfo=UTC)
    instances: dict[date, set[str]] = defaultdict(set)
    archived: dict[date, int] = defaultdict(int)
    freed: dict[date, int] = defaultdict(int)
    with catalog.session() as session:
        files = session.execute(
            select(
                RecordingFileRow.archived_at,
                RecordingFileRow.meeting_uuid,
                RecordingFileRow.stored_size,
            ).where(
                RecordingFileRow.connection_id == connection,
                RecordingFileRow.archived_at >= since,
            )
        )
        for at, uuid, size in files:
            if at is not None:  # the WHERE leaves none out; the type does not know
                instances[at.date()].add(uuid)
                archived[at.date()] += size or 0
        deletions = session.execute(
            select(AuditEntry.at, AuditEntry.detail).where(
                AuditEntry.connection_id == connection,
                AuditEntry.at >= since,
                AuditEntry.action.in_(FREEING_ACTIONS),  # not the "-requested" entries
            )
        )
        for at, detail in deletions:
            freed[at.date()] += int((detail or {}).get("bytes") or 0)
    return [
        DailyActivity(day, len(instances[day]), archived[day], freed[day])
        for day in (first + timedelta(days=n) for n in range(days))
    ]
