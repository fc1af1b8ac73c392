"""`zoombridge sync` and `zoombridge status`: archive every recording, and say how it stands."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from zoombridge.app import DEFAULT_CONNECTION, ZoomBridge
from zoombridge.archive.loop import Round, keep_syncing
from zoombridge.archive.runtime import ArchiveRuntime
from zoombridge.archive.service import SyncStatus, SyncSummary, never_synced, sync_once
from zoombridge.cli.common import ConnectionOption, JsonOption, configuration_errors_exit, err
from zoombridge.cli.progress import TransferBars
from zoombridge.errors import ConfigurationError

__all__ = ["run_sync", "show_status", "summary_table"]


def summary_table(summary: SyncSummary, where: str, connection: str | None = None) -> Table:
    title = "Archive sync" + (f": {connection}" if connection else "")
    table = Table(title=title, show_header=False)
    table.add_row("recorded instances listed", str(summary.meetings))
    table.add_row("files transferred", f"{summary.verified} verified, {summary.failed} failed")
    table.add_row("bytes archived", f"{summary.bytes / 1e6:.1f} MB")
    table.add_row("already archived", str(summary.skipped))
    table.add_row("still processing in Zoom", str(summary.waiting))
    table.add_row("deleted in Zoom first", str(summary.gone))
    if summary.deleted:
        freed = f"{summary.deleted} instances, {summary.bytes_freed / 1e6:.1f} MB freed"
        table.add_row("removed from Zoom", freed)
    table.add_row("API calls (429s)", f"{summary.api_calls} ({summary.rate_limited})")
    table.add_row("time", f"{summary.duration_s:.1f} s")
    table.add_row("archive", where)
    if summary.error:
        table.add_row("error", summary.error)
    for line in summary.errors[:5]:
        table.add_row("file error", line)
    return table


async def _sync(
    bridge: ZoomBridge, names: list[str] | None, *, once: bool, bars: TransferBars
) -> list[tuple[str, SyncSummary]]:
    """Sync each connection in turn (each with its own client and rate budget); without
    `once`, keep syncing every poll interval until SIGINT/SIGTERM, reporting each round."""
    async with bridge.archives(names, progress=bars) as runtimes:
        if not once:
            await _keep_syncing(bridge, runtimes)
            return []
        done = []
        for runtime in runtimes:
            with bars:
                done.append((runtime.name, await sync_once(runtime)))
        return done


async def _keep_syncing(bridge: ZoomBridge, runtimes: list[ArchiveRuntime]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    def reporter(name: str) -> Callable[[Round], None]:
        def report(done: Round) -> None:
            if done.summary is not None:
                err.print(summary_table(done.summary, bridge.storage_url(name), name))
            else:
                err.print(f"[red]sync of {name} failed:[/red] {done.error}")

        return report

    await asyncio.gather(*(keep_syncing(rt, stop, reporter(rt.name)) for rt in runtimes))


def run_sync(
    once: Annotated[bool, typer.Option("--once", help="Sync until settled, then exit.")] = False,
    connection: ConnectionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Archive every Zoom cloud recording into your storage, verified; keep syncing.

    With --json, one JSON object per connection, one per line."""
    with configuration_errors_exit():
        bridge = ZoomBridge.from_env()
        bars = TransferBars(err, enabled=not as_json and err.is_terminal)
        names = [connection] if connection else None
        done = asyncio.run(_sync(bridge, names, once=once, bars=bars))
    for name, summary in done:
        if as_json:
            typer.echo(json.dumps({"connection": name, **summary.as_dict()}))
        else:
            Console().print(summary_table(summary, bridge.storage_url(name), name))
    if any(summary.error or summary.failed for _, summary in done):
        raise typer.Exit(1)


def status_table(status: SyncStatus) -> Table:
    table = Table(title=f"Sync status: {status.connection}", show_header=False)
    table.add_row("sync process", status.process + (f" ({status.error})" if status.error else ""))
    table.add_row("last sync attempt", status.last_attempt_at or "never")
    table.add_row("last recording fetched till", status.fetched_till or "-")
    detail = f" ({status.authorization_detail})" if status.authorization_detail else ""
    table.add_row("authorization", status.authorization + detail)
    table.add_row("files", ", ".join(f"{n} {state}" for state, n in status.files.items()))
    table.add_row("bytes archived", f"{status.bytes_archived / 1e6:.1f} MB")
    table.add_row("bytes freed in Zoom", f"{status.bytes_freed / 1e6:.1f} MB")
    if status.media_flagged:
        flagged = f"{status.media_flagged} (listed by zoombridge archive verify; kept in Zoom)"
        table.add_row("audio/video flagged", flagged)
    if status.unknown_users:
        table.add_row("unknown users", ", ".join(status.unknown_users))
    return table


def _statuses(bridge: ZoomBridge, connection: str | None) -> list[SyncStatus]:
    """Read-only: an installation that never synced is shown idle, not created."""
    if not bridge.catalog_exists():
        if connection not in (None, DEFAULT_CONNECTION):
            raise ConfigurationError(f"no connection named {connection!r}; nothing synced yet")
        return [never_synced(DEFAULT_CONNECTION)]
    catalog = bridge.catalog()
    try:
        # nothing configured: shown idle as above, and no `default` recorded by reading
        return bridge.statuses(catalog, connection) or [never_synced(DEFAULT_CONNECTION)]
    finally:
        catalog.dispose()


def show_status(connection: ConnectionOption = None, as_json: JsonOption = False) -> None:
    """Show the sync status of every connection (or one): process, last attempt,
    authorization, file counts, bytes. With --json, one JSON object per line."""
    with configuration_errors_exit():
        statuses = _statuses(ZoomBridge.from_env(), connection)
    for status in statuses:
        if as_json:
            typer.echo(json.dumps(status.as_dict()))
        else:
            Console().print(status_table(status))
