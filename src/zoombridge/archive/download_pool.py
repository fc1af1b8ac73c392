"""Where a file's bytes are copied: in download worker processes, or in this process.

One process cannot carry a backfill's bytes and its bookkeeping at once: the downloads'
reads, the hashing and the writes, and the durable workflows' statements and hand-offs, all
wait for the same interpreter lock, and a backfill ran at a quarter of what plain httpx
reaches on the same machine. So the copy (download, sniff, size check, SHA-256, atomic
write: transfer.copy_file, the same code) runs in worker processes, one file each at a time,
and this process keeps the workflows, the catalog and the Zoom token, which it hands to the
worker with each file and refreshes when Zoom answers with an error page.

A worker can only reach what it can open itself: Zoom over the network (with the
connection's proxy) and a file:// or s3:// store. A client on an in-process transport (the
tests' emulator) or any other store copies in this process, as does a connection with
`download_processes` switched off.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import itertools
import multiprocessing
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from zoombridge import errors
from zoombridge.archive.catalog import FileTask
from zoombridge.archive.download_process import DownloadJob, serve_downloads
from zoombridge.archive.runtime import ArchiveRuntime
from zoombridge.archive.transfer import Transferred, transfer_file
from zoombridge.storage import Store

__all__ = ["DownloadPool", "archive_copy", "shutdown_download_processes"]

SLOTS = 1024  # copies in flight with live progress (more still copy, reported at the end)
PROGRESS_SECONDS = 0.25
WORKER_STORES = frozenset({"file", "s3"})
# "spawn", never "fork": this process has threads, and a forked child could inherit a lock
# held by one of them.
SPAWN = multiprocessing.get_context("spawn")
# What a worker's copy can raise, rebuilt here by name (the message says the rest).
_ERRORS: dict[str, type[errors.ZoomBridgeError]] = {
    cls.__name__: cls
    for cls in (
        errors.TransportError,
        errors.ZoomServerError,
        errors.ZoomNotFound,
        errors.NotMediaError,
        errors.SizeMismatch,
        errors.StorageError,
        errors.ConfigurationError,
    )
}
Outcome = dict[str, Any]


class WorkerGone(Exception):
    """The worker process ended (killed, or out of memory) before it answered."""


class DownloadWorker:
    """One download worker process, the pipe to it, and the copies it has not answered."""

    def __init__(self, counters: Any) -> None:
        ours, theirs = SPAWN.Pipe()
        self.process = SPAWN.Process(
            target=serve_downloads,
            args=(theirs, counters),
            name="zoombridge-downloads",
            daemon=True,
        )
        self.process.start()
        theirs.close()
        self._conn = ours
        self._send_lock = threading.Lock()
        self._waiting: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Future[Outcome]]] = {}
        self.alive = True
        threading.Thread(target=self._read_answers, daemon=True).start()

    @property
    def load(self) -> int:
        return len(self._waiting)

    def submit(self, job_id: int, job: DownloadJob) -> asyncio.Future[Outcome]:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Outcome] = loop.create_future()
        self._waiting[job_id] = (loop, answer)
        try:
            with self._send_lock:
                self._conn.send((job_id, job))
        except OSError:
            self._waiting.pop(job_id, None)
            self.alive = False
            raise WorkerGone from None
        return answer

    def _read_answers(self) -> None:
        """In a thread of its own: answers go to the loop of whoever waits for them."""
        while True:
            try:
                job_id, outcome = self._conn.recv()
            except (EOFError, OSError):
                break
            entry = self._waiting.pop(job_id, None)
            if entry:
                _settle(*entry, outcome)
        self.alive = False
        while self._waiting:
            _settle(*self._waiting.popitem()[1], None)

    def stop(self) -> None:
        """End the process now; a copy it was running leaves no object behind."""
        self.alive = False
        self.process.kill()
        self.process.join(5)
        self._conn.close()


def _settle(
    loop: asyncio.AbstractEventLoop, answer: asyncio.Future[Outcome], outcome: Outcome | None
) -> None:
    def settle() -> None:
        if answer.done():
            return
        if outcome is None:
            answer.set_exception(WorkerGone())
        else:
            answer.set_result(outcome)

    with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits any more
        loop.call_soon_threadsafe(settle)


class DownloadPool:
    """Up to `processes` download workers, each copying any number of files at once (the
    archive's transfer slots bound how many), and their shared byte counters."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._counters: Any = SPAWN.RawArray("q", SLOTS)
        self._free = list(range(SLOTS))
        self._workers: list[DownloadWorker] = []
        self._ids = itertools.count()
        self._lock = threading.Lock()

    def _worker(self) -> DownloadWorker:
        """The least busy live worker, or a new one while there are fewer than allowed."""
        with self._lock:
            self._workers = [worker for worker in self._workers if worker.alive]
            if len(self._workers) < self.processes:
                self._workers.append(DownloadWorker(self._counters))
            return min(self._workers, key=lambda worker: worker.load)

    async def copy(self, job: dict[str, Any], on_bytes: Callable[[int], None]) -> Transferred:
        """Copy one file in a worker, reporting its bytes to `on_bytes` as they are written."""
        slot = self._free.pop() if self._free else -1
        if slot >= 0:
            self._counters[slot] = 0
        reported = 0
        answer: asyncio.Future[Outcome] | None = None
        try:
            answer = self._worker().submit(next(self._ids), DownloadJob(**job, slot=slot))
            while not answer.done():
                await asyncio.wait({answer}, timeout=PROGRESS_SECONDS)
                if slot >= 0:
                    written = self._counters[slot]
                    on_bytes(written - reported)
                    reported = written
            outcome = answer.result()
        except WorkerGone:
            raise errors.RetriableError(
                f"{job['storage_key']}: the download worker process ended during the copy "
                "(killed, or out of memory); nothing was marked archived"
            ) from None
        finally:
            if slot >= 0 and answer is not None and answer.done():
                self._free.append(slot)  # a cancelled copy may still count into its slot
        if "error" in outcome:
            raise _ERRORS.get(outcome["error"], errors.ZoomBridgeError)(outcome["message"])
        if slot < 0:
            on_bytes(outcome["size"])
        return Transferred(outcome["size"], outcome["sha256"], outcome["resumes"])

    def shutdown(self) -> None:
        with self._lock:
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.stop()


_lock = threading.Lock()
_pools: dict[int, DownloadPool] = {}


def _pool(processes: int) -> DownloadPool:
    with _lock:
        if processes not in _pools:
            _pools[processes] = DownloadPool(processes)
        return _pools[processes]


def _worker_route(rt: ArchiveRuntime) -> tuple[str | None, float] | None:
    """How a worker reaches Zoom for `rt` (proxy, timeout), or None if it cannot."""
    if rt.settings.download_processes == 0:
        return None
    if type(rt.store) is not Store or urlsplit(rt.store.url).scheme not in WORKER_STORES:
        return None
    return rt.zoom.download_route


async def archive_copy(rt: ArchiveRuntime, task: FileTask) -> Transferred:
    """Copy `task`'s file into the store, verified: in a download worker when one can reach
    Zoom and the store, else in this process. Raises what transfer_file raises."""
    route = _worker_route(rt)
    if route is None:
        return await transfer_file(rt.zoom, rt.store, task, rt.progress.advance)
    pool = _pool(rt.settings.download_processes)
    proxy, timeout = route
    job = {
        "file_id": task.file_id,
        "download_url": task.download_url,
        "storage_key": task.storage_key,
        "file_size": task.file_size,
        "file_extension": task.file_extension,
        "store_url": rt.store.url,
        "proxy": proxy,
        "timeout": timeout,
    }
    return await rt.zoom.with_download_token(
        lambda bearer: pool.copy({**job, "bearer": bearer}, rt.progress.advance)
    )


def shutdown_download_processes() -> None:
    """End every download worker (at exit, or when a test wants a clean slate)."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown()


atexit.register(shutdown_download_processes)
