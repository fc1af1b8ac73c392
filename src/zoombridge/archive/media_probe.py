"""Probe an archived audio/video file: what it is, how long it lasts, and whether it is sound.

`probe_media` never raises on bad media: a zero-length, truncated, garbage or undecodable file
comes back as a `MediaProbe` whose `problem` says, in one sentence, what is wrong. The checks,
cheapest first:

1. the file's size (zero-length files stop here);
2. for MP4/M4A, the chain of top-level boxes (a cut-off download ends inside a box; Zoom's
   trailing `free` box of zeros is a normal box);
3. opening the container and reading its header;
4. one pass demuxing every audio/video packet, which reads the file end to end (a stream that
   stops well before its header's duration is truncated), decoding a bounded sample of packets
   spread over the file (see `media_audit`): affordable for multi-GB recordings;
5. optionally, the measured duration against Zoom's recording_start/recording_end.

`to_json`/`from_json` let the catalog store a probe; `PROBE_VERSION` changes when the checks
do, so stored probes older than it can be redone.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import av

from zoombridge.archive.media_audit import PacketAudit, ffmpeg_reason
from zoombridge.archive.media_files import is_mp4_family, mp4_structure_problem
from zoombridge.archive.media_results import PROBE_VERSION, MediaProbe, StreamInfo

__all__ = ["DEFAULT_TOLERANCE_S", "PROBE_VERSION", "MediaProbe", "StreamInfo", "probe_media"]

# Zoom's recording_start/recording_end are whole seconds and bracket a little start-up time.
DEFAULT_TOLERANCE_S = 2.0


def probe_media(
    path: Path,
    *,
    expected_seconds: float | None = None,
    tolerance_seconds: float = DEFAULT_TOLERANCE_S,
) -> MediaProbe:
    """Probe `path`; with `expected_seconds` (Zoom's recording_end - recording_start), also
    flag a duration that differs from it by more than `tolerance_seconds`."""
    try:
        size = path.stat().st_size
        if size == 0:
            return MediaProbe(0, None, None, (), False, "zero-length file")
        structure = mp4_structure_problem(path) if is_mp4_family(path) else None
    except OSError as exc:
        return MediaProbe(0, None, None, (), False, f"cannot be read: {exc}")
    try:
        with av.open(str(path)) as container:
            probe = _inspect(container, size, structure)
    except (av.FFmpegError, OSError, ValueError) as exc:
        problem = (
            structure or f"does not decode: not a media file FFmpeg can open ({ffmpeg_reason(exc)})"
        )
        return MediaProbe(size, None, None, (), False, problem)
    if probe.problem is None and expected_seconds is not None:
        mismatch = _duration_problem(probe.duration_s, expected_seconds, tolerance_seconds)
        probe = replace(probe, problem=mismatch)
    return probe


def _duration_problem(found: float | None, expected: float, tolerance: float) -> str | None:
    if found is not None and abs(found - expected) <= tolerance:
        return None
    shown = "unknown" if found is None else f"{found:.1f} s"
    return (
        f"duration {shown} disagrees with Zoom's recording_start/end ({expected:.1f} s)"
        f" beyond {tolerance:.1f} s"
    )


def _inspect(container: Any, size: int, structure: str | None) -> MediaProbe:
    streams = tuple(_stream_info(stream) for stream in container.streams)
    header_s = container.duration / 1_000_000 if container.duration else None
    audit = PacketAudit(container)
    if not audit.stream_indexes:
        missing = structure or "does not decode: the file has no audio or video stream"
        return MediaProbe(size, container.format.name, header_s, streams, False, missing)
    stopped = _demux_all(container, audit)
    decode_problem = stopped or audit.decode_problem()
    problem = structure or decode_problem or audit.truncation_problem()
    duration = audit.duration_s()
    return MediaProbe(
        size_bytes=size,
        container=container.format.name,
        duration_s=round(duration if duration is not None else header_s or 0.0, 3),
        streams=streams,
        decodes=decode_problem is None,
        problem=problem,
    )


def _demux_all(container: Any, audit: PacketAudit) -> str | None:
    """Feed every audio/video packet to the audit; a sentence when reading breaks off."""
    try:
        for packet in container.demux(*(container.streams[i] for i in audit.stream_indexes)):
            audit.feed(packet)
    except (av.FFmpegError, ValueError) as exc:
        reached = audit.duration_s() or 0.0
        return f"does not decode: reading stopped after {reached:.1f} s: {ffmpeg_reason(exc)}"
    audit.finish()
    return None


def _stream_info(stream: Any) -> StreamInfo:
    context = stream.codec_context
    kind = stream.type
    codec = context.codec.canonical_name if context is not None else "unknown"
    profile = getattr(context, "profile", None)
    if kind == "video":
        rate = stream.average_rate or stream.guessed_rate
        return StreamInfo(
            kind,
            codec,
            profile,
            width=context.width,
            height=context.height,
            fps=round(float(rate), 3) if rate else None,
        )
    if kind == "audio":
        channels = context.layout.nb_channels if context.layout else None
        return StreamInfo(kind, codec, profile, sample_rate=context.sample_rate, channels=channels)
    return StreamInfo(kind, codec, profile)
