"""Safe deletion from Zoom: only archived, re-verified instances past the grace period, audited,
counted once, and never when storage disagrees with the catalog."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from archive_helpers import MakeBridge, run_verify, served_files, stored_files, sync, sync_status
from sqlalchemy import select, update

from zoombridge.app import ZoomBridge
from zoombridge.archive.deletion import eligible_instances, request_deletion
from zoombridge.archive.service import SyncSummary, sync_once
from zoombridge.clock import ManualClock
from zoombridge.db import FileState
from zoombridge.db.models import AuditEntry, Meeting, RecordingFileRow
from zoombridge.emulator.world import World

pytestmark = pytest.mark.anyio

DAY = 86400.0


def catalog_files(bridge: ZoomBridge) -> dict[str, list[RecordingFileRow]]:
    """The catalog's file rows, by instance UUID."""
    catalog = bridge.catalog()
    with catalog.session() as session:
        rows = session.scalars(select(RecordingFileRow).order_by(RecordingFileRow.file_id)).all()
    catalog.dispose()
    found: dict[str, list[RecordingFileRow]] = {}
    for row in rows:
        found.setdefault(row.meeting_uuid, []).append(row)
    return found


def fully_archived(bridge: ZoomBridge) -> dict[str, int]:
    """Instances whose files are all archived, with their stored bytes."""
    return {
        uuid: sum(row.stored_size or 0 for row in rows)
        for uuid, rows in catalog_files(bridge).items()
        if all(row.state == FileState.ARCHIVED for row in rows)
    }


def audit(bridge: ZoomBridge) -> list[AuditEntry]:
    catalog = bridge.catalog()
    with catalog.session() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    catalog.dispose()
    return list(entries)


def removed_in_zoom(world: World) -> set[str]:
    return {
        uuid
        for uuid, instance in world.instances.items()
        if instance.trashed_at or instance.recording_deleted
    }


async def syncs(bridge: ZoomBridge, clock: ManualClock, *pauses: float) -> list[SyncSummary]:
    """One sync, then one more after each pause (seconds), in one running archive."""
    async with bridge.archive() as runtime:
        summaries = [await sync_once(runtime)]
        for pause in pauses:
            clock.advance(pause)
            summaries.append(await sync_once(runtime))
    return summaries


async def test_off_by_default_and_only_settled_instances_are_eligible(
    make_bridge: MakeBridge, world: World, clock: ManualClock
) -> None:
    bridge = make_bridge()
    assert bridge.settings.archive.delete_from_zoom is False
    first, later = await syncs(bridge, clock, 30 * DAY)
    assert (first.deleted, later.deleted, later.bytes_freed) == (0, 0, 0)
    assert removed_in_zoom(world) == set()
    assert audit(bridge) == []
    assert sync_status(bridge).bytes_freed == 0

    # The rule itself: one unsettled file keeps its instance; a file gone from Zoom does not.
    catalog = bridge.catalog()
    connection_id = bridge.connection_id(catalog)
    uuid, rows = next((u, r) for u, r in catalog_files(bridge).items() if len(r) > 1)
    assert uuid in eligible_instances(catalog, connection_id, clock.now())
    assert uuid not in eligible_instances(catalog, connection_id, clock.now() - timedelta(days=31))
    for state in (FileState.PENDING, FileState.PROCESSING, FileState.FAILED, FileState.GONE):
        with catalog.session() as session, session.begin():
            session.execute(
                update(RecordingFileRow)
                .where(RecordingFileRow.file_id == rows[0].file_id)
                .values(state=state)
            )
        eligible = uuid in eligible_instances(catalog, connection_id, clock.now())
        assert eligible is (state == FileState.GONE), state
    catalog.dispose()


async def test_trashed_after_the_grace_period_with_the_checksums_audited(
    make_bridge: MakeBridge, world: World, clock: ManualClock
) -> None:
    bridge = make_bridge(delete_from_zoom=True)  # grace 7 days, action trash
    async with bridge.archive() as runtime:
        first = await sync_once(runtime)
        expected = fully_archived(bridge)
        served = served_files(world)  # before Zoom's trash hides them
        clock.advance(7 * DAY - 60)
        early = await sync_once(runtime)
        assert removed_in_zoom(world) == set()
        clock.advance(120)
        due_at = clock.now()
        due = await sync_once(runtime)
        again = await sync_once(runtime)
    assert (first.deleted, early.deleted) == (0, 0)
    assert due.error is None, due.error
    assert due.deleted == len(expected) > 0
    assert due.bytes_freed == sum(expected.values())
    assert removed_in_zoom(world) == set(expected)
    assert all(not world.instances[uuid].recording_deleted for uuid in expected)  # trash only
    assert (again.deleted, again.bytes_freed) == (0, 0)
    assert sync_status(bridge).bytes_freed == sum(expected.values())

    done = [entry for entry in audit(bridge) if entry.action == "trash"]
    assert sorted(entry.meeting_uuid or "" for entry in done) == sorted(expected)
    files = catalog_files(bridge)
    for entry in done:
        assert entry.actor == "zoombridge sync (connection default)"
        assert entry.detail["bytes"] == expected[entry.meeting_uuid or ""]
        for item in entry.detail["files"]:
            assert item["sha256"] == served[item["id"]].sha256()
            assert item["size"] == served[item["id"]].size
        rows = files[entry.meeting_uuid or ""]
        assert all(row.verified_at and row.verified_at >= due_at for row in rows)  # re-verified
    catalog = bridge.catalog()
    with catalog.session() as session:
        marked = set(
            session.scalars(select(Meeting.uuid).where(Meeting.trashed_by_us_at.is_not(None)))
        )
    catalog.dispose()
    assert marked == set(expected)


async def test_delete_action_deletes_and_unsettled_instances_wait(
    make_bridge: MakeBridge, world: World, clock: ManualClock
) -> None:
    oldest = min(world.instances.values(), key=lambda instance: instance.start_time)
    hidden = oldest.files[0].token  # its download answers with an error page: the file fails
    found = world.files_by_token.pop(hidden)
    bridge = make_bridge(delete_from_zoom=True, delete_grace_days=0, delete_action="delete")
    async with bridge.archive() as runtime:
        first = await sync_once(runtime)
        states = catalog_files(bridge)
        removed_first = removed_in_zoom(world)
        world.files_by_token[hidden] = found
        clock.advance(3600)  # the late transcript is ready, the failed file gets a new attempt
        second = await sync_once(runtime)
    waiting = {
        uuid
        for uuid, rows in states.items()
        if any(row.state != FileState.ARCHIVED for row in rows)
    }
    assert oldest.uuid in waiting  # and the instance of the processing transcript
    assert {row.state for rows in states.values() for row in rows} >= {
        FileState.FAILED,
        FileState.PROCESSING,
    }
    assert removed_first == set(states) - waiting
    assert first.deleted == len(removed_first)
    assert second.deleted == len(waiting)
    assert removed_in_zoom(world) == set(states)
    for uuid in states:
        assert world.instances[uuid].recording_deleted, uuid  # gone for good, not in the trash
        assert world.instances[uuid].trashed_at is None
    actions = {entry.action for entry in audit(bridge)}
    assert actions == {"delete-requested", "delete"}
    assert sync_status(bridge).bytes_freed == first.bytes_freed + second.bytes_freed > 0


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


async def test_a_corrupt_or_missing_object_blocks_only_its_instance(
    make_bridge: MakeBridge, world: World, clock: ManualClock, tmp_path: Path
) -> None:
    bridge = make_bridge(delete_from_zoom=True)
    root = tmp_path / "home" / "archive"
    async with bridge.archive() as runtime:
        await sync_once(runtime)
        expected = fully_archived(bridge)
        files = catalog_files(bridge)
        corrupt_uuid, missing_uuid = sorted(expected)[:2]
        corrupt_key = files[corrupt_uuid][0].storage_key
        missing_key = files[missing_uuid][-1].storage_key
        flip_a_byte(root / corrupt_key)
        (root / missing_key).unlink()
        before = stored_files(root)
        clock.advance(8 * DAY)
        summary = await sync_once(runtime)
    assert removed_in_zoom(world) == set(expected) - {corrupt_uuid, missing_uuid}
    assert summary.deleted == len(expected) - 2
    assert summary.error is not None
    assert f"{corrupt_key} is corrupt" in summary.error
    assert f"{missing_key} is missing" in summary.error
    state = sync_status(bridge)
    assert state.process == "failed"
    assert corrupt_key in (state.error or "")
    assert not {entry.meeting_uuid for entry in audit(bridge)} & {corrupt_uuid, missing_uuid}
    # the check reports the same two objects and removes nothing from storage
    report = await run_verify(bridge)
    assert {(p.kind, p.key) for p in report.problems} == {
        ("corrupt", corrupt_key),
        ("missing", missing_key),
    }
    after = stored_files(root)
    media = {key: data for key, data in before.items() if not key.endswith("meeting.json")}
    assert {key: after[key] for key in media} == media  # sidecars may be rewritten, no more
    assert set(before) <= set(after)


async def test_storage_that_fails_during_reverification_deletes_nothing(
    make_bridge: MakeBridge, world: World, clock: ManualClock
) -> None:
    await sync(make_bridge(delete_from_zoom=True))
    clock.advance(8 * DAY)
    broken = make_bridge(delete_from_zoom=True)
    broken.settings.storage_url = "s3://archive/x?endpoint=http://127.0.0.1:9"  # nothing listens
    summary = await sync(broken)
    assert summary.deleted == 0
    assert removed_in_zoom(world) == set()
    state = sync_status(broken)
    assert state.process == "failed"
    assert "storage could not be read to re-verify" in (state.error or "")
    assert (state.bytes_freed, audit(broken)) == (0, [])
    report = await run_verify(broken)
    assert report.unreadable == report.checked > 0
    assert "could not read" in report.problems[0].detail


async def test_a_deletion_interrupted_after_zoom_answered_is_counted_once(
    make_bridge: MakeBridge, world: World, clock: ManualClock
) -> None:
    """The state a crash leaves between Zoom's answer and our record: our request in the audit
    log, the instance in Zoom's trash. Another instance was trashed by someone else."""
    await sync(make_bridge())
    bridge = make_bridge(delete_from_zoom=True, delete_grace_days=0)
    expected = fully_archived(bridge)
    ours, theirs = sorted(expected)[:2]
    catalog = bridge.catalog()
    detail: dict[str, Any] = {"bytes": expected[ours], "files": []}
    request_deletion(
        catalog,
        bridge.connection_id(catalog),
        ours,
        "zoombridge sync",
        "trash",
        detail,
        clock.now(),
    )
    catalog.dispose()
    world.instances[ours].trashed_at = clock.now()  # Zoom did what we asked, then we crashed
    world.instances[theirs].trashed_at = clock.now()  # someone trashed it in Zoom's portal

    first, again = await syncs(bridge, clock, 60)

    assert first.error is None, first.error
    assert first.deleted == len(expected) - 1  # ours is counted; theirs is not
    assert first.bytes_freed == sum(expected.values()) - expected[theirs]
    assert (again.deleted, again.bytes_freed) == (0, 0)
    assert sync_status(bridge).bytes_freed == first.bytes_freed
    by_uuid: dict[str, list[str]] = {}
    for entry in audit(bridge):
        by_uuid.setdefault(entry.meeting_uuid or "", []).append(entry.action)
    assert by_uuid[ours] == ["trash-requested", "trash"]
    assert by_uuid[theirs] == ["already-gone"]
    catalog = bridge.catalog()
    with catalog.session() as session:
        rows = {m.uuid: m for m in session.scalars(select(Meeting))}
    catalog.dispose()
    assert rows[ours].trashed_by_us_at is not None
    assert rows[theirs].trashed_by_us_at is None
    assert rows[theirs].deleted_in_zoom_at is not None


async def test_a_file_zoom_added_after_archiving_is_fetched_before_deletion(
    make_bridge: MakeBridge, world: World, clock: ManualClock
) -> None:
    await sync(make_bridge())
    bridge = make_bridge(delete_from_zoom=True, delete_grace_days=0)
    expected = fully_archived(bridge)
    # the oldest instance: long settled, so no listing shows Zoom's new file to the archive
    late_uuid = min(expected, key=lambda uuid: world.instances[uuid].start_time)
    instance = world.instances[late_uuid]
    extra = dataclasses.replace(
        instance.files[0], id=world.new_file_id(), token=world.new_token(), _body=None
    )
    instance.files.append(extra)
    world.files_by_token[extra.token] = (instance, extra)

    first, second = await syncs(bridge, clock, 60)

    assert removed_in_zoom(world) - {late_uuid} == set(expected) - {late_uuid}
    assert first.deleted == len(expected) - 1
    assert second.deleted == 1  # the new file was archived, then the instance removed
    assert late_uuid in removed_in_zoom(world)
    rows = {row.file_id: row for row in catalog_files(bridge)[late_uuid]}
    assert rows[extra.id or ""].state == FileState.ARCHIVED


async def test_audio_or_video_not_probed_or_flagged_keeps_its_instance_in_zoom(
    make_bridge: MakeBridge, clock: ManualClock
) -> None:
    """Probing is part of "verified" for media: an archived MP4 or M4A nobody has probed
    yet, or whose probe found a problem, makes its instance ineligible, bytes intact or not."""
    bridge = make_bridge()
    await syncs(bridge, clock)
    catalog = bridge.catalog()
    connection_id = bridge.connection_id(catalog)
    with catalog.session() as session:
        media = session.scalars(
            select(RecordingFileRow).where(RecordingFileRow.file_extension.in_(["MP4", "M4A"]))
        ).first()
    assert media is not None
    later = clock.now() + timedelta(days=1)
    assert media.meeting_uuid in eligible_instances(catalog, connection_id, later)
    for change in ({"probed_at": None}, {"media_problem": "does not decode"}):
        with catalog.session() as session, session.begin():
            session.execute(
                update(RecordingFileRow)
                .where(RecordingFileRow.file_id == media.file_id)
                .values({"probed_at": media.probed_at, "media_problem": None} | change)
            )
        assert media.meeting_uuid not in eligible_instances(catalog, connection_id, later), change
    catalog.dispose()
