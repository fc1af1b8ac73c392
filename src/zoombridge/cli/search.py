"""`zoombridge search "QUERY"`: what was said, written in chat or summarized, and where."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from zoombridge.app import ZoomBridge
from zoombridge.archive.search import MAX_LIMIT, SearchHit, search
from zoombridge.cli.common import ConnectionOption, JsonOption, configuration_errors_exit, err
from zoombridge.errors import ConfigurationError, InvalidInput

__all__ = ["run_search"]

DAY = ["%Y-%m-%d"]


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def hit_dict(hit: SearchHit) -> dict[str, Any]:
    return {
        "meeting_uuid": hit.meeting_uuid,
        "topic": hit.topic,
        "host_email": hit.host_email,
        "start_time": hit.start_time.isoformat() if hit.start_time else None,
        "kind": hit.kind,
        "speaker": hit.speaker,
        "snippet": hit.snippet.marked(),
        "matches": list(hit.snippet.matches),
        "offset_s": hit.offset,
        "on_joined_recording": hit.joined,
        "file_id": hit.file_id,
        "private": hit.private,
        "recipient": hit.recipient,
        "score": round(hit.score, 4),
    }


def hits_table(query: str, hits: list[SearchHit]) -> Table:
    table = Table(title=f"Search: {query}")
    for column in ("when", "meeting", "kind", "speaker", "at", "snippet"):
        table.add_column(column)
    for hit in hits:
        snippet = "".join(
            f"[bold yellow]{escape(text)}[/bold yellow]" if match else escape(text)
            for text, match in hit.snippet.parts
        )
        kind = hit.kind + (" (private)" if hit.private else "")
        when = f"{hit.start_time:%Y-%m-%d %H:%M}" if hit.start_time else "-"
        at = _clock(hit.offset) + (" joined" if hit.joined else "")
        row = (when, escape(hit.topic or "-"), kind, escape(hit.speaker or "-"), at, snippet)
        table.add_row(*row)
    return table


def run_search(
    query: Annotated[str, typer.Argument(help='words, "a phrase", prefix*; -word excludes')],
    host: Annotated[str | None, typer.Option("--host", help="only this host's meetings")] = None,
    date_from: Annotated[
        datetime | None, typer.Option("--from", formats=DAY, help="meetings from this day")
    ] = None,
    date_to: Annotated[
        datetime | None, typer.Option("--to", formats=DAY, help="meetings up to this day")
    ] = None,
    connection: ConnectionOption = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_LIMIT)] = 20,
    private: Annotated[
        bool, typer.Option("--include-private", help="include private chat messages")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Search the archive's transcripts, captions, chat, summaries and meeting topics. Ranked
    hits with the meeting, the speaker and where in the recording it was said."""
    with configuration_errors_exit():
        bridge = ZoomBridge.from_env()
        if not bridge.catalog_exists():
            raise ConfigurationError("no archive catalog yet; run `zoombridge sync` first")
        catalog = bridge.catalog()
    try:
        with configuration_errors_exit():
            connection_id = bridge.connection_id(catalog, connection) if connection else None
        hits = search(
            catalog,
            query,
            connection_id=connection_id,
            host_email=host,
            date_from=_day(date_from),
            date_to=_day(date_to),
            limit=limit,
            include_private=private,
        )
    except InvalidInput as exc:
        err.print(f"[red]search:[/red] {exc}")
        raise typer.Exit(2) from None
    finally:
        catalog.dispose()
    if as_json:
        typer.echo(json.dumps({"query": query, "hits": [hit_dict(h) for h in hits]}, indent=2))
    elif hits:
        Console().print(hits_table(query, hits))
    else:
        Console().print("no matches")


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None
