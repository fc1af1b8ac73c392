"""The long-running service `zoombridge serve` runs: the portal and its JSON API, the webhook
receiver, durable workers, polling.

Webhooks start archive work at once; a full sync every `ZOOMBRIDGE_ARCHIVE__POLL_SECONDS`
(default 60) is the safety net for events Zoom never delivered. A connection added or switched
on while the service runs is served from then on, without a restart (`serving_set`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import threading
from collections.abc import AsyncIterator

import uvicorn

from zoombridge.app import DEFAULT_CONNECTION, ZoomBridge
from zoombridge.cli.serving_set import ServingSet
from zoombridge.web.auth import PortalContext
from zoombridge.web.service import service_app

__all__ = ["run_service"]

log = logging.getLogger("zoombridge.serve")


async def _exit_when(stop: asyncio.Event, server: uvicorn.Server) -> None:
    await stop.wait()
    server.should_exit = True


def _stop_on_signals(stop: asyncio.Event) -> None:
    """SIGTERM/SIGINT end the service gracefully with exit status 0. uvicorn restores these
    handlers after its own shutdown and re-raises the signal to them: they only set `stop`."""
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))


async def run_service(
    bridge: ZoomBridge,
    host: str,
    port: int,
    stop: asyncio.Event,
    forwarded_allow_ips: str = "127.0.0.1",
) -> None:
    """Serve every enabled connection until `stop` is set (or the server is told to exit),
    and each one added or switched on meanwhile (see `ServingSet`). With none yet (a fresh
    installation, or every one switched off) it serves the portal, where an admin adds one."""
    async with bridge.serving(allow_none=True) as served, _portal(bridge) as portal:
        if not served:
            log.warning("no Zoom connection to serve yet: add one in the portal at /connect")
        serving = ServingSet(bridge, portal, stop)
        portal.settings_saved = serving.changed
        app = service_app(
            serving.targets, DEFAULT_CONNECTION, portal=portal, metrics=serving.metrics
        )
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
            proxy_headers=True,  # the scheme and client a trusted proxy reports
            forwarded_allow_ips=forwarded_allow_ips,
        )
        server = uvicorn.Server(config)
        _stop_on_signals(stop)
        # Everything imported so far lives as long as the service: leaving it out of the
        # collector's full passes turns a ~100 ms pause into ~5 ms (webhook p99, see bench).
        gc.freeze()
        background = [asyncio.create_task(_exit_when(stop, server))]
        for connection, rt in served:
            serving.start(connection, rt)
        background.append(asyncio.create_task(serving.watch()))
        try:
            await server.serve()
        finally:
            stop.set()
            await asyncio.gather(*background, return_exceptions=True)
            await serving.close()


@contextlib.asynccontextmanager
async def _portal(bridge: ZoomBridge) -> AsyncIterator[PortalContext]:
    """The portal's view of the installation: one catalog for every connection."""
    catalog = bridge.catalog()
    try:
        yield PortalContext(catalog, bridge.clock, lambda: bridge.statuses(catalog), bridge)
    finally:
        catalog.dispose()
