"""`zoombridge emulator-check`: walk a simulated account over a real socket, verify every file.

Serves the emulator in a thread on a loopback port of its own, points a client at it through
the same settings a user would export, walks the whole account and verifies every file it
serves: a quick way to see that a scenario (or a change to the emulator) is self-consistent.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table

from zoombridge.app import ZoomBridge
from zoombridge.cli.emulator import emulator_settings
from zoombridge.emulator.check import CheckReport, run_check
from zoombridge.emulator.scenarios import SCENARIOS, build_world
from zoombridge.emulator.world import World

__all__ = ["run"]

console = Console(stderr=True)


async def _check(world: World, base: str, quiet: bool) -> CheckReport:
    """Walk the account served at `base` with the settings a user would export for it."""
    today = world.now().date()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
    )
    async with ZoomBridge(emulator_settings(base, plan=world.plan)).zoom_client() as zoom:
        with Progress(*columns, console=console, disable=quiet) as progress:
            task = progress.add_task("downloading", total=None)

            def advance(label: str, size: int) -> None:
                progress.update(task, advance=size, description=label[:28].ljust(28))

            return await run_check(zoom, today - timedelta(days=95), today, advance)


def _table(report: CheckReport) -> Table:
    table = Table(title="Emulator scenario check", show_header=False)
    table.add_row("users", ", ".join(f"{n} {s}" for s, n in sorted(report.users_by_status.items())))
    table.add_row("recorded instances", str(report.instances))
    table.add_row("files", ", ".join(f"{n} {t}" for t, n in sorted(report.files_by_type.items())))
    table.add_row(
        "verified", f"{report.files_verified} files, {report.bytes_verified / 1e6:.1f} MB"
    )
    table.add_row("still processing", str(report.still_processing))
    table.add_row("phone recordings", str(report.phone_recordings))
    table.add_row("problems", "\n".join(report.problems) or "none")
    table.add_row("time", f"{report.seconds:.1f} s")
    return table


def run(
    scenario: Annotated[
        str, typer.Option(help=f"One of: {', '.join(sorted(SCENARIOS))}.")
    ] = "demo",
    seed: Annotated[int, typer.Option()] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Run zoombridge against a simulated Zoom account and verify everything it serves."""
    if scenario not in SCENARIOS:
        raise typer.BadParameter(
            f"choose from {', '.join(sorted(SCENARIOS))}", param_hint="--scenario"
        )
    # The web server and the emulator's app only here: every command loads this module.
    from zoombridge.emulator.served import serve_in_thread

    world = build_world(scenario, seed)
    # Bound before its thread starts: the port is the emulator's, with no race for it.
    with serve_in_thread(world) as served:
        report = asyncio.run(_check(world, served.base, quiet=as_json))
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        Console().print(_table(report))
    if not report.ok:
        raise typer.Exit(1)
