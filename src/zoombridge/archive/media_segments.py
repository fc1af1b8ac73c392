"""Opening the segments of a join, and deciding whether a stream copy is valid.

A stream copy writes one codec configuration per output stream (H.264's SPS/PPS, AAC's
AudioSpecificConfig: the codec's extradata, written once in the MP4's sample description) and
one time base. Every segment's packets must therefore match the first segment in codec,
profile, extradata, picture size and pixel format (video), sample rate and channels (audio),
and time base (so timestamps carry over exactly). Anything else is re-encoded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av

from zoombridge.archive.media_audit import PacketAudit, ffmpeg_reason
from zoombridge.archive.media_files import is_mp4_family, mp4_structure_problem
from zoombridge.errors import UnusableMedia

__all__ = ["Segment", "copy_blockers", "demuxed", "open_segments"]


@dataclass(frozen=True)
class Segment:
    """One open input: its audio and video streams in container order (others are dropped)."""

    path: Path
    container: Any
    streams: tuple[Any, ...]

    @property
    def zero_s(self) -> float:
        """Where the segment's timeline starts (its first timestamp, usually 0)."""
        return float((self.container.start_time or 0) / 1_000_000)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(stream.type for stream in self.streams)


def open_segments(inputs: Sequence[Path], stack: ExitStack) -> list[Segment]:
    """Open every input (closed by `stack`); UnusableMedia naming each one that cannot be used."""
    segments: list[Segment] = []
    problems: dict[str, str] = {}
    for path in inputs:
        opened = _open(path, stack)
        if isinstance(opened, str):
            problems[str(path)] = opened
        else:
            segments.append(opened)
    if not problems and segments:
        first = segments[0]
        for segment in segments[1:]:
            if segment.kinds != first.kinds:
                problems[str(segment.path)] = (
                    f"has {'+'.join(segment.kinds)} streams, unlike the first segment"
                    f" ({'+'.join(first.kinds)}): not the same kind of recording"
                )
    if problems:
        raise UnusableMedia(problems)
    return segments


def _open(path: Path, stack: ExitStack) -> Segment | str:
    """The open segment, or what is wrong with the file."""
    try:
        if path.stat().st_size == 0:
            return "zero-length file"
        structure = mp4_structure_problem(path) if is_mp4_family(path) else None
        if structure is not None:
            return structure
        container = stack.enter_context(av.open(str(path)))
    except (av.FFmpegError, OSError, ValueError) as exc:
        return f"does not decode: not a media file FFmpeg can open ({ffmpeg_reason(exc)})"
    streams = tuple(s for s in container.streams if s.type in ("audio", "video"))
    if not streams:
        return "does not decode: the file has no audio or video stream"
    return Segment(path, container, streams)


def copy_blockers(segments: Sequence[Segment]) -> list[str]:
    """Why the segments cannot be stream-copied into one file; empty when they can."""
    first = segments[0]
    reasons: list[str] = []
    for segment in segments[1:]:
        for ours, theirs in zip(first.streams, segment.streams, strict=True):
            differs = _first_difference(_signature(ours), _signature(theirs))
            if differs is not None:
                field, want, got = differs
                reasons.append(
                    f"{segment.path.name}: {ours.type} {field} {got} differs from {want}"
                    f" in {first.path.name}"
                )
    return reasons


def _signature(stream: Any) -> dict[str, object]:
    """What must be equal for a copy, most telling first (it names the difference)."""
    context = stream.codec_context
    if stream.type == "video":
        specific: dict[str, object] = {
            "size": f"{context.width}x{context.height}",
            "pixel format": context.format.name if context.format else None,
        }
    else:
        specific = {"sample rate": context.sample_rate, "channels": context.layout.nb_channels}
    return {
        "codec": context.codec.canonical_name,
        **specific,
        "profile": context.profile,
        "configuration (extradata)": _digest(context.extradata),
        "time base": stream.time_base,
    }


def _digest(extradata: bytes | None) -> str:
    """Short enough to print, and equal exactly when the bytes are."""
    return "sha256:" + hashlib.sha256(extradata).hexdigest()[:12] if extradata else "none"


def _first_difference(
    want: dict[str, object], got: dict[str, object]
) -> tuple[str, object, object] | None:
    for field, value in want.items():
        if got[field] != value:
            return field, value, got[field]
    return None


def demuxed(segment: Segment, audit: PacketAudit) -> Iterator[Any]:
    """The segment's packets (flush packets left out), each shown to `audit` first.

    Reading errors, and whatever the audit finds at the end (truncation, undecodable
    samples), raise UnusableMedia for this segment.
    """
    try:
        # Only the demuxer's own errors land here: the caller's run between the yields.
        for packet in segment.container.demux(*segment.streams):
            audit.feed(packet)
            if packet.dts is not None:
                yield packet
    except (av.FFmpegError, ValueError) as exc:
        reached = audit.duration_s() or 0.0
        stopped = f"does not decode: reading stopped after {reached:.1f} s: {ffmpeg_reason(exc)}"
        raise UnusableMedia({str(segment.path): stopped}) from exc
    audit.finish()
    problem = audit.problem()
    if problem is not None:
        raise UnusableMedia({str(segment.path): problem})
