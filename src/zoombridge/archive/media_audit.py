"""The packet-level media check shared by probing and joining: one pass, bounded decoding.

Every packet of every audio and video stream is demuxed, which checks the container end to end
(truncation shows as streams that stop before their header says) at the speed of reading the
file. Decoding every frame of a multi-GB recording would cost minutes, so only a sample is
decoded: at `SAMPLE_RUNS` positions spread over each stream, a short run of packets starting
at a keyframe (decodable on its own; `RUN_PACKETS`). A file whose packets are garbage fails at the
first run. Damage confined to a stretch between runs is not seen; the demux pass, sizes and
checksums guard the rest.

The join feeds the same audit with the packets it copies, so its checks ride on the one pass
over the data that copying needs anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av

__all__ = ["RUN_PACKETS", "SAMPLE_RUNS", "TRUNCATION_SLACK_S", "PacketAudit", "ffmpeg_reason"]

SAMPLE_RUNS = 8
# Packets decoded per run: the keyframe alone for video (a 1080p frame costs about a
# millisecond, and a join pays this per segment), a few cheap packets for audio.
RUN_PACKETS = {"video": 1, "audio": 4}
# A stream may end a little before its header's duration (encoder delay, rounding); a cut file
# stops far earlier. Below this, the demuxed end is taken as complete.
TRUNCATION_SLACK_S = 0.5
_NEVER = float("inf")


@dataclass(slots=True)
class _StreamAudit:
    """One stream's tally. Times are kept in the stream's own ticks: the per-packet work is a
    few integer comparisons, which matters when a join checks every packet it copies."""

    stream: Any
    kind: str
    tick_s: float  # seconds per tick
    zero_s: float  # the container's start, where every stream's timeline begins
    start_s: float  # the stream's first timestamp, relative to zero_s
    header_s: float | None
    targets: list[int]  # ticks where decode runs are due
    next_target: float = 0  # ticks of the next due run
    run_left: int = 0
    sampled: int = 0
    frames: int = 0
    corrupt: int = 0
    end_ticks: int | None = None
    run_at: float = 0.0  # seconds where the current decode run started
    error: str | None = None
    error_at: float = 0.0

    @property
    def end_s(self) -> float | None:
        return None if self.end_ticks is None else self.end_ticks * self.tick_s - self.zero_s


class PacketAudit:
    """Feed it every demuxed packet of one input, then `finish()` and read `problem()`."""

    def __init__(self, container: Any, *, decode: bool = True) -> None:
        self._decode = decode
        self._streams: dict[int, _StreamAudit] = {}
        # Ends are measured from the container's start, common to all streams: segment
        # durations and offsets are then the same for audio and video.
        zero_s = (container.start_time or 0) / 1_000_000
        default_s = container.duration / 1_000_000 if container.duration else None
        for stream in container.streams:
            if stream.type in ("audio", "video"):
                self._streams[stream.index] = _stream_audit(stream, zero_s, default_s)
                if decode:  # starting a decoder's thread pool costs more than a few frames
                    stream.codec_context.thread_count = 1

    @property
    def stream_indexes(self) -> list[int]:
        return list(self._streams)

    def feed(self, packet: Any) -> None:
        audit = self._streams.get(packet.stream_index)
        if audit is None or packet.dts is None:  # a non-AV stream, or the demuxer's flush packet
            return
        if packet.is_corrupt:
            audit.corrupt += 1
        pts = packet.pts
        if pts is None:
            return
        end = pts + (packet.duration or 0)
        if audit.end_ticks is None or end > audit.end_ticks:
            audit.end_ticks = end
        if audit.run_left or (pts >= audit.next_target and packet.is_keyframe and self._decode):
            self._sample(audit, packet, pts)

    def _sample(self, audit: _StreamAudit, packet: Any, pts: int) -> None:
        """Decode a run of packets from the first keyframe at or after each due target."""
        if audit.run_left == 0:
            due = [target for target in audit.targets if target > pts]
            audit.next_target = due[0] if due else _NEVER
            audit.run_left = RUN_PACKETS[audit.kind]
            audit.run_at = pts * audit.tick_s - audit.zero_s
        _decode(audit, packet, audit.run_at)
        audit.run_left -= 1
        if audit.run_left == 0:
            _drain(audit, audit.run_at)

    def finish(self) -> None:
        """Drain runs still open at the end of the file."""
        for audit in self._streams.values():
            if audit.run_left:
                audit.run_left = 0
                _drain(audit, audit.run_at)

    def duration_s(self) -> float | None:
        """How long the demuxed packets last: the latest stream end."""
        ends = [a.end_s for a in self._streams.values() if a.end_s is not None]
        return max(ends) if ends else None

    def decode_problem(self) -> str | None:
        """Why sampled packets did not decode, as a sentence; None when they did."""
        return next(filter(None, map(_decode_problem, self._streams.values())), None)

    def truncation_problem(self) -> str | None:
        """Which stream stops early, as a sentence; None when every stream runs its length."""
        return next(filter(None, map(_truncation_problem, self._streams.values())), None)

    def problem(self) -> str | None:
        return self.decode_problem() or self.truncation_problem()


def _stream_audit(stream: Any, zero_s: float, default_s: float | None) -> _StreamAudit:
    tick_s = float(stream.time_base or Fraction(1, 1_000_000))
    first = stream.start_time if stream.start_time is not None else round(zero_s / tick_s)
    header_s = stream.duration * tick_s if stream.duration else default_s
    span = round((header_s or 0.0) / tick_s)
    targets = [first + span * index // SAMPLE_RUNS for index in range(SAMPLE_RUNS)]
    start_s = first * tick_s - zero_s
    audit = _StreamAudit(stream, stream.type, tick_s, zero_s, start_s, header_s, targets)
    audit.next_target = targets[0]
    return audit


def _decode(audit: _StreamAudit, packet: Any, at: float) -> None:
    """Decode one sampled packet (after an error, nothing more)."""
    if audit.error is not None:
        return
    try:
        audit.frames += len(audit.stream.codec_context.decode(packet))
    except av.FFmpegError as exc:
        audit.error, audit.error_at = ffmpeg_reason(exc), at
        return
    audit.sampled += 1


def _drain(audit: _StreamAudit, at: float) -> None:
    """Collect the frames the decoder still holds, then reset it for the next keyframe run."""
    if audit.error is not None:
        return
    context = audit.stream.codec_context
    try:
        audit.frames += len(context.decode(None))
    except av.FFmpegError as exc:
        audit.error, audit.error_at = ffmpeg_reason(exc), at
        return
    context.flush_buffers()


def ffmpeg_reason(exc: Exception) -> str:
    """FFmpeg's message without the errno prefix PyAV adds."""
    text = str(exc)
    return text.split("] ", 1)[-1] if text.startswith("[Errno") else text


def _decode_problem(audit: _StreamAudit) -> str | None:
    name = f"the {audit.kind} stream ({audit.stream.codec_context.codec.canonical_name})"
    if audit.error is not None:
        return f"does not decode: {name} fails at {audit.error_at:.1f} s: {audit.error}"
    if audit.corrupt:
        return f"does not decode: {audit.corrupt} packets of {name} are flagged corrupt"
    if audit.sampled and not audit.frames:
        return f"does not decode: {audit.sampled} sampled packets of {name} gave no frame"
    return None


def _truncation_problem(audit: _StreamAudit) -> str | None:
    if audit.header_s is None:
        return None
    if audit.end_s is None:
        header = f"{audit.header_s:.1f} s"
        return f"truncated: the {audit.kind} stream has no packets (its header says {header})"
    length = audit.end_s - audit.start_s
    if audit.header_s - length > TRUNCATION_SLACK_S:
        return (
            f"truncated: the {audit.kind} stream stops at {length:.1f} s"
            f" but its header says {audit.header_s:.1f} s"
        )
    return None
