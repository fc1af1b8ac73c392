"""Real media for the media tests: emulator files on disk, damaged copies, decoding helpers."""

from __future__ import annotations

import hashlib
import math
from array import array
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import Any

import av

from zoombridge.emulator.media import MediaSpec, media_body, render_media


def write_media(directory: Path, name: str, **spec: Any) -> Path:
    """The emulator's file for MediaSpec(**spec) (padding included), written to directory/name."""
    path = directory / name
    media = MediaSpec(**spec)
    if media.pad_to is None:
        path.write_bytes(render_media(media))
    else:
        with path.open("wb") as handle:
            for piece in media_body(media).iter_range():
                handle.write(piece)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def faststart(source: Path, target: Path) -> Path:
    """`source` remuxed with its index ('moov') before the data, as streaming servers serve."""
    with (
        av.open(str(source)) as src,
        av.open(str(target), "w", format="mp4", options={"movflags": "faststart"}) as out,
    ):
        streams = {s.index: out.add_stream_from_template(s) for s in src.streams}
        for packet in src.demux():
            if packet.dts is not None:
                packet.stream = streams[packet.stream.index]
                out.mux(packet)
    return target


def packet_spans(path: Path) -> list[tuple[str, float, int, int]]:
    """(kind, time, byte position, size) of every packet."""
    with av.open(str(path)) as container:
        return [
            (p.stream.type, float(p.pts * p.stream.time_base), p.pos, p.size)
            for p in container.demux()
            if p.dts is not None
        ]


def decode_everything(path: Path) -> dict[str, list[float]]:
    """Every frame's time, per stream kind; raises if anything fails to decode."""
    times: dict[str, list[float]] = {}
    with av.open(str(path)) as container:
        for frame in container.decode(*container.streams):
            times.setdefault("video" if isinstance(frame, av.VideoFrame) else "audio", []).append(
                float(frame.time)
            )
    return times


def luma_stats(frame: Any) -> tuple[float, float]:
    """(mean, standard deviation) of a video frame's luma."""
    grey = frame.reformat(format="gray")
    plane = grey.planes[0]
    raw = bytes(plane)
    values = [
        v
        for row in range(plane.height)
        for v in raw[row * plane.line_size : row * plane.line_size + plane.width]
    ]
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def flat_frame_times(path: Path) -> list[float]:
    """Times of the flat dark frames: the emulator opens every video on one."""
    found = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            mean, spread = luma_stats(frame)
            if spread < 2 and mean < 25:
                found.append(round(float(frame.time), 3))
    return found


def tone_hz(path: Path, start_s: float, length_s: float) -> float:
    """The frequency of the (sine) audio in [start_s, start_s + length_s), by zero crossings."""
    samples = array("f")
    rate = 0
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono")
        for frame in container.decode(stream):
            for mono in resampler.resample(frame):
                rate = mono.sample_rate
                begin = round((float(frame.time) - start_s) * rate)
                chunk = array("f", bytes(mono.planes[0])[: 4 * mono.samples])
                for index, value in enumerate(chunk):
                    if 0 <= begin + index < length_s * rate:
                        samples.append(value)
    crossings = sum(1 for a, b in pairwise(samples) if (a < 0) != (b < 0))
    return crossings / 2 / (len(samples) / rate)


def emulator_tone(seed: int) -> int:
    """The frequency of the tone the emulator writes for `seed` (see emulator.media._tone)."""
    return 220 + (seed % 8) * 55


def build_video(
    path: Path,
    frames: list[bytes],
    *,
    size: tuple[int, int],
    fps: int,
    options: dict[str, str] | None = None,
) -> Path:
    """A video-only H.264 MP4 whose frames have the given luma planes (chroma neutral); by
    default one keyframe and no B-frames."""
    width, height = size
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = options or {"preset": "ultrafast", "g": "1000", "threads": "1"}
        for index, luma in enumerate(frames):
            frame = av.VideoFrame(width, height, "yuv420p")
            for plane_index, plane in enumerate(frame.planes):
                rows = _rows(luma, width) if plane_index == 0 else None
                line = plane.line_size
                if rows is None:
                    plane.update(bytes([128]) * (line * plane.height))
                else:
                    plane.update(b"".join(row + bytes(line - width) for row in rows))
            frame.pts, frame.time_base = index, Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def _rows(luma: bytes, width: int) -> list[bytes]:
    return [luma[i : i + width] for i in range(0, len(luma), width)]


def flat(size: tuple[int, int], value: int) -> bytes:
    return bytes([value]) * (size[0] * size[1])


def checkerboard(size: tuple[int, int], cell: int = 8, shift: int = 0) -> bytes:
    width, height = size
    return bytes(
        235 if (((x + shift) // cell) + (y // cell)) % 2 else 16
        for y in range(height)
        for x in range(width)
    )
