"""probe_media on real emulator media and on damaged copies of it: flagged, never raised."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from media_helpers import faststart, packet_spans, write_media

from zoombridge.archive.media_probe import (
    DEFAULT_TOLERANCE_S,
    PROBE_VERSION,
    MediaProbe,
    StreamInfo,
    probe_media,
)


@pytest.fixture(autouse=True)
def media_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """One disk cache for the session's generated media, outside the user's home."""
    monkeypatch.setenv("ZOOMBRIDGE_EMULATOR_CACHE", str(tmp_path_factory.getbasetemp() / "media"))


@pytest.fixture
def video(tmp_path: Path) -> Path:
    return write_media(tmp_path, "video.mp4", kind="video", duration=3.0)


MP4 = "mov,mp4,m4a,3gp,3g2,mj2"


@pytest.mark.parametrize(
    ("spec", "container", "streams"),
    [
        (
            {"kind": "video", "duration": 3.0},
            MP4,
            (
                StreamInfo("video", "h264", "Constrained Baseline", 160, 90, 2.0),
                StreamInfo("audio", "aac", "LC", sample_rate=16000, channels=1),
            ),
        ),
        (
            {"kind": "video", "duration": 3.0, "video_codec": "mpeg4", "fps": 5},
            MP4,
            (
                StreamInfo("video", "mpeg4", "Simple Profile", 160, 90, 5.0),
                StreamInfo("audio", "aac", "LC", sample_rate=16000, channels=1),
            ),
        ),
        (
            {"kind": "audio", "duration": 3.0, "sample_rate": 48000},
            MP4,
            (StreamInfo("audio", "aac", "LC", sample_rate=48000, channels=1),),
        ),
        (
            {"kind": "mp3", "duration": 3.0},
            "mp3",
            (StreamInfo("audio", "mp3", None, sample_rate=16000, channels=1),),
        ),
    ],
)
def test_sound_media_is_described_and_passes(
    tmp_path: Path, spec: dict[str, Any], container: str, streams: tuple[StreamInfo, ...]
) -> None:
    path = write_media(tmp_path, "file", **spec)
    probe = probe_media(path, expected_seconds=3.0)
    assert probe.problem is None
    assert probe.ok
    assert probe.decodes
    assert probe.container == container
    assert probe.streams == streams
    assert probe.size_bytes == path.stat().st_size
    assert probe.duration_s == pytest.approx(3.0, abs=0.05)  # mp3 carries its encoder delay


def test_zoom_trailing_free_box_of_zeros_is_not_flagged(tmp_path: Path) -> None:
    plain = write_media(tmp_path, "plain.mp4", kind="video", duration=3.0)
    padded = write_media(tmp_path, "padded.mp4", kind="video", duration=3.0, pad_to=3 << 20)
    assert padded.stat().st_size == 3 << 20
    # The 64-bit form of the box header (Zoom uses it past 4 GiB), written by hand.
    wide = tmp_path / "wide.mp4"
    wide.write_bytes(
        plain.read_bytes() + (1).to_bytes(4, "big") + b"free" + (16 + 4096).to_bytes(8, "big")
    )
    with wide.open("ab") as handle:
        handle.write(bytes(4096))
    for path in (padded, wide):
        probe = probe_media(path, expected_seconds=3.0)
        assert probe.problem is None, path.name
        assert probe.duration_s == 3.0


def test_zero_length_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    probe = probe_media(empty)
    assert probe.problem == "zero-length file"
    assert not probe.decodes
    assert probe.duration_s is None


def test_missing_file_is_reported_not_raised(tmp_path: Path) -> None:
    probe = probe_media(tmp_path / "nowhere.mp4")
    assert probe.problem is not None
    assert probe.problem.startswith("cannot be read:")


def test_cut_in_half_with_the_index_at_the_end(tmp_path: Path, video: Path) -> None:
    data = video.read_bytes()
    assert data.find(b"moov") > data.find(b"mdat")  # the emulator writes the index last
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    probe = probe_media(cut)
    assert probe.problem is not None
    assert probe.problem.startswith("truncated: the file ends at byte")
    assert "'mdat'" in probe.problem
    assert not probe.decodes  # without its index nothing can be played


def test_cut_in_half_with_the_index_at_the_start(tmp_path: Path, video: Path) -> None:
    fast = faststart(video, tmp_path / "fast.mp4")
    data = fast.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")
    assert probe_media(fast).problem is None
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    probe = probe_media(cut)
    assert probe.problem is not None
    assert probe.problem.startswith("truncated:")
    assert probe.duration_s is not None
    assert probe.duration_s < 2.0  # what really plays, not what the header promises


def test_truncated_mp3_stops_before_its_header_says(tmp_path: Path) -> None:
    mp3 = write_media(tmp_path, "call.mp3", kind="mp3", duration=3.0)
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(mp3.read_bytes()[: mp3.stat().st_size // 2])
    probe = probe_media(cut)
    assert probe.problem is not None
    assert probe.problem.startswith("truncated: the audio stream stops at 1.")
    assert probe.problem.endswith("but its header says 3.0 s")


def test_random_garbage(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(random.Random(4).randbytes(20_000))
    probe = probe_media(junk)
    assert not probe.decodes
    assert probe.problem is not None
    assert probe.problem.startswith("does not decode: not a media file FFmpeg can open")


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        (b"\x00\x00", "truncated: 2 stray bytes after the last whole box"),
        (b"\x00\x00\x00\x04free", "damaged: the box at byte"),
    ],
)
def test_bytes_after_the_last_box(tmp_path: Path, video: Path, tail: bytes, expected: str) -> None:
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(video.read_bytes() + tail)
    problem = probe_media(damaged).problem
    assert problem is not None
    assert problem.startswith(expected)


def scramble_packets(source: Path, target: Path, *, after_s: float) -> None:
    """Overwrite the payload of every packet from `after_s` on with noise; boxes stay intact."""
    data = bytearray(source.read_bytes())
    noise = random.Random(7)
    for _kind, at, position, size in packet_spans(source):
        if at >= after_s:
            data[position : position + size] = noise.randbytes(size)
    target.write_bytes(bytes(data))


def test_packets_that_demux_but_do_not_decode(tmp_path: Path, video: Path) -> None:
    garbled = tmp_path / "garbled.mp4"
    scramble_packets(video, garbled, after_s=0.0)
    probe = probe_media(garbled)
    assert not probe.decodes
    assert probe.problem is not None
    assert probe.problem.startswith("does not decode: the ")
    assert probe.duration_s == 3.0  # the container itself is whole


def test_the_decode_sample_reaches_past_the_start(tmp_path: Path) -> None:
    long = write_media(tmp_path, "long.mp4", kind="video", duration=20.0)
    garbled = tmp_path / "garbled.mp4"
    scramble_packets(long, garbled, after_s=12.0)
    probe = probe_media(garbled)
    assert not probe.decodes
    assert probe.problem is not None
    assert " fails at 1" in probe.problem  # found in the second half, where the damage is


def test_duration_against_zoom_recording_times(video: Path) -> None:
    assert DEFAULT_TOLERANCE_S == 2.0
    assert probe_media(video, expected_seconds=4.9).problem is None
    probe = probe_media(video, expected_seconds=30.0)
    assert probe.problem == (
        "duration 3.0 s disagrees with Zoom's recording_start/end (30.0 s) beyond 2.0 s"
    )
    assert probe.decodes  # the file itself is fine
    assert probe_media(video, expected_seconds=3.5, tolerance_seconds=0.2).problem is not None


def test_json_round_trip(tmp_path: Path, video: Path) -> None:
    empty = tmp_path / "empty.m4a"
    empty.touch()
    for probe in (probe_media(video), probe_media(empty)):
        stored = json.loads(json.dumps(probe.to_json()))
        assert stored["version"] == PROBE_VERSION
        assert MediaProbe.from_json(stored) == probe


@pytest.mark.parametrize(
    "change",
    [
        {"streams": None},
        {"decodes": "yes"},
        {"surprise": 1},
        {"duration_s": "3"},
        {"version": None},
    ],
)
def test_from_json_refuses_what_is_not_a_probe(video: Path, change: dict[str, Any]) -> None:
    data = probe_media(video).to_json() | change
    with pytest.raises(ValueError, match="not a stored media probe"):
        MediaProbe.from_json(data)
    del data["version"]
    with pytest.raises(ValueError, match="not a stored media probe"):
        MediaProbe.from_json(data)
