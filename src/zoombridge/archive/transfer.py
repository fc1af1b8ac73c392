"""Copy one recording file from Zoom into storage, verified on the way, or not at all.

The download is piped straight into a streaming write: nothing but one chunk is held in
memory, and SHA-256 and the byte count are computed from exactly what is written. Anything
wrong (an error page instead of media, more or fewer bytes than Zoom announced, a stream that
cannot be resumed) raises inside the write, which makes the store discard the object: a key
either holds the whole verified file or nothing. A broken connection is resumed with HTTP
Range into the same write; a server that ignores Range has the bytes already written skipped.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from zoombridge.archive.catalog import FileTask
from zoombridge.errors import SizeMismatch, StorageError, TransportError, ZoomServerError
from zoombridge.storage import Store
from zoombridge.storage.store import PIECE_SIZE, in_pieces
from zoombridge.zoom import ZoomClient
from zoombridge.zoom.download import Download

__all__ = ["Transferred", "transfer_file"]

RESUME_ATTEMPTS = 4


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
        self.sha = hashlib.sha256()
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

    # Network chunks are regrouped once, into the pieces the store writes and, in the same
    # worker-thread call, adds to the hash (SHA-256 of exactly the bytes written).
    pieces = in_pieces(body(), PIECE_SIZE)
    stored = await store.put_stream(task.storage_key, pieces, each=copy.sha.update)
    if stored != copy.written:
        raise StorageError(
            f"{task.storage_key}: the store holds {stored} bytes after {copy.written} were "
            "written; not marked archived"
        )
    return Transferred(copy.written, copy.sha.hexdigest(), copy.resumes)
