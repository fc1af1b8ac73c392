"""An event the receiver stored but nobody applied yet (the service stopped right after
answering Zoom, or the connection was switched off) is applied later: the inbox is the
promise, not the process."""

from __future__ import annotations

import httpx
import pytest
from archive_helpers import MakeBridge, file_bytes, served_files
from sqlalchemy import select
from starlette.applications import Starlette

from zoombridge.archive import inbox
from zoombridge.archive.live import InboxApplier
from zoombridge.db import FileState
from zoombridge.db.models import RecordingFileRow
from zoombridge.emulator.events import recording_event
from zoombridge.emulator.scenarios import record_instance
from zoombridge.emulator.sender import WebhookSender
from zoombridge.emulator.world import World
from zoombridge.web.webhooks import WebhookTarget, webhook_routes

pytestmark = pytest.mark.anyio

SECRET = "restart-secret"


async def test_an_event_stored_before_a_restart_is_applied_after_it(
    make_bridge: MakeBridge, world: World
) -> None:
    bridge = make_bridge()
    instance = record_instance(world, late_transcript=False)
    async with bridge.archive() as rt:  # the first life: it stores, answers, then stops
        target = WebhookTarget(rt.connection_id, SECRET, rt.catalog, rt.clock)
        app = Starlette(routes=webhook_routes({"default": target}, "default"))
        sender = WebhookSender(
            world, "http://zb.test/webhooks/zoom", SECRET, transport=httpx.ASGITransport(app=app)
        )
        recording_event(world, "recording.completed", instance)
        await sender.deliver_due()
        await sender.aclose()
        assert sender.deliveries[0].outcome == "delivered"
        assert len(inbox.waiting(rt.catalog, rt.connection_id)) == 1
    async with bridge.archive() as rt:  # the second life applies what the first stored
        applier = InboxApplier(rt)
        assert await applier.apply_waiting() == 1
        await applier.drain()
        assert inbox.waiting(rt.catalog, rt.connection_id) == []
        with rt.catalog.session() as session:
            rows = {
                row.file_id: row
                for row in session.scalars(
                    select(RecordingFileRow).where(RecordingFileRow.meeting_uuid == instance.uuid)
                )
            }
    expected = {
        file_id: file_bytes(file)
        for file_id, file in served_files(world).items()
        if file in instance.all_files()
    }
    assert expected
    assert set(rows) == set(expected)
    archive = bridge.settings.home / "archive"
    for file_id, content in expected.items():
        assert rows[file_id].state == FileState.ARCHIVED, rows[file_id].last_error
        assert (archive / rows[file_id].storage_key).read_bytes() == content


async def test_a_switched_off_connection_keeps_its_events_until_switched_on(
    make_bridge: MakeBridge, world: World
) -> None:
    bridge = make_bridge()
    instance = record_instance(world, late_transcript=False)
    async with bridge.archive() as rt:
        target = WebhookTarget(rt.connection_id, SECRET, rt.catalog, rt.clock)
        app = Starlette(routes=webhook_routes({"default": target}, "default"))
        sender = WebhookSender(
            world, "http://zb.test/webhooks/zoom", SECRET, transport=httpx.ASGITransport(app=app)
        )
        recording_event(world, "recording.completed", instance)
        await sender.deliver_due()
        await sender.aclose()
        applier = InboxApplier(rt)
        rt.enabled = False  # as the sync loop sets it when the portal switches it off
        assert await applier.apply_waiting() == 0
        assert len(inbox.waiting(rt.catalog, rt.connection_id)) == 1
        rt.enabled = True
        assert await applier.apply_waiting() == 1
        await applier.drain()
        assert inbox.waiting(rt.catalog, rt.connection_id) == []
