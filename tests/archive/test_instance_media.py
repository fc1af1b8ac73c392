"""Media work as part of a sync: probes, joined segments, thumbnails, and what a bad file does."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import av
import pytest
from archive_helpers import MakeBridge, run_verify, served_files, sync
from dbos import DBOS
from sqlalchemy import select

from zoombridge.archive.media_probe import probe_media
from zoombridge.archive.media_workflows import enqueue_instance
from zoombridge.archive.service import read_status
from zoombridge.archive.transcripts import parse_chat, parse_vtt
from zoombridge.db import Catalog
from zoombridge.db.models import MediaAsset, Meeting, RecordingFileRow, SearchDocument
from zoombridge.emulator.world import World

pytestmark = pytest.mark.anyio

MEDIA = {"MP4", "M4A"}


def _rows(catalog: Catalog) -> tuple[list[RecordingFileRow], list[MediaAsset], list[Meeting]]:
    with catalog.session() as session:
        files = list(session.scalars(select(RecordingFileRow)))
        assets = list(session.scalars(select(MediaAsset)))
        meetings = list(session.scalars(select(Meeting)))
    return files, assets, meetings


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_a_sync_probes_joins_and_makes_thumbnails(
    make_bridge: MakeBridge, tmp_path: Path
) -> None:
    bridge = make_bridge()
    summary = await sync(bridge)
    assert summary.error is None, summary.error
    catalog = bridge.catalog()
    files, assets, meetings = _rows(catalog)
    archive = tmp_path / "home" / "archive"

    media = [row for row in files if row.file_extension in MEDIA]
    assert media
    assert all(row.probed_at is not None for row in media)
    assert [row.media_problem for row in media] == [None] * len(media)
    assert all(meeting.processed_at is not None for meeting in meetings)

    segments: dict[tuple[str, str | None], list[RecordingFileRow]] = defaultdict(list)
    for row in media:
        segments[(row.meeting_uuid, row.recording_type)].append(row)
    expected_joins = {key: rows for key, rows in segments.items() if len(rows) > 1}
    joined = {(a.meeting_uuid, a.recording_type): a for a in assets if a.kind == "joined"}
    assert expected_joins
    assert set(joined) == set(expected_joins)
    for key, asset in joined.items():
        parts = sorted(expected_joins[key], key=lambda row: row.recording_start)
        path = archive / asset.storage_key
        assert asset.sha256 == _digest(path)
        assert asset.size == path.stat().st_size
        assert [part["file_id"] for part in asset.segments] == [row.file_id for row in parts]
        probe = probe_media(path)
        assert probe.ok, probe.problem
        lengths = [probe_media(archive / row.storage_key).duration_s or 0 for row in parts]
        assert probe.duration_s == pytest.approx(sum(lengths), abs=0.6)  # within a frame (2 fps)
        assert asset.method == "copy"
        for row in parts:  # the originals are what Zoom served, untouched
            assert _digest(archive / row.storage_key) == row.sha256

    videos = {row.storage_key for row in media if row.file_extension == "MP4"}
    videos |= {a.storage_key for a in joined.values() if a.storage_key.endswith(".mp4")}
    thumbnails = {a.source_key: a for a in assets if a.kind == "thumbnail"}
    assert set(thumbnails) == videos
    for asset in thumbnails.values():
        with av.open(str(archive / asset.storage_key)) as picture:
            assert picture.streams.video[0].codec_context.name == "mjpeg"
    catalog.dispose()


async def test_transcripts_and_chat_follow_the_joined_recording(
    make_bridge: MakeBridge, tmp_path: Path
) -> None:
    bridge = make_bridge()
    await sync(bridge)
    catalog = bridge.catalog()
    files, assets, _ = _rows(catalog)
    indexed: dict[tuple[str, str], set[float]] = defaultdict(set)
    with catalog.session() as session:
        for doc in session.scalars(select(SearchDocument).where(SearchDocument.kind != "meeting")):
            indexed[(doc.meeting_uuid, doc.kind)].add(round(doc.joined_s or 0, 3))
    catalog.dispose()
    assert indexed
    archive = tmp_path / "home" / "archive"
    shifted = [a for a in assets if a.kind == "shifted_text"]
    joined = {a.storage_key: a for a in assets if a.kind == "joined"}
    assert {a.meeting_uuid for a in shifted} == {a.meeting_uuid for a in joined.values()}
    for asset in shifted:
        data = (archive / asset.storage_key).read_bytes()
        assert (asset.size, asset.sha256) == (len(data), hashlib.sha256(data).hexdigest())
        timeline = joined[asset.source_key or ""]  # the recording a player shows it with
        assert timeline.meeting_uuid == asset.meeting_uuid
        length = timeline.duration_s or 0
        if asset.storage_key.endswith(".vtt"):
            kind = "transcript" if asset.recording_type == "audio_transcript" else "caption"
            times = [(c.start, c.end) for c in parse_vtt(data).items]
        else:
            kind = "chat"
            times = [(m.offset, m.offset) for m in parse_chat(data).items]
        assert times, asset.storage_key
        assert all(0 <= start <= end <= length + 0.001 for start, end in times)
        # the same place a search hit sends the player to
        assert {round(start, 3) for start, _ in times} <= indexed[(asset.meeting_uuid, kind)]
    sources = {part["file_id"] for a in shifted for part in a.segments}
    originals = {row.file_id: row for row in files}
    for file_id in sources:  # Zoom's own text files stay as they were served
        row = originals[file_id]
        assert _digest(archive / row.storage_key) == row.sha256


async def test_a_second_sync_makes_nothing_again(make_bridge: MakeBridge) -> None:
    bridge = make_bridge()
    await sync(bridge)
    catalog = bridge.catalog()
    _, before, meetings = _rows(catalog)
    processed = {m.uuid: m.processed_at for m in meetings}
    await sync(bridge)
    _, after, meetings = _rows(catalog)
    assert [(a.id, a.sha256) for a in after] == [(a.id, a.sha256) for a in before]
    assert {m.uuid: m.processed_at for m in meetings} == processed
    catalog.dispose()


async def test_joining_can_be_switched_off(make_bridge: MakeBridge) -> None:
    bridge = make_bridge(join_segments=False)
    await sync(bridge)
    catalog = bridge.catalog()
    _, assets, _ = _rows(catalog)
    assert assets
    assert not [a for a in assets if a.kind == "joined"]
    catalog.dispose()


async def test_an_undecodable_file_is_flagged_kept_in_zoom_and_blocks_nothing_else(
    make_bridge: MakeBridge, world: World
) -> None:
    instance = next(i for i in world.instances.values() if len(i.files) > 8)  # 3 segments
    broken = next(f for f in instance.files if f.file_type == "M4A")
    garbage = b"\x00\x00\x00\x18ftypM4A " + bytes(range(256)) * 64
    broken.content = lambda: garbage  # Zoom serves it with the size it announces
    bridge = make_bridge(delete_from_zoom=True, delete_grace_days=0)
    served = len(served_files(world))
    summary = await sync(bridge)
    assert summary.error is None, summary.error
    assert summary.verified == served  # stored as Zoom served it
    catalog = bridge.catalog()
    files, assets, _ = _rows(catalog)
    flagged = [row for row in files if row.media_problem]
    assert [row.file_id for row in flagged] == [broken.id]
    assert (flagged[0].media_problem or "").startswith(("does not decode", "truncated"))
    assert read_status(catalog, 1, "default").media_flagged == 1
    joined_types = {a.recording_type for a in assets if a.meeting_uuid == instance.uuid}
    assert "audio_only" not in joined_types  # the broken segment's group is not joined
    assert "gallery_view" in joined_types  # the instance's other groups are
    # every other finished instance went to Zoom's trash; this one stays until someone looks
    assert instance.trashed_at is None
    others = [
        i
        for i in world.instances.values()
        if i.uuid != instance.uuid and i.files and all(f.status == "completed" for f in i.files)
    ]
    assert others
    assert all(i.trashed_at is not None for i in others)
    catalog.dispose()


async def test_verify_reads_back_what_was_made_and_lists_flagged_media(
    make_bridge: MakeBridge, world: World, tmp_path: Path
) -> None:
    instance = next(i for i in world.instances.values() if len(i.files) > 8)
    broken = next(f for f in instance.files if f.file_type == "M4A")
    broken.content = lambda: b"\x00\x00\x00\x18ftypM4A " + bytes(4096)
    bridge = make_bridge()
    await sync(bridge)
    report = await run_verify(bridge)
    assert report.problems == []
    catalog = bridge.catalog()
    _, assets, _ = _rows(catalog)
    catalog.dispose()
    assert report.checked >= len(assets) > 0
    assert [item["problem"] != "" for item in report.flagged_media] == [True]
    joined = next(a for a in assets if a.kind == "joined")
    path = tmp_path / "home" / "archive" / joined.storage_key
    path.write_bytes(path.read_bytes()[:-10] + bytes(10))  # damaged after it was made
    report = await run_verify(bridge)
    assert [(p.kind, p.key) for p in report.problems] == [("corrupt", joined.storage_key)]


async def test_joined_offsets_count_from_the_instances_first_file_not_the_videos(
    make_bridge: MakeBridge, world: World
) -> None:
    """Transcript and chat times count from the instance's first recording_start; a video
    that began later must sit that much later on the same clock."""
    instance = next(i for i in world.instances.values() if len(i.files) > 8)
    transcript = next(f for f in instance.files if f.file_type == "TRANSCRIPT")
    transcript.recording_start -= timedelta(seconds=30)  # the transcript began first
    bridge = make_bridge()
    await sync(bridge)
    catalog = bridge.catalog()
    _, assets, _ = _rows(catalog)
    catalog.dispose()
    video = next(
        a
        for a in assets
        if a.meeting_uuid == instance.uuid and a.kind == "joined" and a.storage_key.endswith(".mp4")
    )
    assert video.segments[0]["recorded_at_s"] == pytest.approx(30.0)


async def test_processing_that_failed_is_attempted_again_by_a_later_enqueue(
    make_bridge: MakeBridge, tmp_path: Path
) -> None:
    """DBOS never reruns a workflow id it has, failed or not: a new attempt gets a new id,
    so an instance whose storage failed once is processed (and may leave Zoom) after all."""
    bridge = make_bridge()
    await sync(bridge)
    async with bridge.archive() as rt:
        with rt.catalog.session() as session, session.begin():
            row = session.scalars(
                select(RecordingFileRow).where(RecordingFileRow.file_extension == "MP4")
            ).first()
            assert row is not None
            row.probed_at, row.media_json = None, None  # not probed yet
            row.archived_at = rt.clock.now() + timedelta(hours=1)  # a newer file: a new run
            meeting = session.get(Meeting, (row.connection_id, row.meeting_uuid))
            assert meeting is not None
            meeting.processed_at = None
            uuid, stored = row.meeting_uuid, tmp_path / "home" / "archive" / row.storage_key
            newest = row.archived_at.isoformat()
        kept = stored.read_bytes()
        stored.unlink()  # the storage cannot give the file back
        first = await enqueue_instance(rt.connection_id, uuid, newest)
        with pytest.raises(FileNotFoundError, match="is not in"):
            await (await DBOS.retrieve_workflow_async(first)).get_result()
        stored.write_bytes(kept)
        again = await enqueue_instance(rt.connection_id, uuid, newest)
        assert again == f"{first}#2"
        await (await DBOS.retrieve_workflow_async(again)).get_result()
        assert await enqueue_instance(rt.connection_id, uuid, newest) == again  # done: kept
        with rt.catalog.session() as session:
            assert session.get(Meeting, (rt.connection_id, uuid)).processed_at is not None  # type: ignore[union-attr]
