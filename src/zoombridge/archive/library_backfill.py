"""Library entries for recordings archived before their connection's publishing was saved.

The archive enters an instance in the library when its first file is archived, and only if
the connection's publishing (publish as, publish status) was saved by then
(archive.publishing). Recordings archived earlier stay drafts without an author, seen by
Managers only, and no later sync touches them again: their files are archived already.
The backfill gives each of them the entry it would have had, as the connection publishes
now (its current publish-as, status, default visibility and the library's moderation),
through the very same `enter_library`, so the two can never disagree.

It is idempotent: only instances with an archived file and no entry are visited, and each
entry is inserted only if absent, so a second run (or a sync running at the same time)
adds nothing twice and never overwrites an entry someone changed.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import exists, select

from zoombridge.archive.catalog import ensure_connection
from zoombridge.archive.connections import DEFAULT_CONNECTION, get_info, list_connections
from zoombridge.archive.publishing import Entry, HostAuthors, enter_library, read_publishing
from zoombridge.db import Catalog, FileState
from zoombridge.db.models import LibraryEntry, Meeting, RecordingFileRow
from zoombridge.errors import ConfigurationError, InvalidInput
from zoombridge.settings import Settings

__all__ = [
    "BackfillProgress",
    "BackfillReport",
    "backfill_library",
    "backfill_or_skip",
    "backfill_targets",
    "missing_entries",
]


class BackfillProgress(Protocol):
    """What the backfill tells a progress bar: how many to do, then each one done."""

    def start(self, total: int) -> None: ...

    def advance(self) -> None: ...


class _Silent:
    def start(self, total: int) -> None:
        """Nobody is watching."""

    def advance(self) -> None:
        """Nobody is watching."""


@dataclass(frozen=True)
class BackfillReport:
    connection: str
    missing: int  # archived instances without a library entry when the run began
    added: int  # entries made (fewer than missing if a sync entered some meanwhile)
    skipped: str | None = None  # why nothing was looked at (no publishing saved)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def backfill_targets(
    catalog: Catalog, installation: Settings, name: str | None, now: datetime
) -> list[tuple[str, int]]:
    """(name, id) of the named connection, or of every one, enabled or not: a connection
    switched off still has its archive. InvalidInput for a name that is no connection."""
    if name is not None:
        try:
            infos = [get_info(catalog, installation, name)]
        except ConfigurationError as exc:
            raise InvalidInput(str(exc)) from None
    else:
        infos = list_connections(catalog, installation)
    if not infos:  # nothing configured: the default connection, as sync and status do
        account = installation.zoom.account_id
        return [(DEFAULT_CONNECTION, ensure_connection(catalog, DEFAULT_CONNECTION, account, now))]
    return [(i.name, ensure_connection(catalog, i.name, i.account_id, now)) for i in infos]


def missing_entries(catalog: Catalog, connection_id: int) -> list[str]:
    """The UUIDs of the connection's instances with an archived file and no library entry,
    oldest first."""
    archived = exists().where(
        RecordingFileRow.connection_id == Meeting.connection_id,
        RecordingFileRow.meeting_uuid == Meeting.uuid,
        RecordingFileRow.state == FileState.ARCHIVED,
    )
    entered = exists().where(
        LibraryEntry.connection_id == Meeting.connection_id,
        LibraryEntry.meeting_uuid == Meeting.uuid,
    )
    with catalog.session() as session:
        found = session.scalars(
            select(Meeting.uuid)
            .where(Meeting.connection_id == connection_id, archived, ~entered)
            .order_by(Meeting.start_time, Meeting.uuid)
        )
        return list(found.all())


async def backfill_library(
    catalog: Catalog,
    name: str,
    connection_id: int,
    authors: HostAuthors | None,
    now: datetime,
    progress: BackfillProgress | None = None,
) -> BackfillReport:
    """Enter every archived instance of the connection that has no library entry, as the
    connection publishes now. InvalidInput (nothing changed) when its publishing was never
    saved: there is nobody to be "Me" and no status to give."""
    publishing = await asyncio.to_thread(read_publishing, catalog, connection_id)
    if not publishing.saved:
        raise InvalidInput(
            f"connection {name!r} has no publishing settings yet; save them on its page "
            "(publish as, publish status) first: the backfill publishes as they say"
        )
    missing = await asyncio.to_thread(missing_entries, catalog, connection_id)
    shown = progress or _Silent()
    shown.start(len(missing))
    added = 0
    for uuid in missing:
        if await enter_library(catalog, connection_id, uuid, authors, now) == Entry.ADDED:
            added += 1
        shown.advance()
    return BackfillReport(name, len(missing), added)


async def backfill_or_skip(
    catalog: Catalog,
    name: str,
    connection_id: int,
    authors: HostAuthors | None,
    now: datetime,
    progress: BackfillProgress | None = None,
) -> BackfillReport:
    """As backfill_library, for a run over every connection: one whose publishing was never
    saved is reported as skipped, with why, and the others go on."""
    try:
        return await backfill_library(catalog, name, connection_id, authors, now, progress)
    except InvalidInput as exc:
        return BackfillReport(name, 0, 0, skipped=str(exc))
