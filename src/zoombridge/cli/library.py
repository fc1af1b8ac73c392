"""`zoombridge library`: the portal's library from the command line.

zoombridge library backfill [--connection NAME] [--json]
    Give every archived recording without a library entry the entry its connection would
    give it now (archive.library_backfill); run it again and nothing changes.
"""

from __future__ import annotations

import asyncio
import json

import typer
from rich.markup import escape

from zoombridge.accounts.hosts import HostAccounts
from zoombridge.app import ZoomBridge
from zoombridge.archive.library_backfill import (
    BackfillReport,
    backfill_library,
    backfill_or_skip,
    backfill_targets,
)
from zoombridge.cli.common import ConnectionOption, JsonOption, err, with_catalog
from zoombridge.cli.progress import CountBar
from zoombridge.db import Catalog

__all__ = ["library_app"]

library_app = typer.Typer(help="The portal's library of recordings.", no_args_is_help=True)


async def _run(
    bridge: ZoomBridge, catalog: Catalog, connection: str | None, *, bars: bool
) -> list[BackfillReport]:
    """One bar per connection; a named connection without publishing is refused (exit 1),
    while a run over all of them skips such a connection and says why."""
    now = bridge.clock.now()
    targets = await asyncio.to_thread(backfill_targets, catalog, bridge.settings, connection, now)
    authors = HostAccounts(bridge.outbox(catalog))
    work = backfill_library if connection is not None else backfill_or_skip
    reports = []
    for name, connection_id in targets:
        with CountBar(err, f"backfill {name}", enabled=bars) as bar:
            reports.append(await work(catalog, name, connection_id, authors, now, bar))
    return reports


@library_app.command("backfill")
def backfill(connection: ConnectionOption = None, as_json: JsonOption = False) -> None:
    """Enter recordings archived before a connection's publishing was saved into the
    library, with its current publish as, publish status, default visibility and the
    library's moderation. Idempotent: what has an entry is left as it is."""
    bars = not as_json and err.is_terminal

    def work(bridge: ZoomBridge, catalog: Catalog) -> list[BackfillReport]:
        return asyncio.run(_run(bridge, catalog, connection, bars=bars))

    reports = with_catalog(work)
    if as_json:
        typer.echo(json.dumps([report.as_dict() for report in reports], indent=2))
        return
    for report in reports:
        name = escape(report.connection)
        if report.skipped:
            err.print(f"{name}: skipped, {escape(report.skipped)}")
        else:
            typer.echo(
                f"{report.connection}: {report.added} entries added "
                f"({report.missing} archived recordings had none)"
            )
