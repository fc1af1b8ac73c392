"""`zoombridge archive verify`: read every stored object back and compare it with the catalog;
`zoombridge archive reindex`: bring the search index up to date with the archive."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.engine import make_url

from zoombridge.app import DEFAULT_CONNECTION, ZoomBridge
from zoombridge.archive.reindex import ArchiveFiles, reindex
from zoombridge.archive.search_indexing import instance_speakers
from zoombridge.archive.verify import VerifyReport, verify_archive
from zoombridge.cli.common import (
    ConnectionOption,
    JsonOption,
    configuration_errors_exit,
    err,
)
from zoombridge.cli.progress import CountBar, VerifyBar
from zoombridge.errors import ConfigurationError

__all__ = ["archive"]

archive = typer.Typer(help="Look after the recording archive.", no_args_is_help=True)


def _require_catalog(bridge: ZoomBridge) -> None:
    """Verifying an archive that was never made would create an empty catalog: refuse."""
    if not bridge.catalog_exists():
        where = make_url(bridge.settings.effective_database_url()).database
        raise ConfigurationError(
            f"no archive catalog at {where}; set ZOOMBRIDGE_HOME (or "
            "ZOOMBRIDGE_DATABASE_URL) to the archive's, or run `zoombridge sync` first"
        )


def _archive_files(bridge: ZoomBridge, name: str) -> ArchiveFiles:
    """The connection's catalog and store; the caller disposes of the catalog."""
    _require_catalog(bridge)
    catalog = bridge.catalog()
    try:
        return ArchiveFiles(bridge.connection_id(catalog, name), catalog, bridge.store(name))
    except BaseException:
        catalog.dispose()
        raise


def report_table(report: VerifyReport, where: str) -> Table:
    table = Table(title="Archive verification", show_header=False)
    table.add_row("objects checked", str(report.checked))
    table.add_row("intact", str(report.ok))
    table.add_row("missing", str(report.missing))
    table.add_row("corrupt", str(report.corrupt))
    if report.unreadable:
        table.add_row("unreadable", str(report.unreadable))
    table.add_row("bytes read", f"{report.bytes / 1e6:.1f} MB")
    table.add_row("archive", where)
    for problem in report.problems[:20]:
        table.add_row(problem.kind, f"{problem.key}: {problem.detail}")
    for flagged in report.flagged_media[:20]:
        table.add_row("flagged audio/video", f"{flagged['key']}: {flagged['problem']}")
    return table


@archive.command("verify")
def verify(connection: ConnectionOption = None, as_json: JsonOption = False) -> None:
    """Re-read every archived file and sidecar of a connection (default: the configured one);
    report missing or corrupt ones. Fixes nothing."""
    name = connection or DEFAULT_CONNECTION
    with configuration_errors_exit():
        bridge = ZoomBridge.from_env()
        files = _archive_files(bridge, name)
    catalog, store = files.catalog, files.store
    try:
        with VerifyBar(err, enabled=not as_json and err.is_terminal) as bar:
            report = asyncio.run(
                verify_archive(
                    catalog,
                    store,
                    files.connection_id,
                    bridge.clock.now,
                    on_start=bar.start,
                    on_bytes=bar.advance,
                )
            )
    finally:
        catalog.dispose()
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        Console().print(report_table(report, store.url))
    if report.problems:
        raise typer.Exit(1)


@archive.command("speakers")
def speakers(
    uuid: Annotated[str, typer.Argument(help="the recorded instance's UUID")],
    connection: ConnectionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Talk time per speaker of one archived meeting (from its timeline, else its transcript)."""
    with configuration_errors_exit():
        files = _archive_files(ZoomBridge.from_env(), connection or DEFAULT_CONNECTION)
    try:
        found = asyncio.run(instance_speakers(files, uuid))
    except LookupError as exc:
        err.print(f"[red]speakers:[/red] {exc.args[0]}")
        raise typer.Exit(2) from None
    finally:
        files.catalog.dispose()
    if as_json:
        typer.echo(json.dumps([asdict(s) for s in found], indent=2))
        return
    table = Table(title=f"Speakers: {uuid}")
    for column in ("speaker", "talk time", "share", "turns"):
        table.add_column(column)
    for s in found:
        table.add_row(escape(s.speaker), f"{s.seconds:.0f} s", f"{s.share:.0%}", str(s.turns))
    Console().print(table)


@archive.command("reindex")
def reindex_command(
    connection: ConnectionOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="rebuild every instance, changed or not")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Index the transcripts, captions, chat and summaries of every archived instance of a
    connection for search; instances whose text files did not change are skipped."""
    name = connection or DEFAULT_CONNECTION
    with configuration_errors_exit():
        files = _archive_files(ZoomBridge.from_env(), name)
    try:
        with CountBar(err, "reindex", enabled=not as_json and err.is_terminal) as bar:
            report = asyncio.run(
                reindex(files, force=force, on_start=bar.start, on_instance=bar.advance)
            )
    finally:
        files.catalog.dispose()
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
        return
    Console().print(
        f"{report.reindexed} of {report.instances} instances indexed "
        f"({report.documents} documents); the others were up to date"
    )
