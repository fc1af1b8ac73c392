"""Processing one archived instance: probe its audio and video, join its stop/start segments,
make thumbnails, move its transcripts, captions and chat onto the joined timeline, index them
for search.

Every part is idempotent and leaves Zoom's originals untouched: a file already probed is not
probed again, a joined recording whose parts have not changed is kept, a thumbnail already made
is kept, and the index is rebuilt only when the files it came from changed. PyAV reads local
paths: a local store's files are read in place, others are copied to a scratch folder first.
A part that fails for one file (it does not decode, it cannot be joined) is reported and
flagged, never a reason to skip the rest.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from zoombridge.archive.joined_text import write_shifted_text
from zoombridge.archive.media_catalog import (
    AssetRecord,
    instance_assets,
    instance_rows,
    is_media,
    mark_processed,
    record_probe,
    save_asset,
)
from zoombridge.archive.media_pool import MediaWork, in_media_process
from zoombridge.archive.media_results import PROBE_VERSION, JoinResult, MediaProbe, Thumbnail
from zoombridge.archive.runtime import ArchiveRuntime
from zoombridge.archive.search_indexing import first_start, index_instance
from zoombridge.db.models import MediaAsset, Meeting, RecordingFileRow
from zoombridge.errors import UnusableMedia
from zoombridge.storage import InstanceKeys
from zoombridge.storage.store import file_pieces

__all__ = ["MEDIA_WORK", "InstanceReport", "JoinedRecording", "process_instance"]

# The media functions this module has run in the media worker, named so that this process
# does not import them (nor PyAV).
PROBE_MEDIA = MediaWork[MediaProbe]("zoombridge.archive.media_probe", "probe_media")
JOIN_SEGMENTS = MediaWork[JoinResult]("zoombridge.archive.media_join", "join_segments")
POSTER_FRAME = MediaWork[Thumbnail | None]("zoombridge.archive.thumbnails", "poster_frame")
MEDIA_WORK = (PROBE_MEDIA, JOIN_SEGMENTS, POSTER_FRAME)


@dataclass
class InstanceReport:
    uuid: str
    probed: int = 0
    flagged: int = 0
    joined: list[str] = field(default_factory=list)
    thumbnails: int = 0
    shifted: list[str] = field(default_factory=list)  # text files moved onto a joined timeline
    indexed: int = 0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class JoinedRecording:
    """A recording type's segments and where each starts in the joined asset."""

    recording_type: str | None
    storage_key: str
    segments: tuple[dict[str, Any], ...]
    local_path: Path | None = None  # while the scratch folder lives


async def process_instance(rt: ArchiveRuntime, uuid: str) -> InstanceReport:
    meeting, files = instance_rows(rt.catalog, rt.connection_id, uuid)
    report = InstanceReport(uuid)
    with tempfile.TemporaryDirectory(prefix="zoombridge-media-") as folder:
        scratch = Path(folder)
        probes = await _probe_files(rt, files, report, scratch)
        joined = await _join_segments(rt, meeting, files, probes, report, scratch)
        await _make_thumbnails(rt, meeting, files, probes, joined, report, scratch)
    report.shifted = await write_shifted_text(rt, meeting, files, joined)
    report.indexed = await index_instance(rt, meeting, files, joined)
    mark_processed(rt.catalog, rt.connection_id, uuid, rt.clock.now())
    return report


def _expected_seconds(row: RecordingFileRow) -> float | None:
    if row.recording_start is None or row.recording_end is None:
        return None
    return (row.recording_end - row.recording_start).total_seconds()


async def _probe_files(
    rt: ArchiveRuntime, files: list[RecordingFileRow], report: InstanceReport, scratch: Path
) -> dict[str, MediaProbe]:
    """Each audio/video file's probe: the stored one when current, else a new one."""
    probes: dict[str, MediaProbe] = {}
    for row in filter(is_media, files):
        stored = row.media_json or {}
        if row.probed_at is not None and stored.get("version") == PROBE_VERSION:
            probes[row.file_id] = MediaProbe.from_json(stored)
            continue
        async with rt.store.local_copy(row.storage_key, scratch) as path:
            probe = await in_media_process(
                PROBE_MEDIA,
                path,
                expected_seconds=_expected_seconds(row),
                tolerance_seconds=rt.settings.media_tolerance_seconds,
            )
        record_probe(
            rt.catalog,
            rt.connection_id,
            row.file_id,
            probe.to_json(),
            probe.problem,
            rt.clock.now(),
        )
        probes[row.file_id] = probe
        report.probed += 1
        if probe.problem:
            report.flagged += 1
            report.notes.append(f"{row.storage_key}: {probe.problem}")
    return probes


def _segment_groups(files: list[RecordingFileRow]) -> list[list[RecordingFileRow]]:
    """Audio/video files of one recording type and format, more than one: the segments of a
    recording stopped and started again, in recording order."""
    groups: dict[tuple[str | None, str], list[RecordingFileRow]] = {}
    for row in filter(is_media, files):
        key = (row.recording_type, (row.file_extension or "").upper())
        groups.setdefault(key, []).append(row)
    return [group for group in groups.values() if len(group) > 1]


async def _join_segments(
    rt: ArchiveRuntime,
    meeting: Meeting,
    files: list[RecordingFileRow],
    probes: dict[str, MediaProbe],
    report: InstanceReport,
    scratch: Path,
) -> list[JoinedRecording]:
    if not rt.settings.join_segments:
        return []
    existing = {
        a.storage_key: a for a in instance_assets(rt.catalog, rt.connection_id, meeting.uuid)
    }
    joined = []
    for group in _segment_groups(files):
        flagged = [row.storage_key for row in group if probes[row.file_id].problem]
        if flagged:
            report.notes.append(f"not joined: {', '.join(flagged)} flagged by its probe")
            continue
        key = InstanceKeys(meeting.folder).joined(
            group[0].recording_type, group[0].file_extension or "mp4"
        )
        kept = _unchanged_join(existing.get(key), group)
        if kept is not None:
            joined.append(kept)
            continue
        made = await _join_group(rt, meeting, group, key, report, scratch, first_start(files))
        if made is not None:
            joined.append(made)
    return joined


def _unchanged_join(
    asset: MediaAsset | None, group: Sequence[RecordingFileRow]
) -> JoinedRecording | None:
    if asset is None:
        return None
    parts = [(part.get("file_id"), part.get("sha256")) for part in asset.segments]
    if parts != [(row.file_id, row.sha256) for row in group]:
        return None
    return JoinedRecording(asset.recording_type, asset.storage_key, tuple(asset.segments))


async def _join_group(
    rt: ArchiveRuntime,
    meeting: Meeting,
    group: list[RecordingFileRow],
    key: str,
    report: InstanceReport,
    scratch: Path,
    first: datetime | None,
) -> JoinedRecording | None:
    """`first` is the instance's first recording_start: each segment's `recorded_at_s` is
    measured from it, as transcript and chat times are (joined_offset)."""
    output = scratch / f"joined-{len(report.joined)}{Path(key).suffix}"
    async with _local_copies(rt, group, scratch) as paths:
        try:
            result = await in_media_process(JOIN_SEGMENTS, paths, output)
        except UnusableMedia as exc:
            report.notes.append(f"not joined: {key}: {exc}")
            return None
    segments = tuple(
        {
            "file_id": row.file_id,
            "sha256": row.sha256,
            "offset_s": offset,
            "duration_s": probe_duration,
            "recorded_at_s": (row.recording_start - first).total_seconds()
            if row.recording_start and first
            else None,
        }
        for row, offset, probe_duration in zip(
            group, result.offsets_s, result.segment_durations_s, strict=True
        )
    )
    await _store_made(
        rt,
        output,
        meeting_uuid=meeting.uuid,
        kind="joined",
        storage_key=key,
        recording_type=group[0].recording_type,
        method=result.method,
        duration_s=result.duration_s,
        segments=segments,
    )
    report.joined.append(key)
    return JoinedRecording(group[0].recording_type, key, segments, output)


def _shows_video(probe: MediaProbe) -> bool:
    return probe.ok and any(stream.kind == "video" for stream in probe.streams)


async def _store_made(rt: ArchiveRuntime, path: Path, **asset: Any) -> None:
    """Store a file zoombridge made and record it, its SHA-256 taken in the pass that writes
    it (as a transfer's is), not in a second read."""
    sha = hashlib.sha256()
    size = await rt.store.put_stream(asset["storage_key"], file_pieces(path), each=sha.update)
    record = AssetRecord(size=size, sha256=sha.hexdigest(), **asset)
    save_asset(rt.catalog, rt.connection_id, record, rt.clock.now())


@contextlib.asynccontextmanager
async def _local_copies(
    rt: ArchiveRuntime, rows: Sequence[RecordingFileRow], scratch: Path
) -> AsyncIterator[list[Path]]:
    async with contextlib.AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(rt.store.local_copy(row.storage_key, scratch))
            for row in rows
        ]


async def _make_thumbnails(
    rt: ArchiveRuntime,
    meeting: Meeting,
    files: list[RecordingFileRow],
    probes: dict[str, MediaProbe],
    joined: list[JoinedRecording],
    report: InstanceReport,
    scratch: Path,
) -> None:
    """A poster frame for every video that decodes, original or joined, made once."""
    keys = InstanceKeys(meeting.folder)
    done = {
        a.source_key
        for a in instance_assets(rt.catalog, rt.connection_id, meeting.uuid)
        if a.kind == "thumbnail"
    }
    videos = [
        row.storage_key
        for row in files
        if row.file_id in probes and _shows_video(probes[row.file_id])
    ]
    videos += [j.storage_key for j in joined if j.storage_key.lower().endswith(".mp4")]
    for source in videos:
        if source in done:
            continue
        output = scratch / f"thumbnail-{report.thumbnails}.jpg"
        async with rt.store.local_copy(source, scratch) as path:
            made = await in_media_process(POSTER_FRAME, path, output)
        if made is None:
            continue
        await _store_made(
            rt,
            output,
            meeting_uuid=meeting.uuid,
            kind="thumbnail",
            storage_key=keys.thumbnail(source),
            source_key=source,
        )
        report.thumbnails += 1
