"""Join the segments of one recording (stopped and restarted in Zoom) into one asset.

`join_segments` takes the segments in recording_start order and writes one MP4 (video) or M4A
(audio only) in which segment k starts exactly where segment k-1 ended. When every segment has
the same stream layout and codec parameters (see `media_segments`) the packets are copied
as they are; otherwise everything is re-encoded to H.264/AAC (`media_reencode`). The inputs
are only read. The output appears under its name only when complete.

Every input is checked on the way (the same checks as `probe_media`, riding on the one pass
the join makes anyway); a damaged input raises `UnusableMedia` and leaves no output.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

import av

from zoombridge.archive.media_audit import PacketAudit
from zoombridge.archive.media_files import atomic_output
from zoombridge.archive.media_reencode import reencode
from zoombridge.archive.media_results import JoinResult
from zoombridge.archive.media_segments import Segment, copy_blockers, demuxed, open_segments
from zoombridge.errors import UnusableMedia

__all__ = ["JoinResult", "UnusableMedia", "join_segments"]


def join_segments(inputs: list[Path], output: Path) -> JoinResult:
    """Join `inputs` (in recording_start order) into `output`.

    Raises UnusableMedia (nothing written) when an input is damaged or is not the same kind of
    recording as the first, ValueError when the call itself is wrong.
    """
    if not inputs:
        raise ValueError("join_segments needs at least one input")
    if output.resolve() in {path.resolve() for path in inputs}:
        raise ValueError(f"the output {output} is one of the inputs; the originals stay untouched")
    with ExitStack() as stack:
        segments = open_segments(inputs, stack)
        reasons = copy_blockers(segments)
        with atomic_output(output) as temporary:
            durations = reencode(segments, temporary) if reasons else _copy(segments, temporary)
            duration = _written_duration(temporary)
    offsets = [0.0]
    for length in durations[:-1]:
        offsets.append(offsets[-1] + length)
    return JoinResult(
        output=output,
        method="reencode" if reasons else "copy",
        duration_s=duration,
        offsets_s=tuple(round(offset, 6) for offset in offsets),
        segment_durations_s=tuple(round(length, 6) for length in durations),
        reencode_reasons=tuple(reasons),
    )


def _written_duration(path: Path) -> float:
    with av.open(str(path)) as container:
        return float(container.duration / 1_000_000) if container.duration else 0.0


def _copy(segments: list[Segment], temporary: Path) -> list[float]:
    """Stream-copy every segment; each segment's length, as demuxed."""
    with av.open(str(temporary), "w", format="mp4") as output:
        writer = _CopyWriter(output, segments[0])
        offset, durations = 0.0, []
        for index, segment in enumerate(segments):
            length = writer.append(segment, offset, first=index == 0)
            durations.append(length)
            offset += length
    return durations


def _ends_by(packet: Any, limit: int) -> bool:
    return packet.pts is not None and packet.pts + (packet.duration or 0) <= limit


class _CopyWriter:
    """Muxes packets of successive segments onto one continuous timeline."""

    def __init__(self, output: Any, template: Segment) -> None:
        self._output = output
        self._streams = [output.add_stream_from_template(s) for s in template.streams]
        self._last_dts: list[int | None] = [None] * len(self._streams)

    def append(self, segment: Segment, offset_s: float, *, first: bool) -> float:
        """Copy `segment` so that its timeline starts at `offset_s`; its length in seconds."""
        position = {stream.index: i for i, stream in enumerate(segment.streams)}
        zero = [round(segment.zero_s / stream.time_base) for stream in segment.streams]
        shift = [
            round(offset_s / s.time_base) - z for s, z in zip(segment.streams, zero, strict=True)
        ]
        # AAC's priming packet ends before the segment's start: the first segment keeps it
        # (the muxer writes an edit list for it); later ones drop it, or it would overlap the
        # end of the previous segment.
        drop_before = [
            None if first or stream.type != "audio" else z
            for stream, z in zip(segment.streams, zero, strict=True)
        ]
        audit = PacketAudit(segment.container)
        for packet in demuxed(segment, audit):
            i = position[packet.stream_index]
            limit = drop_before[i]
            if limit is not None and _ends_by(packet, limit):
                continue
            shift[i] = self._mux(packet, i, shift[i])
        length = audit.duration_s()
        if length is None:
            raise UnusableMedia({str(segment.path): "does not decode: it has no packets"})
        return length

    def _mux(self, packet: Any, i: int, shift: int) -> int:
        """Mux one packet moved by `shift` ticks; the shift to use from now on."""
        dts = packet.dts + shift
        last = self._last_dts[i]
        if last is not None and dts <= last:
            # Reordered video (B-frames) can start a segment with a decode time before the
            # previous segment's last one: move this segment later by the few ticks needed.
            shift += last + 1 - dts
            dts = last + 1
        packet.dts = dts
        if packet.pts is not None:
            packet.pts += shift
        self._last_dts[i] = dts
        packet.stream = self._streams[i]
        self._output.mux(packet)
        return shift
