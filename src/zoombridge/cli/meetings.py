"""`zoombridge meetings`: schedule Zoom meetings for a pool of hosts from the shell, through
the same service (and the same refusals) as the JSON API.

zoombridge meetings hosts [--sync] [--json]            the Zoom users who may host
zoombridge meetings pool NAME EMAIL...                 save a pool ("any free host of P")
zoombridge meetings create --topic T --start ISO (--host EMAIL | --pool P) [--json]
zoombridge meetings list|show ID [--json]
zoombridge meetings update ID [--topic ...] [--not-urgent] [--json]
zoombridge meetings transfer ID --to EMAIL [--dry-run] [--recreate] [--json]
zoombridge meetings cancel|recreate ID [--json]
zoombridge meetings reconcile [--json]                 check every meeting against Zoom now

A refusal (host busy, no free host, bad input, daily limit) exits 1 with what to do; a
configuration problem exits 2.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from zoombridge.app import DEFAULT_CONNECTION, ZoomBridge
from zoombridge.cli import meetings_sync
from zoombridge.cli.common import JsonOption, configuration_errors_exit, err
from zoombridge.db.meeting_models import ScheduledMeeting
from zoombridge.errors import ConfigurationError, HostBusy, ZoomBridgeError
from zoombridge.meetings.drafts import MeetingChanges, MeetingDraft
from zoombridge.meetings.pool import list_hosts, list_pools, save_pool, sync_hosts
from zoombridge.meetings.service import MeetingService
from zoombridge.web.meeting_views import (
    HostOut,
    MeetingOut,
    host_rows,
    link_out,
    meeting_out,
    preflight_out,
)

__all__ = ["meetings_app"]

T = TypeVar("T")
meetings_app = typer.Typer(
    help="Schedule Zoom meetings and webinars for a pool of hosts.", no_args_is_help=True
)
meetings_app.command("reconcile")(meetings_sync.reconcile_command)
out = Console()
CREATED_BY = "cli"

Connection = Annotated[
    str, typer.Option("--connection", help="Which Zoom connection (zoombridge connection list).")
]
MeetingId = Annotated[int, typer.Argument(help="zoombridge's meeting id (see: meetings list)")]


def _run(
    connection: str, work: Callable[[MeetingService], Awaitable[T]], *, offline: bool = False
) -> T:
    """`work` with the connection's service; a refusal exits 1 saying why and what to do."""
    with configuration_errors_exit():
        bridge = ZoomBridge.from_env()
        catalog = bridge.catalog()
        try:
            return asyncio.run(_within(bridge, catalog, connection, work, offline))
        except ConfigurationError:
            raise
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(part) for part in error["loc"])
                err.print(f"[red]refused:[/red] {where}: {error['msg']}")
            raise typer.Exit(1) from None
        except ZoomBridgeError as exc:
            err.print(f"[red]refused:[/red] {exc}")
            if isinstance(exc, HostBusy):
                err.print(f"in the way: {exc.conflict.get('meeting')} at {exc.conflict.get('at')}")
            raise typer.Exit(1) from None
        finally:
            catalog.dispose()


async def _within(
    bridge: ZoomBridge,
    catalog: Any,
    connection: str,
    work: Callable[[MeetingService], Awaitable[T]],
    offline: bool,
) -> T:
    async with bridge.meetings(catalog, connection, offline=offline) as service:
        return await work(service)


def _emails(service: MeetingService) -> dict[str, str]:
    return {h.user_id: h.email for h in list_hosts(service.catalog, service.connection_id)}


def _shown(service: MeetingService, row: ScheduledMeeting) -> MeetingOut:
    return meeting_out(row, _emails(service))


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, default=str))


def _meetings_table(meetings: list[MeetingOut]) -> Table:
    table = Table("id", "Zoom id")
    for name in ("topic", "starts (UTC)", "min", "host", "state"):
        table.add_column(name, overflow="fold")  # a narrow terminal folds, never cuts
    for m in meetings:
        start = m.start_time.strftime("%Y-%m-%d %H:%M") if m.start_time else "no fixed time"
        kind = " (webinar)" if m.kind == "webinar" else ""
        table.add_row(
            str(m.id), str(m.zoom_id or "—"), m.topic + kind, start, str(m.duration or ""),
            m.host_email or m.host_user_id, m.state,
        )  # fmt: skip
    return table


def _one(meeting: MeetingOut, as_json: bool, said: str) -> None:
    if as_json:
        _print_json(meeting.model_dump(mode="json"))
    else:
        out.print(said)
        out.print(_meetings_table([meeting]))


@meetings_app.command("hosts")
def hosts(
    sync: Annotated[bool, typer.Option("--sync", help="Read every Zoom user first.")] = False,
    connection: Connection = DEFAULT_CONNECTION,
    as_json: JsonOption = False,
) -> None:
    """The Zoom users who may host: licence, webinar add-on, status, capacity, pools."""

    async def work(service: MeetingService) -> list[HostOut]:
        if sync:
            found = await sync_hosts(
                service.zoom, service.catalog, service.connection_id, service.clock.now()
            )
            if not as_json:
                err.print(f"{found.seen} Zoom users read, {found.licensed} licensed")
        return host_rows(service)

    rows = _run(connection, work, offline=not sync)
    if as_json:
        _print_json([row.model_dump(mode="json") for row in rows])
        return
    table = Table()
    for name in ("e-mail", "name", "licensed", "webinar", "status", "at once", "pools"):
        table.add_column(name, overflow="fold")
    for h in rows:
        table.add_row(
            h.email, h.display_name, "yes" if h.licensed else "no", "yes" if h.webinar else "",
            h.status, str(h.capacity), ", ".join(h.pools),
        )  # fmt: skip
    out.print(table if rows else "no hosts known: run `zoombridge meetings hosts --sync`")


@meetings_app.command("pool")
def pool(
    name: Annotated[str, typer.Argument(help="The pool's name (what create --pool names).")],
    emails: Annotated[list[str], typer.Argument(help="Its hosts' e-mail addresses.")],
    connection: Connection = DEFAULT_CONNECTION,
    as_json: JsonOption = False,
) -> None:
    """Create or replace a pool; one unknown address refuses the whole change."""

    async def work(service: MeetingService) -> list[str]:
        save_pool(service.catalog, service.connection_id, name, emails)
        return list_pools(service.catalog, service.connection_id).get(name.strip(), [])

    members = _run(connection, work, offline=True)
    if as_json:
        _print_json({"name": name.strip(), "hosts": members})
    else:
        out.print(f"pool {name.strip()}: {', '.join(members)}")


@meetings_app.command("create")
def create(
    topic: Annotated[str, typer.Option(help="The meeting's topic.")],
    start: Annotated[
        str | None,
        typer.Option(help="ISO time, e.g. 2027-01-04T10:00Z, or local to --timezone."),
    ] = None,
    duration: Annotated[int, typer.Option(help="Minutes.")] = 60,
    timezone: Annotated[str | None, typer.Option(help="IANA zone, e.g. Europe/Berlin.")] = None,
    host: Annotated[
        list[str] | None, typer.Option(help="The host's e-mail (repeat for their other ones).")
    ] = None,
    pool_name: Annotated[str | None, typer.Option("--pool", help="Any free host of it.")] = None,
    webinar: Annotated[bool, typer.Option("--webinar", help="A webinar (add-on needed).")] = False,
    agenda: Annotated[str | None, typer.Option(help="The agenda.")] = None,
    no_fixed_time: Annotated[bool, typer.Option("--no-fixed-time")] = False,
    waiting_room: Annotated[bool | None, typer.Option("--waiting-room/--no-waiting-room")] = None,
    connection: Connection = DEFAULT_CONNECTION,
    as_json: JsonOption = False,
) -> None:
    """Create a meeting for a named host (refused, naming the meeting in the way, when busy)
    or any free host of a pool."""
    fields: dict[str, Any] = {
        "kind": "webinar" if webinar else "meeting",
        "topic": topic,
        "agenda": agenda,
        "start_time": start,
        "duration": None if no_fixed_time else duration,
        "timezone": timezone,
        "fixed_time": not no_fixed_time,
        "options": {"waiting_room": waiting_room},
        "host": host or [],
        "pool": pool_name,
    }

    async def work(service: MeetingService) -> MeetingOut:
        draft = MeetingDraft.model_validate(fields)
        return _shown(service, await service.create(draft, created_by=CREATED_BY))

    made = _run(connection, work)
    _one(made, as_json, f"created meeting {made.id} (Zoom {made.zoom_id}) for {made.host_email}")


@meetings_app.command("list")
def list_meetings(
    every: Annotated[bool, typer.Option("--all", help="Cancelled and failed ones too.")] = False,
    connection: Connection = DEFAULT_CONNECTION,
    as_json: JsonOption = False,
) -> None:
    """The meetings zoombridge scheduled (active and missing in Zoom), by start time."""
    states = ("active", "missing", "cancelled", "failed") if every else ("active", "missing")

    async def work(service: MeetingService) -> list[MeetingOut]:
        emails = _emails(service)  # once for the list, not once per meeting
        return [meeting_out(row, emails) for row in service.scheduled(states=states)]

    found = _run(connection, work, offline=True)
    if as_json:
        _print_json([m.model_dump(mode="json") for m in found])
    else:
        out.print(_meetings_table(found) if found else "no meetings scheduled")


@meetings_app.command("show")
def show(
    meeting_id: MeetingId, connection: Connection = DEFAULT_CONNECTION, as_json: JsonOption = False
) -> None:
    """One meeting and the objects linked to it (never its start or join link)."""

    async def work(service: MeetingService) -> dict[str, Any]:
        shown = _shown(service, service.get(meeting_id)).model_dump(mode="json")
        links = [link_out(link).model_dump(mode="json") for link in service.links_of(meeting_id)]
        return shown | {"links": links}

    found = _run(connection, work, offline=True)
    if as_json:
        _print_json(found)
        return
    for key, value in found.items():
        if key != "links":
            out.print(f"[bold]{key}[/bold]: {value if value is not None else ''}")
    for link in found["links"]:
        out.print(f"linked: {link['app']}/{link['external_id']} (shown to {link['visibility']})")


@meetings_app.command("update")
def update(
    meeting_id: MeetingId,
    topic: Annotated[str | None, typer.Option(help="A new topic.")] = None,
    start: Annotated[str | None, typer.Option(help="A new ISO start time.")] = None,
    duration: Annotated[int | None, typer.Option(help="New minutes.")] = None,
    timezone: Annotated[str | None, typer.Option(help="A new IANA zone.")] = None,
    agenda: Annotated[str | None, typer.Option(help="A new agenda.")] = None,
    not_urgent: Annotated[
        bool,
        typer.Option(
            "--not-urgent", help="Queue it until 00:00 UTC if the host's writes are spent."
        ),
    ] = False,
    connection: Connection = DEFAULT_CONNECTION,
    as_json: JsonOption = False,
) -> None:
    """Change a meeting: only what differs is sent to Zoom."""
    given = {"topic": topic, "start_time": start, "duration": duration}
    given |= {"timezone": timezone, "agenda": agenda}

    async def work(service: MeetingService) -> dict[str, Any]:
        changes = MeetingChanges.model_validate({k: v for k, v in given.items() if v is not None})
        outcome = await service.update(meeting_id, changes, urgent=not not_urgent)
        queued = outcome.queued_until.isoformat() if outcome.queued_until else None
        shown = _shown(service, outcome.meeting).model_dump(mode="json")
        return {"meeting": shown, "sent": sorted(outcome.sent), "queued_until": queued}

    done = _run(connection, work)
    if as_json:
        _print_json(done)
    elif done["queued_until"]:
        out.print(f"queued: the host's writes are spent; sent after {done['queued_until']}")
    else:
        out.print(f"sent to Zoom: {', '.join(done['sent']) or 'nothing (no change)'}")


@meetings_app.command("transfer")
def transfer(
    meeting_id: MeetingId,
    to: Annotated[list[str], typer.Option(help="The new host's e-mail (repeatable).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what is missing.")] = False,
    recreate: Annotated[
        bool, typer.Option("--recreate", help="If the link cannot be kept, make a new meeting.")
    ] = False,
    connection: Connection = DEFAULT_CONNECTION,
    as_json: JsonOption = False,
) -> None:
    """Move a meeting to another host, keeping its ID and link when Zoom allows it."""

    async def work(service: MeetingService) -> dict[str, Any]:
        if dry_run:
            check = await service.preflight_transfer(meeting_id, to)
            return preflight_out(check).model_dump(mode="json")
        moved = await service.transfer(meeting_id, to, recreate=recreate)
        return _shown(service, moved).model_dump(mode="json")

    done = _run(connection, work)
    if as_json:
        _print_json(done)
    elif dry_run:
        out.print(done["advice"])
        for missing in done["in_place_missing"] + done["missing_anyway"]:
            out.print(f"  missing: {missing}")
    else:
        out.print(
            f"meeting {done['id']} (Zoom {done['zoom_id']}) is hosted by {done['host_email']}"
        )


@meetings_app.command("cancel")
def cancel(
    meeting_id: MeetingId, connection: Connection = DEFAULT_CONNECTION, as_json: JsonOption = False
) -> None:
    """Delete it in Zoom and free its host's time."""

    async def work(service: MeetingService) -> MeetingOut:
        return _shown(service, await service.cancel(meeting_id))

    _one(_run(connection, work), as_json, f"cancelled meeting {meeting_id}")


@meetings_app.command("recreate")
def recreate(
    meeting_id: MeetingId, connection: Connection = DEFAULT_CONNECTION, as_json: JsonOption = False
) -> None:
    """Make a meeting that was deleted in Zoom again (a new ID and join link)."""

    async def work(service: MeetingService) -> MeetingOut:
        return _shown(service, await service.recreate(meeting_id))

    made = _run(connection, work)
    _one(made, as_json, f"meeting {meeting_id} recreated as {made.id} (Zoom {made.zoom_id})")
