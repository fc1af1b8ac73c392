"""`zoombridge demo` (`make demo`): archive a simulated Zoom account, end to end.

Builds the emulator's `demo` world in-process (Zoom over an httpx transport: the client, the
OAuth flow, the download redirects and error pages are all the real code paths), then runs a
full archive sync into ./zoombridge-demo on SQLite and a local folder. The world is anchored
at a fixed date, so a second run finds everything archived and says so.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from zoombridge.app import ZoomBridge
from zoombridge.archive.service import SyncSummary, sync_once
from zoombridge.cli.emulator import emulator_settings
from zoombridge.cli.progress import TransferBars
from zoombridge.cli.sync import summary_table
from zoombridge.clock import ShiftedClock
from zoombridge.emulator.scenarios import DEMO_EPOCH, build_world

__all__ = ["run"]

err = Console(stderr=True)


async def _archive(home: Path, bars: TransferBars) -> SyncSummary:
    # The emulator's web app only here: every command loads this module.
    from zoombridge.emulator.app import create_app as create_emulator
    from zoombridge.emulator.transport import EmulatorTransport

    world = build_world("demo", seed=1, clock=ShiftedClock(DEMO_EPOCH))
    transport = EmulatorTransport(create_emulator(world))
    start_date = (DEMO_EPOCH - timedelta(days=120)).date()
    settings = emulator_settings(None, plan=world.plan, home=home, start_date=start_date)
    bridge = ZoomBridge(settings, transport=transport)
    async with bridge.archive(progress=bars) as runtime:
        with bars:
            return await sync_once(runtime)


def run(
    home: Annotated[
        Path, typer.Option(help="Where the demo keeps its catalog and archive.")
    ] = Path("zoombridge-demo"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Archive a simulated Zoom account (the emulator's demo world) into a local folder."""
    home = home.resolve()
    bars = TransferBars(err, enabled=not as_json and err.is_terminal)
    summary = asyncio.run(_archive(home, bars))
    archive = home / "archive"
    if as_json:
        typer.echo(json.dumps({**summary.as_dict(), "archive": str(archive)}, indent=2))
    else:
        Console().print(summary_table(summary, str(archive)))
        if summary.verified == 0 and not summary.failed:
            Console().print("Nothing new: every recording was already archived and verified.")
        Console().print(f"Files and meeting.json sidecars are in {archive}")
        Console().print(f"Status: ZOOMBRIDGE_HOME={home} zoombridge status")
    if summary.error or summary.failed:
        raise typer.Exit(1)
