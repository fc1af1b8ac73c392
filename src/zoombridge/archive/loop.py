"""The periodic sync a worker runs: one sync of the connection per time slot, shared by workers.

Time is cut into slots of `archive.poll_seconds`; the sync of a slot has the workflow id
`zb-sync:<connection>:slot-<n>`, n = floor(epoch seconds / poll_seconds). Every worker asks
for its slot's sync at the slot's start, and DBOS hands the second asker the workflow the first
one started, so however many workers there are, a connection is synced once per slot. A sync
still running from an earlier slot is joined instead (see `service.start_or_join`). The
transfers it enqueues run on every worker through the DBOS queue.

A round that fails is logged and written to the sync status; the loop goes on.

A loop given `Restarts` follows its connection's settings: before each round it reloads
them (and skips the round while the connection is switched off); when they are saved it
syncs again at once, as a sync named by its start time (the slot's has run already).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from zoombridge.archive.runtime import ArchiveRuntime
from zoombridge.archive.service import SyncSummary, record_failure, sync_once, sync_workflow_id
from zoombridge.settings import ArchiveSettings

__all__ = ["Restarts", "Round", "keep_syncing", "slot_of"]

log = logging.getLogger("zoombridge.archive.loop")
T = TypeVar("T")


@dataclass(frozen=True)
class Round:
    """What one round of the loop did: its slot, and a summary or the error that ended it."""

    slot: int
    summary: SyncSummary | None
    error: str | None


@dataclass
class Restarts:
    """`reload` gives the connection's current archive settings, or None while it is
    switched off (then the runtime's `enabled` is False: its webhook events wait too);
    setting `wake` (settings were saved) starts a round at once."""

    reload: Callable[[], ArchiveSettings | None]
    wake: asyncio.Event = field(default_factory=asyncio.Event)


def slot_of(epoch_seconds: float, poll_seconds: float) -> int:
    return math.floor(epoch_seconds / poll_seconds)


async def keep_syncing(
    rt: ArchiveRuntime,
    stop: asyncio.Event,
    on_round: Callable[[Round], None] | None = None,
    restarts: Restarts | None = None,
) -> int:
    """Sync once per slot until `stop` is set; returns how many rounds ran, and tells
    `on_round` about each (a worker runs for months: nothing is kept here).

    Setting `stop` ends the wait for the current round at once: the sync itself is durable
    and goes on in DBOS (here until the process stops, later on recovery or in another worker's
    next round)."""
    rounds = 0
    poll = rt.settings.poll_seconds
    woken = False
    while not stop.is_set():
        slot = slot_of(rt.clock.now().timestamp(), poll)
        if restarts is None or _follow(rt, restarts):
            done = await _until_stopped(_one_round(rt, slot, restart=woken), stop)
            if done is None:
                break
            rounds += 1
            if on_round is not None:
                on_round(done)
        next_start = (slot_of(rt.clock.now().timestamp(), poll) + 1) * poll
        pause = rt.clock.sleep(next_start - rt.clock.now().timestamp())
        woken = await _until_woken(pause, stop, restarts)
    return rounds


def _follow(rt: ArchiveRuntime, restarts: Restarts) -> bool:
    """Take the connection's current settings; False while it is switched off."""
    try:
        current = restarts.reload()
    except Exception:  # the catalog hiccuped: keep the settings in hand, sync anyway
        log.exception("could not reload the settings of %s; keeping the ones in use", rt.name)
        return True
    rt.enabled = current is not None
    if current is None:
        log.info("%s is switched off; not syncing it", rt.name)
        return False
    rt.settings = current
    return True


async def _until_woken(
    pause: Awaitable[None], stop: asyncio.Event, restarts: Restarts | None
) -> bool:
    """Wait out `pause`; True when the settings were saved meanwhile (the pause ends early)."""
    if restarts is None:
        await _until_stopped(pause, stop)
        return False
    woken = await _until_stopped(_first(pause, restarts.wake.wait()), stop)
    if woken:
        restarts.wake.clear()
    return bool(woken)


async def _first(pause: Awaitable[None], wake: Awaitable[bool]) -> bool:
    """True when `wake` came first, False when `pause` ended."""
    paused, woken = asyncio.ensure_future(pause), asyncio.ensure_future(wake)
    done, pending = await asyncio.wait({paused, woken}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return woken in done


async def _one_round(rt: ArchiveRuntime, slot: int, *, restart: bool = False) -> Round:
    """The slot's sync; a restart (settings saved) is a new sync named by its start time,
    as the slot's has run already."""
    workflow_id = None if restart else sync_workflow_id(rt.connection_id, f"slot-{slot}")
    try:
        summary = await sync_once(rt, workflow_id)
    except Exception as exc:  # one bad round must not end the worker: say so, go on
        log.exception("sync of %s for slot %d failed", rt.name, slot)
        record_failure(rt, exc)
        return Round(slot, None, str(exc) or repr(exc))
    log.info(
        "sync of %s (slot %d): %d instances, %d files archived, %d failed, %d waiting, "
        "%d API calls, %d rate-limited, %.1f s%s",
        rt.name,
        slot,
        summary.meetings,
        summary.verified,
        summary.failed,
        summary.waiting,
        summary.api_calls,
        summary.rate_limited,
        summary.duration_s,
        f"; error: {summary.error}" if summary.error else "",
    )
    return Round(slot, summary, summary.error)


async def _until_stopped(work: Awaitable[T], stop: asyncio.Event) -> T | None:
    """`work`'s result, or None as soon as `stop` is set (then `work` is cancelled)."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if task.done():
        return task.result()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return None
