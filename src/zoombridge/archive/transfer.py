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
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from zoombridge.errors import SizeMismatch, StorageError, TransportError, ZoomServerError
from zoombridge.storage.store import PIECE_SIZE, Store, in_pieces

if TYPE_CHECKING:  # the download worker process imports this module, and keeps lean
    from zoombridge.zoom import ZoomClient
    from zoombridge.zoom.download import Download

__all__ = ["FileToCopy", "Opener", "Transferred", "copy_file", "transfer_file"]

# Opens the download at a byte offset (0, or where a broken copy resumes).
Opener = Callable[[int], AbstractAsyncContextManager["Download"]]

RESUME_ATTEMPTS = 4


class FileToCopy(Protocol):
    """What a copy needs to know of its file (the catalog's FileTask is one)."""

    @property
    def file_id(self) -> str: ...
    @property
    def download_url(self) -> str: ...
    @property
    def storage_key(self) -> str: ...
    @property
    def file_size(self) -> int | None: ...
    @property
    def file_extension(self) -> str | None: ...


@dataclass(frozen=True)
class Transferred:
    size: int
    sha256: str
    resumes: int


class _Copy:
    """The state of one copy: bytes written so far, their hash, how often it resumed."""

    def __init__(self, task: FileToCopy, on_bytes: Callable[[int], None]) -> None:
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
    task: FileToCopy,
    on_bytes: Callable[[int], None] = lambda n: None,
) -> Transferred:
    """Stream `task`'s file into `task.storage_key` through `zoom`'s own downloads (its
    token, refreshed once if Zoom answers with an error page); raise if it cannot be
    stored verified."""

    def open_at(offset: int) -> AbstractAsyncContextManager[Download]:
        return zoom.download(
            task.download_url, offset=offset, expected_extension=task.file_extension
        )

    return await copy_file(open_at, zoom.clock.sleep, store, task, on_bytes)


async def copy_file(
    open_at: Opener,
    sleep: Callable[[float], Awaitable[None]],
    store: Store,
    task: FileToCopy,
    on_bytes: Callable[[int], None] = lambda n: None,
) -> Transferred:
    """Stream the download `open_at` opens into `task.storage_key`, resuming a broken one
    where it stopped (after a pause from `sleep`); raise if it cannot be stored verified."""
    copy = _Copy(task, on_bytes)

    async def body() -> AsyncIterator[bytes]:
        while True:
            try:
                async with open_at(copy.written) as download:
                    async for chunk in copy.chunks_from(download):
                        yield chunk
                break
            except (TransportError, ZoomServerError):
                copy.resumes += 1
                if copy.resumes >= RESUME_ATTEMPTS:
                    raise
                await sleep(min(8.0, 0.25 * 2**copy.resumes))
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
