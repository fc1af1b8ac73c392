"""Webhooks start archive work at once: Zoom's sender → our receiver → inbox → transfers.

The emulator's WebhookSender posts signed events to the receiver routes (an ASGI app over
httpx), exactly as Zoom would; the applier then archives what the events name.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from archive_helpers import MakeBridge, file_bytes, served_files
from sqlalchemy import func, select
from starlette.applications import Starlette

from zoombridge.archive import inbox
from zoombridge.archive.catalog import ensure_connection
from zoombridge.archive.live import InboxApplier
from zoombridge.archive.runtime import ArchiveRuntime
from zoombridge.clock import ManualClock
from zoombridge.db import FileState
from zoombridge.db.models import Meeting, RecordingFileRow, WebhookEvent
from zoombridge.emulator.events import complete_late_files, recording_event
from zoombridge.emulator.scenarios import record_instance
from zoombridge.emulator.sender import WebhookSender
from zoombridge.emulator.world import EmuInstance, World
from zoombridge.web.webhooks import WebhookTarget, webhook_routes
from zoombridge.zoom.webhooks import MAX_BODY_BYTES, sign
from zoombridge.zoom.webhooks import WebhookEvent as ZoomEvent

pytestmark = pytest.mark.anyio

SECRET = "webhook-secret-token"
URL = "http://zoombridge.test/webhooks/zoom"


@dataclass
class Live:
    rt: ArchiveRuntime
    applier: InboxApplier
    sender: WebhookSender
    http: httpx.AsyncClient
    archive: Path

    async def deliver_and_apply(self) -> None:
        await self.sender.deliver_due()
        await self.applier.apply_waiting()
        await self.applier.drain()


@pytest.fixture
async def live(make_bridge: MakeBridge, world: World) -> AsyncIterator[Live]:
    bridge = make_bridge()
    async with bridge.archive() as rt:
        applier = InboxApplier(rt)
        target = WebhookTarget(rt.connection_id, SECRET, rt.catalog, rt.clock, applier.notify)
        app = Starlette(routes=webhook_routes({"default": target}, "default"))
        transport = httpx.ASGITransport(app=app)
        sender = WebhookSender(world, URL, SECRET, transport=transport)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://zoombridge.test"
        ) as http:
            yield Live(rt, applier, sender, http, bridge.settings.home / "archive")
        await sender.aclose()


def _rows(rt: ArchiveRuntime, uuid: str) -> dict[str, RecordingFileRow]:
    with rt.catalog.session() as session:
        rows = session.scalars(
            select(RecordingFileRow).where(RecordingFileRow.meeting_uuid == uuid)
        )
        return {row.file_id: row for row in rows}


def _served(world: World, instance: EmuInstance) -> dict[str, bytes]:
    return {
        file_id: file_bytes(file)
        for file_id, file in served_files(world).items()
        if file in instance.all_files()
    }


async def test_recording_completed_archives_the_instance_without_listing(
    live: Live, world: World
) -> None:
    instance = record_instance(world, late_transcript=False)
    recording_event(world, "recording.completed", instance)
    calls_before = live.rt.zoom.stats.api_calls
    await live.deliver_and_apply()

    expected = _served(world, instance)
    rows = _rows(live.rt, instance.uuid)
    assert set(rows) == set(expected)
    assert expected
    for file_id, content in expected.items():
        row = rows[file_id]
        assert row.state == FileState.ARCHIVED, row.last_error
        assert (live.archive / row.storage_key).read_bytes() == content
    # the event carried the files: no listing and no instance lookup (downloads are not API calls)
    assert live.rt.zoom.stats.api_calls - calls_before == 0
    assert live.sender.deliveries[0].outcome == "delivered"


async def test_a_late_transcript_arrives_by_its_own_event(
    live: Live, world: World, clock: ManualClock
) -> None:
    instance = record_instance(world, late_transcript=True)
    recording_event(world, "recording.completed", instance)
    await live.deliver_and_apply()
    states = {row.file_type: row.state for row in _rows(live.rt, instance.uuid).values()}
    assert states["TRANSCRIPT"] == FileState.PROCESSING
    assert states["MP4"] == FileState.ARCHIVED

    clock.advance(360)
    assert complete_late_files(world) == 1
    await live.deliver_and_apply()
    assert live.sender.deliveries[-1].event == "recording.transcript_completed"
    rows = _rows(live.rt, instance.uuid)
    assert {row.state for row in rows.values()} == {FileState.ARCHIVED}
    # the partial event did not shrink the instance's metadata
    with live.rt.catalog.session() as session:
        meeting = session.get(Meeting, (live.rt.connection_id, instance.uuid))
        assert meeting is not None
        assert meeting.recording_count == len(rows)


async def test_trashed_before_archiving_is_recorded_and_recovery_resumes(
    live: Live, world: World, clock: ManualClock
) -> None:
    instance = record_instance(world, late_transcript=True)
    recording_event(world, "recording.completed", instance)
    await live.deliver_and_apply()

    instance.trashed_at = world.now()
    recording_event(world, "recording.trashed", instance)
    await live.deliver_and_apply()
    rows = _rows(live.rt, instance.uuid)
    transcript = next(row for row in rows.values() if row.file_type == "TRANSCRIPT")
    assert transcript.state == FileState.GONE
    assert "trashed in Zoom" in (transcript.last_error or "")
    assert all(r.state == FileState.ARCHIVED for r in rows.values() if r is not transcript)

    instance.trashed_at = None
    clock.advance(360)
    world.refresh_late_files()
    recording_event(world, "recording.recovered", instance)
    await live.deliver_and_apply()
    assert {row.state for row in _rows(live.rt, instance.uuid).values()} == {FileState.ARCHIVED}
    with live.rt.catalog.session() as session:
        meeting = session.get(Meeting, (live.rt.connection_id, instance.uuid))
        assert meeting is not None
        assert meeting.deleted_in_zoom_at is None


async def test_events_for_hosts_outside_the_users_setting_are_ignored(
    make_bridge: MakeBridge, world: World
) -> None:
    bridge = make_bridge(users=["nobody-else@example.com"])
    async with bridge.archive() as rt:
        instance = record_instance(world, late_transcript=False)
        event = recording_event(world, "recording.completed", instance)
        target = WebhookTarget(rt.connection_id, SECRET, rt.catalog, rt.clock)
        app = Starlette(routes=webhook_routes({"default": target}, "default"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
            response = await _post(http, rt.clock.now().timestamp(), json.dumps(event).encode())
        assert response.status_code == 200
        assert await InboxApplier(rt).apply_waiting() == 1
        assert _rows(rt, instance.uuid) == {}


async def _post(
    http: httpx.AsyncClient, at: float, body: bytes, *, secret: str = SECRET, path: str = URL
) -> httpx.Response:
    timestamp = str(int(at))
    headers = {
        "x-zm-request-timestamp": timestamp,
        "x-zm-signature": sign(secret, timestamp, body),
        "content-type": "application/json",
    }
    return await http.post(path, content=body, headers=headers)


def _inbox_size(rt: ArchiveRuntime) -> int:
    with rt.catalog.session() as session:
        return int(session.scalar(select(func.count()).select_from(WebhookEvent)) or 0)


async def test_receiver_refuses_what_it_cannot_trust_and_stores_nothing(
    live: Live, world: World
) -> None:
    now = live.rt.clock.now().timestamp()
    event = recording_event(world, "recording.completed", record_instance(world))
    body = json.dumps(event).encode()
    broken = {**event, "payload": {"object": {"uuid": "x", "start_time": "not a date"}}}
    refused = {
        "wrong secret": await _post(live.http, now, body, secret="guess"),
        "stale": await _post(live.http, now - 301, body),
        "from the future": await _post(live.http, now + 301, body),
        "tampered": await live.http.post(
            URL,
            content=body.replace(b"recording.completed", b"recording.deleted"),
            headers={
                "x-zm-request-timestamp": str(int(now)),
                "x-zm-signature": sign(SECRET, str(int(now)), body),
            },
        ),
        "unsigned": await live.http.post(URL, content=body),
        "not json": await _post(live.http, now, b"{not json"),
        "not an event": await _post(live.http, now, b'{"event": 5}'),
        "malformed recording": await _post(live.http, now, json.dumps(broken).encode()),
        "oversized": await _post(live.http, now, b"{" + b" " * MAX_BODY_BYTES + b"}"),
        "unknown connection": await _post(live.http, now, body, path=URL + "/elsewhere"),
    }
    statuses = {name: response.status_code for name, response in refused.items()}
    assert all(400 <= status < 500 for status in statuses.values()), statuses
    assert statuses["oversized"] == 413
    assert statuses["not json"] == 400
    assert all(response.json()["error"] for response in refused.values())
    assert _inbox_size(live.rt) == 0


async def test_url_validation_and_duplicate_deliveries(live: Live, world: World) -> None:
    now = live.rt.clock.now().timestamp()
    challenge = b'{"event":"endpoint.url_validation","event_ts":1,"payload":{"plainToken":"abc"}}'
    answer = await _post(live.http, now, challenge)
    assert answer.status_code == 200
    assert answer.json()["plainToken"] == "abc"
    assert len(answer.json()["encryptedToken"]) == 64

    body = json.dumps(recording_event(world, "recording.completed", record_instance(world)))
    first = await _post(live.http, now, body.encode())
    again = await _post(live.http, now + 1, body.encode())  # Zoom's retry: same event, new stamp
    assert (first.json(), again.json()) == ({"status": "accepted"}, {"status": "duplicate"})
    assert _inbox_size(live.rt) == 1
    with live.rt.catalog.session() as session:
        stored = session.scalars(select(WebhookEvent)).one()
        assert "download_token" not in json.dumps(stored.payload)


async def test_deliveries_at_the_same_moment_are_each_stored_once(live: Live, world: World) -> None:
    now = live.rt.clock.now().timestamp()
    bodies = [
        json.dumps(recording_event(world, "recording.completed", record_instance(world))).encode()
        for _ in range(8)
    ]
    # Stored together in one transaction by the receiver; Zoom's retry of one among them.
    answers = await asyncio.gather(*(_post(live.http, now, b) for b in [*bodies, bodies[3]]))
    assert all(answer.status_code == 200 for answer in answers)
    statuses = sorted(answer.json()["status"] for answer in answers)
    assert statuses == ["accepted"] * 8 + ["duplicate"]
    assert _inbox_size(live.rt) == 8


async def test_the_receiver_answers_fast_even_while_transfers_run(live: Live, world: World) -> None:
    for _ in range(3):
        recording_event(world, "recording.completed", record_instance(world))
    started = time.monotonic()
    await live.sender.deliver_due()
    answered = time.monotonic() - started
    assert [d.outcome for d in live.sender.deliveries] == ["delivered"] * 3
    assert answered < 1.0
    assert await live.applier.apply_waiting() == 3
    await live.applier.drain()


async def test_an_event_that_cannot_be_applied_does_not_hold_up_the_next(
    live: Live, world: World
) -> None:
    # Stored by an older receiver that did not check the recording object.
    malformed = ZoomEvent.model_validate(
        {
            "event": "recording.completed",
            "event_ts": 1,
            "payload": {"object": {"uuid": "x", "recording_files": "x"}},
        }
    )
    assert inbox.accept(live.rt.catalog, live.rt.connection_id, malformed, live.rt.clock.now())
    instance = record_instance(world, late_transcript=False)
    recording_event(world, "recording.completed", instance)
    await live.deliver_and_apply()

    with live.rt.catalog.session() as session:
        rows = session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)).all()
        assert [row.state for row in rows] == ["failed", "applied"]
        assert "unexpected" in (rows[0].error or "")
    states = {row.state for row in _rows(live.rt, instance.uuid).values()}
    assert states == {FileState.ARCHIVED}


async def test_zoom_busy_keeps_the_event_for_the_next_look(
    live: Live, world: World, clock: ManualClock
) -> None:
    instance = record_instance(world, late_transcript=True)
    clock.advance(360)
    world.refresh_late_files()
    recording_event(world, "recording.transcript_completed", instance)  # needs a Zoom lookup
    await live.sender.deliver_due()
    world.faults.server_errors = live.rt.zoom.max_attempts
    assert await live.applier.apply_waiting() == 0
    with live.rt.catalog.session() as session:
        assert session.scalars(select(WebhookEvent.state)).all() == ["new"]
    assert _rows(live.rt, instance.uuid) == {}

    world.faults.server_errors = 0
    assert await live.applier.apply_waiting() == 1
    await live.applier.drain()
    assert {row.state for row in _rows(live.rt, instance.uuid).values()} == {FileState.ARCHIVED}


async def test_recording_deleted_keeps_what_is_archived_and_records_the_rest_gone(
    live: Live, world: World
) -> None:
    instance = record_instance(world, late_transcript=True)
    recording_event(world, "recording.completed", instance)
    await live.deliver_and_apply()
    before = {fid: (row.state, row.sha256) for fid, row in _rows(live.rt, instance.uuid).items()}

    instance.recording_deleted = True
    recording_event(world, "recording.deleted", instance)
    await live.deliver_and_apply()
    after = _rows(live.rt, instance.uuid)
    for file_id, (state, digest) in before.items():
        if state == FileState.ARCHIVED:
            assert (after[file_id].state, after[file_id].sha256) == (state, digest)
            assert (live.archive / after[file_id].storage_key).is_file()
        else:
            assert after[file_id].state == FileState.GONE
            assert "deleted in Zoom" in (after[file_id].last_error or "")
    assert any(state != FileState.ARCHIVED for state, _ in before.values())


async def test_two_connections_on_one_account_each_keep_their_copy_of_an_event(
    live: Live, world: World
) -> None:
    rt = live.rt
    other = ensure_connection(rt.catalog, "tenant", "same-account", rt.clock.now())
    targets = {
        "default": WebhookTarget(rt.connection_id, SECRET, rt.catalog, rt.clock),
        "tenant": WebhookTarget(other, SECRET, rt.catalog, rt.clock),
    }
    app = Starlette(routes=webhook_routes(targets, "default"))
    body = json.dumps(recording_event(world, "recording.completed", record_instance(world)))
    now = rt.clock.now().timestamp()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        answers = [
            (await _post(http, now, body.encode(), path=path)).json()["status"]
            for path in (URL, URL + "/tenant", URL + "/tenant")
        ]
    assert answers == ["accepted", "accepted", "duplicate"]
    with rt.catalog.session() as session:
        owners = session.scalars(select(WebhookEvent.connection_id)).all()
    assert sorted(owners) == sorted([rt.connection_id, other])
