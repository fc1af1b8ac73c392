"""More than 300 recorded meetings in one month for one host (the `paging` scenario: 700
instances in the last month): every instance listed once, with only the calls the listing
needs (pages of 300 per month window), also when a page token expires mid-walk.

Archiving all 4,900 files of this world takes ~2 minutes here (DBOS's per-workflow
bookkeeping on SQLite dominates), too long for the suite: all but a sample of instances
are held back (their files still processing in Zoom; CC and TIMELINE files, which Zoom lists
without a status, not yet there), the whole listing is checked, and the sample's files are
archived exactly once.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from archive_helpers import file_bytes, recorded_bridge, served_files, sha256, sync
from call_log import Recorder
from sqlalchemy import func, select

from shared_helpers import archived_rows, zoom_originals
from zoombridge.app import ZoomBridge
from zoombridge.clock import ManualClock
from zoombridge.db import FileState
from zoombridge.db.models import Meeting, RecordingFileRow
from zoombridge.emulator import build_world
from zoombridge.emulator.world import EmuInstance, World
from zoombridge.zoom.pagination import month_windows

pytestmark = pytest.mark.anyio

PAGE_SIZE = 300
SAMPLE = 40  # instances whose files complete and are archived


@pytest.fixture
def world(clock: ManualClock) -> World:
    return build_world("paging", seed=3, clock=clock)


def hold_back(world: World, keep: list[EmuInstance]) -> None:
    """Every instance but `keep` has its files still in the making."""
    kept = {instance.uuid for instance in keep}
    for instance in world.instances.values():
        if instance.uuid in kept:
            continue
        for file in instance.all_files():
            if file.id is None:
                file.deleted = True  # listed without a status: absent until it exists
            else:
                file.status = "processing"  # no ready time: Zoom is still at it


def minimum_listing_calls(world: World, since: date, till: date) -> int:
    """Pages the recordings listing needs: per host and month window, one page per 300
    instances, and one (empty) page for a window without any. Pending users (invitations
    not yet accepted) cannot have recordings and are not listed."""
    calls = 0
    for user in world.users.values():
        if user.deleted or user.status == "pending":
            continue
        days = Counter(i.start_time.date() for i in world.instances_by_host.get(user.id, []))
        for first, last in month_windows(since, till):
            inside = sum(n for day, n in days.items() if first <= day <= last)
            calls += max(1, math.ceil(inside / PAGE_SIZE))
    return calls


def bridge_for(world: World, clock: ManualClock, home: Path) -> tuple[ZoomBridge, Recorder]:
    bridge, recorder = recorded_bridge(home, world, clock, participants_count=False)
    # An installed archive: a fresh one first checks its credentials (two cheap calls),
    # which would blur the count of listing calls.
    bridge.catalog().dispose()
    return bridge, recorder


def listing_calls(recorder: Recorder) -> int:
    return recorder.count("/v2/users/", "/recordings")


async def test_700_instances_in_one_month_are_listed_once_with_the_minimum_of_calls(
    world: World, clock: ManualClock, tmp_path: Path
) -> None:
    host = world.users[world.owner_id]
    assert len(world.instances_by_host[host.id]) == 700
    hold_back(world, [])
    bridge, recorder = bridge_for(world, clock, tmp_path / "home")
    since, till = bridge.settings.archive.start_date, world.now().date()
    windows = month_windows(since, till)
    per_window = [
        sum(1 for i in world.instances.values() if first <= i.start_time.date() <= last)
        for first, last in windows
    ]
    assert max(per_window) > PAGE_SIZE, "the scenario must need a second page in a window"

    summary = await sync(bridge)
    assert summary.error is None
    assert summary.meetings == 700
    assert listing_calls(recorder) == minimum_listing_calls(world, since, till)
    # nothing but the users walk and the listing: no per-instance calls
    assert summary.api_calls == recorder.api_calls()
    assert recorder.api_calls() == listing_calls(recorder) + recorder.count("/v2/users", "/users")

    catalog = bridge.catalog()
    with catalog.session() as session:
        meetings = set(session.scalars(select(Meeting.uuid)))
        states = dict(
            session.execute(
                select(RecordingFileRow.state, func.count()).group_by(RecordingFileRow.state)
            ).all()
        )
    catalog.dispose()
    assert meetings == set(world.instances)
    files = sum(1 for i in world.instances.values() for f in i.all_files() if f.id)
    assert states == {FileState.PROCESSING: files}


async def test_an_expired_page_token_restarts_the_window_without_losing_or_doubling(
    world: World, clock: ManualClock, tmp_path: Path
) -> None:
    hold_back(world, [])
    bridge, recorder = bridge_for(world, clock, tmp_path / "home")
    since, till = bridge.settings.archive.start_date, world.now().date()
    world.faults.expire_page_tokens = 1
    summary = await sync(bridge)
    assert summary.error is None
    assert summary.meetings == 700
    assert world.faults.expire_page_tokens == 0, "a page token was presented and refused"
    # the refused call, and the window's first page fetched again
    assert listing_calls(recorder) == minimum_listing_calls(world, since, till) + 2
    catalog = bridge.catalog()
    with catalog.session() as session:
        assert session.scalar(select(func.count()).select_from(Meeting)) == 700
    catalog.dispose()


async def test_files_that_complete_later_are_archived_exactly_once(
    world: World, clock: ManualClock, tmp_path: Path
) -> None:
    sample = sorted(world.instances.values(), key=lambda i: i.start_time)[::17][:SAMPLE]
    hold_back(world, sample)
    expected = served_files(world)
    assert len(expected) == 7 * SAMPLE
    bridge, _ = bridge_for(world, clock, tmp_path / "home")

    first = await sync(bridge)
    assert first.failed == 0, first.errors
    assert first.meetings == 700
    assert first.verified == len(expected)
    assert first.waiting == 5 * (700 - SAMPLE)
    second = await sync(bridge)
    assert (second.verified, second.files) == (0, 0)

    archive = tmp_path / "home" / "archive"
    rows = archived_rows(bridge.settings.effective_database_url())
    assert set(rows) == set(expected)
    stored = zoom_originals(str(p.relative_to(archive)) for p in archive.rglob("*") if p.is_file())
    assert len(stored) == len(expected)
    for file_id, file in expected.items():
        assert sha256((archive / rows[file_id].storage_key).read_bytes()) == sha256(
            file_bytes(file)
        )
