"""The catalog's side of media work: which instances need probing, joining, thumbnails and
indexing, what the probes found, and the assets made from the originals.

An instance is processed as soon as a file of it is archived, and again whenever another file
is archived after the last processing (a segment or transcript Zoom was still processing, a
failed file that landed on retry): every part is incremental, so a late file redoes only what
it changes (its group's join, the index).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from zoombridge.db import Catalog
from zoombridge.db.models import MEETING_FILES, FileState, MediaAsset, Meeting, RecordingFileRow

__all__ = [
    "MEDIA_EXTENSIONS",
    "AssetRecord",
    "archived_files",
    "instance_assets",
    "instance_rows",
    "instances_to_process",
    "is_media",
    "mark_indexed",
    "mark_processed",
    "media_problem_count",
    "ready_for_processing",
    "record_probe",
    "save_asset",
]

# Zoom's audio and video files; everything else (VTT, TXT, JSON, CSV) is text.
MEDIA_EXTENSIONS = frozenset({"MP4", "M4A", "MP3", "WAV"})


def is_media(row: RecordingFileRow) -> bool:
    return (row.file_extension or "").upper() in MEDIA_EXTENSIONS


@dataclass(frozen=True)
class AssetRecord:
    meeting_uuid: str
    kind: str  # "joined" | "thumbnail" | "shifted_text"
    storage_key: str
    size: int
    sha256: str
    recording_type: str | None = None
    source_key: str | None = None
    method: str | None = None
    duration_s: float | None = None
    segments: tuple[dict[str, Any], ...] = ()


def instances_to_process(
    catalog: Catalog, connection_id: int, limit: int = 1000
) -> list[tuple[str, datetime]]:
    """Instances with an archived file that no processing has covered yet, each with the
    time its newest file was archived (what a processing run covers)."""
    newest = func.max(RecordingFileRow.archived_at)
    query = (
        select(Meeting.uuid, newest)
        .join(RecordingFileRow, MEETING_FILES)
        .where(Meeting.connection_id == connection_id)
        .group_by(Meeting.uuid, Meeting.start_time, Meeting.processed_at)
        .having(
            newest.is_not(None),
            or_(Meeting.processed_at.is_(None), newest > Meeting.processed_at),
        )
        .order_by(Meeting.start_time, Meeting.uuid)
        .limit(limit)
    )
    with catalog.session() as session:
        return [(uuid, when) for uuid, when in session.execute(query) if when is not None]


def ready_for_processing(catalog: Catalog, connection_id: int, uuid: str) -> datetime | None:
    """When no transfer of the instance is still queued: the time its newest file was
    archived (None if it has none yet); else None. Asked by each transfer as it ends, so an
    instance is processed while the sync's other transfers still run."""
    in_instance = (RecordingFileRow.connection_id == connection_id) & (
        RecordingFileRow.meeting_uuid == uuid
    )
    with catalog.session() as session:
        queued, newest = session.execute(
            select(
                func.count().filter(RecordingFileRow.state == FileState.PENDING),
                func.max(RecordingFileRow.archived_at),
            ).where(in_instance)
        ).one()
    return newest if not queued else None


def instance_rows(
    catalog: Catalog, connection_id: int, uuid: str
) -> tuple[Meeting, list[RecordingFileRow]]:
    """The instance and its archived files, in recording order (detached, read-only)."""
    with catalog.session() as session:
        meeting = session.get(Meeting, (connection_id, uuid))
        if meeting is None:
            raise LookupError(f"instance {uuid} is not in the catalog")
        files = archived_files(session, connection_id, uuid)
        session.expunge_all()
    return meeting, files


def archived_files(session: Session, connection_id: int, uuid: str) -> list[RecordingFileRow]:
    """The instance's archived files, in recording order."""
    return list(
        session.scalars(
            select(RecordingFileRow)
            .where(
                RecordingFileRow.connection_id == connection_id,
                RecordingFileRow.meeting_uuid == uuid,
                RecordingFileRow.state == FileState.ARCHIVED,
            )
            .order_by(RecordingFileRow.recording_start, RecordingFileRow.file_id)
        ).all()
    )


def record_probe(
    catalog: Catalog,
    connection_id: int,
    file_id: str,
    probe: dict[str, Any],
    problem: str | None,
    now: datetime,
) -> None:
    with catalog.session() as session, session.begin():
        session.execute(
            update(RecordingFileRow)
            .where(
                RecordingFileRow.connection_id == connection_id,
                RecordingFileRow.file_id == file_id,
            )
            .values(media_json=probe, media_problem=problem, probed_at=now)
        )


def save_asset(catalog: Catalog, connection_id: int, asset: AssetRecord, now: datetime) -> None:
    """Record an asset; one already recorded under the same key is replaced."""
    with catalog.session() as session, session.begin():
        session.execute(
            delete(MediaAsset).where(
                MediaAsset.connection_id == connection_id,
                MediaAsset.storage_key == asset.storage_key,
            )
        )
        session.add(
            MediaAsset(
                connection_id=connection_id,
                meeting_uuid=asset.meeting_uuid,
                kind=asset.kind,
                recording_type=asset.recording_type,
                source_key=asset.source_key,
                storage_key=asset.storage_key,
                size=asset.size,
                sha256=asset.sha256,
                method=asset.method,
                duration_s=asset.duration_s,
                segments=list(asset.segments),
                created_at=now,
            )
        )


def instance_assets(catalog: Catalog, connection_id: int, uuid: str) -> list[MediaAsset]:
    with catalog.session() as session:
        rows = session.scalars(
            select(MediaAsset)
            .where(MediaAsset.connection_id == connection_id, MediaAsset.meeting_uuid == uuid)
            .order_by(MediaAsset.kind, MediaAsset.storage_key)
        ).all()
        session.expunge_all()
    return list(rows)


def mark_processed(catalog: Catalog, connection_id: int, uuid: str, now: datetime) -> None:
    _set_meeting(catalog, connection_id, uuid, processed_at=now)


def mark_indexed(catalog: Catalog, connection_id: int, uuid: str, digest: str) -> None:
    _set_meeting(catalog, connection_id, uuid, search_digest=digest)


def _set_meeting(catalog: Catalog, connection_id: int, uuid: str, **values: Any) -> None:
    with catalog.session() as session, session.begin():
        session.execute(
            update(Meeting)
            .where(Meeting.connection_id == connection_id, Meeting.uuid == uuid)
            .values(**values)
        )


def media_problem_count(catalog: Catalog, connection_id: int) -> int:
    """Archived audio/video files flagged by their probe (undecodable, wrong duration)."""
    with catalog.session() as session:
        count = session.scalar(
            select(func.count()).where(
                RecordingFileRow.connection_id == connection_id,
                RecordingFileRow.media_problem.is_not(None),
            )
        )
    return int(count or 0)
