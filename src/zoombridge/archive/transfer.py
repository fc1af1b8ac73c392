"""Copy one recording file from Zoom into storage, verified on the way, or not at all.

The download is piped straight into a streaming write: nothing but one chunk is held in
memory, and SHA-256 and the byte count are computed from exactly what is written. Anything
wrong (an error page instead of media, more or fewer bytes than Zoom announced, a stream that
cannot be resumed) raises inside the write, which makes the store discard the object: a key
either holds the whole verified file or nothing. A broken connection is resumed with HTTP
Range into the same write; a server that ignores Range has the bytes already written skipped.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from zoombridge.archive.catalog import FileTask
from zoombridge.errors import SizeMismatch, StorageError, TransportError, ZoomServerError
from zoombridge.storage import Store
from zoombridge.storage.store import PIECE_SIZE, in_pieces
from zoombridge.zoom import ZoomClient
from zoombridge.zoom.download import Download

__all__ = ["StreamSha256", "Transferred", "transfer_file"]

RESUME_ATTEMPTS = 4
# hashlib lets go of the GIL on large buffers: hashed here, SHA-256 runs beside the event
# loop (which reads the sockets) instead of in it, the backfill's largest cost on one core.
_HASHING = ThreadPoolExecutor(max_workers=4, thread_name_prefix="zoombridge-sha256")


class StreamSha256:
    """SHA-256 of a stream of pieces, each hashed off the event loop while the next one is
    read; in order, one at a time."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self._running: asyncio.Future[None] | None = None

    async def update(self, piece: bytes) -> None:
        if self._running is not None:
            await self._running
        loop = asyncio.get_running_loop()
        self._running = loop.run_in_executor(_HASHING, self._sha.update, piece)

    async def hexdigest(self) -> str:
        if self._running is not None:
            await self._running
        return self._sha.hexdigest()


@dataclass(frozen=True)
class Transferred:
    size: int
    sha256: str
    resumes: int


class _Copy:
    """The state of one copy: bytes written so far, their hash, how often it resumed."""

    def __init__(self, task: FileTask, on_bytes: Callable[[int], None]) -> None:
        self.task = task
        self.on_bytes = on_bytes
        self.hasher = StreamSha256()
        self.written = 0
        self.resumes = 0

    def take(self, chunk: bytes) -> bytes:
        self.written += len(chunk)
        expected = self.task.file_size
        if expected is not None and self.written > expected:
            raise SizeMismatch(
                f"{self.task.file_id}: Zoom sent more than the {expected} bytes it announced"
            )
        self.on_bytes(len(chunk))
        return chunk

    async def hashed(self, pieces: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """The pieces as they go to storage, each added to the hash on the way."""
        async for piece in pieces:
            await self.hasher.update(piece)
            yield piece

    async def chunks_from(self, download: Download) -> AsyncIterator[bytes]:
        skip = self.written - download.start  # > 0 only when Range was ignored
        async for chunk in download.iter_bytes():
            if skip > 0:
                cut = min(skip, len(chunk))
                chunk, skip = chunk[cut:], skip - cut
                if not chunk:
                    continue
            yield self.take(chunk)


async def transfer_file(
    zoom: ZoomClient,
    store: Store,
    task: FileTask,
    on_bytes: Callable[[int], None] = lambda n: None,
) -> Transferred:
    """Stream `task`'s file into `task.storage_key`; raise if it cannot be stored verified."""
    copy = _Copy(task, on_bytes)

    async def body() -> AsyncIterator[bytes]:
        while True:
            try:
                async with zoom.download(
                    task.download_url,
                    offset=copy.written,
                    expected_extension=task.file_extension,
                ) as download:
                    async for chunk in copy.chunks_from(download):
                        yield chunk
                break
            except (TransportError, ZoomServerError):
                copy.resumes += 1
                if copy.resumes >= RESUME_ATTEMPTS:
                    raise
                await zoom.clock.sleep(min(8.0, 0.25 * 2**copy.resumes))
        if task.file_size is not None and copy.written != task.file_size:
            raise SizeMismatch(
                f"{task.file_id}: Zoom announced {task.file_size} bytes and sent {copy.written}"
            )

    # Network chunks are regrouped once, into the pieces both the hash and the store take.
    pieces = copy.hashed(in_pieces(body(), PIECE_SIZE))
    stored = await store.put_stream(task.storage_key, pieces)
    if stored != copy.written:
        raise StorageError(
            f"{task.storage_key}: the store holds {stored} bytes after {copy.written} were "
            "written; not marked archived"
        )
    return Transferred(copy.written, await copy.hasher.hexdigest(), copy.resumes)
