"""The emulator's webhook sender: Zoom's signatures, retries and final answers."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from emulator_http import plain_client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from zoombridge.clock import ManualClock
from zoombridge.emulator.app import create_app
from zoombridge.emulator.events import recording_event
from zoombridge.emulator.scenarios import record_instance
from zoombridge.emulator.sender import ZOOM_RETRY_DELAYS, WebhookSender
from zoombridge.emulator.world import World
from zoombridge.errors import WebhookRejected
from zoombridge.zoom.webhooks import parse_event, verify

pytestmark = pytest.mark.anyio

HOOK_URL = "https://hooks.example.edu/zoom"
SECRET = "webhook-secret-token"


# WebhookSender --------------------------------------------------------------------------------
class Receiver:
    """A webhook endpoint behind httpx.MockTransport: answers from a script, then 200."""

    def __init__(self, *script: int | type[httpx.TransportError]) -> None:
        self.script = list(script)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.script.pop(0) if self.script else 200
        if isinstance(answer, int):
            headers = {"location": "https://elsewhere.example/hook"} if 300 <= answer < 400 else {}
            return httpx.Response(answer, headers=headers)
        raise answer("receiver unreachable", request=request)


@pytest.fixture
async def senders(world: World) -> AsyncIterator[Callable[..., WebhookSender]]:
    made: list[WebhookSender] = []

    def make(receiver: Receiver, **kw: Any) -> WebhookSender:
        sender = WebhookSender(
            world, HOOK_URL, SECRET, transport=httpx.MockTransport(receiver), **kw
        )
        made.append(sender)
        return sender

    yield make
    for sender in made:
        await sender.aclose()


def emit_recording(world: World) -> dict[str, Any]:
    return recording_event(world, "recording.completed", record_instance(world))


def offsets(receiver: Receiver, start: int) -> list[int]:
    stamps = [int(r.headers["x-zm-request-timestamp"]) for r in receiver.requests]
    return [stamp - start for stamp in stamps]


async def test_sender_signs_bodies_zoom_verifies(
    http: httpx.AsyncClient, world: World, senders: Callable[..., WebhookSender]
) -> None:
    receiver = Receiver()
    sender = senders(receiver)
    recorded = await http.post("/_emulator/meetings/record", json={"late_transcript": False})
    called = await http.post("/_emulator/phone/record")
    assert await sender.deliver_due() == 2
    assert [d.outcome for d in sender.deliveries] == ["delivered", "delivered"]
    assert len(receiver.requests) == 2
    for request, (event, payload) in zip(receiver.requests, world.events, strict=True):
        assert request.method == "POST"
        assert str(request.url) == HOOK_URL
        assert request.headers["content-type"] == "application/json; charset=utf-8"
        assert request.headers["user-agent"] == "Zoom Marketplace/1.0a"
        assert request.headers["x-zm-request-timestamp"] == str(int(world.now().timestamp()))
        assert request.headers["x-zm-request-id"]
        body = request.content
        assert json.loads(body) == payload
        assert json.loads(body)["event"] == event
        verify(SECRET, request.headers, body, now=world.now())  # raises if it does not match
        with pytest.raises(WebhookRejected):
            verify("another-secret", request.headers, body, now=world.now())
        with pytest.raises(WebhookRejected):
            verify(SECRET, request.headers, body + b" ", now=world.now())
    assert [e for e, _ in world.events] == ["recording.completed", "phone.recording_completed"]
    completed = parse_event(receiver.requests[0].content)
    recording = completed.recording()
    assert recording is not None
    assert recording.uuid == recorded.json()["uuid"]
    phone = parse_event(receiver.requests[1].content).phone_recordings()
    assert [p.id for p in phone] == [called.json()["id"]]
    ids = {r.headers["x-zm-request-id"] for r in receiver.requests}
    assert len(ids) == 2


async def test_recording_completed_download_token_opens_that_recording_only(
    http: httpx.AsyncClient, world: World, senders: Callable[..., WebhookSender]
) -> None:
    receiver = Receiver()
    sender = senders(receiver)
    created = (await http.post("/_emulator/meetings/record")).json()
    await sender.deliver_due()
    body = json.loads(receiver.requests[0].content)
    assert body["event"] == "recording.completed"
    token = body["download_token"]
    assert isinstance(token, str)
    assert token
    assert "download_token" not in body["payload"]["object"]
    mp4 = next(f for f in body["payload"]["object"]["recording_files"] if f["file_type"] == "MP4")
    allowed = await http.get(mp4["download_url"], headers={"Authorization": f"Bearer {token}"})
    assert allowed.status_code == 302
    assert urlsplit(allowed.headers["location"]).path.startswith("/rec/cdn/")
    other = next(
        f
        for u, i in world.instances.items()
        if u != created["uuid"]
        for f in i.files
        if f.status == "completed"
    )
    foreign = await http.get(
        f"https://zoom.us/rec/download/{other.token}", headers={"Authorization": f"Bearer {token}"}
    )
    assert foreign.status_code == 200
    assert "Only the host can download" in foreign.text


async def test_sender_retries_5xx_after_5_20_60_minutes_then_drops(
    world: World, clock: ManualClock, senders: Callable[..., WebhookSender]
) -> None:
    receiver = Receiver(503, 500, 502, 504, 200)
    sender = senders(receiver)
    assert sender.retry_delays == ZOOM_RETRY_DELAYS == (300.0, 1200.0, 3600.0)
    emit_recording(world)
    start = int(world.now().timestamp())
    assert await sender.deliver_due() == 1
    for delay in (300, 1200, 3600):
        clock.advance(delay - 1)
        assert await sender.deliver_due() == 0
        clock.advance(1)
        assert await sender.deliver_due() == 1
    delivery = sender.deliveries[0]
    assert (delivery.outcome, delivery.attempts) == ("dropped", 4)
    assert delivery.history == ["503", "500", "502", "504"]
    assert sender.pending() == []
    clock.advance(86_400)
    assert await sender.deliver_due() == 0
    assert offsets(receiver, start) == [0, 300, 1500, 5100]
    # every attempt carries the same body, freshly signed with its own timestamp
    bodies = {r.content for r in receiver.requests}
    assert len(bodies) == 1
    assert len({r.headers["x-zm-request-id"] for r in receiver.requests}) == 1
    for request in receiver.requests:
        stamp = int(request.headers["x-zm-request-timestamp"])
        verify(SECRET, request.headers, request.content, now=datetime.fromtimestamp(stamp, UTC))


async def test_sender_retries_transport_errors_then_delivers(
    world: World, clock: ManualClock, senders: Callable[..., WebhookSender]
) -> None:
    receiver = Receiver(httpx.ConnectError, httpx.ReadTimeout, 200)
    sender = senders(receiver)
    emit_recording(world)
    start = int(world.now().timestamp())
    await sender.deliver_due()
    clock.advance(300)
    await sender.deliver_due()
    clock.advance(1199)
    assert await sender.deliver_due() == 0
    clock.advance(1)
    assert await sender.deliver_due() == 1
    delivery = sender.deliveries[0]
    assert (delivery.outcome, delivery.attempts) == ("delivered", 3)
    assert delivery.history == [
        "transport error ConnectError",
        "transport error ReadTimeout",
        "200",
    ]
    assert offsets(receiver, start) == [0, 300, 1500]
    clock.advance(10_000)
    assert await sender.deliver_due() == 0
    assert len(receiver.requests) == 3


async def test_sender_uses_configured_delays_and_gives_up_after_them(
    world: World, clock: ManualClock, senders: Callable[..., WebhookSender]
) -> None:
    receiver = Receiver(httpx.ConnectError, 500, 500, 500, 500)
    sender = senders(receiver, retry_delays=(2.0, 5.0))
    emit_recording(world)
    start = int(world.now().timestamp())
    for step in (0, 2, 5, 100):
        clock.advance(step)
        await sender.deliver_due()
    assert offsets(receiver, start) == [0, 2, 7]
    delivery = sender.deliveries[0]
    assert (delivery.outcome, delivery.attempts) == ("dropped", 3)
    assert delivery.history == ["transport error ConnectError", "500", "500"]


async def test_sender_real_connection_refused_is_retried(world: World) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = WebhookSender(world, f"http://127.0.0.1:{port}/hook", SECRET, timeout=2.0)
    try:
        emit_recording(world)
        assert await sender.deliver_due() == 1
        delivery = sender.deliveries[0]
        assert delivery.outcome == "pending"
        assert delivery.history == ["transport error ConnectError"]
        assert delivery.due_at == world.now() + timedelta(minutes=5)
    finally:
        await sender.aclose()


@pytest.mark.parametrize("status", [301, 302, 307, 308, 400, 401, 403, 404, 410, 429])
async def test_sender_does_not_retry_3xx_or_4xx(
    world: World, clock: ManualClock, senders: Callable[..., WebhookSender], status: int
) -> None:
    receiver = Receiver(status)
    sender = senders(receiver)
    emit_recording(world)
    assert await sender.deliver_due() == 1
    delivery = sender.deliveries[0]
    assert (delivery.outcome, delivery.attempts, delivery.history) == ("dropped", 1, [str(status)])
    for delay in ZOOM_RETRY_DELAYS:
        clock.advance(delay)
        assert await sender.deliver_due() == 0
    assert [str(r.url) for r in receiver.requests] == [HOOK_URL]  # redirects are not followed


@pytest.mark.parametrize("status", [200, 202, 204])
async def test_sender_2xx_is_delivered_once(
    world: World, clock: ManualClock, senders: Callable[..., WebhookSender], status: int
) -> None:
    receiver = Receiver(status)
    sender = senders(receiver)
    emit_recording(world)
    await sender.deliver_due()
    assert sender.deliveries[0].outcome == "delivered"
    assert sender.deliveries[0].history == [str(status)]
    clock.advance(10_000)
    assert await sender.deliver_due() == 0
    assert len(receiver.requests) == 1


# the emulator app's own sender, against a real HTTP receiver ----------------------------------
class LiveReceiver:
    """A Starlette webhook endpoint served by uvicorn on 127.0.0.1 in a thread."""

    def __init__(self) -> None:
        self.script: list[int] = []
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.url = ""
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        self.received.append((dict(request.headers), await request.body()))
        return Response(status_code=self.script.pop(0) if self.script else 200)


@pytest.fixture
def live_receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveReceiver]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("all_proxy", raising=False)
    live = LiveReceiver()
    config = uvicorn.Config(
        live.app,
        host="127.0.0.1",
        port=0,
        lifespan="off",
        ws="none",
        http="h11",
        loop="asyncio",
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not server.started:
        assert thread.is_alive(), "the receiver failed to start"
        assert time.monotonic() < deadline, "the receiver did not start in 5 s"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    live.url = f"http://127.0.0.1:{port}/hook"
    yield live
    server.should_exit = True
    thread.join(5)


async def test_app_sender_delivers_over_a_real_socket(
    world: World, live_receiver: LiveReceiver
) -> None:
    live_receiver.script = [500]
    emulator = create_app(world, webhook_url=live_receiver.url, webhook_secret=SECRET)
    sender: WebhookSender = cast(Any, emulator).app.state.sender
    try:
        async with plain_client(emulator) as http:
            created = (await http.post("/_emulator/meetings/record")).json()
            assert (await http.get("/_emulator/state")).json()["webhooks_pending"] == 1
            first = (await http.post("/_emulator/webhooks/deliver")).json()
            assert first == {
                "sent": 1,
                "deliveries": [
                    {
                        "event": "recording.completed",
                        "outcome": "pending",
                        "attempts": 1,
                        "history": ["500"],
                    }
                ],
            }
            early = (await http.post("/_emulator/webhooks/deliver")).json()
            assert early["sent"] == 0
            # five minutes on: the retry is due, and the late transcript has completed
            await http.post("/_emulator/clock/advance", json={"seconds": 300})
            second = (await http.post("/_emulator/webhooks/deliver")).json()
            assert second["sent"] == 2
            assert [(d["event"], d["outcome"], d["history"]) for d in second["deliveries"]] == [
                ("recording.completed", "delivered", ["500", "200"]),
                ("recording.transcript_completed", "delivered", ["200"]),
            ]
            assert (await http.get("/_emulator/state")).json()["webhooks_pending"] == 0
    finally:
        await sender.aclose()
    assert len(live_receiver.received) == 3
    for headers, body in live_receiver.received:
        stamp = int(headers["x-zm-request-timestamp"])
        verify(SECRET, headers, body, now=datetime.fromtimestamp(stamp, UTC))
    events = [parse_event(body) for _, body in live_receiver.received]
    assert [e.event for e in events] == [
        "recording.completed",
        "recording.completed",
        "recording.transcript_completed",
    ]
    assert live_receiver.received[0][1] == live_receiver.received[1][1]
    for event in events:
        assert event.download_token
        assert event.object["uuid"] == created["uuid"]
    transcript_files = events[2].object["recording_files"]
    assert [f["file_type"] for f in transcript_files] == ["TRANSCRIPT"]
