"""What a recording's page shows, once the reader may see it: what can be played (the joined
recording, else the best video file, else audio), the transcript the player follows, the
chat, the archived originals, and talk time per speaker.

The transcript and chat come from the search index, which already holds every cue with its
place on the joined recording's timeline; nothing is parsed again to show a page."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zoombridge.archive.media_catalog import archived_files
from zoombridge.db import FileState
from zoombridge.db.models import MediaAsset, RecordingFileRow, SearchDocument

__all__ = [
    "PLAYABLE_TYPES",
    "MediaObject",
    "OriginalFile",
    "PanelLine",
    "Source",
    "chat_lines",
    "media_object",
    "originals",
    "playable_sources",
    "transcript_lines",
]

# Zoom's recording types, the best to watch first (a shared screen with the speaker beside it).
VIDEO_PREFERENCE = (
    "shared_screen_with_speaker_view",
    "shared_screen_with_speaker_view(CC)",
    "shared_screen_with_gallery_view",
    "speaker_view",
    "gallery_view",
    "shared_screen",
    "active_speaker",
)
PLAYABLE_TYPES = {"MP4": "video/mp4", "M4A": "audio/mp4"}
CONTENT_TYPES = {
    **PLAYABLE_TYPES,
    "VTT": "text/vtt; charset=utf-8",
    "TRANSCRIPT": "text/vtt; charset=utf-8",
    "CC": "text/vtt; charset=utf-8",
    "TXT": "text/plain; charset=utf-8",
    "CHAT": "text/plain; charset=utf-8",
    "JSON": "application/json",
    "TIMELINE": "application/json",
    "CSV": "text/csv; charset=utf-8",
    "JPG": "image/jpeg",
    "JPEG": "image/jpeg",
    "PNG": "image/png",
}
MAX_PANEL_LINES = 20_000


@dataclass(frozen=True)
class Source:
    """Something the player can play: `id` is "a<asset id>" (a joined recording) or
    "f<file id>" (one of Zoom's files); `joined` says which timeline the transcript uses."""

    id: str
    label: str
    content_type: str
    duration_s: float | None
    joined: bool


@dataclass(frozen=True)
class MediaObject:
    storage_key: str
    size: int
    content_type: str
    filename: str


def _rank(recording_type: str | None) -> int:
    try:
        return VIDEO_PREFERENCE.index(recording_type or "")
    except ValueError:
        return len(VIDEO_PREFERENCE)


def playable_sources(session: Session, connection_id: int, uuid: str) -> list[Source]:
    """The instance's playable media, best first: joined recordings, then archived video
    files (by preference, each segment in time order), then audio."""
    joined = session.scalars(
        select(MediaAsset).where(
            MediaAsset.connection_id == connection_id,
            MediaAsset.meeting_uuid == uuid,
            MediaAsset.kind == "joined",
        )
    ).all()
    sources = [
        Source(
            f"a{asset.id}",
            f"{_label(asset.recording_type)} (joined)",
            "audio/mp4" if asset.storage_key.lower().endswith(".m4a") else "video/mp4",
            asset.duration_s,
            True,
        )
        for asset in sorted(joined, key=lambda a: _rank(a.recording_type))
    ]
    files = archived_files(session, connection_id, uuid)
    playable = [row for row in files if (row.file_type or "").upper() in PLAYABLE_TYPES]
    playable.sort(key=lambda row: ((row.file_type or "") != "MP4", _rank(row.recording_type)))
    for row in playable:
        sources.append(
            Source(
                f"f{row.file_id}",
                _file_label(row),
                PLAYABLE_TYPES[(row.file_type or "").upper()],
                _seconds(row.recording_start, row.recording_end),
                False,
            )
        )
    return sources


def _label(recording_type: str | None) -> str:
    return (recording_type or "recording").replace("_", " ")


def _file_label(row: RecordingFileRow) -> str:
    label = _label(row.recording_type)
    if row.recording_start:
        label += f", from {row.recording_start:%H:%M}"
    return label


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return (end - start).total_seconds() if start and end else None


@dataclass(frozen=True)
class OriginalFile:
    """One of Zoom's files as archived, unaltered."""

    file_id: str
    file_type: str | None
    recording_type: str | None
    participant: str | None
    size: int | None
    sha256: str | None
    recording_start: datetime | None

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["recording_start"] = _iso(self.recording_start)
        return found


def originals(session: Session, connection_id: int, uuid: str) -> list[OriginalFile]:
    return [
        OriginalFile(
            row.file_id,
            row.file_type,
            row.recording_type,
            row.participant,
            row.stored_size,
            row.sha256,
            row.recording_start,
        )
        for row in archived_files(session, connection_id, uuid)
    ]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class PanelLine:
    """A line of the transcript or chat panel: `at` is where the player jumps, in seconds on
    the played source's timeline (None when the line has no time)."""

    at: float | None
    speaker: str | None
    text: str


def transcript_lines(
    session: Session, connection_id: int, uuid: str, *, joined: bool
) -> list[PanelLine]:
    """The transcript's cues (Zoom's audio transcript, else its captions), in time order."""
    for kind in ("transcript", "caption"):
        lines = _panel(session, connection_id, uuid, kind, joined=joined, private=False)
        if lines:
            return lines
    return []


def chat_lines(
    session: Session, connection_id: int, uuid: str, *, joined: bool, private: bool
) -> list[PanelLine]:
    """The chat in time order; direct messages only when `private` (Managers and Admins)."""
    return _panel(session, connection_id, uuid, "chat", joined=joined, private=private)


def _panel(
    session: Session, connection_id: int, uuid: str, kind: str, *, joined: bool, private: bool
) -> list[PanelLine]:
    query = (
        select(SearchDocument.start_s, SearchDocument.joined_s, SearchDocument.speaker)
        .add_columns(SearchDocument.body)
        .where(
            SearchDocument.connection_id == connection_id,
            SearchDocument.meeting_uuid == uuid,
            SearchDocument.kind == kind,
        )
        .order_by(SearchDocument.start_s, SearchDocument.id)
        .limit(MAX_PANEL_LINES)
    )
    if not private:
        query = query.where(SearchDocument.private.is_(False))
    return [
        PanelLine(joined_s if joined else start_s, speaker, body)
        for start_s, joined_s, speaker, body in session.execute(query).all()
    ]


def media_object(
    session: Session, connection_id: int, uuid: str, source_id: str
) -> MediaObject | None:
    """The stored object behind a source id of this instance ("a<id>" a made asset, "f<id>"
    an archived original); None when the instance has no such object."""
    kind, ident = source_id[:1], source_id[1:]
    if kind == "a" and ident.isdigit():
        asset = session.get(MediaAsset, int(ident))
        if asset is None or (asset.connection_id, asset.meeting_uuid) != (connection_id, uuid):
            return None
        extension = asset.storage_key.rsplit(".", 1)[-1].upper()
        return MediaObject(
            asset.storage_key,
            asset.size,
            CONTENT_TYPES.get(extension, "application/octet-stream"),
            asset.storage_key.rsplit("/", 1)[-1],
        )
    if kind == "f":
        row = session.get(RecordingFileRow, (connection_id, ident))
        if row is None or row.meeting_uuid != uuid or row.state != FileState.ARCHIVED:
            return None
        file_type = (row.file_extension or row.file_type or "").upper()
        return MediaObject(
            row.storage_key,
            int(row.stored_size or 0),
            CONTENT_TYPES.get(file_type, "application/octet-stream"),
            row.storage_key.rsplit("/", 1)[-1],
        )
    return None
