"""What the library's pages and their JSON twins share: the reader a principal is, and a
recording's page assembled from the catalog (and, for talk time, from storage)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from zoombridge.accounts import Principal, Role
from zoombridge.archive.library import (
    Reader,
    RecordingNotFound,
    RecordingSummary,
    Sharing,
    may_manage,
    parse_ref,
    read_sharing,
    visible_instance,
)
from zoombridge.archive.library_detail import (
    MediaObject,
    OriginalFile,
    PanelLine,
    Source,
    chat_lines,
    media_object,
    originals,
    playable_sources,
    transcript_lines,
)
from zoombridge.archive.public_links import LinkInfo, list_public_links
from zoombridge.archive.review_queue import Review, review_of
from zoombridge.archive.search_indexing import instance_speakers
from zoombridge.archive.speakers import SpeakerTime
from zoombridge.db import Catalog
from zoombridge.db.models import Connection
from zoombridge.errors import StorageError
from zoombridge.storage import Store
from zoombridge.web.auth import PortalContext

__all__ = [
    "RecordingView",
    "add_speakers",
    "media_for",
    "reader_of",
    "recording_view",
    "store_for",
]


def reader_of(principal: Principal) -> Reader:
    return Reader(principal.user_id, principal.can(Role.MANAGER))


def link_reader(ref: str) -> Reader:
    """The reader a public link acts as: nobody, allowed the one recording it opened."""
    return Reader(user_id=0, sees_all=False, only=parse_ref(ref))


@dataclass
class RecordingView:
    summary: RecordingSummary
    sources: list[Source]
    transcript: list[PanelLine]
    chat: list[PanelLine]
    originals: list[OriginalFile]
    manage: bool  # the reader may change sharing and download the originals
    sharing: Sharing | None = None
    links: list[LinkInfo] = field(default_factory=list)
    speakers: list[SpeakerTime] = field(default_factory=list)
    review: Review | None = None  # moderation: waiting, or the last decision and its reason

    def talk_seconds(self) -> dict[str, int]:
        return {speaker.speaker: round(speaker.seconds) for speaker in self.speakers}

    def as_dict(self, now: datetime) -> dict[str, Any]:
        return {
            **self.summary.as_dict(),
            "sources": [source.__dict__ for source in self.sources],
            "transcript": [line.__dict__ for line in self.transcript],
            "chat": [line.__dict__ for line in self.chat],
            "speakers": [speaker.__dict__ for speaker in self.speakers],
            "originals": [item.as_dict() for item in self.originals] if self.manage else [],
            "sharing": self.sharing.as_dict() if self.sharing else None,
            "public_links": [link.as_dict(now) for link in self.links],
            "review": self.review.as_dict() if self.review else None,
        }


def recording_view(catalog: Catalog, reader: Reader, ref: str, *, public: bool) -> RecordingView:
    """The recording's page for `reader`; RecordingNotFound if they may not see it. A public
    link's view has no originals, no sharing and no direct messages."""
    with catalog.session() as session:
        summary = visible_instance(session, reader, ref)
        key = (summary.connection_id, summary.uuid)
        manage = not public and may_manage(session, reader, *key)
        sources = playable_sources(session, *key)
        joined = bool(sources) and sources[0].joined
        view = RecordingView(
            summary,
            sources,
            transcript_lines(session, *key, joined=joined),
            chat_lines(session, *key, joined=joined, private=reader.sees_all and not public),
            originals(session, *key) if manage else [],
            manage,
            review=review_of(session, *key) if manage else None,
        )
    if manage:
        view.sharing = read_sharing(catalog, reader, ref)
        view.links = list_public_links(catalog, reader, ref)
    return view


@dataclass(frozen=True)
class _StoredArchive:
    connection_id: int
    catalog: Catalog
    store: Store


async def add_speakers(portal: PortalContext, view: RecordingView) -> None:
    """Talk time per speaker, from the stored timeline or transcript (left empty when the
    store cannot be read: the page still shows)."""
    summary = view.summary
    try:
        store = await asyncio.to_thread(store_for, portal, summary.connection_id)
        archive = _StoredArchive(summary.connection_id, portal.catalog, store)
        view.speakers = await instance_speakers(archive, summary.uuid)
    except (OSError, StorageError, RecordingNotFound):  # FileNotFoundError is an OSError
        view.speakers = []


def store_for(portal: PortalContext, connection_id: int) -> Store:
    with portal.catalog.session() as session:
        name = session.get(Connection, connection_id)
    if name is None:
        raise RecordingNotFound("the recording's connection is gone")
    return portal.bridge.store(name.name)


def media_for(
    catalog: Catalog, reader: Reader, ref: str, source_id: str, *, original: bool
) -> MediaObject:
    """The stored object to stream: a playable source or thumbnail of a recording the reader
    may see, or (with `original`) any archived original, for those who manage it."""
    connection_id, uuid = parse_ref(ref)
    with catalog.session() as session:
        visible_instance(session, reader, ref)
        if original and not may_manage(session, reader, connection_id, uuid):
            raise RecordingNotFound("downloads of the originals are for the author and Managers")
        playable = {source.id for source in playable_sources(session, connection_id, uuid)}
        if not original and source_id not in playable:
            raise RecordingNotFound(f"the recording has no playable {source_id[:40]!r}")
        found = media_object(session, connection_id, uuid, source_id)
    if found is None:
        raise RecordingNotFound(f"the recording has no file {source_id[:40]!r}")
    return found
