"""The connections a running `zoombridge serve` serves, and how the set grows while it runs.

Each served connection has its archive runtime, an inbox applier (recording events to the
archive, the rest to the meetings sync), a webhook target, a sync loop that follows its
settings (`Restarts`: saving them, or "Sync now", starts a round at once), the nightly meetings
reconcile and its Zoom client's figures in /metrics.

A connection added or switched on in the portal is served at once: the portal tells
`changed(name)`. One added by another process (`zoombridge connection add`, or switched on
with `zoombridge connection enable`) is found by `watch`, which looks every `look_seconds`.
The webhook receiver reads `targets` on each delivery, so a new connection's events are
received as soon as it is served. Removing or switching off a connection is the sync loop's
business (it skips rounds, events wait in the inbox); its runtime stays until the service stops.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping
from contextlib import AsyncExitStack
from functools import partial
from typing import Any

from zoombridge.app import ZoomBridge
from zoombridge.archive.connections import ConnectionConfig, connection_names
from zoombridge.archive.live import InboxApplier
from zoombridge.archive.loop import Restarts, keep_syncing
from zoombridge.archive.runtime import ArchiveRuntime
from zoombridge.errors import ZoomBridgeError
from zoombridge.meetings.nightly import keep_reconciling
from zoombridge.meetings.sync import apply_meeting_event
from zoombridge.settings import ArchiveSettings
from zoombridge.web.auth import PortalContext
from zoombridge.web.metrics import ServiceMetrics
from zoombridge.web.webhooks import WebhookTarget
from zoombridge.zoom.client import CallStats

__all__ = ["LOOK_SECONDS", "ServingSet"]

log = logging.getLogger("zoombridge.serve")

LOOK_SECONDS = 30.0  # how often `watch` looks for connections added by another process


class ServingSet:
    def __init__(self, bridge: ZoomBridge, portal: PortalContext, stop: asyncio.Event) -> None:
        self.bridge = bridge
        self.portal = portal
        self.stop = stop
        self.runtimes: dict[str, ArchiveRuntime] = {}
        self.targets: dict[str, WebhookTarget] = {}
        self.restarts: dict[str, Restarts] = {}
        self.metrics = ServiceMetrics(portal.catalog, portal.clock, self._zoom_stats)
        self._stack = AsyncExitStack()  # the clients and bindings of connections added here
        self._tasks: set[asyncio.Task[object]] = set()
        self._adding = asyncio.Lock()
        self._refused: dict[str, str] = {}  # why a connection is not served (said once)

    def start(self, connection: ConnectionConfig, rt: ArchiveRuntime) -> None:
        """Serve a connection whose runtime is bound: its inbox, webhooks, syncs, reconcile."""
        sync = self.bridge.meetings_sync(rt.connection_id, rt.zoom, rt.catalog)
        applier = InboxApplier(rt, others=partial(apply_meeting_event, sync))
        restarts = Restarts(partial(self._reload, rt.name))
        secret = connection.zoom.webhook_secret.get_secret_value()  # "" refuses every event
        target = WebhookTarget(rt.connection_id, secret, rt.catalog, rt.clock, applier.notify)
        self.runtimes[rt.name], self.restarts[rt.name] = rt, restarts
        self.targets[rt.name] = target
        counted = self.metrics.round_counter(rt.name)
        hour = self.bridge.settings.meetings.reconcile_hour_utc
        self._spawn(applier.run(self.stop))
        self._spawn(keep_syncing(rt, self.stop, counted, restarts))
        self._spawn(keep_reconciling(sync, self.stop, hour))

    def changed(self, name: str) -> None:
        """The portal's word that a connection was added or its settings saved: a served one
        syncs again at once, another one is served if it is switched on."""
        if name in self.restarts:
            self.restarts[name].wake.set()
        elif not self.stop.is_set():
            self._spawn(self.add(name))

    async def add(self, name: str) -> bool:
        """Serve `name` if it is not served yet and is switched on; True when it is served."""
        async with self._adding:
            if name in self.runtimes:
                return True
            if self.stop.is_set():
                return False
            try:
                served = await asyncio.to_thread(
                    self.bridge.serve_also, self._stack, self.portal.catalog, name
                )
            except ZoomBridgeError as exc:
                if self._refused.get(name) != str(exc):
                    log.warning("connection %s is not served: %s", name, exc)
                self._refused[name] = str(exc)
                return False
            if served is None:
                return False
            self._refused.pop(name, None)
            self.start(*served)
            log.info("now serving connection %s", name)
            return True

    async def watch(self, look_seconds: float | None = None) -> None:
        """Serve the switched-on connections that appear, looking every `look_seconds`
        (default `LOOK_SECONDS`)."""
        every = LOOK_SECONDS if look_seconds is None else look_seconds
        while not await self._stopped_within(every):
            try:
                names = await asyncio.to_thread(
                    partial(connection_names, placeholder=False),
                    self.portal.catalog,
                    self.bridge.settings,
                )
            except Exception:  # the catalog hiccuped: look again next time
                log.exception("could not list the connections")
                continue
            for name in names:
                if name not in self.runtimes:
                    await self.add(name)

    async def close(self) -> None:
        """After `stop`: wait for every loop, then close the clients of connections added."""
        self.stop.set()
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self._stack.aclose()

    def _spawn(self, work: Coroutine[Any, Any, object]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _stopped_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self.stop.wait(), seconds)
        except TimeoutError:
            return False
        return True

    def _reload(self, name: str) -> ArchiveSettings | None:
        """The connection's archive settings as saved now; None while it is switched off."""
        config = self.bridge.connection(self.portal.catalog, name)
        return config.archive if config.enabled else None

    def _zoom_stats(self) -> Mapping[str, CallStats]:
        return {name: rt.zoom.stats for name, rt in self.runtimes.items()}
