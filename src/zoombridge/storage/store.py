"""Owned storage for the archive: a local folder, S3-compatible object storage, or memory.

One small interface over obstore. Writes stream (multipart for large objects) and are atomic:
obstore stages local files under a temporary name and completes S3 multipart uploads only at
the end, so a stream that fails part-way leaves no object behind. That is what lets the
transfer refuse a short or wrong body by raising inside the stream. A process killed
mid-write cannot clean up: a local write leaves its staged `<key>#<n>` file (which listings
skip), removed by the next write of that key; an S3 upload leaves an incomplete multipart
upload, which the bucket's AbortIncompleteMultipartUpload lifecycle rule removes.

    file:///srv/zoom-archive               a local folder (created if missing)
    s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1
    memory://                               for tests and dry runs

S3 credentials come from the usual AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_ENDPOINT_URL, AWS_REGION); they never appear in the URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

import obstore
from obstore.store import LocalStore, MemoryStore, ObjectStore, S3Store

from zoombridge.errors import ConfigurationError, StorageError

if TYPE_CHECKING:
    from obstore import GetOptions

__all__ = [
    "PIECE_SIZE",
    "ObjectInfo",
    "Store",
    "file_pieces",
    "in_pieces",
    "open_s3_bucket",
    "open_store",
]

Sink = Callable[[bytes], object]
T = TypeVar("T")
# Local writes and the hashes beside them: one in flight per transfer, a few transfers at once.
_LOCAL_IO = ThreadPoolExecutor(max_workers=8, thread_name_prefix="zoombridge-local-io")

PART_SIZE = 8 * 1024 * 1024
PARALLEL_PARTS = 4  # bounds memory: at most PART_SIZE * PARALLEL_PARTS buffered per upload
PIECE_SIZE = 1024 * 1024  # what each hand-off to obstore carries (see in_pieces)
READ_CHUNK = 1024 * 1024  # reads hold one chunk at a time, whatever the object's size


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int


class Store:
    """An object store for archived files. Keys are relative, `/`-separated paths."""

    def __init__(self, store: ObjectStore, url: str, local_root: Path | None = None) -> None:
        self._store = store
        self.url = url
        self._local_root = local_root

    async def put_stream(
        self, key: str, chunks: AsyncIterable[bytes], *, each: Sink | None = None
    ) -> int:
        """Write the object from a stream; it exists only if the stream ends without raising.
        `each` sees every piece, in order, off the event loop (a hash, say): on a local
        store in the same worker-thread call that writes the piece."""
        self._discard_staged(key)
        if self._local_root is not None:
            return await _put_local(self._local_root / key, chunks, self.url, each)
        if each is not None:
            chunks = _seen(in_pieces(chunks, PIECE_SIZE), each)
        try:
            await obstore.put_async(
                self._store,
                key,
                in_pieces(chunks, PIECE_SIZE),
                chunk_size=PART_SIZE,
                max_concurrency=PARALLEL_PARTS,
            )
        except (OSError, obstore.exceptions.BaseError) as exc:
            raise StorageError(f"could not write {key} to {self.url}: {exc}") from exc
        return (await self.info(key)).size

    async def put_bytes(self, key: str, data: bytes) -> None:
        self._discard_staged(key)
        try:
            await obstore.put_async(self._store, key, data)
        except (OSError, obstore.exceptions.BaseError) as exc:
            raise StorageError(f"could not write {key} to {self.url}: {exc}") from exc

    def staged_leftovers(self, key: str) -> list[Path]:
        """Staged files of interrupted local writes of `key` (`<key>#<n>`); none elsewhere."""
        if self._local_root is None:
            return []
        target = self._local_root / key
        prefix = target.name + "#"
        try:
            with os.scandir(target.parent) as entries:
                return [
                    Path(entry.path)
                    for entry in entries
                    if entry.name.startswith(prefix) and entry.name[len(prefix) :].isdigit()
                ]
        except (FileNotFoundError, NotADirectoryError):
            return []

    def _discard_staged(self, key: str) -> None:
        # Only one transfer writes a key at a time (one workflow per file attempt), so a
        # staged file already there is what a killed process left, never a live write.
        for leftover in self.staged_leftovers(key):
            try:
                leftover.unlink(missing_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"could not remove {leftover}, left by a killed write: {exc}"
                ) from exc

    async def info(self, key: str) -> ObjectInfo:
        """Size of a stored object; FileNotFoundError when it is not there."""
        try:
            meta = await obstore.head_async(self._store, key)
        except FileNotFoundError:
            raise
        except (OSError, obstore.exceptions.BaseError) as exc:
            raise StorageError(f"could not read {key} from {self.url}: {exc}") from exc
        return ObjectInfo(key, int(meta["size"]))

    async def read_stream(
        self, key: str, byte_range: tuple[int, int] | None = None
    ) -> AsyncIterator[bytes]:
        """The object's bytes in chunks, never the whole object in memory; only bytes
        `start` to `end` (exclusive) with `byte_range` (a player seeking, a resumed download).

        FileNotFoundError when it is not there; StorageError when the store fails."""
        try:
            options: GetOptions = {"range": byte_range} if byte_range else {}
            result = await obstore.get_async(self._store, key, options=options)
            async for chunk in result.stream(min_chunk_size=READ_CHUNK):
                yield bytes(chunk)
        except FileNotFoundError:
            raise
        except (OSError, obstore.exceptions.BaseError) as exc:
            raise StorageError(f"could not read {key} from {self.url}: {exc}") from exc

    @contextlib.asynccontextmanager
    async def local_copy(self, key: str, scratch: Path | None = None) -> AsyncIterator[Path]:
        """The object as a local file, for readers that need a path (PyAV): the file itself
        in a local store (read it, never change it), else a temporary copy streamed into
        `scratch` (the system's temp folder by default), removed afterwards."""
        if self._local_root is not None:
            path = self._local_root / key
            if not path.is_file():
                raise FileNotFoundError(f"{key} is not in {self.url}")
            yield path
            return
        suffix = Path(key).suffix
        with tempfile.TemporaryDirectory(prefix="zoombridge-", dir=scratch) as folder:
            path = Path(folder) / f"object{suffix}"
            with path.open("wb") as out:
                async for chunk in self.read_stream(key):
                    out.write(chunk)
            yield path

    async def keys(self, prefix: str = "") -> list[str]:
        found: list[str] = []
        try:
            async for batch in obstore.list(self._store, prefix or None):
                found.extend(str(meta["path"]) for meta in batch)
        except (OSError, obstore.exceptions.BaseError) as exc:
            raise StorageError(f"could not list {self.url}: {exc}") from exc
        return sorted(found)


def open_store(url: str) -> Store:
    """A Store for a storage URL; ConfigurationError saying what to fix when it is not usable."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ConfigurationError(
                f"ZOOMBRIDGE_STORAGE_URL={url!r}: a file URL takes an absolute path, "
                "with three slashes: file:///srv/zoom-archive"
            )
        folder = Path(unquote(parts.path))
        return Store(_local(folder), url, local_root=folder)
    if parts.scheme == "s3":
        return Store(_s3(parts.netloc, parts.path.strip("/"), parse_qs(parts.query)), url)
    if parts.scheme == "memory":
        return Store(MemoryStore(), url)
    raise ConfigurationError(
        f"ZOOMBRIDGE_STORAGE_URL={url!r}: unknown storage scheme {parts.scheme!r}; "
        "use file:///absolute/folder, s3://bucket/prefix or memory://"
    )


def open_s3_bucket(bucket: str, query: str = "") -> S3Store:
    """A whole S3 bucket, its endpoint, region and credentials found as the archive's are
    (the URL's `endpoint=`/`region=` query, else the AWS_* variables): for tools that name
    single objects by URL, such as the bulk sanitizer's s3://bucket/key inputs."""
    return _s3(bucket, "", parse_qs(query))


def _local(folder: Path) -> LocalStore:
    if not folder.is_absolute():
        raise ConfigurationError(f"storage folder {folder} must be an absolute path (file:///...)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"cannot create the storage folder {folder}: {exc}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigurationError(
            f"the storage folder {folder} is not writable by this user; fix its permissions "
            "or point ZOOMBRIDGE_STORAGE_URL elsewhere"
        )
    return LocalStore(folder)


def _s3(bucket: str, prefix: str, query: dict[str, list[str]]) -> S3Store:
    if not bucket:
        raise ConfigurationError("ZOOMBRIDGE_STORAGE_URL s3://...: the bucket name is missing")
    endpoint = (query.get("endpoint") or [os.environ.get("AWS_ENDPOINT_URL", "")])[0]
    region = (query.get("region") or [os.environ.get("AWS_REGION", "us-east-1")])[0]
    config: dict[str, str | bool] = {"region": region}
    if endpoint:
        config["endpoint"] = endpoint
    try:
        return S3Store(
            bucket,
            prefix=prefix or None,
            config=config,  # type: ignore[arg-type]
            client_options={"allow_http": endpoint.startswith("http://")},
        )
    except (ValueError, obstore.exceptions.BaseError) as exc:
        raise ConfigurationError(f"S3 storage s3://{bucket}/{prefix}: {exc}") from None


async def in_pieces(chunks: AsyncIterable[bytes], size: int) -> AsyncIterator[bytes]:
    """The stream regrouped into pieces of at least `size` bytes (a piece that is already
    that big passes through without a copy): obstore fetches each piece from the event loop
    through a cross-thread hand-off, and a 64 KiB network chunk per hand-off made that wait,
    not the network, set the pace of a download (4x slower)."""
    held: list[bytes] = []
    gathered = 0
    async for chunk in chunks:
        if not held and len(chunk) >= size:
            yield chunk
            continue
        held.append(chunk)
        gathered += len(chunk)
        if gathered >= size:
            yield b"".join(held)
            held, gathered = [], 0
    if held:
        yield b"".join(held)


async def file_pieces(path: Path) -> AsyncIterator[bytes]:
    """A local file in PIECE_SIZE pieces (StorageError if it cannot be read)."""
    try:
        with path.open("rb") as source:
            while chunk := source.read(PIECE_SIZE):
                yield chunk
    except OSError as exc:
        raise StorageError(f"could not read {path}: {exc}") from exc


async def _put_local(
    target: Path, chunks: AsyncIterable[bytes], url: str, each: Sink | None = None
) -> int:
    """A local object written the way obstore stages one (`<name>#<n>`, then renamed), but
    without obstore's hand-off per piece. Each piece is written (and given to `each`) in a
    worker thread while the event loop reads the next: file writes and hashing let go of the
    GIL, and on the loop they took a quarter of a backfill's time from the sockets."""
    staged = target.with_name(f"{target.name}#{secrets.randbelow(10**9)}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with staged.open("xb") as out:
            written = await _write_pieces(out, chunks, each)
        os.replace(staged, target)
    except OSError as exc:
        staged.unlink(missing_ok=True)
        raise StorageError(f"could not write {target} to {url}: {exc}") from exc
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return written


async def _write_pieces(out: BinaryIO, chunks: AsyncIterable[bytes], each: Sink | None) -> int:
    """Each piece written (and given to `each`) in a worker thread, one in flight."""

    def sink(piece: bytes) -> int:
        if each is not None:
            each(piece)
        return out.write(piece)

    return sum([written async for written in _one_in_flight(chunks, sink)])


async def _seen(pieces: AsyncIterable[bytes], each: Sink) -> AsyncIterator[bytes]:
    """The pieces, each handed on once `each` has seen it (in a worker thread)."""

    def seen(piece: bytes) -> bytes:
        each(piece)
        return piece

    async for piece in _one_in_flight(pieces, seen):
        yield piece


async def _one_in_flight(
    pieces: AsyncIterable[bytes], work: Callable[[bytes], T]
) -> AsyncIterator[T]:
    """`work(piece)` for each piece in a worker thread while the next piece is read; the
    results in order. On any failure the call in flight is waited for first, so the caller
    never closes or removes what that call still uses."""
    loop = asyncio.get_running_loop()
    running: asyncio.Future[T] | None = None
    try:
        async for piece in pieces:
            if running is not None:
                yield await running
            running = loop.run_in_executor(_LOCAL_IO, work, piece)
        if running is not None:
            yield await running
    except BaseException:
        if running is not None and not running.done():
            with contextlib.suppress(BaseException):
                await asyncio.shield(running)
        raise
