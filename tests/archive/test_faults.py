"""Zoom misbehaving: no corrupt file is ever marked archived; what can be recovered is."""

from __future__ import annotations

from pathlib import Path

import pytest
from archive_helpers import (
    MakeBridge,
    assert_archive_is_faithful,
    served_files,
    sync,
    sync_status,
)
from sqlalchemy import func, select

from shared_helpers import archived_rows
from zoombridge.archive.service import sync_once
from zoombridge.clock import ManualClock
from zoombridge.db import FileState
from zoombridge.db.models import Host, Meeting
from zoombridge.emulator.world import World

pytestmark = pytest.mark.anyio


# Page-token expiry needs listings past 300 meetings: test_paging.py covers it.
@pytest.mark.parametrize(
    ("knob", "value"),
    [
        ("rate_limit_storm", 8),
        ("server_errors", 3),
        ("truncate_downloads", 6),
        ("html_downloads", 4),
        ("slow_download_bytes_per_second", 4_000_000),
    ],
)
async def test_faults_never_corrupt_and_everything_is_recovered(
    make_bridge: MakeBridge, world: World, tmp_path: Path, knob: str, value: int
) -> None:
    bridge = make_bridge()
    bridge.catalog().dispose()  # an installed archive: the faults meet the sync, not the setup
    setattr(world.faults, knob, value)
    first = await sync(bridge)
    states = assert_archive_is_faithful(bridge, world, tmp_path / "home")
    if knob == "rate_limit_storm":
        assert first.rate_limited == value
    if knob != "slow_download_bytes_per_second":  # the counted faults all struck
        assert getattr(world.faults, knob) == 0, f"{knob} never fired"
    second = await sync(bridge)  # a failed file gets a new attempt
    states = assert_archive_is_faithful(bridge, world, tmp_path / "home")
    expected = served_files(world)
    assert {fid for fid, state in states.items() if state == FileState.ARCHIVED} == set(expected)
    assert first.verified + second.verified == len(expected)


async def test_html_error_pages_are_never_archived(
    make_bridge: MakeBridge, world: World, tmp_path: Path
) -> None:
    world.faults.html_downloads = 10_000  # every download answers "Only the host can..."
    bridge = make_bridge()
    summary = await sync(bridge)
    assert summary.verified == 0
    assert summary.failed == len(served_files(world))
    states = assert_archive_is_faithful(bridge, world, tmp_path / "home")
    assert set(states.values()) - {FileState.PROCESSING} == {FileState.FAILED}
    status = sync_status(bridge)
    assert status.process == "failed"
    assert status.error is not None
    assert "could not be archived" in status.error
    # no host's cursor moves past a file that is not settled: the next sync lists them again
    catalog = bridge.catalog()
    with catalog.session() as session:
        cursors = {h.user_id: h.cursor for h in session.scalars(select(Host))}
        oldest_failed = dict(
            session.execute(
                select(Meeting.host_id, func.min(Meeting.start_time)).group_by(Meeting.host_id)
            ).all()
        )
    for host_id, oldest in oldest_failed.items():
        assert cursors[host_id] is not None
        assert cursors[host_id]["settled_till"] <= oldest.date().isoformat()
    catalog.dispose()


async def test_token_expiry_mid_run_and_a_user_deleted_between_syncs(
    make_bridge: MakeBridge, world: World, clock: ManualClock, tmp_path: Path
) -> None:
    bridge = make_bridge()
    async with bridge.archive() as runtime:
        first = await sync_once(runtime)
        world.tokens.expire_all_access()  # the client's cached token is now refused
        victim = next(
            u for u in world.users.values() if u.status == "active" and u.id != world.owner_id
        )
        del world.users[victim.id]
        clock.advance(3600)  # the late transcript is ready now
        second = await sync_once(runtime)
    assert second.error is None, second.error
    assert second.verified == first.waiting
    states = assert_archive_is_faithful(bridge, world, tmp_path / "home")
    assert FileState.FAILED not in states.values()


async def test_storage_that_refuses_writes_marks_nothing_archived(
    make_bridge: MakeBridge, world: World
) -> None:
    bridge = make_bridge()
    bridge.settings.storage_url = "s3://archive/x?endpoint=http://127.0.0.1:9"  # nothing listens
    summary = await sync(bridge)
    assert summary.verified == 0
    assert summary.failed == len(served_files(world))
    assert archived_rows(bridge.settings.effective_database_url()) == {}
    status = sync_status(bridge)
    assert status.process == "failed"
    assert "could not write" in (status.error or "")


async def test_a_transfer_that_breaks_unexpectedly_is_retried_by_the_next_sync(
    make_bridge: MakeBridge, world: World, tmp_path: Path
) -> None:
    good_base = world.web_base
    world.web_base = "https://zoom.us/\x00"  # listings now carry URLs no client can open
    bridge = make_bridge()
    first = await sync(bridge)
    expected = served_files(world)
    assert first.verified == 0
    assert first.failed == len(expected)
    world.web_base = good_base
    second = await sync(bridge)
    assert second.verified == len(expected), second.errors
    states = assert_archive_is_faithful(bridge, world, tmp_path / "home")
    assert {fid for fid, state in states.items() if state == FileState.ARCHIVED} == set(expected)
