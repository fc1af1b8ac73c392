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

import os
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import obstore
from obstore.store import LocalStore, MemoryStore, ObjectStore, S3Store

from zoombridge.errors import ConfigurationError, StorageError

__all__ = ["ObjectInfo", "Store", "open_store"]

PART_SIZE = 8 * 1024 * 1024
PARALLEL_PARTS = 4  # bounds memory: at most PART_SIZE * PARALLEL_PARTS buffered per upload


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

    async def put_stream(self, key: str, chunks: AsyncIterable[bytes]) -> int:
        """Write the object from a stream; it exists only if the stream ends without raising."""
        self._discard_staged(key)
        try:
            await obstore.put_async(
                self._store,
                key,
                chunks,
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
