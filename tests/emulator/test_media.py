"""Generated media: real files PyAV can decode, deterministic bytes, and lazy zero padding."""

from __future__ import annotations

import hashlib
import io
import math
import os
import struct
import subprocess
import sys
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from itertools import islice, pairwise
from pathlib import Path
from typing import Any

import av
import pytest

from zoombridge.emulator import media
from zoombridge.emulator.media import (
    MAX_DURATION,
    SAMPLE_RATES,
    MediaBody,
    MediaSpec,
    media_body,
    render_media,
)

GIB = 1 << 30


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private, empty disk cache and a cold memory cache for every test."""
    directory = tmp_path / "media-cache"
    monkeypatch.setenv("ZOOMBRIDGE_EMULATOR_CACHE", str(directory))
    render_media.cache_clear()
    yield directory
    render_media.cache_clear()


# helpers ---------------------------------------------------------------------------------------
@dataclass
class Probe:
    format_name: str
    duration: float
    streams: dict[str, dict[str, Any]]


def probe(data: bytes) -> Probe:
    """What a player sees: container, and per stream codec, geometry, rate and duration."""
    with av.open(io.BytesIO(data)) as container:
        streams: dict[str, dict[str, Any]] = {}
        for stream in container.streams:
            assert stream.type not in streams, f"two {stream.type} streams"
            context = stream.codec_context
            info: dict[str, Any] = {
                "codec": context.name,
                "duration": float(stream.duration * stream.time_base),
            }
            if stream.type == "video":
                info.update(width=context.width, height=context.height, rate=stream.average_rate)
            else:
                info.update(rate=context.sample_rate, layout=context.layout.name)
            streams[stream.type] = info
        return Probe(container.format.name, container.duration / 1_000_000, streams)


def mean(plane: Any) -> float:
    """Mean sample value of a decoded plane's visible area (rows are padded to line_size)."""
    raw = bytes(plane)
    total = sum(
        sum(raw[row * plane.line_size : row * plane.line_size + plane.width])
        for row in range(plane.height)
    )
    return total / (plane.width * plane.height)


def decoded_frames(data: bytes) -> list[Any]:
    with av.open(io.BytesIO(data)) as container:
        return list(container.decode(video=0))


def decoded_samples(data: bytes) -> tuple[array[float], int]:
    """All decoded mono samples as floats, and the sample rate."""
    samples: array[float] = array("f")
    rate = 0
    with av.open(io.BytesIO(data)) as container:
        for frame in container.decode(audio=0):
            assert frame.format.name == "fltp"
            samples.extend(array("f", bytes(frame.planes[0])[: 4 * frame.samples]))
            rate = frame.sample_rate
    return samples, rate


def pitch(samples: array[float], rate: int) -> float:
    """Frequency from zero crossings, away from the encoder's start-up and tail."""
    middle = samples[rate // 8 : -rate // 8]
    crossings = sum(1 for a, b in pairwise(middle) if (a < 0) != (b < 0))
    return crossings / 2 / (len(middle) / rate)


def top_level_boxes(data: bytes) -> list[tuple[bytes, int, int]]:
    """(type, offset, size) of each top-level ISO-BMFF box; the sizes must tile `data` exactly."""
    boxes = []
    offset = 0
    while offset < len(data):
        size, kind = struct.unpack_from(">I4s", data, offset)
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, offset + 8)
        elif size == 0:
            size = len(data) - offset
        assert size >= 8, f"bad box size {size} at {offset}"
        boxes.append((kind, offset, size))
        offset += size
    assert offset == len(data), "boxes overrun the file"
    return boxes


def stream(body: MediaBody, start: int = 0, end: int | None = None, chunk: int = 1 << 20) -> bytes:
    return b"".join(body.iter_range(start, end, chunk))


class LazyFile(io.RawIOBase):
    """A read-only file over a MediaBody, counting what a reader actually pulls."""

    def __init__(self, body: MediaBody) -> None:
        super().__init__()
        self.body = body
        self.position = 0
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.body.size}[whence]
        self.position = base + offset
        return self.position

    def readinto(self, buffer: Any) -> int:
        data = stream(self.body, self.position, self.position + len(buffer))
        buffer[: len(data)] = data
        self.position += len(data)
        self.bytes_read += len(data)
        return len(data)


# rendering ------------------------------------------------------------------------------------
VIDEO_SHAPES = [
    pytest.param("h264", 1.5, 160, 90, 2, 16000, id="h264-defaults"),
    pytest.param("mpeg4", 1.5, 160, 90, 2, 16000, id="mpeg4-defaults"),
    pytest.param("h264", 1.0, 64, 48, 5, 44100, id="h264-64x48-5fps-44k"),
    pytest.param("mpeg4", 1.2, 96, 32, 5, 48000, id="mpeg4-96x32-5fps-48k"),
    pytest.param("h264", 0.1, 160, 90, 2, 8000, id="h264-shorter-than-a-frame"),
]


@pytest.mark.parametrize(("codec", "duration", "width", "height", "fps", "rate"), VIDEO_SHAPES)
def test_video_decodes_with_the_specified_codec_size_rate_and_duration(
    codec: str, duration: float, width: int, height: int, fps: int, rate: int
) -> None:
    spec = MediaSpec(
        "video",
        duration,
        width=width,
        height=height,
        fps=fps,
        sample_rate=rate,
        video_codec=codec,  # type: ignore[arg-type]
    )
    data = render_media(spec)
    assert data[4:12] == b"ftypisom"
    seen = probe(data)
    assert seen.format_name.split(",")[0] == "mov"
    assert set(seen.streams) == {"video", "audio"}
    video, audio = seen.streams["video"], seen.streams["audio"]
    assert video["codec"] == codec
    assert (video["width"], video["height"]) == (width, height)
    assert video["rate"] == Fraction(fps)
    assert abs(video["duration"] - duration) <= 1 / fps, video
    assert audio["codec"] == "aac"
    assert (audio["rate"], audio["layout"]) == (rate, "mono")
    assert abs(audio["duration"] - duration) <= 1024 / rate, audio
    assert abs(seen.duration - duration) <= 1 / fps
    frames = decoded_frames(data)
    assert len(frames) == max(1, round(duration * fps))
    assert {(f.width, f.height, f.format.name) for f in frames} == {(width, height, "yuv420p")}


@pytest.mark.parametrize(
    ("kind", "codecs", "duration", "rate"),
    [
        pytest.param("audio", {"aac"}, 1.5, 16000, id="m4a-16k"),
        pytest.param("audio", {"aac"}, 0.3, 48000, id="m4a-48k"),
        pytest.param("mp3", {"mp3", "mp3float"}, 1.5, 16000, id="mp3-16k"),
        pytest.param("mp3", {"mp3", "mp3float"}, 0.7, 44100, id="mp3-44k"),
        pytest.param("mp3", {"mp3", "mp3float"}, 0.3, 8000, id="mp3-8k"),
    ],
)
def test_audio_decodes_with_the_specified_codec_rate_and_duration(
    kind: str, codecs: set[str], duration: float, rate: int
) -> None:
    data = render_media(MediaSpec(kind, duration, sample_rate=rate))  # type: ignore[arg-type]
    if kind == "audio":
        assert data[4:12] == b"ftypM4A "
    else:
        assert data[:3] == b"ID3" or data[0] == 0xFF
    seen = probe(data)
    assert seen.format_name.split(",")[0] == ("mov" if kind == "audio" else "mp3")
    assert set(seen.streams) == {"audio"}
    audio = seen.streams["audio"]
    assert audio["codec"] in codecs
    assert (audio["rate"], audio["layout"]) == (rate, "mono")
    packet = 1024 if kind == "audio" else 1152
    assert abs(audio["duration"] - duration) <= packet / rate, audio
    samples, decoded_rate = decoded_samples(data)
    assert decoded_rate == rate
    assert abs(len(samples) - duration * rate) <= packet


def test_first_video_frame_is_dark_and_the_rest_are_moving_colour_bars() -> None:
    """media.py draws a black first frame (luma 16, neutral chroma) and then bright moving bars,
    so a thumbnail picker has to skip the first frame to find a picture."""
    frames = decoded_frames(render_media(MediaSpec("video", 2.0, fps=2)))
    assert len(frames) == 4
    first = frames[0]
    assert abs(mean(first.planes[0]) - 16) < 2
    assert all(abs(mean(plane) - 128) < 2 for plane in first.planes[1:])
    for frame in frames[1:]:
        assert mean(frame.planes[0]) > 80, "later frames should be well above black"
    assert bytes(frames[1].planes[0]) != bytes(frames[2].planes[0]), "the bars should move"


def test_seed_changes_the_picture_and_the_pitch() -> None:
    pictures = {
        bytes(decoded_frames(render_media(MediaSpec("video", 1.0, seed=seed)))[1].planes[0])
        for seed in (0, 1, 2)
    }
    assert len(pictures) == 3
    for seed, expected in ((0, 220), (3, 385)):
        for kind in ("audio", "mp3"):
            samples, rate = decoded_samples(render_media(MediaSpec(kind, 1.0, seed=seed)))
            assert abs(pitch(samples, rate) - expected) < expected * 0.05, (kind, seed)
            rms = math.sqrt(sum(x * x for x in samples) / len(samples))
            assert 0.05 < rms < 0.09, "a quiet but audible sine (amplitude 0.1)"


# determinism and caching ----------------------------------------------------------------------
ALL_KINDS = [
    pytest.param(MediaSpec("video", 1.0, seed=5), id="h264"),
    pytest.param(MediaSpec("video", 1.0, seed=5, video_codec="mpeg4"), id="mpeg4"),
    pytest.param(MediaSpec("audio", 1.0, seed=5), id="m4a"),
    pytest.param(MediaSpec("mp3", 1.0, seed=5), id="mp3"),
]


@pytest.mark.parametrize("spec", ALL_KINDS)
def test_same_spec_gives_identical_bytes_from_two_cold_caches(
    spec: MediaSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = []
    for name in ("first", "second"):
        directory = tmp_path / name
        monkeypatch.setenv("ZOOMBRIDGE_EMULATOR_CACHE", str(directory))
        render_media.cache_clear()
        data = render_media(spec)
        stored = directory / f"{spec.cache_key()}.{spec.kind}"
        assert stored.read_bytes() == data, "rendering should fill the disk cache"
        assert [p.name for p in directory.iterdir()] == [stored.name], "no temp files left"
        results.append((data, media_body(spec).sha256()))
    (first, first_sha), (second, second_sha) = results
    assert first == second
    assert first_sha == second_sha == hashlib.sha256(first).hexdigest()


def test_same_spec_gives_identical_bytes_in_a_fresh_process(tmp_path: Path) -> None:
    spec = MediaSpec("video", 1.0, seed=9)
    code = (
        "import hashlib;"
        "from zoombridge.emulator.media import MediaSpec, render_media;"
        "print(hashlib.sha256(render_media(MediaSpec('video', 1.0, seed=9))).hexdigest())"
    )
    env = {**os.environ, "ZOOMBRIDGE_EMULATOR_CACHE": str(tmp_path / "other-process")}
    answer = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert answer.stdout.strip() == hashlib.sha256(render_media(spec)).hexdigest()
    assert len(list((tmp_path / "other-process").iterdir())) == 1


def test_disk_cache_is_read_back_without_encoding(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = MediaSpec("audio", 0.5, seed=2)
    data = render_media(spec)
    assert render_media(spec) is data, "the memory cache should answer the second call"
    render_media.cache_clear()

    def refuse(spec: MediaSpec) -> bytes:
        raise AssertionError("should have come from the disk cache")

    monkeypatch.setattr(media, "_encode", refuse)
    assert render_media(spec) == data


def test_unwritable_cache_dir_still_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = MediaSpec("audio", 0.5, seed=2)
    expected = render_media(spec)
    render_media.cache_clear()
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"not a directory")
    monkeypatch.setenv("ZOOMBRIDGE_EMULATOR_CACHE", str(blocker / "cache"))
    assert render_media(spec) == expected


@pytest.mark.parametrize("spec", ALL_KINDS)
def test_different_seed_gives_different_bytes(spec: MediaSpec) -> None:
    other = replace(spec, seed=spec.seed + 1)
    assert render_media(spec) != render_media(other)
    assert spec.cache_key() != other.cache_key()


def test_padding_is_not_part_of_the_render() -> None:
    spec = MediaSpec("video", 1.0, seed=1)
    padded = MediaSpec("video", 1.0, seed=1, pad_to=100_000)
    assert padded.cache_key() == spec.cache_key()
    assert render_media(padded) == render_media(spec)
    assert media_body(padded).head == render_media(spec)


# padding --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["video", "audio"])
def test_pad_to_gives_exact_size_a_trailing_free_box_and_the_same_media(kind: str) -> None:
    head = render_media(MediaSpec(kind, 1.0))  # type: ignore[arg-type]
    padding = 5000
    body = media_body(MediaSpec(kind, 1.0, pad_to=len(head) + padding))  # type: ignore[arg-type]
    full = stream(body)
    assert body.size == len(full) == len(head) + padding
    assert full[: len(head)] == head
    assert full[len(head) : len(head) + 8] == struct.pack(">I4s", padding, b"free")
    assert full[len(head) + 8 :] == bytes(padding - 8)
    boxes = top_level_boxes(full)
    assert boxes[-1] == (b"free", len(head), padding)
    assert {b"ftyp", b"moov", b"mdat"} <= {kind for kind, _, _ in boxes}
    assert boxes[:-1] == top_level_boxes(head)
    plain, padded = probe(head), probe(full)
    assert padded.streams == plain.streams
    assert padded.duration == plain.duration == 1.0


def test_pad_to_exactly_the_file_size_adds_nothing() -> None:
    head = render_media(MediaSpec("video", 0.5))
    body = media_body(MediaSpec("video", 0.5, pad_to=len(head)))
    assert body.size == len(head)
    assert body.box_header == b""
    assert stream(body) == head


def test_pad_to_eight_more_bytes_is_an_empty_free_box() -> None:
    head = render_media(MediaSpec("audio", 0.5))
    body = media_body(MediaSpec("audio", 0.5, pad_to=len(head) + 8))
    assert stream(body) == head + b"\x00\x00\x00\x08free"
    assert top_level_boxes(stream(body))[-1] == (b"free", len(head), 8)


@pytest.mark.parametrize("extra", [1, 4, 7])
def test_pad_to_too_little_for_a_box_header_is_rejected(extra: int) -> None:
    head = render_media(MediaSpec("audio", 0.5))
    with pytest.raises(ValueError, match=rf"cannot pad a {len(head)}-byte file"):
        media_body(MediaSpec("audio", 0.5, pad_to=len(head) + extra))


@pytest.mark.parametrize("short", [0, 1, 100])
def test_pad_to_smaller_than_the_real_file_is_rejected(short: int) -> None:
    head = render_media(MediaSpec("video", 0.5))
    pad_to = 0 if short == 0 else len(head) - short
    with pytest.raises(ValueError, match=rf"pad_to {pad_to} is smaller .*\({len(head)} bytes\)"):
        media_body(MediaSpec("video", 0.5, pad_to=pad_to))


@pytest.mark.parametrize(
    ("padding", "header"),
    [
        pytest.param(8, struct.pack(">I4s", 8, b"free"), id="smallest"),
        pytest.param((1 << 32) - 1, struct.pack(">I4s", (1 << 32) - 1, b"free"), id="largest-32"),
        pytest.param(1 << 32, struct.pack(">I4sQ", 1, b"free", 1 << 32), id="smallest-64"),
        pytest.param(40 * GIB + 3, struct.pack(">I4sQ", 1, b"free", 40 * GIB + 3), id="40GiB"),
    ],
)
def test_free_box_header_switches_to_largesize_past_32_bits(padding: int, header: bytes) -> None:
    head = b"\x00\x00\x00\x10ftypisom\x00\x00\x02\x00"
    body = MediaBody(head, len(head) + padding)
    assert body.box_header == header
    assert body.size == len(head) + padding
    window = stream(body, len(head) - 4, len(head) + len(header) + 4)
    assert window == head[-4:] + header + bytes(min(4, padding - len(header)))


def test_padding_past_4_gib_is_a_64_bit_free_box_read_without_materialising_it() -> None:
    spec = MediaSpec("video", 1.0, pad_to=5 * GIB + 123)
    body = media_body(spec)
    head = render_media(spec)
    padding = body.size - len(head)
    assert body.size == 5 * GIB + 123
    assert padding > 1 << 32
    # only the bytes around the real-file/padding boundary and at the very end
    boundary = stream(body, len(head) - 16, len(head) + 32)
    assert boundary[:16] == head[-16:]
    size32, kind, largesize = struct.unpack_from(">I4sQ", boundary, 16)
    assert (size32, kind, largesize) == (1, b"free", padding)
    assert boundary[32:] == bytes(16)
    assert len(head) + largesize == body.size, "the free box must end exactly at end of file"
    assert stream(body, body.size - 100) == bytes(100)
    assert stream(body, body.size - 1, body.size + 10) == b"\x00"
    assert sum(size for _, _, size in top_level_boxes(head)) == len(head)


def test_a_player_opens_the_huge_padded_file_reading_only_the_real_part() -> None:
    spec = MediaSpec("video", 1.0, pad_to=5 * GIB)
    body = media_body(spec)
    lazy = LazyFile(body)
    with av.open(lazy) as container:
        assert container.duration == 1_000_000
        assert {s.type for s in container.streams} == {"video", "audio"}
        frames = list(container.decode(video=0))
    assert len(frames) == 2
    assert lazy.bytes_read < 1 << 20, "the demuxer should skip the free box, not read it"


# ranged reads ---------------------------------------------------------------------------------
PAD = 3000


@pytest.fixture
def padded() -> tuple[MediaBody, bytes, int]:
    """A small padded video, and its full bytes built independently of iter_range."""
    head = render_media(MediaSpec("video", 0.5, seed=3))
    body = media_body(MediaSpec("video", 0.5, seed=3, pad_to=len(head) + PAD))
    full = head + struct.pack(">I4s", PAD, b"free") + bytes(PAD - 8)
    return body, full, len(head)


Range = Callable[[int, int], tuple[int, int | None]]
RANGES: list[Any] = [
    pytest.param(lambda h, s: (0, 1), id="first-byte"),
    pytest.param(lambda h, s: (s - 1, s), id="last-byte"),
    pytest.param(lambda h, s: (0, s), id="whole"),
    pytest.param(lambda h, s: (0, None), id="whole-open-end"),
    pytest.param(lambda h, s: (h - 3, h + 3), id="across-head-and-box-header"),
    pytest.param(lambda h, s: (h - 1, h), id="last-head-byte"),
    pytest.param(lambda h, s: (h, h + 8), id="box-header-exactly"),
    pytest.param(lambda h, s: (h + 2, h + 6), id="inside-box-header"),
    pytest.param(lambda h, s: (h + 6, h + 11), id="across-box-header-and-zeros"),
    pytest.param(lambda h, s: (h + 100, h + 200), id="zeros-only"),
    pytest.param(lambda h, s: (h - 500, None), id="tail-open-end"),
    pytest.param(lambda h, s: (s - 4, s + 1000), id="end-past-size-is-clamped"),
    pytest.param(lambda h, s: (10, 10), id="empty"),
    pytest.param(lambda h, s: (20, 10), id="reversed-is-empty"),
    pytest.param(lambda h, s: (s, s + 5), id="start-at-size-is-empty"),
    pytest.param(lambda h, s: (s + 10, None), id="start-past-size-is-empty"),
    pytest.param(lambda h, s: (5, -1), id="negative-end-is-empty"),
]


@pytest.mark.parametrize("chunk", [1, 7, 4096, 1 << 20, 0])
@pytest.mark.parametrize("where", RANGES)
def test_iter_range_equals_the_slice_of_the_full_bytes(
    padded: tuple[MediaBody, bytes, int], where: Range, chunk: int
) -> None:
    body, full, head_size = padded
    start, end = where(head_size, body.size)
    pieces = list(islice(body.iter_range(start, end, chunk), len(full) + 1))
    expected = full[start:end] if end is None or end >= 0 else b""
    assert b"".join(pieces) == expected
    assert all(0 < len(piece) <= max(1, chunk) for piece in pieces)


def test_iter_range_chunks_are_capped_at_the_shared_zero_buffer() -> None:
    head = render_media(MediaSpec("audio", 0.5))
    padding = 3 * len(media.ZEROS) + 17
    body = media_body(MediaSpec("audio", 0.5, pad_to=len(head) + padding))
    sizes = [len(piece) for piece in body.iter_range(chunk_size=8 * len(media.ZEROS))]
    assert max(sizes) == len(media.ZEROS)
    assert sum(sizes) == body.size


def test_iter_range_with_a_negative_start_is_rejected_or_clamped(
    padded: tuple[MediaBody, bytes, int],
) -> None:
    body, full, _ = padded
    try:
        pieces = list(islice(body.iter_range(-5, 10), 1000))
    except ValueError:
        return
    assert len(pieces) < 1000, "iter_range(-5, 10) did not terminate"
    assert b"".join(pieces) == full[:10]


def test_sha256_is_the_hash_of_the_streamed_bytes(padded: tuple[MediaBody, bytes, int]) -> None:
    body, full, head_size = padded
    streamed = hashlib.sha256()
    for piece in body.iter_range(chunk_size=333):
        streamed.update(piece)
    assert body.sha256() == streamed.hexdigest() == hashlib.sha256(full).hexdigest()
    unpadded = media_body(MediaSpec("video", 0.5, seed=3))
    assert unpadded.size == head_size
    assert unpadded.sha256() == hashlib.sha256(full[:head_size]).hexdigest()
    assert unpadded.sha256() != body.sha256()


# validation -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"duration": 0}, "duration 0 ", id="zero-duration"),
        pytest.param({"duration": -1.5}, "duration -1.5 ", id="negative-duration"),
        pytest.param({"duration": MAX_DURATION + 1}, f"duration {MAX_DURATION + 1} ", id="long"),
        pytest.param({"duration": math.nan}, "duration nan ", id="nan-duration"),
        pytest.param({"duration": math.inf}, "duration inf ", id="infinite-duration"),
        pytest.param({"width": 161}, "size 161x90 ", id="odd-width"),
        pytest.param({"height": 91}, "size 160x91 ", id="odd-height"),
        pytest.param({"width": 8}, "size 8x90 ", id="narrow"),
        pytest.param({"width": 1922}, "size 1922x90 ", id="wide"),
        pytest.param({"height": 1082}, "size 160x1082 ", id="tall"),
        pytest.param({"fps": 0}, "fps 0", id="zero-fps"),
        pytest.param({"fps": 61}, "fps 61", id="fast-fps"),
        pytest.param({"sample_rate": 11025}, "sample_rate 11025", id="odd-rate"),
        pytest.param({"sample_rate": 0}, "sample_rate 0", id="zero-rate"),
        pytest.param({"video_codec": "vp9"}, "video_codec 'vp9'", id="bad-codec"),
        pytest.param({"kind": "flac"}, "kind 'flac'", id="bad-kind"),
        pytest.param({"kind": "mp3", "pad_to": 10_000}, "pad_to (MP4/M4A only", id="pad-mp3"),
        pytest.param({"pad_to": -1}, "not negative", id="negative-pad"),
    ],
)
def test_bad_specs_are_rejected_naming_the_problem(changes: dict[str, Any], message: str) -> None:
    fields: dict[str, Any] = {"kind": "video", "duration": 1.0, **changes}
    with pytest.raises(ValueError, match=r"^bad media spec: ") as raised:
        MediaSpec(**fields)
    assert message in str(raised.value)


def test_all_problems_of_a_spec_are_reported_together() -> None:
    with pytest.raises(ValueError, match="bad media spec") as raised:
        MediaSpec("mp3", 0, width=15, sample_rate=12345, pad_to=5)
    text = str(raised.value)
    for part in ("duration 0", "size 15x90", "sample_rate 12345", "pad_to"):
        assert part in text


@pytest.mark.parametrize(
    "changes",
    [
        {"duration": MAX_DURATION},
        {"duration": 0.001},
        {"width": 16, "height": 16},
        {"width": 1920, "height": 1080},
        {"fps": 1},
        {"fps": 60},
        {"pad_to": 0},
        {"kind": "audio", "pad_to": 1 << 40},
        *({"sample_rate": rate} for rate in SAMPLE_RATES),
    ],
)
def test_boundary_specs_are_accepted(changes: dict[str, Any]) -> None:
    spec = MediaSpec(**{"kind": "video", "duration": 1.0, **changes})
    assert spec.unpadded().pad_to is None
