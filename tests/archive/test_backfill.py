"""A full backfill of an emulated account: every file once, byte-identical, with sidecars."""

from __future__ import annotations

from pathlib import Path

import pytest
from archive_helpers import (
    MakeBridge,
    file_bytes,
    read_json,
    served_files,
    sha256,
    sync,
    sync_status,
)
from sqlalchemy import select

from zoombridge.clock import ManualClock
from zoombridge.db import FileState
from zoombridge.db.models import Host, MediaAsset, Meeting, RecordingFileRow
from zoombridge.emulator.world import World
from zoombridge.storage.keys import JOINED_FOLDER, THUMBNAIL_FOLDER, uuid_for_path

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
    # nothing but the expected files, one sidecar per instance, and what zoombridge made
    # from them (recorded in the catalog, in their own subfolders) was written
    with catalog.session() as session:
        made = set(session.scalars(select(MediaAsset.storage_key)))
    written = sorted(str(p.relative_to(archive)) for p in archive.rglob("*") if p.is_file())
    media = [p for p in written if not p.endswith("/meeting.json") and p not in made]
    assert sorted(media) == sorted(rows[fid].storage_key for fid in expected)
    assert made
    assert {key.split("/")[-2] for key in made} == {JOINED_FOLDER, THUMBNAIL_FOLDER}
    assert made <= set(written)
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


async def test_only_the_listed_hosts_are_archived_and_unknown_emails_are_reported(
    make_bridge: MakeBridge, world: World
) -> None:
    chosen = next(u for u in world.users.values() if u.status == "active" and u.type == 2)
    bridge = make_bridge(users=f"{chosen.email.upper()}, ghost@example.edu")
    summary = await sync(bridge)
    assert summary.failed == 0
    catalog = bridge.catalog()
    with catalog.session() as session:
        hosts = set(session.scalars(select(Meeting.host_id)))
    catalog.dispose()
    status = sync_status(bridge)
    assert hosts == {chosen.id}
    assert summary.verified == sum(
        1 for file_id in served_files(world) if file_id in _files_of(world, chosen.id)
    )
    assert status.unknown_users == ["ghost@example.edu"]


def _files_of(world: World, host_id: str) -> set[str]:
    served = served_files(world)
    mine = {
        id(file)
        for instance in world.instances.values()
        if instance.host_id == host_id
        for file in instance.all_files()
    }
    return {file_id for file_id, file in served.items() if id(file) in mine}


async def test_an_instance_keeps_its_folder_when_topic_or_template_change(
    make_bridge: MakeBridge, world: World, clock: ManualClock, tmp_path: Path
) -> None:
    await sync(make_bridge())
    newest = max(
        (i for i in world.instances.values() if i.has_recording()), key=lambda i: i.start_time
    )
    old_folders = {p.parent for p in (tmp_path / "home" / "archive").rglob("meeting.json")}
    newest.topic = "Renamed in Zoom"
    clock.advance(3600)  # its late transcript is ready now
    later = await sync(make_bridge(key_template="{host_id}/{uuid}"))
    assert later.verified >= 1
    archive = tmp_path / "home" / "archive"
    assert {p.parent for p in archive.rglob("meeting.json")} == old_folders
    for path in archive.rglob("meeting.json"):
        document = read_json(path)
        for entry in document["files"]:
            assert (path.parent / entry["name"]).exists() == (entry["state"] == "archived")
        if document["meeting"]["uuid"] == newest.uuid:
            assert document["meeting"]["topic"] == "Renamed in Zoom"
