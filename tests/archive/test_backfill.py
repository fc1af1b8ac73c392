"""A full backfill of an emulated account: every file once, byte-identical, with sidecars."""

from __future__ import annotations

from pathlib import Path

import pytest
from archive_helpers import MakeBridge, file_bytes, read_json, served_files, sha256, sync
from sqlalchemy import select

from zoombridge.db import FileState
from zoombridge.db.models import Host, Meeting, RecordingFileRow
from zoombridge.emulator.world import World
from zoombridge.storage.keys import uuid_for_path

pytestmark = pytest.mark.anyio


async def test_backfill_archives_every_file_once_and_byte_identical(
    make_bridge: MakeBridge, world: World, tmp_path: Path
) -> None:
    bridge = make_bridge()
    summary = await sync(bridge)
    expected = served_files(world)
    assert summary.error is None, summary.error
    assert summary.failed == 0, summary.errors
    assert summary.verified == len(expected)
    assert summary.bytes == sum(file.size for file in expected.values())
    assert summary.rate_limited == 0

    catalog = bridge.catalog()
    with catalog.session() as session:
        rows = {row.file_id: row for row in session.scalars(select(RecordingFileRow))}
    archive = tmp_path / "home" / "archive"
    for file_id, file in expected.items():
        row = rows[file_id]
        assert row.state == FileState.ARCHIVED
        stored = (archive / row.storage_key).read_bytes()
        assert stored == file_bytes(file), row.storage_key
        assert row.sha256 == sha256(stored)
        assert row.stored_size == len(stored) == file.size
    # nothing but the expected files and one sidecar per instance was written
    written = sorted(str(p.relative_to(archive)) for p in archive.rglob("*") if p.is_file())
    media = [p for p in written if not p.endswith("/meeting.json")]
    assert sorted(media) == sorted(rows[fid].storage_key for fid in expected)
    catalog.dispose()


async def test_inactive_hosts_webinars_segments_and_participant_audio_are_included(
    make_bridge: MakeBridge, world: World
) -> None:
    bridge = make_bridge()
    await sync(bridge)
    catalog = bridge.catalog()
    with catalog.session() as session:
        hosts = {host.email: host.status for host in session.scalars(select(Host))}
        meetings = session.scalars(select(Meeting)).all()
        files = session.scalars(select(RecordingFileRow)).all()
    assert "inactive" in hosts.values()
    inactive_ids = {u.id for u in world.users.values() if u.status == "inactive"}
    assert any(m.host_id in inactive_ids for m in meetings), "inactive hosts' recordings"
    kinds = {row.file_type for row in files}
    assert {"MP4", "M4A", "TRANSCRIPT", "CHAT", "CC", "TIMELINE"} <= kinds
    assert any(row.participant for row in files), "per-participant audio"
    assert all(row.file_id.startswith("derived-") for row in files if row.file_type == "CC")
    catalog.dispose()


async def test_sidecars_describe_the_instance_and_its_verified_files(
    make_bridge: MakeBridge, world: World, tmp_path: Path
) -> None:
    bridge = make_bridge()
    await sync(bridge)
    archive = tmp_path / "home" / "archive"
    sidecars = list(archive.rglob("meeting.json"))
    recorded = [i for i in world.instances.values() if i.has_recording()]
    assert len(sidecars) == len(recorded)
    by_uuid = {i.uuid: i for i in recorded}
    for path in sidecars:
        document = read_json(path)
        meeting = document["meeting"]
        instance = by_uuid[meeting["uuid"]]
        assert uuid_for_path(instance.uuid) in path.parent.name
        assert meeting["topic"] == instance.topic
        assert meeting["host_id"] == instance.host_id
        assert "password" not in meeting
        assert "recording_play_passcode" not in meeting
        for entry in document["files"]:
            stored = path.parent / entry["name"]
            if entry["state"] == FileState.ARCHIVED:
                assert sha256(stored.read_bytes()) == entry["sha256"]
            else:
                assert not stored.exists()


async def test_second_sync_archives_nothing_new_and_late_files_arrive_later(
    make_bridge: MakeBridge, world: World, clock: object
) -> None:
    bridge = make_bridge()
    first = await sync(bridge)
    assert first.waiting >= 1, "the scenario has a transcript still processing"
    second = await sync(bridge)
    assert (second.verified, second.failed, second.files) == (0, 0, 0)
    assert second.skipped == first.verified
    assert second.api_calls < first.api_calls
    clock.advance(3600)  # type: ignore[attr-defined]
    third = await sync(bridge)
    assert third.verified == first.waiting
    assert third.waiting == 0
    catalog = bridge.catalog()
    with catalog.session() as session:
        states = set(session.scalars(select(RecordingFileRow.state)))
    assert states == {FileState.ARCHIVED}
    catalog.dispose()
