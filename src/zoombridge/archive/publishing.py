"""How a newly archived recording enters the library: VIDIZMO's "publish as" and "publish
status", per connection.

"Me": the admin who last saved the connection's publishing settings is the author of every
recording archived from then on. "Zoom user": the meeting's host is, as a portal user found
(or made) by their e-mail address; that part is the accounts' business, handed in as
`HostAuthors` (the archive does not create users or send mail itself). The publish status
is Draft or Published, and with moderation on Published means the moderation queue. Who
sees a new entry once published is the connection's default visibility: everyone signed in
(the default), or its author only until someone shares it.

The entry is made when an instance gets its first archived file (`enter_library`, called
by the transfer step after each file it archives): nothing unverified is ever shown. It is
inserted only if absent, so each instance gets one entry however many of its files are
archived at once, and an entry someone already changed is never overwritten. A connection
whose publishing was never saved adds no entries: its recordings stay drafts without an
author, seen by Managers only.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from zoombridge.archive.library import make_ref
from zoombridge.archive.moderation import DRAFT, PUBLISHED, moderation_on, next_status
from zoombridge.db import Catalog, FileState
from zoombridge.db.library_models import LibraryPublishing
from zoombridge.db.models import LibraryEntry, Meeting, PortalUser, RecordingFileRow
from zoombridge.errors import InvalidInput

__all__ = [
    "DEFAULT_VISIBILITIES",
    "PUBLISH_AS",
    "PUBLISH_STATUSES",
    "Entry",
    "HostAuthors",
    "Publishing",
    "enter_library",
    "read_publishing",
    "save_publishing",
]

log = logging.getLogger("zoombridge.archive.publishing")

PUBLISH_AS = ("me", "zoom_user")
PUBLISH_STATUSES = (DRAFT, PUBLISHED)
DEFAULT_VISIBILITIES = ("signed_in", "author")


@dataclass(frozen=True)
class Publishing:
    """A connection's publishing settings; `saved` is False until an admin saved them
    (then nothing is added to the library)."""

    publish_as: str = "me"
    publish_status: str = DRAFT
    publisher_id: int | None = None
    publisher: str | None = None  # the publisher's e-mail address, for display
    saved: bool = False
    default_visibility: str = "signed_in"

    def __post_init__(self) -> None:
        if self.publish_as not in PUBLISH_AS:
            raise InvalidInput(
                f"publish as must be 'me' or 'zoom_user', not {self.publish_as[:40]!r}"
            )
        if self.publish_status not in PUBLISH_STATUSES:
            raise InvalidInput(
                f"publish status must be draft or published, not {self.publish_status[:40]!r}"
            )
        if self.default_visibility not in DEFAULT_VISIBILITIES:
            raise InvalidInput(
                "default visibility must be 'signed_in' (everyone signed in) or 'author' "
                f"(the author only), not {self.default_visibility[:40]!r}"
            )

    def as_dict(self) -> dict[str, Any]:
        return {
            "publish_as": self.publish_as,
            "publish_status": self.publish_status,
            "publisher": self.publisher,
            "default_visibility": self.default_visibility,
        }


class HostAuthors(Protocol):
    """Finds (or makes) the portal user a meeting's host is; None when there is none to be."""

    async def author_for(
        self, email: str, topic: str | None, start_time: datetime | None, path: str
    ) -> int | None:
        """The host's user id; `path` is the recording's page, for a letter to name it."""
        ...


def _read(session: Session, connection_id: int) -> Publishing:
    row = session.execute(
        select(LibraryPublishing, PortalUser.email)
        .outerjoin(PortalUser, PortalUser.id == LibraryPublishing.publisher_id)
        .where(LibraryPublishing.connection_id == connection_id)
    ).first()
    if row is None:
        return Publishing()
    saved, email = row
    return Publishing(
        saved.publish_as,
        saved.publish_status,
        saved.publisher_id,
        email,
        saved=True,
        default_visibility=saved.default_visibility,
    )


def read_publishing(catalog: Catalog, connection_id: int) -> Publishing:
    with catalog.session() as session:
        return _read(session, connection_id)


def save_publishing(
    catalog: Catalog,
    connection_id: int,
    publish_as: str,
    publish_status: str,
    actor_id: int,
    now: datetime,
    default_visibility: str = "signed_in",
) -> Publishing:
    """Save a connection's publishing; the saving admin becomes "Me" from now on.
    InvalidInput (nothing saved) for a choice that is not one."""
    Publishing(publish_as, publish_status, default_visibility=default_visibility)  # validates
    with catalog.session() as session, session.begin():
        row = session.get(LibraryPublishing, connection_id)
        if row is None:
            row = LibraryPublishing(connection_id=connection_id, updated_at=now)
            session.add(row)
        row.publish_as, row.publish_status = publish_as, publish_status
        row.publisher_id, row.updated_at = actor_id, now
        row.default_visibility = default_visibility
    return read_publishing(catalog, connection_id)


@dataclass(frozen=True)
class _Arrival:
    """What entering one recording needs, read before any author is looked for."""

    publishing: Publishing
    status: str
    host_email: str | None
    topic: str | None
    start_time: datetime | None


class Entry(enum.Enum):
    """What `enter_library` found or did for one instance."""

    ADDED = "added"
    PRESENT = "present"  # it has an entry already
    UNPUBLISHED = "unpublished"  # the connection's publishing was never saved
    UNARCHIVED = "unarchived"  # it has no archived file (yet)


def _arrival(catalog: Catalog, connection_id: int, uuid: str) -> _Arrival | Entry:
    """What entering the instance needs, or why there is nothing to do."""
    archived = exists().where(
        RecordingFileRow.connection_id == connection_id,
        RecordingFileRow.meeting_uuid == uuid,
        RecordingFileRow.state == FileState.ARCHIVED,
    )
    with catalog.session() as session:
        if session.get(LibraryEntry, (connection_id, uuid)) is not None:
            return Entry.PRESENT
        publishing = _read(session, connection_id)
        if not publishing.saved:
            return Entry.UNPUBLISHED
        meeting = session.get(Meeting, (connection_id, uuid))
        if meeting is None or not session.scalar(select(archived)):
            return Entry.UNARCHIVED
        status = next_status(
            None, publishing.publish_status, moderated=moderation_on(session), moderator=False
        )
        return _Arrival(publishing, status, meeting.host_email, meeting.topic, meeting.start_time)


async def enter_library(
    catalog: Catalog,
    connection_id: int,
    uuid: str,
    authors: HostAuthors | None,
    now: datetime,
) -> Entry:
    """Add the instance to the library as its connection publishes, unless it is there
    already or there is nothing to add."""
    arrival = await asyncio.to_thread(_arrival, catalog, connection_id, uuid)
    if isinstance(arrival, Entry):
        return arrival
    author: int | None = arrival.publishing.publisher_id
    if arrival.publishing.publish_as == "zoom_user":
        author = None
        if authors is not None and arrival.host_email:
            path = f"/recordings/{make_ref(connection_id, uuid)}"
            author = await authors.author_for(
                arrival.host_email, arrival.topic, arrival.start_time, path
            )
    entry = {
        "connection_id": connection_id,
        "meeting_uuid": uuid,
        "author_id": author,
        "status": arrival.status,
        "visibility": arrival.publishing.default_visibility,
        "updated_at": now,
        "submitted_at": now if arrival.status != arrival.publishing.publish_status else None,
    }
    added = await asyncio.to_thread(_insert_if_absent, catalog, entry)
    return Entry.ADDED if added else Entry.PRESENT


def _insert_if_absent(catalog: Catalog, values: dict[str, Any]) -> bool:
    with catalog.session() as session, session.begin():
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(LibraryEntry).values(**values).on_conflict_do_nothing()
        done = session.execute(statement)
        return bool(done.rowcount)  # type: ignore[attr-defined]
