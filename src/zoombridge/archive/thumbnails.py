"""Poster frames: one representative JPEG per video, not the black frame most recordings open on.

`poster_frame` samples `SAMPLES` instants spread over the video (away from both ends), decodes
the frame showing at each (seek to the keyframe before it, decode forward, at most
`MAX_DECODE` frames), and keeps the one with the most detail: the spread (standard deviation) of
luma on a small grey copy. Flat frames (black, grey, a fade) score near zero. Zoom's audio-only
MP4 carries a static name-card video, so it still gets a frame; a file with no video stream
gets None.

The JPEG is encoded by FFmpeg's mjpeg encoder through PyAV, so no imaging library is needed.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from zoombridge.archive.media_files import atomic_output
from zoombridge.archive.media_results import Thumbnail

__all__ = ["MAX_DECODE", "SAMPLES", "Thumbnail", "poster_frame"]

SAMPLES = 6
MAX_DECODE = 150  # frames decoded forward from a keyframe to reach one instant
_MEASURE_WIDTH = 64  # detail is judged on a copy this wide: cheap, and enough to tell flat apart
_JPEG_QUALITY = 3  # mjpeg quantiser, 2 (best) .. 31


def poster_frame(video: Path, output: Path, *, width: int = 320) -> Thumbnail | None:
    """Write a JPEG poster frame of `video` to `output`, `width` pixels wide at most (never
    enlarged). None, and nothing written, when the file has no video frame to show (audio
    only, or a video stream that does not decode)."""
    if width < 16:
        raise ValueError(f"thumbnail width {width} is too small (at least 16)")
    try:
        with av.open(str(video)) as container:
            picked = _pick(container)
    except (av.FFmpegError, OSError, ValueError):
        return None
    if picked is None:
        return None
    frame, at_s, detail = picked
    out_width = min(width, frame.width) & ~1
    out_height = max(2, round(frame.height * out_width / frame.width / 2) * 2)
    with atomic_output(output) as temporary:
        temporary.write_bytes(_jpeg(frame, out_width, out_height))
    return Thumbnail(output, out_width, out_height, round(at_s, 3), round(detail, 3))


def _pick(container: Any) -> tuple[Any, float, float] | None:
    """(frame, time, detail) of the most detailed sampled frame; None without video frames."""
    if not container.streams.video:
        return None
    stream = container.streams.video[0]
    stream.codec_context.thread_type = "AUTO"
    length = _length_s(container, stream)
    best: tuple[Any, float, float] | None = None
    seen: set[float] = set()
    for index in range(SAMPLES):
        frame = _frame_at(container, stream, length * (index + 0.5) / SAMPLES)
        if frame is None or frame.time in seen:
            continue
        seen.add(frame.time)
        detail = _detail(frame)
        if best is None or detail > best[2]:
            best = (frame, float(frame.time or 0.0), detail)
    return best


def _length_s(container: Any, stream: Any) -> float:
    if stream.duration:
        return float(stream.duration * stream.time_base)
    return container.duration / 1_000_000 if container.duration else 0.0


def _frame_at(container: Any, stream: Any, at_s: float) -> Any:
    """The frame showing at `at_s`, or the last one that decodes before it; None if none does."""
    start = (stream.start_time or 0) * stream.time_base
    last = None
    try:
        container.seek(round((start + Fraction(at_s)) / stream.time_base), stream=stream)
        stream.codec_context.flush_buffers()
        for decoded, frame in enumerate(container.decode(stream)):
            if last is not None and (frame.time or 0.0) > float(start) + at_s:
                break
            last = frame
            if decoded >= MAX_DECODE:
                break
    except (av.FFmpegError, ValueError):
        pass  # a damaged stretch: what decoded before it still counts
    return last


def _detail(frame: Any) -> float:
    """Standard deviation of luma on a small grey copy of the frame."""
    height = max(1, round(frame.height * _MEASURE_WIDTH / frame.width))
    grey = frame.reformat(width=_MEASURE_WIDTH, height=height, format="gray")
    plane = grey.planes[0]
    raw = bytes(plane)
    values = [
        value
        for row in range(plane.height)
        for value in raw[row * plane.line_size : row * plane.line_size + plane.width]
    ]
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def _jpeg(frame: Any, width: int, height: int) -> bytes:
    scaled = frame.reformat(width=width, height=height, format="yuvj420p")
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuvj420p"
    encoder.time_base = Fraction(1, 1)
    encoder.qmin = encoder.qmax = _JPEG_QUALITY  # a fixed quantiser: one still, no rate control
    return b"".join(bytes(packet) for packet in [*encoder.encode(scaled), *encoder.encode(None)])
