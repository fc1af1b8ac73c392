"""The bulk sanitizer: a CSV or NDJSON file through bulk rules, streaming, constant memory.

Input is read line by line (gzip recognized by its magic bytes, a UTF-8 BOM dropped, CRLF
kept for the output if the file used it); each line is decoded strictly so a wrong encoding
is reported with its line number. Output goes to a temporary file beside the target and is
renamed over it only when every row was good: a bad rules file, a missing column or a
malformed row leaves no output at all. With `skip_bad`, malformed rows are left out and
reported instead. The output is gzipped when its name ends in `.gz`.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal, cast

from zoombridge.errors import BadRecords, InvalidInput
from zoombridge.privacy.bulk_records import RecordRules
from zoombridge.privacy.bulk_rules import BulkRules, ColumnPlan
from zoombridge.privacy.formats import Pseudonymizer, PseudonymOptions

__all__ = ["MAX_LINE_BYTES", "BulkResult", "FileKind", "kind_of", "sanitize_file"]

FileKind = Literal["csv", "ndjson"]
MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_LISTED_PROBLEMS = 20
Progress = Callable[[int], None]


class _Fatal(Exception):
    """A row error after which the rest of the file cannot be trusted (encoding, quoting)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


@dataclass
class BulkResult:
    source: str
    output: str
    kind: FileKind
    rows_read: int = 0
    rows_written: int = 0
    bad_rows: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    def note(self, line: int, reason: str) -> None:
        self.bad_rows += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append((line, reason))


def kind_of(path: Path) -> FileKind:
    """csv or ndjson from the name (`.csv`, `.ndjson`, `.jsonl`, each optionally `.gz`)."""
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    last = suffixes[-1] if suffixes else ""
    if last in (".csv", ".tsv"):
        return "csv"
    if last in (".ndjson", ".jsonl", ".json"):
        return "ndjson"
    raise InvalidInput(f"{path.name}: cannot tell CSV from NDJSON by the name; pass --format")


def sanitize_file(
    source: Path,
    target: Path,
    rules: BulkRules,
    pseudonymizer: Pseudonymizer,
    *,
    kind: FileKind | None = None,
    skip_bad: bool = False,
    progress: Progress | None = None,
) -> BulkResult:
    """Sanitize `source` into `target`; BadRecords (nothing written) when rows are malformed."""
    if source.resolve() == target.resolve():
        raise InvalidInput("the output must be another file than the input")
    result = BulkResult(str(source), str(target), kind or kind_of(source))
    options = rules.options(pseudonymizer.name)
    with _open_input(source) as (lines, position):
        counted = _counting(lines, position, progress)
        with _atomic_output(target) as out:
            try:
                if result.kind == "csv":
                    _csv(counted, out, rules, pseudonymizer, options, result)
                else:
                    _ndjson(counted, out, rules, pseudonymizer, options, result)
            except _Fatal as fatal:
                result.note(fatal.line, fatal.reason)
                raise BadRecords(str(source), result.problems) from None
            if result.bad_rows and not skip_bad:
                more = result.bad_rows - len(result.problems)
                raise BadRecords(str(source), result.problems, more=more)
    return result


@contextlib.contextmanager
def _open_input(path: Path) -> Iterator[tuple[Iterator[bytes], Callable[[], int]]]:
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read: {exc.strerror}") from None
    with raw:
        stream: io.BufferedIOBase = raw
        if raw.peek(2)[:2] == b"\x1f\x8b":
            stream = gzip.GzipFile(fileobj=raw)
        yield _lines(stream), raw.tell


def _lines(stream: io.BufferedIOBase) -> Iterator[bytes]:
    while line := stream.readline(MAX_LINE_BYTES + 1):
        yield line


def _counting(
    lines: Iterator[bytes], position: Callable[[], int], progress: Progress | None
) -> Iterator[tuple[int, str]]:
    """(line number, decoded line) with the BOM dropped; progress told of bytes consumed."""
    last = 0
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_BYTES:
            raise _Fatal(number, f"longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB")
        try:
            text = line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise _Fatal(number, f"not UTF-8 (byte {exc.start + 1} of the line)") from None
        if progress is not None:
            now = position()
            progress(now - last)
            last = now
        yield number, text


@contextlib.contextmanager
def _atomic_output(target: Path) -> Iterator[IO[str]]:
    """A text stream whose content replaces `target` only if the block ends without error."""
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as raw:
            packed: io.BufferedIOBase = raw
            if target.suffix == ".gz":
                packed = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0)
            text = io.TextIOWrapper(cast(IO[bytes], packed), encoding="utf-8", newline="")
            yield text
            text.flush()
            text.detach()  # leaves `packed` open: closing it here would close `raw` too
            if packed is not raw:
                packed.close()  # writes the gzip trailer; `raw` stays open
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _csv(
    lines: Iterator[tuple[int, str]],
    out: IO[str],
    rules: BulkRules,
    pseudonymizer: Pseudonymizer,
    options: PseudonymOptions,
    result: BulkResult,
) -> None:
    source = _Lines(lines)
    reader = csv.reader(source, delimiter=rules.delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise InvalidInput(f"{result.source}: the file is empty (no header row)")
        plan = ColumnPlan.for_header(header, rules)
        writer = csv.writer(out, delimiter=rules.delimiter, lineterminator=source.ending)
        writer.writerow(plan.header)
        start = reader.line_num + 1
        for row in reader:
            cells = _csv_cells(row, start, len(header), plan, pseudonymizer, options, result)
            if cells is not None:
                writer.writerow(cells)
                result.rows_written += 1
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _Fatal(reader.line_num, f"malformed CSV: {exc}") from None


def _csv_cells(
    row: list[str],
    line: int,
    width: int,
    plan: ColumnPlan,
    pseudonymizer: Pseudonymizer,
    options: PseudonymOptions,
    result: BulkResult,
) -> list[str] | None:
    """The output cells of one row; None for a blank line or a malformed row (noted)."""
    if not row:
        return None
    result.rows_read += 1
    if len(row) != width:
        result.note(line, f"{len(row)} fields where the header has {width}")
        return None
    cells = []
    for index, hide in plan.columns:
        value = row[index].strip()
        cells.append(pseudonymizer.pseudonymize(value, options) if hide and value else value)
    return cells


class _Lines:
    """Decoded lines for csv.reader; remembers the first line's ending for the output."""

    def __init__(self, lines: Iterator[tuple[int, str]]) -> None:
        self._lines = lines
        self.ending = "\n"

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        number, text = next(self._lines)
        if number == 1 and text.endswith("\r\n"):
            self.ending = "\r\n"
        return text


def _ndjson(
    lines: Iterator[tuple[int, str]],
    out: IO[str],
    rules: BulkRules,
    pseudonymizer: Pseudonymizer,
    options: PseudonymOptions,
    result: BulkResult,
) -> None:
    record_rules = RecordRules(rules, pseudonymizer, options)
    for number, text in lines:
        if not text.strip():
            continue
        result.rows_read += 1
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            result.note(number, f"not JSON: {exc.msg} (column {exc.colno})")
            continue
        problem, cleaned = record_rules.apply(record)
        if problem:
            result.note(number, problem)
            continue
        out.write(json.dumps(cleaned, ensure_ascii=False, separators=(",", ":")) + "\n")
        result.rows_written += 1
