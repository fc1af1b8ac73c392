"""Where the bulk sanitizer's bytes come from and go to: local files or `s3://` objects.

    data/in.csv.gz                                      a local file
    s3://bucket/exports/in.csv?endpoint=http://...      an S3 object (endpoint and region as
                                                        for the archive's storage; AWS_* keys)

Both sides stream with constant memory. Input is read in blocks cut at a line end and
decoded strictly block by block (so a wrong encoding is reported with its line number, and
no per-line Python work is spent on decoding); gzip is recognized by its magic bytes, not the
name, since S3 may serve a gzipped object under any name. Output exists only once every row
was good: a local file is written beside its target and renamed over it; an S3 object is a
multipart upload that obstore aborts when the block that writes it raises, so a failure
leaves neither an object nor an unfinished upload behind.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import io
import itertools
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

import obstore

from zoombridge.errors import InvalidInput, StorageError
from zoombridge.storage.store import open_s3_bucket

if TYPE_CHECKING:
    from obstore import WritableFile
    from obstore.store import ObjectStore

__all__ = [
    "BLOCK_BYTES",
    "LineTooLong",
    "Location",
    "NotUtf8",
    "decoded_lines",
    "open_input",
    "open_output",
]

BLOCK_BYTES = 1024 * 1024
PART_BYTES = 8 * 1024 * 1024  # S3 part size; at most PARALLEL_PARTS parts in flight
PARALLEL_PARTS = 4
Progress = Callable[[int], None]


class NotUtf8(Exception):
    """Bytes that are not UTF-8, at `line` (1-based)."""

    def __init__(self, line: int, byte: int) -> None:
        super().__init__(f"not UTF-8 (byte {byte} of the line)")
        self.line = line


class LineTooLong(Exception):
    def __init__(self, line: int, limit: int) -> None:
        super().__init__(f"longer than {limit // (1024 * 1024)} MiB")
        self.line = line


@dataclass(frozen=True)
class Location:
    """A local path or an S3 object, as the user wrote it."""

    text: str
    path: Path | None = None
    bucket: str = ""
    key: str = ""
    query: str = ""

    @classmethod
    def parse(cls, value: str | Path) -> Location:
        text = str(value)
        if isinstance(value, Path) or not text.lower().startswith("s3:"):
            return cls(text, path=Path(value))
        parts = urlsplit(text)
        key = parts.path.lstrip("/")
        if not text.startswith("s3://") or not parts.netloc or not key or key.endswith("/"):
            raise InvalidInput(
                f"{text}: an S3 location is s3://bucket/path/to/object.csv "
                "(a bucket and an object key, not a folder)"
            )
        return cls(text, bucket=parts.netloc, key=key, query=parts.query)

    @property
    def name(self) -> PurePosixPath | Path:
        """What tells the format and compression apart: the file or object name."""
        return self.path if self.path is not None else PurePosixPath(self.key)

    def same_as(self, other: Location) -> bool:
        if self.path is not None and other.path is not None:
            return self.path.resolve() == other.path.resolve()
        return (self.bucket, self.key) == (other.bucket, other.key) and self.path is other.path

    def store(self) -> ObjectStore:
        return open_s3_bucket(self.bucket, self.query)


@dataclass
class Input:
    """An opened input: its (decompressed) bytes, and how many raw bytes were read so far."""

    stream: IO[bytes]
    consumed: Callable[[], int]
    size: int | None


@contextlib.contextmanager
def open_input(location: Location) -> Iterator[Input]:
    """The input's bytes, gunzipped when they start with gzip's magic bytes."""
    with _raw_input(location) as (raw, size):
        buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)
        stream: IO[bytes] = buffered
        if buffered.peek(2)[:2] == b"\x1f\x8b":
            stream = cast(IO[bytes], gzip.GzipFile(fileobj=buffered, mode="rb"))
        yield Input(stream, raw.tell, size)


@contextlib.contextmanager
def _raw_input(location: Location) -> Iterator[tuple[io.RawIOBase | io.BufferedReader, int]]:
    if location.path is not None:
        try:
            handle = location.path.open("rb")
            size = os.fstat(handle.fileno()).st_size
        except OSError as exc:
            raise InvalidInput(f"{location.text}: cannot read: {exc.strerror}") from None
        with handle:
            yield handle, size
        return
    try:
        result = obstore.get(location.store(), location.key)
    except FileNotFoundError:
        raise InvalidInput(f"{location.text}: no such object") from None
    except (OSError, obstore.exceptions.BaseError) as exc:
        raise StorageError(f"could not read {location.text}: {exc}") from exc
    yield (
        _ChunkReader(result.stream(min_chunk_size=BLOCK_BYTES), location.text),
        result.meta["size"],
    )


class _ChunkReader(io.RawIOBase):
    """An object's byte chunks as a raw stream (for BufferedReader, GzipFile)."""

    def __init__(self, chunks: Iterable[object], name: str) -> None:
        self._chunks = iter(chunks)
        self._held = memoryview(b"")
        self._read = 0
        self._name = name

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._read

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._held:
            try:
                chunk = next(self._chunks, None)
            except (OSError, obstore.exceptions.BaseError) as exc:
                raise StorageError(f"could not read {self._name}: {exc}") from exc
            if chunk is None:
                return 0
            self._held = memoryview(cast(bytes, chunk))
        count = min(len(buffer), len(self._held))
        buffer[:count] = self._held[:count]
        self._held = self._held[count:]
        self._read += count
        return count


def decoded_lines(
    source: Input, newline: str, max_line: int, progress: Progress | None = None
) -> Iterator[str]:
    """The input's lines as text (line ends kept, a leading BOM dropped).

    `newline` is "" for CSV (lines end at \\n, \\r\\n or \\r, as the csv module expects) or
    "\\n" for NDJSON. NotUtf8 and LineTooLong carry the line number. The lines are split
    by C code (a StringIO per block, chained), with no Python frame per line."""
    blocks = _decoded_blocks(source, max_line, progress)
    return itertools.chain.from_iterable(io.StringIO(text, newline=newline) for text in blocks)


def _decoded_blocks(source: Input, max_line: int, progress: Progress | None) -> Iterator[str]:
    lines_before = 0
    reported = 0
    for block in _line_blocks(source.stream, max_line):
        if lines_before == 0 and block.startswith(codecs.BOM_UTF8):
            block = block[len(codecs.BOM_UTF8) :]
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError as exc:
            start = block.rfind(b"\n", 0, exc.start) + 1
            line = lines_before + block.count(b"\n", 0, exc.start) + 1
            raise NotUtf8(line, exc.start - start + 1) from None
        lines_before += block.count(b"\n")
        if progress is not None:
            now = source.consumed()
            progress(now - reported)
            reported = now
        yield text


def _line_blocks(stream: IO[bytes], max_line: int) -> Iterator[bytes]:
    """Blocks of about BLOCK_BYTES that end at a line end (the last may not)."""
    carry = b""
    lines = 0
    while True:
        data = stream.read(BLOCK_BYTES)
        if not data:
            if carry:
                yield carry
            return
        data = carry + data if carry else data
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            if len(data) > max_line:
                raise LineTooLong(lines + 1, max_line)
            carry = data
            continue
        carry = data[cut:]
        if len(carry) > max_line:
            raise LineTooLong(lines + data.count(b"\n") + 1, max_line)
        lines += data.count(b"\n", 0, cut)
        yield data[:cut]


@contextlib.contextmanager
def open_output(location: Location) -> Iterator[IO[str]]:
    """A text stream that becomes `location` only if the block ends without error (gzipped
    when the name ends in .gz)."""
    sink = _local_output(location) if location.path is not None else _s3_output(location)
    with sink as raw:
        packed: IO[bytes] = raw
        if location.name.suffix.lower() == ".gz":
            packed = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="wb", mtime=0))
        text = io.TextIOWrapper(packed, encoding="utf-8", newline="")
        try:
            yield text
        except BaseException:
            with contextlib.suppress(Exception):
                text.close()  # now, into the sink being discarded, not at garbage collection
            raise
        text.flush()
        text.detach()  # leaves `packed` open: closing it would close `raw`
        if packed is not raw:
            packed.close()  # writes the gzip trailer; `raw` stays open


@contextlib.contextmanager
def _local_output(location: Location) -> Iterator[IO[bytes]]:
    target = cast(Path, location.path)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise InvalidInput(f"{location.text}: cannot write there: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as raw:
            yield raw
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def _s3_output(location: Location) -> Iterator[IO[bytes]]:
    try:
        writer = obstore.open_writer(
            location.store(), location.key, buffer_size=PART_BYTES, max_concurrency=PARALLEL_PARTS
        )
    except (OSError, obstore.exceptions.BaseError) as exc:
        raise StorageError(f"could not write {location.text}: {exc}") from exc
    upload = _Upload(writer)
    try:
        with writer:  # its exit aborts the multipart upload when the block raised
            buffered = io.BufferedWriter(cast(Any, upload), buffer_size=BLOCK_BYTES)
            try:
                yield cast(IO[bytes], buffered)
                buffered.flush()
            finally:
                upload.finished = True  # later flushes (garbage collection) go nowhere
    except obstore.exceptions.BaseError as exc:
        raise StorageError(f"could not write {location.text}: {exc}") from exc


class _Upload(io.RawIOBase):
    """The writable end of an obstore upload, as a raw stream."""

    def __init__(self, writer: WritableFile) -> None:
        self._writer = writer
        self.finished = False

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        if not self.finished:
            self._writer.write(bytes(data))
        return len(data)
