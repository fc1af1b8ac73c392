"""A file workflow that ends without a result (cancelled by an operator, say) fails its
attempt, is reported, and is archived by the next sync under a new attempt."""

from __future__ import annotations

import asyncio

import pytest
from archive_helpers import MakeBridge, served_files, sync
from dbos import DBOS

from shared_helpers import archived_rows
from zoombridge.archive.service import sync_once
from zoombridge.db import FileState
from zoombridge.db.models import RecordingFileRow
from zoombridge.emulator.world import World

pytestmark = pytest.mark.anyio


BIG_FILE = 50_000  # at the test's download pace, a transfer of half a second or more


async def cancel_first_file_workflow() -> str:
    """Wait for the transfer of a big file to start, cancel it, return its workflow id. (A
    small file's transfer can end before the cancel lands: it would not fail.)"""
    while True:
        running = await DBOS.list_workflows_async(
            workflow_id_prefix="zb-file:", status=["PENDING"], load_input=True
        )
        for status in running:
            task = status.input["args"][1] if status.input else {}
            if (task.get("file_size") or 0) >= BIG_FILE:
                await DBOS.cancel_workflow_async(status.workflow_id)
                return status.workflow_id
        await asyncio.sleep(0.01)


async def test_a_cancelled_transfer_fails_its_attempt_and_the_next_sync_archives_it(
    make_bridge: MakeBridge, world: World
) -> None:
    world.faults.slow_download_bytes_per_second = 200_000  # transfers last long enough
    bridge = make_bridge()
    async with bridge.archive() as runtime:
        canceller = asyncio.create_task(cancel_first_file_workflow())
        first = await sync_once(runtime)
        cancelled = await canceller
    file_id = cancelled.split(":", 2)[2].rsplit("#", 1)[0]
    assert first.failed == 1
    assert any("CANCELLED" in error for error in first.errors), first.errors
    catalog = bridge.catalog()
    with catalog.session() as session:
        row = session.get(RecordingFileRow, (runtime.connection_id, file_id))
        assert row is not None
        assert (row.state, row.attempt) == (FileState.FAILED, 0)

    world.faults.slow_download_bytes_per_second = 0
    second = await sync(bridge)
    assert second.failed == 0
    assert second.verified == 1
    with catalog.session() as session:
        row = session.get(RecordingFileRow, (runtime.connection_id, file_id))
        assert row is not None
        assert (row.state, row.attempt) == (FileState.ARCHIVED, 1)
    catalog.dispose()
    assert set(archived_rows(bridge.settings.effective_database_url())) == set(served_files(world))
