"""Real, small, deterministic media files for the emulator, generated with PyAV.

Zoom serves MP4 (H.264 + AAC), M4A (AAC) and, for Zoom Phone, MP3. The emulator announces each
file's size in listings before anyone downloads it, and archives verify size and SHA-256, so a
spec must always give the same bytes: encoding is single-threaded with fixed settings, and the
result is cached in memory and on disk (keyed by the spec, a format version and PyAV's
version). `pad_to` makes a file as large as wanted without memory: a top-level MP4 `free` box
of zeros follows the real file (players skip it), streamed from one shared buffer.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import math
import os
import tempfile
from array import array
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

__all__ = ["MediaBody", "MediaSpec", "media_body", "render_media"]

FORMAT_VERSION = 1
# PyAV is imported by the functions that encode, when the first file is rendered: every
# `zoombridge` command loads the emulator's modules, a sync never renders media, and PyAV
# costs a process about 24 MB.
_PYAV_VERSION = importlib.metadata.version("av")
ZEROS = bytes(1 << 20)
MAX_DURATION = 6 * 3600
SAMPLE_RATES = (8000, 16000, 22050, 44100, 48000)


@dataclass(frozen=True)
class MediaSpec:
    kind: Literal["video", "audio", "mp3"]
    duration: float
    seed: int = 0
    width: int = 160
    height: int = 90
    fps: int = 2
    sample_rate: int = 16000
    video_codec: Literal["h264", "mpeg4"] = "h264"
    pad_to: int | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.kind not in ("video", "audio", "mp3"):
            problems.append(f"kind {self.kind!r}")
        if not 0 < self.duration <= MAX_DURATION:
            problems.append(f"duration {self.duration} (0 < d <= {MAX_DURATION})")
        if (
            not (16 <= self.width <= 1920 and 16 <= self.height <= 1080)
            or (self.width | self.height) & 1
        ):
            problems.append(f"size {self.width}x{self.height} (even, 16..1920 x 16..1080)")
        if not 1 <= self.fps <= 60:
            problems.append(f"fps {self.fps}")
        if self.sample_rate not in SAMPLE_RATES:
            problems.append(f"sample_rate {self.sample_rate}")
        if self.video_codec not in ("h264", "mpeg4"):
            problems.append(f"video_codec {self.video_codec!r}")
        if self.pad_to is not None and (self.pad_to < 0 or self.kind == "mp3"):
            problems.append("pad_to (MP4/M4A only, not negative)")
        if problems:
            raise ValueError("bad media spec: " + ", ".join(problems))

    def unpadded(self) -> MediaSpec:
        data = asdict(self)
        data["pad_to"] = None
        return MediaSpec(**data)

    def cache_key(self) -> str:
        fields = {**asdict(self.unpadded()), "v": FORMAT_VERSION, "av": _PYAV_VERSION}
        return hashlib.sha256(repr(sorted(fields.items())).encode()).hexdigest()[:32]


class MediaBody:
    """The bytes of one downloadable file: the real file, then (maybe) a zero-filled `free` box."""

    def __init__(self, head: bytes, total_size: int | None = None) -> None:
        total = len(head) if total_size is None else total_size
        padding = total - len(head)
        if padding < 0 or 0 < padding < 8:
            raise ValueError(f"cannot pad a {len(head)}-byte file to {total} bytes")
        self.head = head
        self.size = total
        self.box_header = _free_box_header(padding) if padding else b""

    def iter_range(
        self, start: int = 0, end: int | None = None, chunk_size: int = 1 << 20
    ) -> Iterator[bytes]:
        """Bytes [start, end) in chunks of at most `chunk_size`; zeros come from one buffer."""
        if start < 0:
            raise ValueError(f"range start {start} is negative")
        end = self.size if end is None else min(end, self.size)
        chunk_size = max(1, min(chunk_size, len(ZEROS)))
        prefix = self.head + self.box_header
        position = start
        while position < end:
            take = min(chunk_size, end - position)
            if position < len(prefix):
                piece = prefix[position : min(position + take, len(prefix))]
            else:
                piece = ZEROS if take == len(ZEROS) else ZEROS[:take]
            position += len(piece)
            yield piece

    def sha256(self) -> str:
        digest = hashlib.sha256()
        for piece in self.iter_range():
            digest.update(piece)
        return digest.hexdigest()


def _free_box_header(size: int) -> bytes:
    """A `free` box header: a 32-bit size, or from 4 GiB on a 64-bit `largesize`."""
    if size < (1 << 32):
        return size.to_bytes(4, "big") + b"free"
    return (1).to_bytes(4, "big") + b"free" + size.to_bytes(8, "big")


def media_body(spec: MediaSpec) -> MediaBody:
    head = render_media(spec.unpadded())
    if spec.pad_to is not None and spec.pad_to < len(head):
        raise ValueError(f"pad_to {spec.pad_to} is smaller than the real file ({len(head)} bytes)")
    return MediaBody(head, spec.pad_to)


@lru_cache(maxsize=128)
def render_media(spec: MediaSpec) -> bytes:
    """The encoded file for `spec` (padding ignored), from the disk cache when possible."""
    spec = spec.unpadded()
    path = _cache_dir() / f"{spec.cache_key()}.{spec.kind}"
    try:
        return path.read_bytes()
    except OSError:
        pass
    data = _encode(spec)
    _store(path, data)
    return data


def _cache_dir() -> Path:
    configured = os.environ.get("ZOOMBRIDGE_EMULATOR_CACHE")
    return (
        Path(configured) if configured else Path.home() / ".cache" / "zoombridge" / "emulator-media"
    )


def _store(path: Path, data: bytes) -> None:
    """Write-to-temp then rename; a cache that cannot be written is simply not used."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".media-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError:
        return


def _encode(spec: MediaSpec) -> bytes:
    import av

    buffer = io.BytesIO()
    container_format = {"video": "mp4", "audio": "ipod", "mp3": "mp3"}[spec.kind]
    with av.open(buffer, "w", format=container_format) as container:
        container.metadata.clear()
        video = _video_stream(container, spec) if spec.kind == "video" else None
        codec = "libmp3lame" if spec.kind == "mp3" else "aac"
        audio = container.add_stream(codec, rate=spec.sample_rate, layout="mono")
        audio.codec_context.thread_count = 1
        if codec == "aac":
            audio.options = {"aac_coder": "fast"}  # the default two-loop coder is 5x slower
        if video is not None:
            _write_video(container, video, spec)
        _write_audio(container, audio, spec)
    return buffer.getvalue()


def _video_stream(container: Any, spec: MediaSpec) -> Any:
    codec = "libx264" if spec.video_codec == "h264" else "mpeg4"
    stream = container.add_stream(codec, rate=spec.fps)
    stream.width, stream.height, stream.pix_fmt = spec.width, spec.height, "yuv420p"
    stream.codec_context.thread_count = 1
    if codec == "libx264":
        stream.options = {"preset": "ultrafast", "threads": "1"}
    return stream


def _write_video(container: Any, stream: Any, spec: MediaSpec) -> None:
    import av

    frames = max(1, round(spec.duration * spec.fps))
    for index in range(frames):
        frame = av.VideoFrame(spec.width, spec.height, "yuv420p")
        for plane_index, plane in enumerate(frame.planes):
            plane.update(_plane_bytes(plane, index, plane_index, spec.seed))
        frame.pts = index
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def _plane_bytes(plane: Any, index: int, plane_index: int, seed: int) -> bytes:
    """A dark first frame, then moving colour bars: something for a thumbnail picker to find."""
    width: int = plane.width
    height: int = plane.height
    line: int = plane.line_size
    if index == 0:
        value = 16 if plane_index == 0 else 128
        return bytes([value]) * (line * height)
    if plane_index == 0:
        row = bytes(((x * 3 + index * 7 + seed * 31) % 200) + 30 for x in range(width))
    else:
        base = (seed * 47 + plane_index * 90 + index * 3) % 256
        row = bytes(((x // 20) * 32 + base) % 256 for x in range(width))
    return (row + bytes(line - width)) * height


def _write_audio(container: Any, stream: Any, spec: MediaSpec) -> None:
    import av

    rate = spec.sample_rate
    frame_size = stream.codec_context.frame_size or 1024
    total = round(spec.duration * rate)
    tone = _tone(rate, 220 + (spec.seed % 8) * 55)
    position = 0
    while position < total:
        count = min(frame_size, total - position)
        start = position % rate
        samples = tone[start : start + count]
        frame = av.AudioFrame(format="fltp", layout="mono", samples=count)
        frame.planes[0].update(samples.tobytes() + bytes(frame.planes[0].buffer_size - 4 * count))
        frame.sample_rate, frame.pts = rate, position
        container.mux(stream.encode(frame))
        position += count
    container.mux(stream.encode(None))


@lru_cache(maxsize=16)
def _tone(rate: int, frequency: int) -> array[float]:
    """Two seconds of a quiet sine (a whole number of cycles per second, so any one-second
    window of it loops seamlessly)."""
    second = array("f", (0.1 * math.sin(2 * math.pi * frequency * n / rate) for n in range(rate)))
    return second + second
