"""The nightly reconcile inside `zoombridge serve` and `zoombridge worker`.

Every process serving a connection wakes at `meetings.reconcile_hour_utc` and asks for that
night's reconcile as a DBOS workflow named `zb-meetings-reconcile:<connection>:<date>`. DBOS
hands every asker after the first the workflow the first one started, so however many
workers share a database, Zoom is read once per night per connection (the archive's slots
work the same way, see `archive.loop`). A night whose reconcile failed is logged; the loop
goes on to the next. The same step first sends the edits queued while their hosts were at
Zoom's daily write limit (the limit resets at 00:00 UTC, before the reconcile hour).

The workflow gets only the connection id; the live parts (client, catalog, notifier) are
registered here by `keep_reconciling` and looked up when the step runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from dbos import DBOS, SetWorkflowID

from zoombridge.clock import Clock
from zoombridge.meetings.reconcile import reconcile
from zoombridge.meetings.service import MeetingService
from zoombridge.meetings.sync import MeetingsConnection

__all__ = ["RECONCILE_PREFIX", "keep_reconciling", "next_run", "reconcile_durably"]

log = logging.getLogger("zoombridge.meetings.nightly")

RECONCILE_PREFIX = "zb-meetings-reconcile:"
_SERVED: dict[int, MeetingsConnection] = {}


def next_run(now: datetime, hour_utc: int) -> datetime:
    """The next `hour_utc`:00 UTC strictly after `now`."""
    today = now.astimezone(UTC).replace(hour=hour_utc, minute=0, second=0, microsecond=0)
    return today if today > now else today + timedelta(days=1)


@DBOS.step()
async def _reconcile_step(connection_id: int) -> dict[str, Any]:
    ctx = _SERVED.get(connection_id)
    if ctx is None:
        raise RuntimeError(f"connection {connection_id} is not served by this process")
    applied = await _apply_queued_edits(ctx)
    result = (await reconcile(ctx)).as_dict()
    return {**result, "queued_edits_applied": applied}


async def _apply_queued_edits(ctx: MeetingsConnection) -> int:
    service = MeetingService(
        catalog=ctx.catalog,
        zoom=ctx.zoom,
        keyring=ctx.keyring,
        clock=ctx.clock,
        connection_id=ctx.connection_id,
        plan=ctx.zoom.budget.plan,
        notify=ctx.notify,
    )
    return await service.apply_due_changes()


@DBOS.workflow()
async def reconcile_workflow(connection_id: int) -> dict[str, Any]:
    return await _reconcile_step(connection_id)


async def reconcile_durably(ctx: MeetingsConnection, night: date) -> dict[str, Any]:
    """That night's reconcile of the connection: started here, or joined if another worker
    started it first. The connection must be registered (`keep_reconciling` does it)."""
    _SERVED.setdefault(ctx.connection_id, ctx)
    with SetWorkflowID(f"{RECONCILE_PREFIX}{ctx.connection_id}:{night.isoformat()}"):
        handle = await DBOS.start_workflow_async(reconcile_workflow, ctx.connection_id)
    result: dict[str, Any] = await handle.get_result()
    return result


async def keep_reconciling(
    ctx: MeetingsConnection,
    stop: asyncio.Event,
    hour_utc: int,
    on_night: Callable[[dict[str, Any] | None], None] | None = None,
) -> int:
    """Reconcile every night at `hour_utc` until `stop` is set; returns how many nights ran
    and tells `on_night` each result (None when it failed)."""
    _SERVED[ctx.connection_id] = ctx
    nights = 0
    try:
        while True:
            due = next_run(ctx.clock.now(), hour_utc)
            if not await _sleep_unless_stopped(ctx.clock, due, stop):
                break
            result: dict[str, Any] | None
            try:
                result = await reconcile_durably(ctx, due.date())
            except Exception:  # one bad night must not end the service: say so, go on
                log.exception("meetings reconcile of connection %d failed", ctx.connection_id)
                result = None
            nights += 1
            if on_night is not None:
                on_night(result)
    finally:
        _SERVED.pop(ctx.connection_id, None)
    return nights


async def _sleep_unless_stopped(clock: Clock, until: datetime, stop: asyncio.Event) -> bool:
    """Wait until `until`; False as soon as `stop` is set instead."""
    if stop.is_set():
        return False
    sleeper = asyncio.ensure_future(clock.sleep((until - clock.now()).total_seconds()))
    stopper = asyncio.ensure_future(stop.wait())
    _, pending = await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return not stop.is_set()
