"""`zoombridge search` and `zoombridge archive reindex` on an archived account: what was said
in a stop/started meeting is found at its place on the joined recording."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from shared_helpers import catalog_url
from zoombridge.archive.transcripts import joined_offset, parse_vtt
from zoombridge.cli import app
from zoombridge.db import open_catalog
from zoombridge.db.models import MediaAsset, Meeting, RecordingFileRow

runner = CliRunner()


def run(home: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("ZOOMBRIDGE_HOME", str(home))
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout + result.stderr


def _segmented_transcript(home: Path) -> tuple[RecordingFileRow, MediaAsset]:
    catalog = open_catalog(f"sqlite:///{home / 'zoombridge.sqlite'}")
    try:
        with catalog.session() as session:
            joined = session.scalars(
                select(MediaAsset).where(
                    MediaAsset.kind == "joined", MediaAsset.storage_key.endswith(".mp4")
                )
            ).first()
            assert joined is not None
            transcript = session.scalars(
                select(RecordingFileRow).where(
                    RecordingFileRow.meeting_uuid == joined.meeting_uuid,
                    RecordingFileRow.file_type == "TRANSCRIPT",
                )
            ).one()
    finally:
        catalog.dispose()
    return transcript, joined


def test_a_spoken_word_is_found_at_its_place_on_the_joined_recording(
    archive_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    transcript, joined = _segmented_transcript(archive_home)
    cues = parse_vtt((archive_home / "archive" / transcript.storage_key).read_bytes()).items
    timeline = [(p["recorded_at_s"], p["duration_s"]) for p in joined.segments]
    second_start, second_length = timeline[1]  # after a gap, so the two clocks differ
    late = next(c for c in cues if second_start < c.start < second_start + second_length)
    phrase = " ".join(late.text.split()[:3])
    code, out = run(archive_home, monkeypatch, "search", f'"{phrase}"', "--json", "--limit", "200")
    assert code == 0, out
    hits: list[dict[str, Any]] = json.loads(out)["hits"]
    expected = joined_offset(timeline, late.start)
    assert expected == pytest.approx(timeline[0][1] + late.start - second_start)
    mine = [
        h
        for h in hits
        if h["meeting_uuid"] == joined.meeting_uuid
        and h["kind"] == "transcript"
        and h["on_joined_recording"]
        and h["offset_s"] == pytest.approx(expected)
    ]
    assert mine, hits
    assert mine[0]["speaker"] == late.speaker


def test_search_prints_a_table_and_refuses_an_overlong_query(
    archive_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = run(archive_home, monkeypatch, "search", "the")
    assert code == 0, out
    assert "Search: the" in out
    code, out = run(archive_home, monkeypatch, "search", "x" * 5000)
    assert code == 2
    assert "search:" in out
    code, out = run(archive_home, monkeypatch, "search", 'NEAR(" text: -- *', "--json")
    assert code == 0, out
    assert isinstance(json.loads(out)["hits"], list)


def test_reindex_is_incremental_unless_forced(
    archive_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = run(archive_home, monkeypatch, "archive", "reindex", "--json")
    assert code == 0, out
    first = json.loads(out)
    assert first["instances"] > 0
    assert first["reindexed"] == 0  # the sync indexed everything already
    code, out = run(archive_home, monkeypatch, "archive", "reindex", "--force", "--json")
    forced = json.loads(out)
    assert code == 0, out
    assert forced["reindexed"] == forced["instances"]
    assert forced["documents"] > 0
    code, out = run(archive_home, monkeypatch, "search", "the", "--json")
    assert code == 0, out
    assert json.loads(out)["hits"]


def test_search_without_an_archive_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = run(tmp_path / "nothing", monkeypatch, "search", "hello")
    assert code == 2
    assert "zoombridge sync" in out
    assert not (tmp_path / "nothing" / "zoombridge.sqlite").exists()


def test_speakers_of_a_meeting_add_up_and_an_unknown_one_is_refused(
    archive_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    transcript, joined = _segmented_transcript(archive_home)
    code, out = run(archive_home, monkeypatch, "archive", "speakers", joined.meeting_uuid, "--json")
    assert code == 0, out
    speakers = json.loads(out)
    assert len(speakers) >= 2
    assert sum(s["share"] for s in speakers) == pytest.approx(1.0)
    assert [s["seconds"] for s in speakers] == sorted(
        (s["seconds"] for s in speakers), reverse=True
    )
    cues = parse_vtt((archive_home / "archive" / transcript.storage_key).read_bytes()).items
    assert {s["speaker"] for s in speakers} <= {c.speaker for c in cues}
    code, out = run(archive_home, monkeypatch, "archive", "speakers", "no-such-uuid")
    assert code == 2
    assert "no-such-uuid" in out


def test_reindex_follows_a_renamed_meeting(
    archive_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The instance's own document comes from its catalog row: a topic Zoom changed (a sync
    refreshes the row) is found after an ordinary, incremental reindex."""
    catalog = open_catalog(catalog_url(archive_home))
    try:
        with catalog.session() as session, session.begin():
            meeting = session.scalars(select(Meeting)).first()
            assert meeting is not None
            meeting.topic = "Quokkafest planning"
    finally:
        catalog.dispose()
    code, out = run(archive_home, monkeypatch, "archive", "reindex", "--json")
    assert code == 0, out
    assert json.loads(out)["reindexed"] == 1
    code, out = run(archive_home, monkeypatch, "search", "quokkafest", "--json")
    assert [h["topic"] for h in json.loads(out)["hits"]] == ["Quokkafest planning"]


def test_speaker_names_are_shown_as_written_never_as_markup(
    archive_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = open_catalog(catalog_url(archive_home))
    try:
        with catalog.session() as session:
            timeline = session.scalars(
                select(RecordingFileRow).where(RecordingFileRow.file_type == "TIMELINE")
            ).first()
    finally:
        catalog.dispose()
    assert timeline is not None
    path = archive_home / "archive" / timeline.storage_key
    kept = path.read_bytes()
    hostile = {"timeline": [{"ts": "00:00:01.000", "users": [{"username": "Eve [/b][red]"}]}]}
    path.write_text(json.dumps(hostile))
    try:
        code, out = run(archive_home, monkeypatch, "archive", "speakers", timeline.meeting_uuid)
    finally:
        path.write_bytes(kept)
    assert code == 0, out
    assert "Eve [/b][red]" in out
