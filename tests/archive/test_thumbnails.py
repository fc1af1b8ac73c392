"""poster_frame picks a frame with something on it, writes a real JPEG, and skips audio."""

from __future__ import annotations

import random
from pathlib import Path

import av
import pytest
from media_helpers import build_video, checkerboard, flat, luma_stats, write_media

from zoombridge.archive.thumbnails import poster_frame


@pytest.fixture(autouse=True)
def media_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZOOMBRIDGE_EMULATOR_CACHE", str(tmp_path_factory.getbasetemp() / "media"))


def read_jpeg(path: Path) -> av.VideoFrame:
    assert path.read_bytes()[:2] == b"\xff\xd8"  # a JPEG start-of-image marker
    with av.open(str(path)) as container:
        assert container.streams.video[0].codec_context.name == "mjpeg"
        return next(container.decode(video=0))


def test_emulator_video_gets_a_frame_with_detail_not_its_dark_opening(tmp_path: Path) -> None:
    video = write_media(tmp_path, "talk.mp4", kind="video", duration=3.0)
    thumbnail = poster_frame(video, tmp_path / "poster.jpg")
    assert thumbnail is not None
    assert (thumbnail.width, thumbnail.height) == (160, 90)  # never enlarged past the source
    assert thumbnail.at_s > 0
    _mean, spread = luma_stats(read_jpeg(thumbnail.path))
    assert spread > 20  # the opening frame is flat: spread ~0
    assert thumbnail.detail > 20


def test_the_one_detailed_stretch_is_found_among_flat_frames(tmp_path: Path) -> None:
    """Black, then grey, then detail for two seconds, then black: only the detail will do."""
    size, fps = (160, 96), 2
    frames = (
        [flat(size, 16)] * 8  # 0-4 s black
        + [flat(size, 128)] * 6  # 4-7 s flat grey
        + [checkerboard(size)] * 4  # 7-9 s detail
        + [flat(size, 16)] * 6  # 9-12 s black
    )
    video = build_video(tmp_path / "fade.mp4", frames, size=size, fps=fps)
    thumbnail = poster_frame(video, tmp_path / "poster.jpg", width=80)
    assert thumbnail is not None
    assert 7.0 <= thumbnail.at_s < 9.0
    assert (thumbnail.width, thumbnail.height) == (80, 48)
    frame = read_jpeg(thumbnail.path)
    assert (frame.width, frame.height) == (80, 48)
    assert luma_stats(frame)[1] > 60


def test_a_static_name_card_video_still_gets_a_frame(tmp_path: Path) -> None:
    """Zoom's audio-only MP4 shows the speaker's name card for the whole recording."""
    size = (320, 180)
    rng = random.Random(2)
    card = bytes(rng.choice((40, 40, 40, 220)) for _ in range(size[0] * size[1]))
    video = build_video(tmp_path / "card.mp4", [card] * 10, size=size, fps=1)
    thumbnail = poster_frame(video, tmp_path / "poster.jpg")
    assert thumbnail is not None
    assert (thumbnail.width, thumbnail.height) == (320, 180)
    assert luma_stats(read_jpeg(thumbnail.path))[1] > 40


@pytest.mark.parametrize(("kind", "name"), [("audio", "voice.m4a"), ("mp3", "call.mp3")])
def test_audio_only_files_have_no_poster(tmp_path: Path, kind: str, name: str) -> None:
    audio = write_media(tmp_path, name, kind=kind, duration=2.0)
    assert poster_frame(audio, tmp_path / "poster.jpg") is None
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_undecodable_files_have_no_poster_and_nothing_is_written(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(random.Random(1).randbytes(5000))
    empty = tmp_path / "empty.mp4"
    empty.touch()
    for path in (junk, empty, tmp_path / "missing.mp4"):
        assert poster_frame(path, tmp_path / "poster.jpg") is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.mp4", "junk.mp4"]


def test_a_width_too_small_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="too small"):
        poster_frame(tmp_path / "any.mp4", tmp_path / "poster.jpg", width=4)
