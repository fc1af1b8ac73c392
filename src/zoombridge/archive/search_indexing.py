"""Indexing an archived instance for search: its text files read back from storage, parsed,
and placed on the joined recording's timeline when its segments were joined. Also who spoke
how long, from the same files.

Re-indexing is incremental: an instance's index digest names the parser version, its text
files' checksums and the joined timeline; when none of them changed, nothing is read again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from zoombridge.archive.media_catalog import instance_rows, mark_indexed
from zoombridge.archive.search_index import (
    Document,
    chat_documents,
    index_meeting,
    summary_documents,
    transcript_documents,
)
from zoombridge.archive.speakers import SpeakerTime, speaker_stats
from zoombridge.archive.transcripts import parse_chat, parse_summary, parse_timeline, parse_vtt
from zoombridge.db import Catalog
from zoombridge.db.models import Meeting, RecordingFileRow
from zoombridge.storage import Store

if TYPE_CHECKING:  # instance_media imports this module, and defines JoinedRecording
    from zoombridge.archive.instance_media import JoinedRecording

__all__ = [
    "INDEX_VERSION",
    "StoredArchive",
    "first_start",
    "index_digest",
    "index_instance",
    "instance_speakers",
    "joined_timeline",
    "read_text_file",
    "seconds_after",
    "timeline_recording",
]


class StoredArchive(Protocol):
    """What indexing reads: a connection's catalog rows and stored files (a running
    ArchiveRuntime is one; re-indexing needs no Zoom credentials, so it makes its own)."""

    @property
    def connection_id(self) -> int: ...
    @property
    def catalog(self) -> Catalog: ...
    @property
    def store(self) -> Store: ...


log = logging.getLogger("zoombridge.archive")

INDEX_VERSION = 1  # raise when parsing or document building changes: everything re-indexes
MAX_TEXT_BYTES = 64 * 1024 * 1024  # a text file bigger than this is not a Zoom text file
TEXT_TYPES = frozenset({"TRANSCRIPT", "CC", "CHAT", "SUMMARY"})


def _text_files(files: Sequence[RecordingFileRow]) -> list[RecordingFileRow]:
    return [row for row in files if (row.file_type or "").upper() in TEXT_TYPES]


def timeline_recording(joined: Sequence[JoinedRecording]) -> JoinedRecording | None:
    """The joined recording whose timeline text and search offsets follow: the first joined
    video, else the first joined audio."""
    if not joined:
        return None
    return sorted(joined, key=lambda j: not j.storage_key.lower().endswith(".mp4"))[0]


def joined_timeline(joined: Sequence[JoinedRecording]) -> list[tuple[float, float]] | None:
    """Where each segment begins (seconds after the first one began, gaps included) and how
    long it plays, on the timeline_recording."""
    chosen = timeline_recording(joined)
    if chosen is None:
        return None
    timeline = []
    for part in chosen.segments:
        start, length = part.get("recorded_at_s"), part.get("duration_s")
        if start is None or length is None:
            return None
        timeline.append((float(start), float(length)))
    return timeline


def index_digest(
    meeting: Meeting, files: Sequence[RecordingFileRow], timeline: list[tuple[float, float]] | None
) -> str:
    """What the index of an instance is built from: its text files, the joined timeline,
    and the catalog fields of its own document (topic, host, start; the host is also the
    SQLite filter token), which a sync refreshes when Zoom's change."""
    texts = sorted((row.file_id, row.sha256 or "") for row in _text_files(files))
    own = [
        meeting.topic,
        meeting.host_email,
        meeting.start_time.isoformat() if meeting.start_time else None,
    ]
    basis = json.dumps([INDEX_VERSION, texts, timeline, own])
    return hashlib.sha256(basis.encode()).hexdigest()


async def index_instance(
    rt: StoredArchive,
    meeting: Meeting,
    files: Sequence[RecordingFileRow],
    joined: Sequence[JoinedRecording],
) -> int:
    """(Re)index one instance unless its digest is unchanged; the documents written."""
    timeline = joined_timeline(joined)
    digest = index_digest(meeting, files, timeline)
    if meeting.search_digest == digest:
        return 0
    first = first_start(files)
    documents: list[Document] = []
    for row in _text_files(files):
        data = await read_text_file(rt, row)
        if data is None:
            log.warning("%s is larger than a Zoom text file can be; not indexed", row.storage_key)
            continue
        documents += _documents(row, data, seconds_after(first, row.recording_start), timeline)
    participants = _participants(meeting)
    written = index_meeting(
        rt.catalog, rt.connection_id, meeting.uuid, documents, participants=participants
    )
    mark_indexed(rt.catalog, rt.connection_id, meeting.uuid, digest)
    return written


def first_start(files: Sequence[RecordingFileRow]) -> datetime | None:
    """The instance's first recording_start: what joined offsets are measured from."""
    return min((row.recording_start for row in files if row.recording_start), default=None)


def seconds_after(first: datetime | None, when: datetime | None) -> float:
    return (when - first).total_seconds() if first and when else 0.0


def _documents(
    row: RecordingFileRow,
    data: bytes,
    file_start: float,
    timeline: list[tuple[float, float]] | None,
) -> list[Document]:
    kind = (row.file_type or "").upper()
    place: dict[str, Any] = {"file_id": row.file_id, "file_start": file_start}
    if kind in ("TRANSCRIPT", "CC"):
        label = "transcript" if kind == "TRANSCRIPT" else "caption"
        cues = parse_vtt(data).items
        return transcript_documents(cues, kind=label, segments=timeline, **place)
    if kind == "CHAT":
        return chat_documents(parse_chat(data).items, segments=timeline, **place)
    return summary_documents(parse_summary(data).items, file_id=row.file_id)


async def read_text_file(rt: StoredArchive, row: RecordingFileRow) -> bytes | None:
    """The file's bytes; None when it is too large to be what Zoom makes. A storage error
    raises: the instance is indexed again by the next sync instead of marked done."""
    held = bytearray()
    async for chunk in rt.store.read_stream(row.storage_key):
        held += chunk
        if len(held) > MAX_TEXT_BYTES:
            return None
    return bytes(held)


def _participants(meeting: Meeting) -> list[str]:
    """Participant names the catalog knows from Zoom's metadata, if any."""
    found = (meeting.metadata_json or {}).get("participants") or []
    return [str(p.get("name") or p) for p in found if p] if isinstance(found, list) else []


async def instance_speakers(archive: StoredArchive, uuid: str) -> list[SpeakerTime]:
    """Talk time per speaker of one archived instance: from its timeline file when it has
    one, else from its transcript; empty when it has neither."""
    _, files = instance_rows(archive.catalog, archive.connection_id, uuid)
    by_type = {(row.file_type or "").upper(): row for row in files}
    starts = [row.recording_start for row in files if row.recording_start]
    ends = [row.recording_end for row in files if row.recording_end]
    duration = (max(ends) - min(starts)).total_seconds() if starts and ends else None
    if "TIMELINE" in by_type:
        data = await read_text_file(archive, by_type["TIMELINE"])
        timeline = parse_timeline(data).items if data else ()
        if timeline:
            return speaker_stats(timeline=timeline, duration=duration)
    if "TRANSCRIPT" in by_type:
        data = await read_text_file(archive, by_type["TRANSCRIPT"])
        return speaker_stats(cues=parse_vtt(data).items if data else ())
    return []
