"""`zoombridge emulator-check`: walk a simulated account over a real socket, verify every file.

Starts the emulator on a free port, points a client at it through the same settings a user
would export, walks the whole account and verifies every file it serves: a quick way to see
that a scenario (or a change to the emulator) is self-consistent.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table

from zoombridge.app import ZoomBridge
from zoombridge.cli.emulator import settings_for
from zoombridge.emulator import SCENARIOS, build_world, create_app
from zoombridge.emulator.check import CheckReport, run_check
from zoombridge.emulator.served import free_port
from zoombridge.settings import Settings

__all__ = ["run"]

console = Console(stderr=True)


async def _check(scenario: str, seed: int, quiet: bool) -> CheckReport:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    world = build_world(scenario, seed)
    world.web_base = world.api_url = base
    server = uvicorn.Server(
        uvicorn.Config(create_app(world, on_network=True), port=port, log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            await serving  # re-raise why it could not start
        await asyncio.sleep(0.02)
    env = settings_for(world, base)
    settings = Settings.model_validate(
        {"zoom": {k.split("__")[1].lower(): v for k, v in env.items()}}
    )
    today = world.now().date()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
    )
    try:
        async with ZoomBridge(settings).zoom_client() as zoom:
            with Progress(*columns, console=console, disable=quiet) as progress:
                task = progress.add_task("downloading", total=None)

                def advance(label: str, size: int) -> None:
                    progress.update(task, advance=size, description=label[:28].ljust(28))

                return await run_check(zoom, today - timedelta(days=95), today, advance)
    finally:
        server.should_exit = True
        await serving


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
    report = asyncio.run(_check(scenario, seed, quiet=as_json))
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        Console().print(_table(report))
    if not report.ok:
        raise typer.Exit(1)
