"""join_segments on real multi-segment media: stream copy when it can, re-encode when it must,
one continuous timeline either way, originals untouched, damaged inputs refused cleanly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import av
import pytest
from media_helpers import (
    build_video,
    checkerboard,
    decode_everything,
    emulator_tone,
    flat,
    flat_frame_times,
    packet_spans,
    sha256,
    tone_hz,
    write_media,
)

from zoombridge.archive.media_join import JoinResult, UnusableMedia, _CopyWriter, join_segments
from zoombridge.archive.media_probe import probe_media
from zoombridge.archive.media_segments import Segment
from zoombridge.errors import SkippableError


@pytest.fixture(autouse=True)
def media_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZOOMBRIDGE_EMULATOR_CACHE", str(tmp_path_factory.getbasetemp() / "media"))


def segments(directory: Path, specs: list[dict[str, Any]]) -> list[Path]:
    """Emulator files, one per spec, each with its own seed (content, and the audio tone)."""
    return [
        write_media(directory, f"part{index}.{'mp4' if spec['kind'] == 'video' else 'm4a'}", **spec)
        for index, spec in enumerate(specs)
    ]


def check_joined(result: JoinResult, parts: list[Path], *, frame_s: float) -> dict[str, Any]:
    """What every join must give: the sum of the parts, on one continuous, decodable timeline."""
    lengths = [probe_media(part).duration_s or 0.0 for part in parts]
    assert result.segment_durations_s == pytest.approx(lengths, abs=1e-3)
    starts = [sum(lengths[:index]) for index in range(len(lengths))]
    assert result.offsets_s == pytest.approx(starts, abs=1e-3)
    assert abs(result.duration_s - sum(lengths)) <= frame_s
    probe = probe_media(result.output, expected_seconds=sum(lengths), tolerance_seconds=frame_s)
    assert probe.problem is None
    with av.open(str(result.output)) as joined:
        for stream in joined.streams:
            # Audio is placed sample-exact; the last video frame may end up to a frame short.
            slack = frame_s if stream.type == "video" else 0.002
            assert float(stream.duration * stream.time_base) == pytest.approx(
                sum(lengths), abs=slack
            )
    times = decode_everything(result.output)  # raises on any frame that does not decode
    for kind_times in times.values():
        assert kind_times == sorted(kind_times)
        assert kind_times[-1] <= result.duration_s
    return times


def test_three_video_segments_are_copied_onto_one_timeline(tmp_path: Path) -> None:
    specs = [
        {"kind": "video", "duration": 3.0, "seed": 1},
        {"kind": "video", "duration": 2.5, "seed": 2},
        {"kind": "video", "duration": 4.0, "seed": 3},
    ]
    parts = segments(tmp_path, specs)
    before = [sha256(part) for part in parts]
    result = join_segments(parts, tmp_path / "joined.mp4")
    assert result.method == "copy"
    assert result.reencode_reasons == ()
    times = check_joined(result, parts, frame_s=0.5)
    assert [sha256(part) for part in parts] == before
    # Every packet of every part is in the joined file: no frame lost at the seams.
    assert len(times["video"]) == sum(
        sum(1 for kind, *_ in packet_spans(part) if kind == "video") for part in parts
    )
    # Each part opens on a flat dark frame: in the joined video, exactly at its offset.
    assert flat_frame_times(result.output) == [0.0, 3.0, 5.5]
    for offset, spec in zip(result.offsets_s, specs, strict=True):
        heard = tone_hz(result.output, offset + 0.2, 1.5)
        assert heard == pytest.approx(emulator_tone(spec["seed"]), rel=0.03)


def test_reordered_video_with_b_frames_is_copied_in_order(tmp_path: Path) -> None:
    size, fps = (64, 48), 10
    options = {"preset": "medium", "bframes": "3", "g": "12", "threads": "1"}
    parts = []
    for index, count in enumerate((23, 17)):
        frames = [flat(size, 16)] + [checkerboard(size, shift=n) for n in range(1, count)]
        parts.append(
            build_video(tmp_path / f"b{index}.mp4", frames, size=size, fps=fps, options=options)
        )
    with av.open(str(parts[0])) as first:
        reordered = [p.pts != p.dts for p in first.demux() if p.dts is not None]
    assert any(reordered)  # the decode order really differs from the display order
    result = join_segments(parts, tmp_path / "joined.mp4")
    assert result.method == "copy"
    times = check_joined(result, parts, frame_s=1 / fps)
    assert len(times["video"]) == 40
    assert flat_frame_times(result.output) == [0.0, 2.3]


def test_audio_segments_are_copied_into_an_m4a(tmp_path: Path) -> None:
    specs = [
        {"kind": "audio", "duration": 2.0, "seed": 1},
        {"kind": "audio", "duration": 3.0, "seed": 4},
    ]
    parts = segments(tmp_path, specs)
    before = [sha256(part) for part in parts]
    result = join_segments(parts, tmp_path / "joined.m4a")
    assert result.method == "copy"
    check_joined(result, parts, frame_s=1024 / 16000)
    assert [sha256(part) for part in parts] == before
    assert tone_hz(result.output, 0.2, 1.5) == pytest.approx(emulator_tone(1), rel=0.03)
    assert tone_hz(result.output, 2.2, 2.5) == pytest.approx(emulator_tone(4), rel=0.03)


@pytest.mark.parametrize(
    ("second", "reason"),
    [
        ({"width": 320, "height": 180}, "video size 320x180 differs from 160x90"),
        ({"video_codec": "mpeg4", "fps": 5}, "video codec mpeg4 differs from h264"),
        ({"sample_rate": 48000}, "audio sample rate 48000 differs from 16000"),
    ],
)
def test_mismatched_video_segments_are_reencoded_with_correct_timing(
    tmp_path: Path, second: dict[str, Any], reason: str
) -> None:
    specs = [
        {"kind": "video", "duration": 3.0, "seed": 1},
        {"kind": "video", "duration": 2.0, "seed": 2, **second},
        {"kind": "video", "duration": 2.5, "seed": 3},
    ]
    parts = segments(tmp_path, specs)
    before = [sha256(part) for part in parts]
    result = join_segments(parts, tmp_path / "joined.mp4")
    assert result.method == "reencode"
    assert any(reason in why and "part1.mp4" in why for why in result.reencode_reasons)
    check_joined(result, parts, frame_s=0.5)
    assert [sha256(part) for part in parts] == before
    with av.open(str(result.output)) as joined:
        video, audio = joined.streams.video[0], joined.streams.audio[0]
        assert (video.codec_context.name, video.width, video.height) == ("h264", 160, 90)
        assert (audio.codec_context.name, audio.sample_rate) == ("aac", 16000)
    assert flat_frame_times(result.output) == [0.0, 3.0, 5.0]
    for offset, spec in zip(result.offsets_s, specs, strict=True):
        heard = tone_hz(result.output, offset + 0.2, 1.5)
        assert heard == pytest.approx(emulator_tone(spec["seed"]), rel=0.03)


def test_audio_at_another_sample_rate_is_resampled(tmp_path: Path) -> None:
    specs = [
        {"kind": "audio", "duration": 2.0, "seed": 2, "sample_rate": 48000},
        {"kind": "audio", "duration": 3.0, "seed": 5, "sample_rate": 16000},
        {"kind": "audio", "duration": 2.0, "seed": 6, "sample_rate": 48000},
    ]
    parts = segments(tmp_path, specs)
    result = join_segments(parts, tmp_path / "joined.m4a")
    assert result.method == "reencode"
    assert result.reencode_reasons == (
        "part1.m4a: audio sample rate 16000 differs from 48000 in part0.m4a",
    )
    check_joined(result, parts, frame_s=1024 / 48000)
    with av.open(str(result.output)) as joined:
        assert [s.type for s in joined.streams] == ["audio"]
        assert joined.streams.audio[0].sample_rate == 48000
    for offset, spec in zip(result.offsets_s, specs, strict=True):
        heard = tone_hz(result.output, offset + 0.2, 1.5)
        assert heard == pytest.approx(emulator_tone(spec["seed"]), rel=0.03)


def damaged_copies(directory: Path, good: Path) -> dict[str, Path]:
    """The same recording zero-length, cut in half, and with its later packets scrambled."""
    data = good.read_bytes()
    empty, cut, scrambled = (directory / name for name in ("empty.mp4", "cut.mp4", "bad.mp4"))
    empty.touch()
    cut.write_bytes(data[: len(data) // 2])
    mangled = bytearray(data)
    for _kind, at, position, size in packet_spans(good):
        if at >= 1.0:  # the file opens fine; the damage shows only while its packets are read
            mangled[position : position + size] = bytes(
                255 - b for b in data[position : position + size]
            )
    scrambled.write_bytes(bytes(mangled))
    return {"zero-length file": empty, "truncated:": cut, "does not decode:": scrambled}


@pytest.mark.parametrize("damage", ["zero-length file", "truncated:", "does not decode:"])
def test_a_damaged_input_is_refused_and_nothing_is_left_behind(tmp_path: Path, damage: str) -> None:
    good = segments(tmp_path, [{"kind": "video", "duration": 3.0, "seed": 1}])[0]
    bad = damaged_copies(tmp_path, write_media(tmp_path, "source.mp4", kind="video", duration=3.0))[
        damage
    ]
    listing = sorted(tmp_path.iterdir())
    hashes = [sha256(path) for path in listing]
    output = tmp_path / "joined.mp4"
    with pytest.raises(UnusableMedia) as refused:
        join_segments([good, bad], output)
    assert isinstance(refused.value, SkippableError)
    assert list(refused.value.problems) == [str(bad)]
    assert refused.value.problems[str(bad)].startswith(damage)
    assert str(bad) in str(refused.value)
    assert sorted(tmp_path.iterdir()) == listing  # no output, no temporary file
    assert [sha256(path) for path in listing] == hashes


def test_every_damaged_input_is_named_at_once(tmp_path: Path) -> None:
    good = write_media(tmp_path, "good.mp4", kind="video", duration=3.0)
    empty, cut = tmp_path / "empty.mp4", tmp_path / "cut.mp4"
    empty.touch()
    cut.write_bytes(good.read_bytes()[:1000])
    with pytest.raises(UnusableMedia) as refused:
        join_segments([empty, good, cut], tmp_path / "joined.mp4")
    assert set(refused.value.problems) == {str(empty), str(cut)}


def test_segments_of_different_recording_types_are_refused(tmp_path: Path) -> None:
    video = write_media(tmp_path, "video.mp4", kind="video", duration=2.0)
    audio = write_media(tmp_path, "audio.m4a", kind="audio", duration=2.0)
    with pytest.raises(UnusableMedia, match="not the same kind of recording"):
        join_segments([video, audio], tmp_path / "joined.mp4")
    assert not (tmp_path / "joined.mp4").exists()


def test_wrong_calls_are_value_errors(tmp_path: Path) -> None:
    part = write_media(tmp_path, "part.mp4", kind="video", duration=2.0)
    with pytest.raises(ValueError, match="at least one input"):
        join_segments([], tmp_path / "joined.mp4")
    with pytest.raises(ValueError, match="one of the inputs"):
        join_segments([part, part], part)


def test_a_rejoin_replaces_the_previous_output(tmp_path: Path) -> None:
    parts = segments(
        tmp_path,
        [{"kind": "audio", "duration": 2.0, "seed": 1}, {"kind": "audio", "duration": 2.0}],
    )
    output = tmp_path / "joined.m4a"
    output.write_bytes(b"an older join")
    result = join_segments(parts, output)
    assert json.loads(json.dumps(result.to_json()))["output"] == str(output)
    assert probe_media(output).duration_s == pytest.approx(4.0, abs=0.01)


def test_a_decode_time_that_would_go_backwards_moves_the_rest_of_the_segment_later(
    tmp_path: Path,
) -> None:
    """The muxer refuses a decode time at or before the previous one (it would end the join):
    the copier moves the segment on by the few ticks needed and keeps them for its later packets."""
    part = write_media(tmp_path, "part.m4a", kind="audio", duration=1.0)
    with (
        av.open(str(part)) as source,
        av.open(str(tmp_path / "out.m4a"), "w", format="mp4") as output,
    ):
        writer = _CopyWriter(output, Segment(part, source, tuple(source.streams)))
        first, second, third = [p for p in source.demux() if p.dts is not None][1:4]
        assert (first.dts, second.dts, third.dts) == (0, 1024, 2048)
        assert writer._mux(first, 0, 0) == 0
        assert writer._mux(second, 0, -1024) == -1023  # dts 0 again: moved to 1
        assert second.pts == 1
        assert writer._mux(third, 0, -1023) == -1023  # dts 1025: in order, unchanged
