"""The packet-level media check shared by probing and joining: one pass, bounded decoding.

Every packet of every audio and video stream is demuxed, which checks the container end to end
(truncation shows as streams that stop before their header says) at the speed of reading the
file. Decoding every frame of a multi-GB recording would cost minutes, so only a sample is
decoded: at `SAMPLE_RUNS` positions spread over each stream, a run of `RUN_PACKETS` packets
starting at a keyframe (decodable on its own). A file whose packets are garbage fails at the
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
RUN_PACKETS = 4
# A stream may end a little before its header's duration (encoder delay, rounding); a cut file
# stops far earlier. Below this, the demuxed end is taken as complete.
TRUNCATION_SLACK_S = 0.5


@dataclass
class _StreamAudit:
    stream: Any
    kind: str
    seconds_per_tick: float  # the time base as a float: Fraction arithmetic per packet is slow
    start_s: float  # the stream's first timestamp, relative to the container's
    header_s: float | None
    targets: list[float]
    next_target: int = 0
    run_left: int = 0
    sampled: int = 0
    frames: int = 0
    packets: int = 0
    corrupt: int = 0
    end_s: float | None = None
    run_at: float = 0.0  # where the current or last decode run started
    error: str | None = None


class PacketAudit:
    """Feed it every demuxed packet of one input; then `finish()` and read `problem()`."""

    def __init__(self, container: Any, *, decode: bool = True) -> None:
        self._decode = decode
        self._streams: dict[int, _StreamAudit] = {}
        # Ends are measured from the container's start, common to all streams: segment
        # durations and offsets are then the same for audio and video.
        self._zero_s = (container.start_time or 0) / 1_000_000
        default_s = container.duration / 1_000_000 if container.duration else None
        for stream in container.streams:
            if stream.type in ("audio", "video"):
                self._streams[stream.index] = _stream_audit(stream, self._zero_s, default_s)

    @property
    def stream_indexes(self) -> list[int]:
        return list(self._streams)

    def feed(self, packet: Any) -> None:
        audit = self._streams.get(packet.stream.index)
        if audit is None or packet.dts is None:  # a non-AV stream, or the demuxer's flush packet
            return
        audit.packets += 1
        audit.corrupt += bool(packet.is_corrupt)
        if packet.pts is None:
            return
        at = packet.pts * audit.seconds_per_tick - self._zero_s
        end = at + (packet.duration or 0) * audit.seconds_per_tick
        audit.end_s = end if audit.end_s is None else max(audit.end_s, end)
        if self._decode and audit.error is None:
            _sample(audit, packet, at)

    def finish(self) -> None:
        """Drain runs still open at the end of the file."""
        for audit in self._streams.values():
            if audit.run_left and audit.error is None:
                _drain(audit)

    def duration_s(self) -> float | None:
        """How long the demuxed packets last: the latest stream end."""
        ends = [a.end_s for a in self._streams.values() if a.end_s is not None]
        return max(ends) if ends else None

    def stream_end_s(self, index: int) -> float | None:
        return self._streams[index].end_s

    def decode_problem(self) -> str | None:
        """Why sampled packets did not decode, as a sentence; None when they did."""
        return next(filter(None, map(_decode_problem, self._streams.values())), None)

    def truncation_problem(self) -> str | None:
        """Which stream stops early, as a sentence; None when every stream runs its length."""
        return next(filter(None, map(_truncation_problem, self._streams.values())), None)

    def problem(self) -> str | None:
        return self.decode_problem() or self.truncation_problem()


def _stream_audit(stream: Any, zero_s: float, default_s: float | None) -> _StreamAudit:
    tick = float(stream.time_base or Fraction(1, 1_000_000))
    start_s = stream.start_time * tick - zero_s if stream.start_time is not None else 0.0
    header_s = stream.duration * tick if stream.duration else default_s
    span = header_s or 0.0
    targets = [start_s + span * index / SAMPLE_RUNS for index in range(SAMPLE_RUNS)]
    return _StreamAudit(stream, stream.type, tick, start_s, header_s, targets)


def _sample(audit: _StreamAudit, packet: Any, at: float) -> None:
    """Decode runs of packets from keyframes at the sample targets."""
    if audit.run_left == 0:
        due = audit.next_target < len(audit.targets) and at >= audit.targets[audit.next_target]
        if not (due and packet.is_keyframe):
            return
        while audit.next_target < len(audit.targets) and audit.targets[audit.next_target] <= at:
            audit.next_target += 1
        audit.run_left, audit.run_at = RUN_PACKETS, at
    try:
        audit.frames += len(audit.stream.codec_context.decode(packet))
    except av.FFmpegError as exc:
        audit.error, audit.run_at = ffmpeg_reason(exc), at
        return
    audit.sampled += 1
    audit.run_left -= 1
    if audit.run_left == 0:
        _drain(audit)


def _drain(audit: _StreamAudit) -> None:
    """Collect frames the decoder still holds, then reset it for the next keyframe run."""
    context = audit.stream.codec_context
    try:
        audit.frames += len(context.decode(None))
    except av.FFmpegError as exc:
        audit.error = ffmpeg_reason(exc)
        return
    audit.run_left = 0
    context.flush_buffers()


def ffmpeg_reason(exc: Exception) -> str:
    """FFmpeg's message without the errno prefix PyAV adds."""
    text = str(exc)
    return text.split("] ", 1)[-1] if text.startswith("[Errno") else text


def _decode_problem(audit: _StreamAudit) -> str | None:
    name = f"the {audit.kind} stream ({audit.stream.codec_context.codec.canonical_name})"
    if audit.error is not None:
        return f"does not decode: {name} fails at {audit.run_at:.1f} s: {audit.error}"
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
