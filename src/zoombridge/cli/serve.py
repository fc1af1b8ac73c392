"""`zoombridge serve`: the long-running service: the portal and its JSON API, the webhook
receiver, durable workers, polling.

Webhooks start archive work at once; a full sync every `ZOOMBRIDGE_ARCHIVE__POLL_SECONDS`
(default 60) is the safety net for events Zoom never delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import threading
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Annotated

import typer
import uvicorn

from zoombridge.app import DEFAULT_CONNECTION, ZoomBridge
from zoombridge.archive.connections import ConnectionConfig
from zoombridge.archive.live import InboxApplier
from zoombridge.archive.loop import Restarts, keep_syncing
from zoombridge.archive.runtime import ArchiveRuntime
from zoombridge.cli.common import configuration_errors_exit, err
from zoombridge.db import Catalog
from zoombridge.meetings.nightly import keep_reconciling
from zoombridge.meetings.sync import apply_meeting_event
from zoombridge.settings import ArchiveSettings
from zoombridge.web.auth import PortalContext
from zoombridge.web.metrics import ServiceMetrics
from zoombridge.web.service import service_app
from zoombridge.web.webhooks import WebhookTarget

__all__ = ["run_service", "serve"]

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
    """Serve every enabled connection until `stop` is set (or the server is told to exit)."""
    async with bridge.serving() as served, _portal(bridge) as portal:
        runtimes = [rt for _, rt in served]
        restarts = {
            rt.name: Restarts(_reloader(bridge, portal.catalog, rt.name)) for rt in runtimes
        }
        portal.settings_saved = lambda name: restarts[name].wake.set() if name in restarts else None
        syncs = [bridge.meetings_sync(rt.connection_id, rt.zoom, rt.catalog) for rt in runtimes]
        appliers = [
            InboxApplier(rt, others=partial(apply_meeting_event, sync))
            for rt, sync in zip(runtimes, syncs, strict=True)
        ]
        targets = {
            rt.name: _webhook_target(connection, rt, applier)
            for (connection, rt), applier in zip(served, appliers, strict=True)
        }
        metrics = _metrics(portal, runtimes)
        app = service_app(targets, DEFAULT_CONNECTION, portal=portal, metrics=metrics)
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
        background: list[asyncio.Task[object]] = [asyncio.create_task(_exit_when(stop, server))]
        for rt, applier in zip(runtimes, appliers, strict=True):
            background.append(asyncio.create_task(applier.run(stop)))
            follow, counted = restarts[rt.name], metrics.round_counter(rt.name)
            background.append(asyncio.create_task(keep_syncing(rt, stop, counted, follow)))
        hour = bridge.settings.meetings.reconcile_hour_utc
        background += [asyncio.create_task(keep_reconciling(s, stop, hour)) for s in syncs]
        try:
            await server.serve()
        finally:
            stop.set()
            await asyncio.gather(*background, return_exceptions=True)


def _metrics(portal: PortalContext, runtimes: list[ArchiveRuntime]) -> ServiceMetrics:
    """What /metrics shows, with the Zoom clients' counts of the connections served here."""
    return ServiceMetrics(
        portal.catalog, portal.clock, lambda: {rt.name: rt.zoom.stats for rt in runtimes}
    )


def _reloader(
    bridge: ZoomBridge, catalog: Catalog, name: str
) -> Callable[[], ArchiveSettings | None]:
    """The connection's archive settings as saved now; None while it is switched off."""

    def reload() -> ArchiveSettings | None:
        config = bridge.connection(catalog, name)
        return config.archive if config.enabled else None

    return reload


@contextlib.asynccontextmanager
async def _portal(bridge: ZoomBridge) -> AsyncIterator[PortalContext]:
    """The portal's view of the installation: one catalog for every connection."""
    catalog = bridge.catalog()
    try:
        yield PortalContext(catalog, bridge.clock, lambda: bridge.statuses(catalog), bridge)
    finally:
        catalog.dispose()


def _webhook_target(
    connection: ConnectionConfig, rt: ArchiveRuntime, applier: InboxApplier
) -> WebhookTarget:
    """Where one connection's events go; Zoom signs them with its webhook secret ("" refuses
    them all)."""
    secret = connection.zoom.webhook_secret.get_secret_value()
    return WebhookTarget(rt.connection_id, secret, rt.catalog, rt.clock, applier.notify)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            envvar="ZOOMBRIDGE_FORWARDED_ALLOW_IPS",
            help="Reverse proxies (comma-separated addresses) whose X-Forwarded-Proto/For are "
            "believed: the portal's cookies are Secure and sign-in throttling counts real "
            "clients only behind them.",
        ),
    ] = "127.0.0.1",
) -> None:
    """Run the service: Zoom webhooks at /webhooks/zoom (/webhooks/zoom/NAME for a registered
    connection), archive workers, a sync of every connection every minute."""
    with configuration_errors_exit():
        bridge = ZoomBridge.from_env()
        if not bridge.settings.zoom.webhook_secret.get_secret_value():
            err.print(
                "[yellow]no ZOOMBRIDGE_ZOOM__WEBHOOK_SECRET: webhooks will be refused; "
                "polling still archives everything[/yellow]"
            )
        asyncio.run(run_service(bridge, host, port, asyncio.Event(), forwarded_allow_ips))
