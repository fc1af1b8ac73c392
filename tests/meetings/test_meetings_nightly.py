"""The nightly reconcile as the service runs it (a DBOS workflow per connection and night,
joined by every other worker) and on demand (`zoombridge meetings reconcile`)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from meetings_helpers import NOW, bench, sqlite_catalog, sync_world
from typer.testing import CliRunner

from shared_helpers import archive_settings
from zoombridge.app import DEFAULT_CONNECTION, ZoomBridge
from zoombridge.archive.durable import start_durable, stop_durable
from zoombridge.cli import app as cli
from zoombridge.cli.meetings_sync import reconcile_connections
from zoombridge.db import Catalog
from zoombridge.db.meeting_models import MeetingPendingChange, ScheduledMeeting
from zoombridge.emulator import create_app
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.meetings.nightly import keep_reconciling, next_run, reconcile_durably
from zoombridge.meetings.records import copy_from_zoom
from zoombridge.testing import make_zoom_client
from zoombridge.zoom.meetings import create_meeting, delete_meeting

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("now", "hour", "due"),
    [
        (datetime(2026, 3, 2, 1, 0, tzinfo=UTC), 3, datetime(2026, 3, 2, 3, 0, tzinfo=UTC)),
        (datetime(2026, 3, 2, 3, 0, tzinfo=UTC), 3, datetime(2026, 3, 3, 3, 0, tzinfo=UTC)),
        (datetime(2026, 3, 2, 23, 59, tzinfo=UTC), 0, datetime(2026, 3, 3, 0, 0, tzinfo=UTC)),
    ],
)
def test_the_next_run_is_the_next_hour_strictly_ahead(
    now: datetime, hour: int, due: datetime
) -> None:
    assert next_run(now, hour) == due


async def test_the_nightly_run_finds_a_lost_deletion_once_for_every_worker(tmp_path: Path) -> None:
    catalog = sqlite_catalog(tmp_path)
    await start_durable(f"sqlite:///{tmp_path / 'catalog.sqlite'}", concurrency=1)
    try:
        async with bench(sync_world(), catalog, tmp_path) as b:
            row = await b.schedule()
            renamed = await b.schedule(topic="Physics 102")
            await delete_meeting(b.zoom, row.zoom_id or 0)
            b.drop_webhooks()
            queue_edit(b.catalog, renamed.id, {"topic": "Physics 102 (room B)"})
            stop = asyncio.Event()
            nights: list[dict[str, Any] | None] = []

            def seen(result: dict[str, Any] | None) -> None:
                nights.append(result)
                stop.set()

            assert await keep_reconciling(b.ctx, stop, 3, seen) == 1
            # slept until 03:00 (and the calls that night paced it on by a few milliseconds)
            three = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)
            assert three <= b.world.now() < three + timedelta(minutes=1)
            [night] = nights
            assert night is not None
            assert (night["checked"], night["missing"]) == (2, 1)
            assert b.row(row.id).state == "missing"
            # the edit queued at the host's daily limit went out after midnight, that night
            assert night["queued_edits_applied"] == 1
            assert b.world.meetings[renamed.zoom_id or 0].topic == "Physics 102 (room B)"
            # a second worker asking for the same night joins it: no second read, no notice
            calls = b.zoom.stats.api_calls
            assert await reconcile_durably(b.ctx, NOW.date().replace(day=3)) == night
            assert b.zoom.stats.api_calls == calls
            assert sorted(n.kind for n in b.notices) == ["changed", "deleted_in_zoom"]
    finally:
        stop_durable()
        catalog.dispose()


def queue_edit(catalog: Catalog, meeting_id: int, fields: dict[str, Any]) -> None:
    """An edit the service queued because the host had spent today's writes."""
    midnight = datetime(2026, 3, 3, tzinfo=UTC)
    with catalog.session() as session, session.begin():
        change = MeetingPendingChange(
            meeting_id=meeting_id, fields=fields, queued_at=NOW, not_before=midnight
        )
        session.add(change)


async def test_on_demand_reconcile_of_the_configured_connection(tmp_path: Path) -> None:
    world = sync_world()
    bridge = ZoomBridge(
        archive_settings(tmp_path / "home", world),
        transport=EmulatorTransport(create_app(world)),
        clock=world.clock,
    )
    catalog = bridge.catalog()
    try:
        connection_id = bridge.connection_id(catalog, DEFAULT_CONNECTION)
        async with make_zoom_client(world, EmulatorTransport(create_app(world))) as zoom:
            host = next(iter(world.users))
            made = await create_meeting(zoom, host, {"topic": "Standing", "type": 3})
        with catalog.session() as session, session.begin():
            row = ScheduledMeeting(
                connection_id=connection_id,
                type=3,
                host_user_id=host,
                topic="",
                state="active",
                created_at=NOW,
                updated_at=NOW,
            )
            copy_from_zoom(session, row, made, bridge.keyring(), NOW)
        world.meetings[made.id].deleted_at = NOW
    finally:
        catalog.dispose()

    [(name, report)] = await reconcile_connections(bridge)

    assert name == DEFAULT_CONNECTION
    assert report.counts()["missing"] == 1
    assert report.items[0].zoom_id == made.id


def test_the_command_is_mounted() -> None:
    shown = CliRunner().invoke(cli, ["meetings", "reconcile", "--help"])
    assert shown.exit_code == 0
    assert "--json" in shown.output
    assert "--connection" in shown.output
