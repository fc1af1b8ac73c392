"""Where a file's bytes are copied: in download worker processes, or in this process.

One process cannot carry a backfill's bytes and its bookkeeping at once: the downloads'
reads, the hashing and the writes, and the durable workflows' statements and hand-offs, all
wait for the same interpreter lock, and a backfill ran at a quarter of what plain httpx
reaches on the same machine. So the copy (download, sniff, size check, SHA-256, atomic
write: transfer.copy_file, the same code) runs in download worker processes (fresh
interpreters that import only the copy code, see child_process), and this process keeps the
workflows, the catalog and the Zoom token, which it hands to the worker with each file and
refreshes when Zoom answers with an error page.

A worker can only reach what it can open itself: Zoom over the network (with the
connection's proxy) and a file:// or s3:// store. A client on an in-process transport (the
tests' emulator) or any other store copies in this process, as does a connection with
`download_processes` switched off.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

from zoombridge import errors
from zoombridge.archive.catalog import FileTask
from zoombridge.archive.child_process import ChildGone, ChildProcess
from zoombridge.archive.download_process import DownloadJob
from zoombridge.archive.runtime import ArchiveRuntime
from zoombridge.archive.transfer import Transferred, transfer_file
from zoombridge.storage import Store

__all__ = ["WORKER_NAME", "DownloadPool", "archive_copy", "shutdown_download_processes"]

WORKER_NAME = "zoombridge-downloads"
WORKER_MODULE = "zoombridge.archive.download_process"
WORKER_STORES = frozenset({"file", "s3"})


class DownloadPool:
    """Up to `processes` download workers, each copying any number of files at once (the
    archive's transfer slots bound how many)."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._workers: list[ChildProcess] = []
        self._lock = threading.Lock()

    def _worker(self) -> ChildProcess:
        """The least busy live worker, or a new one while there are fewer than allowed."""
        with self._lock:
            self._workers = [worker for worker in self._workers if worker.alive]
            if len(self._workers) < self.processes:
                self._workers.append(ChildProcess(WORKER_MODULE, WORKER_NAME))
            return min(self._workers, key=lambda worker: worker.load)

    async def copy(self, job: DownloadJob, on_bytes: Callable[[int], None]) -> Transferred:
        """Copy one file in a worker; the worker reports the bytes it writes as it goes (a
        few times a second), and they go to `on_bytes`."""
        try:
            outcome = await self._worker().call(job, on_bytes)
        except ChildGone:
            raise errors.RetriableError(
                f"{job.storage_key}: the download worker process ended during the copy "
                "(killed, or out of memory); nothing was marked archived"
            ) from None
        if "error" in outcome:
            raise outcome["error"]
        return Transferred(outcome["size"], outcome["sha256"], outcome["resumes"])

    def shutdown(self) -> None:
        with self._lock:
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.stop()  # a copy under way leaves no object behind


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

    def job(bearer: str) -> DownloadJob:
        return DownloadJob(
            file_id=task.file_id,
            download_url=task.download_url,
            storage_key=task.storage_key,
            file_size=task.file_size,
            file_extension=task.file_extension,
            bearer=bearer,
            store_url=rt.store.url,
            proxy=proxy,
            timeout=timeout,
        )

    return await rt.zoom.with_download_token(
        lambda bearer: pool.copy(job(bearer), rt.progress.advance)
    )


def shutdown_download_processes() -> None:
    """End every download worker (at exit, or when a test wants a clean slate)."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown()


atexit.register(shutdown_download_processes)
