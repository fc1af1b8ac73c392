"""The worker's periodic sync: one sync per time slot, and a failed round never ends the loop.

On SQLite with the emulator in-process and a manual clock: the loop's waits for the next slot
advance the clock at once, so rounds follow each other as fast as they run.
"""

from __future__ import annotations

import asyncio

import pytest
from archive_helpers import MakeBridge, served_files
from dbos import DBOS

from zoombridge.archive.loop import Restarts, Round, keep_syncing, slot_of
from zoombridge.archive.service import read_status
from zoombridge.archive.workflows import LISTING_ATTEMPTS
from zoombridge.db import FileState
from zoombridge.emulator.world import World
from zoombridge.settings import ArchiveSettings

pytestmark = pytest.mark.anyio

POLL = 60.0


def test_a_slot_is_the_poll_interval_that_holds_the_moment() -> None:
    assert slot_of(0.0, 60.0) == 0
    assert slot_of(59.999, 60.0) == 0
    assert slot_of(60.0, 60.0) == 1
    assert slot_of(1_000_000.5, 2.5) == 400_000


async def test_rounds_go_on_after_a_failed_one_each_in_its_own_slot(
    make_bridge: MakeBridge, world: World
) -> None:
    bridge = make_bridge(poll_seconds=POLL)
    expected = served_files(world)
    async with bridge.archive() as runtime:
        # The first round's listing meets nothing but 5xx answers, every retry of it.
        world.faults.server_errors = LISTING_ATTEMPTS * runtime.zoom.max_attempts
        stop = asyncio.Event()
        rounds: list[Round] = []
        loop = asyncio.create_task(keep_syncing(runtime, stop, rounds.append))
        settled = None
        for _ in range(600):
            status = read_status(runtime.catalog, runtime.connection_id, "default")
            # A round after the failed one finished (it clears the error) with all archived.
            done = status.files[FileState.ARCHIVED] == len(expected)
            if done and status.last_finished_at and status.error is None:
                settled = status
                break
            await asyncio.sleep(0.05)
        stop.set()
        assert await asyncio.wait_for(loop, timeout=10) == len(rounds)
        syncs = await DBOS.list_workflows_async(workflow_id_prefix="zb-sync:")

    assert settled is not None, "no round archived everything after the failed one"
    assert len(rounds) >= 2
    first = rounds[0]
    assert first.summary is not None
    assert first.error is not None
    assert "Zoom GET /users failed (50" in first.error
    assert first.summary.verified == 0
    assert sum(r.summary.verified for r in rounds if r.summary) == len(expected)
    assert all(r.error is None for r in rounds[1:])
    slots = [r.slot for r in rounds]
    assert slots == sorted(set(slots))  # one round per slot, never two
    started = {s.workflow_id for s in syncs}
    assert {f"zb-sync:{runtime.connection_id}:slot-{slot}" for slot in slots} <= started
    assert len(started) <= len(rounds) + 1  # and perhaps the round that `stop` interrupted


async def test_stop_ends_the_loop_in_the_middle_of_a_round(make_bridge: MakeBridge) -> None:
    bridge = make_bridge(poll_seconds=POLL)
    async with bridge.archive() as runtime:
        stop = asyncio.Event()
        loop = asyncio.create_task(keep_syncing(runtime, stop))
        await asyncio.sleep(0)  # the first round has begun
        stop.set()
        ran = await asyncio.wait_for(loop, timeout=5)
    assert ran == 0  # not waited for: the sync itself is durable


async def test_a_loop_follows_its_connections_settings(make_bridge: MakeBridge) -> None:
    """Switched off, it syncs nothing however many slots pass; switched on with other
    settings, it syncs with those."""
    bridge = make_bridge(poll_seconds=POLL)
    async with bridge.archive() as runtime:
        current: list[ArchiveSettings | None] = [None]
        restarts = Restarts(lambda: current[0])
        stop = asyncio.Event()
        rounds: list[Round] = []
        loop = asyncio.create_task(keep_syncing(runtime, stop, rounds.append, restarts))
        await asyncio.sleep(0.3)  # the manual clock lets many slots pass meanwhile
        assert rounds == []
        assert runtime.enabled is False  # its webhook events wait too (test_webhook_restart)
        current[0] = runtime.settings.model_copy(update={"users": ["ada@example.edu"]})
        restarts.wake.set()
        for _ in range(400):
            if rounds:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(loop, timeout=10)
    assert rounds
    assert runtime.enabled is True
    assert runtime.settings.users == ["ada@example.edu"]
