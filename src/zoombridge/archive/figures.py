"""Figures about every connection at once, for monitoring (the service's `/metrics`).

They are read from the catalog when asked for, in four grouped queries that cover every
connection, so nothing has to be kept up to date by hand and any process sees what the
workers wrote. The figures mean what the sync status panel shows (`service.read_status`):
bytes archived are the stored sizes of archived files, flagged media are files whose probe
found a problem, and the inbox counts the events not applied yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zoombridge.archive.inbox import NEW
from zoombridge.db import Catalog, FileState
from zoombridge.db.models import Connection, RecordingFileRow, SyncState, WebhookEvent

__all__ = ["ConnectionFigures", "FileFigures", "InboxFigures", "SyncFigures", "read_figures"]


@dataclass
class FileFigures:
    by_state: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FileState.ALL, 0))
    archived_bytes: int = 0
    media_flagged: int = 0


@dataclass(frozen=True)
class SyncFigures:
    process: str = "idle"
    last_attempt_at: datetime | None = None
    last_finished_at: datetime | None = None
    bytes_freed: int = 0


@dataclass(frozen=True)
class InboxFigures:
    waiting: int = 0
    oldest_received_at: datetime | None = None


@dataclass(frozen=True)
class ConnectionFigures:
    name: str
    files: FileFigures
    sync: SyncFigures
    inbox: InboxFigures


def read_figures(catalog: Catalog) -> list[ConnectionFigures]:
    """Every connection's figures, by name; read in one transaction, so they agree."""
    with catalog.session() as session:
        names = dict(session.execute(select(Connection.id, Connection.name)).all())
        files = _files(session)
        syncs = _syncs(session)
        inbox = _inbox(session)
    return [
        ConnectionFigures(
            name,
            files.get(connection_id) or FileFigures(),
            syncs.get(connection_id) or SyncFigures(),
            inbox.get(connection_id) or InboxFigures(),
        )
        for connection_id, name in sorted(names.items(), key=lambda item: item[1])
    ]


def _files(session: Session) -> dict[int, FileFigures]:
    rows = session.execute(
        select(
            RecordingFileRow.connection_id,
            RecordingFileRow.state,
            func.count(),
            func.sum(RecordingFileRow.stored_size),
            func.count(RecordingFileRow.media_problem),
        ).group_by(RecordingFileRow.connection_id, RecordingFileRow.state)
    )
    figures: dict[int, FileFigures] = {}
    for connection_id, state, count, stored, flagged in rows:
        one = figures.setdefault(connection_id, FileFigures())
        one.by_state[state] = int(count)
        one.media_flagged += int(flagged)
        if state == FileState.ARCHIVED:
            one.archived_bytes = int(stored or 0)
    return figures


def _syncs(session: Session) -> dict[int, SyncFigures]:
    return {
        state.connection_id: SyncFigures(
            process=state.process or "idle",
            last_attempt_at=state.last_attempt_at,
            last_finished_at=state.last_finished_at,
            bytes_freed=int(state.bytes_freed or 0),
        )
        for state in session.scalars(select(SyncState))
    }


def _inbox(session: Session) -> dict[int, InboxFigures]:
    rows = session.execute(
        select(WebhookEvent.connection_id, func.count(), func.min(WebhookEvent.received_at))
        .where(WebhookEvent.state == NEW, WebhookEvent.connection_id.is_not(None))
        .group_by(WebhookEvent.connection_id)
    )
    return {
        connection_id: InboxFigures(int(count), oldest)
        for connection_id, count, oldest in rows
        if connection_id is not None
    }
