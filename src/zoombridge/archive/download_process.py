"""A download worker process: files copied from Zoom into storage, verified on the way, exactly
as in the archive's own process (transfer.copy_file), several at once on one event loop,
with the access token the archive hands over with each file.

Started by child_process in a fresh interpreter, it imports only what a copy needs. The
archive sends `(id, DownloadJob)`; the worker answers with the copy's size, SHA-256 and
resume count, or its error, and before that reports the bytes it writes a few times a
second, so progress bars move during a long file. It keeps one HTTP client per route and one
store per storage URL for its whole life.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import httpx

from zoombridge.archive.child_process import portable_error
from zoombridge.archive.transfer import Opener, copy_file
from zoombridge.storage.store import Store, open_store
from zoombridge.zoom.download import Download, default_timeout, open_download

__all__ = ["DownloadJob", "serve"]

PROGRESS_SECONDS = 0.25
_clients: dict[tuple[str | None, float], httpx.AsyncClient] = {}
_stores: dict[str, Store] = {}


@dataclass(frozen=True)
class DownloadJob:
    """One file to copy, and how to reach Zoom and the store from a worker process."""

    file_id: str
    download_url: str
    storage_key: str
    file_size: int | None
    file_extension: str | None
    bearer: str
    store_url: str
    proxy: str | None
    timeout: float


class Replies:
    """What goes back to the archive: each copy's bytes written since the last report, sent
    every PROGRESS_SECONDS, and its outcome, sent after the last of its bytes."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._unreported: defaultdict[int, int] = defaultdict(int)

    def written(self, job_id: int, size: int) -> None:
        self._unreported[job_id] += size

    def report(self) -> None:
        for job_id in list(self._unreported):
            self._report(job_id)

    def answer(self, job_id: int, outcome: dict[str, Any]) -> None:
        self._report(job_id)
        self._send((job_id, True, outcome))

    def _report(self, job_id: int) -> None:
        size = self._unreported.pop(job_id, 0)
        if size:
            self._send((job_id, False, size))

    def _send(self, message: tuple[int, bool, Any]) -> None:
        with contextlib.suppress(OSError):  # the archive is gone: nobody waits for it
            self._conn.send(message)


def serve(conn: Connection) -> None:
    """The worker process's main: copy what arrives on `conn` until it closes. It closes
    when the archive's process ends, however it ended (SIGKILL included): the copies under
    way are cancelled, which leaves no object behind, and the worker ends with them. No
    orphan goes on writing into the archive that a restarted sync writes into."""
    asyncio.run(_serve(conn))


async def _serve(conn: Connection) -> None:
    loop = asyncio.get_running_loop()
    closed = loop.create_future()
    running: set[asyncio.Task[None]] = set()
    replies = Replies(conn)

    def arrived() -> None:
        try:
            while conn.poll():
                job_id, job = conn.recv()
                task = loop.create_task(_answer(replies, job_id, job))
                running.add(task)
                task.add_done_callback(running.discard)
        except (EOFError, OSError):  # the archive closed the pipe, or is gone
            loop.remove_reader(conn.fileno())
            if not closed.done():
                closed.set_result(None)

    loop.add_reader(conn.fileno(), arrived)
    while not closed.done():
        await asyncio.wait({closed}, timeout=PROGRESS_SECONDS)
        replies.report()
    for client in _clients.values():
        await client.aclose()


async def _answer(replies: Replies, job_id: int, job: DownloadJob) -> None:
    outcome = await _copy(job, lambda size: replies.written(job_id, size))
    replies.answer(job_id, outcome)


async def _copy(job: DownloadJob, on_bytes: Any) -> dict[str, Any]:
    """Copy `job`'s file; its size, SHA-256 and resume count, or the error that stopped it
    (what went wrong is the archive's to record, as if it had copied the file itself)."""
    try:
        http = _client(job.proxy, job.timeout)
        store = _store(job.store_url)
        done = await copy_file(_opener(http, job), asyncio.sleep, store, job, on_bytes)
    except Exception as exc:  # noqa: BLE001 - raised again in the archive, which records it
        return {"error": portable_error(exc)}
    return {"size": done.size, "sha256": done.sha256, "resumes": done.resumes}


def _opener(http: httpx.AsyncClient, job: DownloadJob) -> Opener:
    def open_at(offset: int) -> AbstractAsyncContextManager[Download]:
        return open_download(http, job.download_url, job.bearer, offset, job.file_extension)

    return open_at


def _client(proxy: str | None, timeout: float) -> httpx.AsyncClient:
    key = (proxy, timeout)
    if key not in _clients:
        _clients[key] = httpx.AsyncClient(
            proxy=proxy, timeout=default_timeout(timeout), headers={"User-Agent": "zoombridge"}
        )
    return _clients[key]


def _store(url: str) -> Store:
    if url not in _stores:
        _stores[url] = open_store(url)
    return _stores[url]
