"""Webhook ingest: signed events from a separate load process, stored before they are answered.

Target (issue #5): at least 500 events/s sustained, p99 under 100 ms, zero events lost.

zoombridge's receiver (`service_app`, as `zoombridge serve` builds it) runs on uvicorn on a
loopback socket in this process, over a real catalog: a SQLite file in a temporary folder,
as a default install has, and then a fresh PostgreSQL database on 127.0.0.1:5432 (created
and dropped here; left out when no server answers). A separate process (`python -m
bench.webhook_ingest ...`, so the two do not share a GIL) sends distinct `recording.completed`
events, each made by the emulator and given its own uuid and `event_ts`, signed as Zoom signs
them, at a fixed offered rate over CONNECTIONS keep-alive connections (Zoom's TLS handshakes
are a proxy's work, not the receiver's): RATE/s for WARMUP_S, not measured, then MEASURED_S.
A request's latency runs from the moment it was due to be sent to its answer, so a receiver
that falls behind is charged for the queue it causes ("from send" leaves that queue out).

Reported: events answered 2xx per second in the measured window, p50 and p99 latency, answers
other than 2xx, and events lost: answered 2xx but not in the inbox afterwards (read from the
catalog once the server has stopped). A closed-loop run (every event due at once) gives the
receiver's capacity on SQLite and the server's CPU time per event, which other work on the
machine barely moves; the load average says how busy the machine was. The baseline, in the
same run and under the same load, is a bare Starlette endpoint on the same uvicorn that reads
the body and answers 200: no verification, no storage. The ratios are the cost of verify +
store.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import json
import os
import random
import statistics
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

import psycopg
import uvicorn
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.archive_common import scratch
from bench.loadgen import read_response
from bench.servers import REPO, free_port
from zoombridge.app import DEFAULT_CONNECTION
from zoombridge.archive.catalog import ensure_connection
from zoombridge.clock import SystemClock
from zoombridge.db import Catalog, open_catalog
from zoombridge.db.models import WebhookEvent as InboxRow
from zoombridge.emulator import build_world
from zoombridge.emulator.events import recording_event
from zoombridge.emulator.scenarios import record_instance
from zoombridge.testing import fresh_postgres_database
from zoombridge.web.service import service_app
from zoombridge.web.webhooks import WebhookTarget
from zoombridge.zoom.webhooks import sign

SECRET = "bench-ingest-secret"  # noqa: S105 - signs events between two local processes
RATE = 600  # offered events/s: the target is 500, so this leaves a margin
WARMUP_S = 2
MEASURED_S = 20
CONNECTIONS = 64  # in flight at most; 600/s at 100 ms needs 60
CAPACITY_EVENTS = 5000
TEMPLATES = 100  # distinct emulator recordings; every event gets its own uuid and event_ts
TARGET_RATE = 500.0
TARGET_P99_MS = 100.0

Row = dict[str, Any]


# --- the load process ----------------------------------------------------------------------


def _templates() -> list[dict[str, Any]]:
    world = build_world("empty", seed=1)
    return [
        recording_event(world, "recording.completed", record_instance(world, late_transcript=False))
        for _ in range(TEMPLATES)
    ]


def _event(template: dict[str, Any], event_ts: int, rng: random.Random) -> bytes:
    """The template as another meeting's recording: new uuid and meeting id, own event_ts."""
    uuid = base64.b64encode(rng.randbytes(16)).decode()
    obj = template["payload"]["object"]
    files = [{**f, "meeting_id": uuid} for f in obj["recording_files"]]
    obj = {**obj, "uuid": uuid, "id": rng.randrange(10**10, 10**11), "recording_files": files}
    body = {**template, "event_ts": event_ts, "payload": {**template["payload"], "object": obj}}
    return json.dumps(body).encode()


def _bodies(event_ts: list[int]) -> list[bytes]:
    templates, rng = _templates(), random.Random(5)
    return [_event(templates[i % TEMPLATES], ts, rng) for i, ts in enumerate(event_ts)]


def _request(parts: SplitResult, body: bytes) -> bytes:
    """One signed POST, timestamped now (as Zoom does at each delivery)."""
    timestamp = str(int(time.time()))
    head = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        "user-agent: Zoom Marketplace/1.0a\r\n"
        "content-type: application/json; charset=utf-8\r\n"
        f"content-length: {len(body)}\r\n"
        f"x-zm-request-timestamp: {timestamp}\r\n"
        f"x-zm-signature: {sign(SECRET, timestamp, body)}\r\n\r\n"
    )
    return head.encode() + body


class Offer:
    """Events due at a fixed rate, sent over CONNECTIONS keep-alive connections as they come
    free. Times are seconds from the start of the offer."""

    def __init__(self, url: str, bodies: list[bytes], rate: float) -> None:
        self.parts = urlsplit(url)
        self.bodies = bodies
        self.rate = rate  # 0: every event is due at once
        n = len(bodies)
        self.status = [0] * n  # 0: no answer
        self.due = [0.0] * n
        self.sent = [0.0] * n
        self.answered = [0.0] * n
        self.queue: asyncio.Queue[int | None] = asyncio.Queue()
        self.began = 0.0

    async def pace(self) -> None:
        for i in range(len(self.bodies)):
            self.due[i] = i / self.rate if self.rate else 0.0
            delay = self.began + self.due[i] - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.queue.put_nowait(i)
        for _ in range(CONNECTIONS):
            self.queue.put_nowait(None)

    async def send(self, opened: asyncio.Event) -> None:
        host, port = self.parts.hostname or "127.0.0.1", self.parts.port or 80
        reader, writer = await asyncio.open_connection(host, port)
        await opened.wait()
        while (i := await self.queue.get()) is not None:
            self.sent[i] = time.monotonic() - self.began
            try:
                writer.write(_request(self.parts, self.bodies[i]))
                self.status[i], _ = await read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                writer.close()  # no answer (status 0); the next event gets a new connection
                reader, writer = await asyncio.open_connection(host, port)
            self.answered[i] = time.monotonic() - self.began
        writer.close()

    async def run(self) -> dict[str, list[Any]]:
        opened = asyncio.Event()
        senders = [asyncio.create_task(self.send(opened)) for _ in range(CONNECTIONS)]
        await asyncio.sleep(0.2)  # every connection open before the clock starts
        self.began = time.monotonic()
        opened.set()
        await asyncio.gather(self.pace(), *senders)
        return {
            "status": self.status,
            "due": self.due,
            "sent": self.sent,
            "answered": self.answered,
        }


def load_main(argv: list[str]) -> None:
    """`python -m bench.webhook_ingest URL RATE COUNT FIRST_TS`: the samples as JSON on
    stdout. Events are stamped FIRST_TS, FIRST_TS + 1, ...: each is stored once."""
    url, rate, count, first = argv[0], float(argv[1]), int(argv[2]), int(argv[3])
    event_ts = list(range(first, first + count))
    samples = asyncio.run(Offer(url, _bodies(event_ts), rate).run())
    print(json.dumps({**samples, "event_ts": event_ts}))


# --- this process: the receiver, the baseline and the figures --------------------------------


@dataclass(frozen=True)
class Outcome:
    rate: float  # 2xx answers per second in the measured window
    p50_ms: float
    p99_ms: float
    p99_from_send_ms: float  # without the wait for a free connection in the load process
    refused: int  # answered other than 2xx, or not at all
    lost: int  # answered 2xx, not in the inbox
    events: int
    cpu_us: float  # the server's CPU time per event, all threads: contention barely moves it
    load: float  # the machine's 1-minute load average at the end (this bench adds about 1.5)


def _bare_app() -> Starlette:
    async def endpoint(request: Request) -> Response:
        await request.body()
        return Response(b'{"status":"accepted"}', media_type="application/json")

    return Starlette(routes=[Route("/webhooks/zoom", endpoint, methods=["POST"])])


def _receiver(catalog: Catalog) -> Starlette:
    clock = SystemClock()
    connection = ensure_connection(catalog, DEFAULT_CONNECTION, "bench-account", clock.now())
    target = WebhookTarget(connection, SECRET, catalog, clock)  # no applier: ingest only
    return service_app({DEFAULT_CONNECTION: target}, DEFAULT_CONNECTION)


@contextlib.asynccontextmanager
async def _served(app: Starlette) -> AsyncIterator[str]:
    """`app` on uvicorn as `zoombridge serve` runs it (this loop, httptools), on loopback."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    gc.freeze()  # as serve does once started: no full collection walks what was imported
    task = asyncio.create_task(server.serve())
    while not server.started:  # uvicorn has no "started" event to wait on
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/webhooks/zoom"
    finally:
        server.should_exit = True
        await task
        gc.unfreeze()


async def _load(url: str, rate: float, count: int, first: int) -> dict[str, list[Any]]:
    command = ["-m", "bench.webhook_ingest", url, str(rate), str(count), str(first)]
    process = await asyncio.create_subprocess_exec(
        sys.executable, *command, stdout=asyncio.subprocess.PIPE, cwd=REPO
    )
    out, _ = await process.communicate()
    if process.returncode:
        raise RuntimeError(f"the load process failed with status {process.returncode}")
    samples: dict[str, list[Any]] = json.loads(out)
    return samples


async def _offered(
    app: Starlette, rate: float, count: int, first: int | None = None
) -> dict[str, list[Any]]:
    """The load process's samples, and this process's CPU seconds per event while serving.
    Events are stamped from `first` on (now, in ms, by default)."""
    async with _served(app) as url:
        began = time.process_time()
        stamp = int(time.time() * 1000) if first is None else first
        samples = await _load(url, rate, count, stamp)
        cpu = (time.process_time() - began) / count
        return {**samples, "cpu": [cpu], "load": [os.getloadavg()[0]]}


def _stored(catalog: Catalog) -> set[int]:
    with catalog.session() as session:
        return {ts for ts in session.scalars(select(InboxRow.event_ts)) if ts is not None}


def _p(values: list[float], q: int) -> float:
    """The q-th percentile, in ms."""
    return statistics.quantiles(values, n=100)[q - 1] * 1000


def _outcome(samples: dict[str, list[Any]], warmup: int, stored: set[int] | None) -> Outcome:
    status, due, sent, answered = (samples[k] for k in ("status", "due", "sent", "answered"))
    ok = [200 <= s < 300 for s in status]
    measured = range(warmup, len(status))
    latency = [answered[i] - due[i] for i in measured]
    accepted = {ts for ts, good in zip(samples["event_ts"], ok, strict=True) if good}
    return Outcome(
        rate=sum(ok[i] for i in measured) / (max(answered[i] for i in measured) - due[warmup]),
        p50_ms=_p(latency, 50),
        p99_ms=_p(latency, 99),
        p99_from_send_ms=_p([answered[i] - sent[i] for i in measured], 99),
        refused=ok.count(False),
        lost=len(accepted - stored) if stored is not None else 0,
        events=len(status),
        cpu_us=samples["cpu"][0] * 1e6,
        load=samples["load"][0],
    )


async def _ingest(catalog: Catalog, rate: float, count: int, warmup: int) -> Outcome:
    # Stamps after any stored before, so an event lost here cannot hide behind an earlier one.
    first = max(_stored(catalog), default=int(time.time() * 1000)) + 1
    samples = await _offered(_receiver(catalog), rate, count, first)
    return _outcome(samples, warmup, _stored(catalog))


@contextlib.contextmanager
def _postgres() -> Iterator[str | None]:
    """A fresh database on the local server, dropped afterwards; None when none answers."""
    with contextlib.ExitStack() as stack:
        try:
            url: str | None = stack.enter_context(fresh_postgres_database("zb_bench"))
        except psycopg.OperationalError:
            url = None
        yield url


@contextlib.contextmanager
def _catalog(url: str) -> Iterator[Catalog]:
    catalog = open_catalog(url)
    try:
        yield catalog
    finally:
        catalog.dispose()


async def _measure() -> dict[str, Outcome]:
    count, warmup = RATE * (WARMUP_S + MEASURED_S), RATE * WARMUP_S
    found = {"bare": _outcome(await _offered(_bare_app(), RATE, count), warmup, None)}
    with scratch("ingest") as home, _catalog(f"sqlite:///{home / 'catalog.sqlite'}") as catalog:
        found["SQLite"] = await _ingest(catalog, RATE, count, warmup)
        found["SQLite capacity"] = await _ingest(catalog, 0, CAPACITY_EVENTS, 0)
    found["bare capacity"] = _outcome(await _offered(_bare_app(), 0, CAPACITY_EVENTS), 0, None)
    with _postgres() as url:
        if url is not None:
            with _catalog(url) as catalog:
                found["PostgreSQL"] = await _ingest(catalog, RATE, count, warmup)
    return found


def _rows(label: str, got: Outcome, bare: Outcome) -> list[Row]:
    extra = (
        f"p50 {got.p50_ms:.1f} ms, p99 {got.p99_ms:.1f} ms, lost {got.lost}, "
        f"non-2xx {got.refused}, {got.events} events at {RATE}/s"
    )
    return [
        {
            "name": f"webhook ingest, {label}: events/s sustained at {RATE}/s offered",
            "value": got.rate,
            "unit": "events/s",
            "target": TARGET_RATE,
            "baseline": bare.rate,
            "baseline_kind": "bare endpoint, same load",
            "extra": extra,
            "ok_extra": got.p99_ms < TARGET_P99_MS and got.lost == 0 and got.refused == 0,
        },
        {
            "name": f"webhook ingest, {label}: p99 latency at {RATE}/s",
            "value": got.p99_ms,
            "unit": "ms",
            "target": TARGET_P99_MS,
            "lower_is_better": True,
            "baseline": bare.p99_ms,
            "baseline_kind": "bare endpoint, same load",
            "extra": (
                f"p50 {got.p50_ms:.1f} ms, bare p50 {bare.p50_ms:.1f} ms; "
                f"p99 from send {got.p99_from_send_ms:.1f} ms; load average {got.load:.1f}"
            ),
        },
    ]


def _capacity_row(got: Outcome, bare: Outcome) -> Row:
    return {
        "name": f"webhook ingest capacity, SQLite ({CONNECTIONS} connections, closed loop)",
        "value": got.rate,
        "unit": "events/s",
        "target": TARGET_RATE,
        "baseline": bare.rate,
        "baseline_kind": "bare endpoint",
        "extra": (
            f"lost {got.lost}, non-2xx {got.refused}, {got.events} events; server CPU "
            f"{got.cpu_us:.0f} µs/event, bare {bare.cpu_us:.0f}"
        ),
        "ok_extra": got.lost == 0 and got.refused == 0,
    }


def run() -> list[Row]:
    found = asyncio.run(_measure())
    bare = found["bare"]
    rows = _rows("SQLite", found["SQLite"], bare)
    if "PostgreSQL" in found:
        rows += _rows("PostgreSQL", found["PostgreSQL"], bare)
    return [*rows, _capacity_row(found["SQLite capacity"], found["bare capacity"])]


if __name__ == "__main__":
    load_main(sys.argv[1:])
