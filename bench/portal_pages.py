"""Portal pages on an archive of 100,000 recordings: the library list and the search page,
as a Manager (who sees everything) and as a Viewer (who sees what is shared with them).

Target (issue #5): p95 under 150 ms for each page. The requests go through the whole app
(routing, sign-in by session cookie, CSRF-free GETs, the queries, the templates) in process,
over httpx's ASGI transport; the baseline is /health through the same path, the floor any
page pays. The archive is synthetic: one archived file per recording, a fifth of the
recordings published to every signed-in user, a few shared with the Viewer by name, and 5
transcript cues per recording in the search index.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.progress import Progress
from sqlalchemy import insert

from bench.archive_common import scratch
from bench.search_corpus import Corpus, Generator
from bench.stats import p95
from zoombridge.accounts import Role
from zoombridge.accounts.sessions import start_session
from zoombridge.accounts.users import create_user
from zoombridge.app import ZoomBridge
from zoombridge.archive.catalog import ensure_connection
from zoombridge.archive.search_index import index_meetings
from zoombridge.clock import SystemClock
from zoombridge.db import Catalog, FileState, open_catalog
from zoombridge.db.models import LibraryEntry, LibraryViewer, Meeting, RecordingFileRow
from zoombridge.settings import Settings
from zoombridge.web.auth import PortalContext
from zoombridge.web.security import SESSION_COOKIE
from zoombridge.web.service import service_app

__all__ = ["run"]

TARGET_MS = 150.0
REPEATS = 30
WARMUP = 3
BATCH = 1000


def run(corpus: Corpus | None = None) -> list[dict[str, Any]]:
    corpus = corpus or Corpus(meetings=100_000, cues_per_meeting=5)
    with scratch("portal") as folder:
        catalog = open_catalog(f"sqlite:///{folder / 'catalog.sqlite'}")
        try:
            generator = Generator(corpus)
            manager, viewer = _build(catalog, generator, corpus)
            timings = asyncio.run(_measure(catalog, folder, manager, viewer, generator))
        finally:
            catalog.dispose()
    floor = p95(timings.pop("/health"))
    return [
        {
            "name": f"portal {page}, {corpus.meetings:,} recordings",
            "value": p95(samples),
            "unit": "ms p95",
            "target": TARGET_MS,
            "lower_is_better": True,
            "baseline": floor,
            "baseline_kind": "GET /health through the same app and client",
            "extra": f"median {statistics.median(samples):.1f} ms, {len(samples)} requests",
        }
        for page, samples in timings.items()
    ]


def _build(catalog: Catalog, generator: Generator, corpus: Corpus) -> tuple[int, int]:
    """The archive: recordings, their archived files and sharing, the search index, and a
    Manager and a Viewer; returns their user ids."""
    now = datetime.now(UTC)
    manager = create_user(catalog, "manager@example.edu", Role.MANAGER, now, password=None)
    viewer = create_user(catalog, "viewer@example.edu", Role.VIEWER, now, password=None)
    connection_id = ensure_connection(catalog, "bench", "bench", generator.start(0))
    with Progress(transient=True) as progress:
        task = progress.add_task(f"building {corpus.meetings:,} recordings", total=corpus.meetings)
        for first in range(0, corpus.meetings, BATCH):
            numbers = range(first, min(first + BATCH, corpus.meetings))
            _insert_rows(catalog, generator, connection_id, numbers, viewer.id)
            index_meetings(catalog, [generator.documents(connection_id, n) for n in numbers])
            progress.advance(task, len(numbers))
    return manager.id, viewer.id


def _insert_rows(
    catalog: Catalog, generator: Generator, connection_id: int, numbers: range, viewer: int
) -> None:
    meetings = [generator.meeting_row(connection_id, n) for n in numbers]
    files = [
        {
            "connection_id": connection_id,
            "file_id": f"file-{n}",
            "meeting_uuid": meeting["uuid"],
            "file_type": "MP4",
            "state": FileState.ARCHIVED,
            "storage_key": f"bench/{n}.mp4",
            "stored_size": 1000,
            "updated_at": meeting["start_time"],
        }
        for n, meeting in zip(numbers, meetings, strict=True)
    ]
    shared = [m for n, m in zip(numbers, meetings, strict=True) if n % 5 == 0 or n % 97 == 1]
    entries = [
        {
            "connection_id": connection_id,
            "meeting_uuid": meeting["uuid"],
            "status": "published",
            "visibility": "chosen" if meeting["uuid"].endswith("1") else "signed_in",
            "updated_at": meeting["start_time"],
        }
        for meeting in shared
    ]
    chosen = [
        {"connection_id": connection_id, "meeting_uuid": entry["meeting_uuid"], "user_id": viewer}
        for entry in entries
        if entry["visibility"] == "chosen"
    ]
    with catalog.engine.begin() as connection:
        connection.execute(insert(Meeting), meetings)
        connection.execute(insert(RecordingFileRow), files)
        connection.execute(insert(LibraryEntry), entries)
        if chosen:
            connection.execute(insert(LibraryViewer), chosen)


async def _measure(
    catalog: Catalog, folder: Path, manager: int, viewer: int, generator: Generator
) -> dict[str, list[float]]:
    clock = SystemClock()
    bridge = ZoomBridge(Settings(home=folder / "home"), clock=clock)
    portal = PortalContext(catalog=catalog, clock=clock, statuses=list, bridge=bridge)
    app = service_app({}, "bench", portal=portal)
    rare, middle = generator.rare_words(1)[0], generator.middle_words(1)[0]
    host = generator.host(17)
    pages = {
        "library, manager": ("/library", {}),
        "library page 50, manager": ("/library", {"page": "50"}),
        "library by host, manager": ("/library", {"host": host}),
        "library, viewer": ("/library", {}),
        "library by date, viewer": (
            "/library",
            {"date_from": "2024-01-01", "date_to": "2024-03-31"},
        ),
        "search rare word, manager": ("/search", {"q": rare}),
        "search common word, manager": ("/search", {"q": middle}),
        "search common word, viewer": ("/search", {"q": middle}),
        "API library, viewer": ("/api/library", {}),
    }
    timings: dict[str, list[float]] = {"/health": []}
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://portal.bench") as http:
        cookies = {
            Role.MANAGER: await asyncio.to_thread(start_session, catalog, manager, clock.now()),
            Role.VIEWER: await asyncio.to_thread(start_session, catalog, viewer, clock.now()),
        }
        timings["/health"] = await _timed(http, "/health", {}, "")
        for name, (path, params) in pages.items():
            role = Role.VIEWER if "viewer" in name else Role.MANAGER
            timings[name] = await _timed(http, path, params, cookies[role])
    return timings


async def _timed(
    http: httpx.AsyncClient, path: str, params: dict[str, str], session: str
) -> list[float]:
    """Milliseconds per request, after a few untimed ones; every answer must be a 200."""
    http.cookies.clear()
    if session:
        http.cookies.set(SESSION_COOKIE, session, domain="portal.bench")
    samples = []
    for attempt in range(WARMUP + REPEATS):
        began = time.perf_counter()
        answer = await http.get(path, params=params)
        spent = (time.perf_counter() - began) * 1000
        if answer.status_code != 200:
            raise RuntimeError(f"{path} {params} answered {answer.status_code}")
        if attempt >= WARMUP:
            samples.append(spent)
    return samples
