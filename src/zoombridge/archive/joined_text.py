"""Transcripts, captions and chat of an instance recorded in segments, rewritten onto the
timeline of its joined recording, so a player showing the joined file shows each word and
message when it was said there.

One shifted file per text type (`joined/audio_transcript.vtt`, `joined/closed_caption.vtt`,
`joined/chat_file.txt`), merging that type's files when Zoom made one per segment. Times
move as the search index's offsets do (joined_offset): a time inside a segment keeps its
place in it; a time in a gap between segments, when nothing was recorded, moves to the next
segment's start. A cue that lies wholly in a gap would last no time at all and is left out.
The originals stay as Zoom made them; the shifted files are assets with their own checksums.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from zoombridge.archive.media_catalog import AssetRecord, instance_assets, save_asset
from zoombridge.archive.runtime import ArchiveRuntime
from zoombridge.archive.search_indexing import (
    first_start,
    joined_timeline,
    read_text_file,
    seconds_after,
    timeline_recording,
)
from zoombridge.archive.transcripts import (
    ChatMessage,
    Cue,
    joined_offset,
    parse_chat,
    parse_vtt,
)
from zoombridge.db.models import Meeting, RecordingFileRow
from zoombridge.storage import InstanceKeys

if TYPE_CHECKING:  # instance_media imports this module, and defines JoinedRecording
    from zoombridge.archive.instance_media import JoinedRecording

__all__ = ["ShiftedText", "shifted_chat", "shifted_vtt", "write_shifted_text"]

log = logging.getLogger("zoombridge.archive")

SHIFTED_KIND = "shifted_text"
CUE_TYPES = frozenset({"TRANSCRIPT", "CC"})
Timeline = Sequence[tuple[float, float]]


@dataclass(frozen=True)
class ShiftedText:
    """One source file's items and where it began, in seconds after the instance's first
    recording_start."""

    file_start: float
    cues: Sequence[Cue] = ()
    messages: Sequence[ChatMessage] = ()


def shifted_vtt(sources: Sequence[ShiftedText], timeline: Timeline) -> tuple[bytes, int]:
    """A WebVTT file of every source's cues on the joined timeline, in time order, speakers
    as Zoom writes them ("Name: text"); and how many cues were left out (wholly in a gap)."""
    placed: list[tuple[float, float, Cue]] = []
    dropped = 0
    for source in sources:
        for cue in source.cues:
            start = joined_offset(timeline, source.file_start + cue.start)
            end = joined_offset(timeline, source.file_start + cue.end)
            if end > start:
                placed.append((start, end, cue))
            else:
                dropped += 1
    placed.sort(key=lambda item: (item[0], item[1]))
    blocks = ["WEBVTT"]
    for number, (start, end, cue) in enumerate(placed, 1):
        said = f"{cue.speaker}: {cue.text}" if cue.speaker else cue.text
        blocks.append(f"{number}\n{_vtt_time(start)} --> {_vtt_time(end)}\n{said}")
    return ("\n\n".join(blocks) + "\n").encode(), dropped


def shifted_chat(sources: Sequence[ShiftedText], timeline: Timeline) -> bytes:
    """A chat file of every source's messages on the joined timeline, in Zoom's current
    layout (header line, then the text tab-indented), private messages still marked."""
    placed = sorted(
        (
            (joined_offset(timeline, source.file_start + message.offset), n, message)
            for source in sources
            for n, message in enumerate(source.messages)
        ),
        key=lambda item: (item[0], item[1]),
    )
    lines = []
    for at, _, message in placed:
        recipient = message.recipient or "Everyone"
        private = "(direct message)" if message.private else ""
        lines.append(f"{_clock(at)} From {message.sender} to {recipient}{private}:")
        lines += [f"\t{line}" for line in message.text.split("\n")]
    return ("\n".join(lines) + "\n").encode() if lines else b""


def _vtt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


async def write_shifted_text(
    rt: ArchiveRuntime,
    meeting: Meeting,
    files: Sequence[RecordingFileRow],
    joined: Sequence[JoinedRecording],
) -> list[str]:
    """Store the shifted text files of an instance whose recordings were joined; the keys
    written (none without a joined recording; a file whose bytes are already stored is not
    written again)."""
    chosen, timeline = timeline_recording(joined), joined_timeline(joined)
    if chosen is None or timeline is None:
        return []
    first = first_start(files)
    groups: dict[tuple[str | None, str], list[RecordingFileRow]] = {}
    for row in files:
        kind = (row.file_type or "").upper()
        if kind in CUE_TYPES or kind == "CHAT":
            groups.setdefault((row.recording_type, kind), []).append(row)
    assets = instance_assets(rt.catalog, rt.connection_id, meeting.uuid)
    stored = {asset.storage_key: asset.sha256 for asset in assets}
    written = []
    for (recording_type, kind), rows in groups.items():
        sources = [await _read_source(rt, row, kind, first) for row in rows]
        if kind == "CHAT":
            data, extension = shifted_chat(sources, timeline), "txt"
        else:
            data, dropped = shifted_vtt(sources, timeline)
            extension = "vtt"
            if dropped:
                log.info("%s: %d cues fell between segments", meeting.uuid, dropped)
        key = InstanceKeys(meeting.folder).joined(recording_type or kind, extension)
        digest = hashlib.sha256(data).hexdigest()
        if stored.get(key) == digest:
            continue
        await rt.store.put_bytes(key, data)
        record = AssetRecord(
            meeting_uuid=meeting.uuid,
            kind=SHIFTED_KIND,
            storage_key=key,
            size=len(data),
            sha256=digest,
            recording_type=recording_type,
            source_key=chosen.storage_key,
            segments=tuple({"file_id": row.file_id, "sha256": row.sha256} for row in rows),
        )
        save_asset(rt.catalog, rt.connection_id, record, rt.clock.now())
        written.append(key)
    return written


async def _read_source(
    rt: ArchiveRuntime, row: RecordingFileRow, kind: str, first: datetime | None
) -> ShiftedText:
    data = await read_text_file(rt, row) or b""  # too large for a Zoom text file: nothing
    file_start = seconds_after(first, row.recording_start)
    if kind == "CHAT":
        return ShiftedText(file_start, messages=parse_chat(data).items)
    return ShiftedText(file_start, cues=parse_vtt(data).items)
