"""The join's fallback when segments differ: decode everything, encode H.264/AAC once.

The output takes the first segment's picture size and frame rate, sample rate and channel
layout; later segments are scaled and resampled to them. Each segment's first video and first
audio stream are kept (a Zoom recording has one of each at most). Every frame is placed on the
joined timeline by its own timestamp (video) or by sample count from the segment's start
(audio, which Zoom records without gaps), so segment k starts at the sum of the lengths before
it.
Audio is padded with silence where a segment's audio is shorter than its video.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from zoombridge.archive.media_audit import PacketAudit, ffmpeg_reason
from zoombridge.archive.media_segments import Segment, demuxed
from zoombridge.errors import UnusableMedia

__all__ = ["reencode"]

VIDEO_TIME_BASE = Fraction(1, 90_000)  # fine enough for any frame rate, and for mixing them
AAC_FRAME = 1024  # samples per AAC frame; the encoder takes no other size but the last
# Samples kept unencoded so a segment's end can still be cut to its length: a decoder's last
# frame is whole (up to one AAC frame, resampled up to 6x) past where the segment ends.
HOLD_BACK = 8 * AAC_FRAME
SILENCE_PIECE = 16 * AAC_FRAME


def reencode(segments: list[Segment], temporary: Path) -> list[float]:
    """Re-encode every segment into `temporary`; each segment's length, as demuxed."""
    template = segments[0]
    with av.open(str(temporary), "w", format="mp4") as output:
        video = _first(template, "video")
        audio = _first(template, "audio")
        sinks = {
            "video": _VideoSink(output, video) if video is not None else None,
            "audio": _AudioSink(output, audio) if audio is not None else None,
        }
        offset, durations = 0.0, []
        for segment in segments:
            length = _decode_segment(segment, offset, sinks)
            durations.append(length)
            offset += length
        for sink in sinks.values():
            if sink is not None:
                sink.close(offset)
    return durations


def _first(segment: Segment, kind: str) -> Any:
    return next((s for s in segment.streams if s.type == kind), None)


def _decode_segment(segment: Segment, offset_s: float, sinks: dict[str, Any]) -> float:
    """Decode the segment's first video and audio stream into the sinks; its length."""
    chosen = {kind: _first(segment, kind) for kind in sinks}
    audit = PacketAudit(segment.container, decode=False)  # everything is decoded here anyway
    if sinks["audio"] is not None:
        sinks["audio"].start_segment(offset_s)
    for packet in demuxed(segment, audit):
        kind = packet.stream.type
        stream = chosen.get(kind)
        if stream is not None and packet.stream.index == stream.index:
            for frame in _decode(segment, packet.stream, packet):
                sinks[kind].add(frame, offset_s - segment.zero_s)
    for kind, stream in chosen.items():
        if stream is not None:
            for frame in _decode(segment, stream, None):  # what the decoder still holds
                sinks[kind].add(frame, offset_s - segment.zero_s)
    length = audit.duration_s()
    if length is None:
        raise UnusableMedia({str(segment.path): "does not decode: it has no packets"})
    return length


def _decode(segment: Segment, stream: Any, packet: Any) -> list[Any]:
    try:
        return list(stream.codec_context.decode(packet))
    except av.FFmpegError as exc:
        at = f" at {float(packet.pts * stream.time_base):.1f} s" if packet and packet.pts else ""
        problem = f"does not decode: the {stream.type} stream fails{at}: {ffmpeg_reason(exc)}"
        raise UnusableMedia({str(segment.path): problem}) from exc


class _VideoSink:
    """H.264 at the first segment's size; frames keep their own timing."""

    def __init__(self, output: Any, template: Any) -> None:
        context = template.codec_context
        self._output = output
        self._width, self._height = context.width & ~1, context.height & ~1  # 4:2:0 needs even
        rate = template.average_rate or template.guessed_rate or Fraction(25)
        self._stream = output.add_stream("libx264", rate=rate)
        self._stream.width, self._stream.height = self._width, self._height
        self._stream.pix_fmt = "yuv420p"
        self._stream.time_base = VIDEO_TIME_BASE
        self._stream.codec_context.time_base = VIDEO_TIME_BASE
        self._stream.options = {"preset": "veryfast", "crf": "20"}
        self._last_pts: int | None = None

    def add(self, frame: Any, shift_s: float) -> None:
        if frame.time is None:
            return
        pts = round((frame.time + shift_s) / VIDEO_TIME_BASE)
        if self._last_pts is not None and pts <= self._last_pts:
            return  # a frame at the same instant as the one before adds nothing
        self._last_pts = pts
        if (frame.width, frame.height, frame.format.name) != (self._width, self._height, "yuv420p"):
            frame = frame.reformat(width=self._width, height=self._height, format="yuv420p")
        frame.pts, frame.time_base = pts, VIDEO_TIME_BASE
        self._output.mux(self._stream.encode(frame))

    def close(self, end_s: float) -> None:
        self._output.mux(self._stream.encode(None))


class _AudioSink:
    """AAC at the first segment's rate and layout, in whole AAC frames, without gaps."""

    def __init__(self, output: Any, template: Any) -> None:
        context = template.codec_context
        self._output = output
        self._rate: int = context.sample_rate
        self._layout: str = context.layout.name
        self._stream = output.add_stream("aac", rate=self._rate, layout=self._layout)
        self._stream.bit_rate = min(max(context.bit_rate or 0, 64_000), 256_000)
        self._fifo = av.AudioFifo()
        self._resampler: Any = None
        self._written = 0  # samples into the FIFO, i.e. the joined timeline's audio length
        self._encoded = 0

    def start_segment(self, offset_s: float) -> None:
        self._end_segment()
        self._settle(round(offset_s * self._rate))
        self._resampler = av.AudioResampler(format="fltp", layout=self._layout, rate=self._rate)

    def add(self, frame: Any, shift_s: float) -> None:
        frame.pts = None  # timing comes from the sample count; the resampler needs no pts
        for out in self._resampler.resample(frame):
            self._write(out)

    def _end_segment(self) -> None:
        if self._resampler is not None:
            for out in self._resampler.resample(None):
                self._write(out)
            self._resampler = None

    def _write(self, frame: Any) -> None:
        frame.pts = None
        self._fifo.write(frame)
        self._written += frame.samples
        while self._fifo.samples >= AAC_FRAME + HOLD_BACK:
            self._encode(self._fifo.read(AAC_FRAME))

    def _settle(self, target: int) -> None:
        """Make the audio so far exactly `target` samples long: pad with silence, or cut the
        decoder's tail (its last frame is whole, past where the segment ends) from the FIFO."""
        excess = self._written - target
        if excess > 0 and self._fifo.samples:
            keep = max(self._fifo.samples - excess, 0)
            kept = self._fifo.read(keep) if keep else None
            dropped = self._fifo.read()
            self._written -= _samples(kept) + _samples(dropped)
            if kept is not None:
                self._write(kept)
            excess = self._written - target
        while excess < 0:  # in pieces: a long silence must not be one huge frame
            piece = min(-excess, SILENCE_PIECE)
            self._write(_silence(piece, self._layout, self._rate))
            excess += piece

    def _encode(self, frame: Any) -> None:
        frame.pts, frame.time_base = self._encoded, Fraction(1, self._rate)
        self._encoded += frame.samples
        self._output.mux(self._stream.encode(frame))

    def close(self, end_s: float) -> None:
        self._end_segment()
        self._settle(round(end_s * self._rate))
        rest = self._fifo.read()
        if rest is not None and rest.samples:
            self._encode(rest)
        self._output.mux(self._stream.encode(None))


def _samples(frame: Any) -> int:
    return int(frame.samples) if frame is not None else 0


def _silence(samples: int, layout: str, rate: int) -> Any:
    frame = av.AudioFrame(format="fltp", layout=layout, samples=samples)
    for plane in frame.planes:
        plane.update(bytes(plane.buffer_size))
    frame.sample_rate = rate
    return frame
