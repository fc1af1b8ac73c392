"""`zoombridge meetings reconcile`: check the meetings zoombridge keeps against Zoom now, as
the nightly reconcile does (a deletion whose webhook was lost, an edit, an expired ID).

`reconcile_command` is a plain function; the `meetings` command group (cli/meetings.py)
mounts it beside its other subcommands.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from zoombridge.app import DEFAULT_CONNECTION, ZoomBridge
from zoombridge.archive.connections import connection_names
from zoombridge.cli.common import ConnectionOption, JsonOption, configuration_errors_exit, err
from zoombridge.meetings.notifications import MailNotifier
from zoombridge.meetings.reconcile import ReconcileReport, reconcile

__all__ = ["reconcile_command", "reconcile_connections"]

out = Console()


async def reconcile_connections(
    bridge: ZoomBridge, name: str | None = None
) -> list[tuple[str, ReconcileReport]]:
    """Reconcile the named connection's meetings, or every enabled connection's."""
    catalog = bridge.catalog()
    try:
        names = [name] if name else connection_names(catalog, bridge.settings)
        reports = []
        for each in names or [DEFAULT_CONNECTION]:
            config = bridge.connection(catalog, each)
            connection_id = bridge.connection_id(catalog, each)
            async with bridge.connection_client(config, catalog) as zoom:
                sync = bridge.meetings_sync(connection_id, zoom, catalog)
                reports.append((each, await reconcile(sync)))
                if isinstance(sync.notify, MailNotifier):
                    await sync.notify.drain()
        return reports
    finally:
        catalog.dispose()


def reconcile_command(connection: ConnectionOption = None, json_out: JsonOption = False) -> None:
    """Check every active meeting against Zoom now: changed ones are copied, deleted ones
    marked missing (recreate them), expired IDs recorded; people are told as by the nightly
    run. Exit code 1 when some could not be checked (Zoom unreachable or refusing)."""
    with configuration_errors_exit():
        bridge = ZoomBridge.from_env()
        reports = asyncio.run(reconcile_connections(bridge, connection))
    if json_out:
        data: list[dict[str, Any]] = [{"connection": n, **r.as_dict()} for n, r in reports]
        typer.echo(json.dumps(data, indent=2))
    else:
        for name, report in reports:
            _print(name, report)
    if any(report.counts()["unknown"] for _, report in reports):
        err.print("[yellow]some meetings could not be checked; they are left as they were[/yellow]")
        raise typer.Exit(1)


def _print(name: str, report: ReconcileReport) -> None:
    counts = ", ".join(f"{n} {outcome}" for outcome, n in report.counts().items() if n)
    out.print(
        f"[bold]{name}[/bold]: {len(report.items)} checked" + (f" ({counts})" if counts else "")
    )
    shown = [item for item in report.items if item.outcome != "unchanged"]
    if not shown:
        return
    table = Table("id", "Zoom id", "topic", "outcome", "detail")
    for item in shown:
        table.add_row(
            str(item.meeting_id), str(item.zoom_id), item.topic, item.outcome, item.detail
        )
    out.print(table)
