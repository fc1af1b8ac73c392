"""The client and the emulator, each checked against Zoom's documents (not against each other).

A broad run of the real client against the emulator is recorded at the HTTP layer; every
request the client sent and every response the emulator gave is then validated with the strict
contract, and so is every webhook body the emulator produced. The rate-limit labels and scopes
both sides declare are checked against Zoom's endpoint index.
"""

from __future__ import annotations

import functools
import gzip
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from strict_openapi import ContractViolation, ZoomContract

from zoombridge.clock import ManualClock
from zoombridge.emulator import EmulatorTransport, World, build_world, create_app
from zoombridge.emulator.events import complete_late_files, phone_recording_event, recording_event
from zoombridge.emulator.routes import all_routes
from zoombridge.errors import ZoomBridgeError
from zoombridge.testing import make_zoom_client
from zoombridge.zoom import ENDPOINTS, ZoomClient, meetings, phone, recordings, reports, users

pytestmark = pytest.mark.anyio
INDEX = Path(__file__).parent / "zoom-api" / "endpoint-index.json.gz"


@dataclass
class Exchange:
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int
    response_headers: dict[str, str]
    response_body: bytes


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes everything to the emulator and keeps a copy of each exchange."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        self.exchanges.append(
            Exchange(
                request.method,
                str(request.url),
                dict(request.headers),
                body,
                response.status_code,
                dict(response.headers),
                content,
            )
        )
        return httpx.Response(response.status_code, headers=response.headers, content=content)


async def _drain(items: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in items]


async def _exercise_users(zoom: ZoomClient, world: World) -> None:
    everyone = await _drain(users.iter_all_users(zoom))
    licensed = [u for u in everyone if u.licensed and u.status == "active"]
    await users.get_user(zoom, licensed[0].id)
    await users.get_user_settings(zoom, licensed[0].id)
    await users.add_assistants(zoom, licensed[0].id, [licensed[1].email])
    await users.list_assistants(zoom, licensed[0].id)
    assistant = world.users[world.assistants[licensed[0].id][0]]
    await users.delete_assistant(zoom, licensed[0].id, assistant.id)
    await users.delete_assistants(zoom, licensed[0].id)


async def _exercise_recordings(zoom: ZoomClient, world: World) -> None:
    today = world.now().date()
    hosts = {i.host_id for i in world.instances.values()}
    found = []
    for host in hosts:
        found += await _drain(
            recordings.iter_user_recordings(zoom, host, today - timedelta(days=95), today)
        )
    for meeting in found[:6]:
        await recordings.get_meeting_recordings(
            zoom, meeting.uuid, with_download_token=True, ttl_seconds=3600
        )
    target = found[0]
    file_id = next(f.id for f in target.recording_files if f.id)
    await recordings.delete_recording_file(zoom, target.uuid, file_id)
    await recordings.recover_recording_file(zoom, target.uuid, file_id)
    await recordings.delete_meeting_recordings(zoom, target.uuid)
    await _drain(recordings.list_trash(zoom, target.host_id or "me"))
    await recordings.recover_meeting_recordings(zoom, target.uuid)


async def _exercise_meetings(zoom: ZoomClient, world: World) -> None:
    host = next(u for u in world.users.values() if u.webinar and u.status == "active")
    start = world.now() + timedelta(days=3)
    created = await meetings.create_meeting(
        zoom,
        host.id,
        meetings.MeetingRequest(
            topic="Contract check",
            type=8,
            start_time=start,
            duration=45,
            timezone="Europe/Berlin",
            agenda="Agenda",
            recurrence={"type": 2, "repeat_interval": 1, "weekly_days": "2,4", "end_times": 4},
            settings={"waiting_room": True, "mute_upon_entry": True, "auto_recording": "cloud"},
        ),
    )
    await meetings.get_meeting(zoom, created.id)
    await meetings.update_meeting(
        zoom, created.id, {"topic": "Contract check (moved)", "duration": 60}, host=host.id
    )
    await _drain(meetings.list_meetings(zoom, host.id, "upcoming"))
    await meetings.delete_meeting(zoom, created.id)
    await meetings.set_meeting_status(zoom, created.id, "recover")
    webinar = await meetings.create_webinar(
        zoom,
        host.id,
        {
            "topic": "Contract webinar",
            "type": 5,
            "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration": 30,
        },
    )
    await meetings.get_webinar(zoom, webinar.id)
    await meetings.update_webinar(zoom, webinar.id, {"agenda": "New agenda"}, host=host.id)
    await _drain(meetings.list_webinars(zoom, host.id))
    await meetings.delete_webinar(zoom, webinar.id)


async def _exercise_reports_and_phone(zoom: ZoomClient, world: World) -> None:
    today = world.now().date()
    ended = sorted(world.instances.values(), key=lambda i: i.start_time)[-1]
    await reports.get_past_meeting(zoom, ended.uuid)
    await reports.list_past_instances(zoom, ended.meeting_id)
    await _drain(reports.list_past_participants(zoom, ended.uuid))
    await _drain(
        reports.iter_report_meetings(zoom, ended.host_id, today - timedelta(days=60), today)
    )
    await _drain(reports.iter_dashboard_meetings(zoom, today - timedelta(days=20), today))
    start = world.now() - timedelta(days=20)
    await _drain(reports.iter_archived_meetings(zoom, start, world.now()))
    calls = await _drain(phone.iter_phone_recordings(zoom, today - timedelta(days=60), today))
    owner = calls[0].owner["id"] if calls[0].owner else world.owner_id
    await _drain(
        phone.iter_user_phone_recordings(zoom, str(owner), today - timedelta(days=60), today)
    )
    await _drain(phone.iter_call_history(zoom, today - timedelta(days=60), today))
    await _drain(phone.iter_user_call_history(zoom, str(owner), today - timedelta(days=60), today))


async def _exercise_errors(zoom: ZoomClient, world: World) -> None:
    for failing in (
        users.get_user(zoom, "nobody@example.edu"),
        recordings.get_meeting_recordings(zoom, "bm9zdWNoaW5zdGFuY2U="),
        meetings.get_meeting(zoom, 12345678901),
        zoom.call(
            ENDPOINTS["recordings_list"],
            params={"from": "2026-03-01", "to": "2026-01-01"},
            userId="me",
        ),
    ):
        with pytest.raises(ZoomBridgeError):
            await failing
    world.faults.rate_limit_storm = 2
    await users.get_user(zoom, "me")


@pytest.fixture
async def recorded() -> tuple[World, list[Exchange]]:
    world = build_world("demo", seed=3, clock=ManualClock())
    transport = RecordingTransport(EmulatorTransport(create_app(world)))
    async with make_zoom_client(world, transport) as zoom:  # type: ignore[arg-type]
        await _exercise_users(zoom, world)
        await _exercise_recordings(zoom, world)
        await _exercise_meetings(zoom, world)
        await _exercise_reports_and_phone(zoom, world)
        await _exercise_errors(zoom, world)
    return world, transport.exchanges


def _api_exchanges(exchanges: list[Exchange]) -> list[Exchange]:
    return [e for e in exchanges if httpx.URL(e.url).path.startswith("/v2/")]


async def test_the_run_covers_every_endpoint_the_client_knows(
    recorded: tuple[World, list[Exchange]], zoom_contract: ZoomContract
) -> None:
    _, exchanges = recorded
    seen = {zoom_contract.operation_for(e.method, e.url).path for e in _api_exchanges(exchanges)}
    known = {endpoint.template for endpoint in ENDPOINTS.values()}
    assert known - seen <= {"/phone/recording/download/{fileId}"}  # downloads: test_client.py


async def test_every_request_the_client_sent_is_documented(
    recorded: tuple[World, list[Exchange]], zoom_contract: ZoomContract
) -> None:
    problems = []
    for exchange in _api_exchanges(recorded[1]):
        try:
            zoom_contract.check_request(
                exchange.method,
                exchange.url,
                exchange.request_headers,
                exchange.request_body or None,
            )
        except ContractViolation as violation:
            problems.append(str(violation))
    assert not problems, "\n\n".join(problems)


async def test_every_response_the_emulator_gave_is_documented(
    recorded: tuple[World, list[Exchange]], zoom_contract: ZoomContract
) -> None:
    problems = []
    statuses = set()
    for exchange in _api_exchanges(recorded[1]):
        statuses.add(exchange.status)
        try:
            zoom_contract.check_response(
                exchange.method,
                exchange.url,
                exchange.status,
                exchange.response_headers,
                exchange.response_body,
            )
        except ContractViolation as violation:
            problems.append(str(violation))
    assert not problems, "\n\n".join(problems)
    assert {200, 201, 204, 400, 404, 429} <= statuses  # successes and errors were both checked


async def test_every_webhook_the_emulator_emitted_is_documented(
    recorded: tuple[World, list[Exchange]], zoom_contract: ZoomContract
) -> None:
    world, _ = recorded
    world.clock.advance(3600)  # type: ignore[attr-defined]
    complete_late_files(world)
    newest = max(world.instances.values(), key=lambda i: i.start_time)
    recording_event(world, "recording.completed", newest)
    phone_recording_event(world, next(iter(world.phone_recordings.values())))
    names = set()
    for name, body in world.events:
        names.add(zoom_contract.check_webhook(json.dumps(body).encode()))
        assert name in names
    assert {
        "recording.completed",
        "recording.transcript_completed",
        "recording.trashed",
        "recording.recovered",
        "meeting.created",
        "meeting.updated",
        "meeting.deleted",
        "webinar.created",
        "phone.recording_completed",
    } <= names


@functools.cache
def _index() -> dict[tuple[str, str], dict[str, Any]]:
    """Zoom's endpoint index by (METHOD, path), read once."""
    rows = json.loads(gzip.decompress(INDEX.read_bytes()))["operations"]
    return {(r["method"].upper(), r["path"]): r for r in rows}


def test_client_rate_labels_match_zoom_s_index() -> None:
    index = _index()
    wrong = []
    for name, endpoint in ENDPOINTS.items():
        row = index.get((endpoint.method, endpoint.template))
        label = endpoint.category.value.upper().replace("-", "_")
        if row is None or row["rate_limit_label"].replace("-", "_") != label:
            documented = row["rate_limit_label"] if row else "not in the index"
            wrong.append(f"{name}: {endpoint.method} {endpoint.template} {label} vs {documented}")
    assert not wrong, wrong


def test_emulator_labels_and_scopes_match_zoom_s_index() -> None:
    index = _index()
    wrong = []
    for route in all_routes():
        row = index.get((route.method, route.path))
        if row is None:
            wrong.append(f"{route.method} {route.path} is not in Zoom's index")
            continue
        if row["rate_limit_label"].replace("-", "_") != route.label:
            wrong.append(f"{route.method} {route.path}: {route.label} vs {row['rate_limit_label']}")
        documented = set(row["scopes"]) | set(row["granular_scopes"])
        if not set(route.scopes) <= documented:
            wrong.append(
                f"{route.method} {route.path}: scopes {set(route.scopes) - documented} undocumented"
            )
        if not route.scopes[0].endswith(":admin") or route.scopes[0] not in row["granular_scopes"]:
            wrong.append(f"{route.method} {route.path}: 4711 should name a granular admin scope")
    assert not wrong, "\n".join(wrong)
