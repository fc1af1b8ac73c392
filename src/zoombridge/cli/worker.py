"""`zoombridge worker`: a long-running archive worker; several of them share the work.

Each worker syncs the connection once per `ZOOMBRIDGE_ARCHIVE__POLL_SECONDS` (the workers of
one database agree on one sync per time slot) and takes host listings and file transfers from
the shared DBOS queues, within the Zoom account's rate budget shared through the database.
Every night at ZOOMBRIDGE_MEETINGS__RECONCILE_HOUR_UTC the workers reconcile the meetings
zoombridge scheduled against Zoom, once among them all.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import Annotated

import typer

from zoombridge.app import ZoomBridge
from zoombridge.archive.durable import drain_durable
from zoombridge.archive.loop import keep_syncing
from zoombridge.cli.common import configuration_errors_exit
from zoombridge.meetings.nightly import keep_reconciling

__all__ = ["run_worker"]

log = logging.getLogger("zoombridge.worker")

# One line per paragraph: the help screen wraps them to the terminal.
HELP = "\n\n".join(
    (
        "Run an archive worker until SIGTERM or Ctrl-C.",
        "Several workers, on one machine or many, share the work through PostgreSQL "
        "(ZOOMBRIDGE_DATABASE_URL=postgresql://...): one sync per poll interval among them all, "
        "listings and transfers spread over all of them, one Zoom rate budget for the account.",
        "Give each worker a stable ZOOMBRIDGE_WORKER_ID (default: the host name): a worker that "
        "starts again with its id resumes the work it left unfinished.",
        "On the default SQLite database run exactly one worker, and no `zoombridge sync` beside "
        "it: SQLite serves one process.",
    )
)


def run_worker(
    grace_seconds: Annotated[
        int,
        typer.Option(
            min=0,
            max=3600,
            help="On stop, how long transfers under way may take to finish; "
            "the rest resumes when this worker starts again.",
        ),
    ] = 10,
) -> None:
    """Run an archive worker until SIGTERM or Ctrl-C (see HELP)."""
    handler = _log_to_stderr()
    try:
        with configuration_errors_exit():
            bridge = ZoomBridge.from_env()
            asyncio.run(_work(bridge, grace_seconds))
    finally:
        logging.getLogger("zoombridge").removeHandler(handler)


async def _work(bridge: ZoomBridge, grace_seconds: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with bridge.archives() as runtimes:
        log.info(
            "worker started on %s; syncing %s every %g s",
            _where(bridge),
            ", ".join(runtime.name for runtime in runtimes),
            bridge.settings.archive.poll_seconds,
        )
        hour = bridge.settings.meetings.reconcile_hour_utc
        nightly = [
            keep_reconciling(
                bridge.meetings_sync(rt.connection_id, rt.zoom, rt.catalog), stop, hour
            )
            for rt in runtimes
        ]
        rounds, _ = await asyncio.gather(
            asyncio.gather(*(keep_syncing(runtime, stop) for runtime in runtimes)),
            asyncio.gather(*nightly),
        )
        log.info(
            "stopping after %d rounds; transfers under way get %d s", sum(rounds), grace_seconds
        )
        await drain_durable(grace_seconds)
    log.info("worker stopped")


def _where(bridge: ZoomBridge) -> str:
    url = bridge.settings.effective_database_url()
    return "PostgreSQL" if url.startswith("postgres") else "SQLite (this worker alone)"


def _log_to_stderr() -> logging.Handler:
    """One line per event on stderr (the rounds, the start and the stop) while the worker runs."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("zoombridge")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler
