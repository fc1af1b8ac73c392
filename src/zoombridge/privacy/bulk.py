"""The bulk sanitizer: a CSV or NDJSON file through bulk rules, streaming, constant memory.

Input and output are local paths or `s3://bucket/key` URLs (`bulk_io`); gzip is recognized
by its magic bytes on input and written when the output's name ends in `.gz`; a UTF-8 BOM is
dropped and a CRLF file stays CRLF. The first rows are sanitized before the output is even
opened, so a rules file that does not fit the data, or a file that is not what it claims,
fails with nothing written; the rest streams, and the output appears only when every row was
good (with `skip_bad`, malformed rows are left out and reported instead). Rows may be
shuffled in chunks, so that a row's position says nothing about who it is.

Speed: rows are handled in batches, column by column (transpose, pick, trim, look up,
transpose back), so the work per row is done by C loops rather than a Python loop body; one
value usually appears in many rows (a person in every meeting they joined), so pseudonyms
are memoized for the run (bounded). Malformed rows are rare: a batch that has one is
walked row by row to name their lines. See bench/privacy_bulk.py for the figures.
"""

from __future__ import annotations

import csv
import itertools
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import IO, Any, Literal

from zoombridge.errors import BadRecords, InvalidInput
from zoombridge.privacy.bulk_io import (
    LineTooLong,
    Location,
    NotUtf8,
    decoded_lines,
    open_input,
    open_output,
)
from zoombridge.privacy.bulk_records import RecordRules
from zoombridge.privacy.bulk_rules import BulkRules, ColumnPlan
from zoombridge.privacy.formats import Pseudonymizer, PseudonymOptions

__all__ = [
    "CHECKED_ROWS",
    "MAX_LINE_BYTES",
    "BulkResult",
    "FileKind",
    "Memo",
    "kind_of",
    "sanitize_file",
    "write_csv_batch",
]

FileKind = Literal["csv", "ndjson"]
MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_LISTED_PROBLEMS = 20
CHECKED_ROWS = 100  # sanitized before the output is opened
BATCH_ROWS = 256  # small enough that a batch stays in the CPU cache (2,000 was 40% slower)
MEMO_ENTRIES = 131_072  # pseudonyms remembered per run (about 30 MB at most)
Progress = Callable[[int], None]
Batch = list[Any]  # rows: cell sequences (CSV) or serialized lines (NDJSON)
Emit = Callable[[IO[str], Iterator[Batch]], None]


class _Fatal(Exception):
    """A row error after which the rest of the file cannot be trusted (quoting)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line


@dataclass
class BulkResult:
    source: str
    output: str
    kind: FileKind
    rows_written: int = 0
    bad_rows: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        """Rows found in the input (blank lines are not rows)."""
        return self.rows_written + self.bad_rows

    def note(self, line: int, reason: str) -> None:
        self.bad_rows += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append((line, reason))

    def refused(self) -> BadRecords:
        return BadRecords(self.source, self.problems, more=self.bad_rows - len(self.problems))


class Memo(dict[str, str]):
    """Pseudonyms of one run by value: `memo[value]` computes each at most once while it
    fits (the memo empties itself when full, keeping memory bounded). A blank value stays
    blank, so whole columns can go through `memo.__getitem__`."""

    def __init__(self, pseudonymizer: Pseudonymizer, options: PseudonymOptions) -> None:
        super().__init__({"": ""})
        self._pseudonymizer = pseudonymizer
        self._options = options

    def __missing__(self, value: str) -> str:
        if len(self) >= MEMO_ENTRIES:
            self.clear()
            self[""] = ""
        made = self[value] = self._pseudonymizer.pseudonymize(value, self._options)
        return made


def kind_of(path: PurePath) -> FileKind:
    """csv or ndjson from the name (`.csv`, `.ndjson`, `.jsonl`, each optionally `.gz`)."""
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    last = suffixes[-1] if suffixes else ""
    if last in (".csv", ".tsv"):
        return "csv"
    if last in (".ndjson", ".jsonl", ".json"):
        return "ndjson"
    raise InvalidInput(f"{path.name}: cannot tell CSV from NDJSON by the name; pass --format")


def sanitize_file(
    source: str | Path,
    target: str | Path,
    rules: BulkRules,
    pseudonymizer: Pseudonymizer,
    *,
    kind: FileKind | None = None,
    skip_bad: bool = False,
    progress: Progress | None = None,
    shuffle_chunk: int | None = None,
    shuffler: random.Random | None = None,
) -> BulkResult:
    """Sanitize `source` into `target` (paths or s3:// URLs); BadRecords, with nothing
    written, when rows are malformed. `shuffle_chunk` overrides the rules' `shuffle_chunk`."""
    origin, destination = Location.parse(source), Location.parse(target)
    if origin.same_as(destination):
        raise InvalidInput("the output must be another file than the input")
    result = BulkResult(origin.text, destination.text, kind or kind_of(origin.name))
    memo = Memo(pseudonymizer, rules.options(pseudonymizer.name))
    chunk = rules.shuffle_chunk if shuffle_chunk is None else shuffle_chunk
    try:
        with open_input(origin) as opened:
            newline = "" if result.kind == "csv" else "\n"
            lines = decoded_lines(opened, newline, MAX_LINE_BYTES, progress)
            if result.kind == "csv":
                batches, emit = _csv_table(lines, rules, memo, result)
            else:
                batches = _ndjson_batches(lines, rules, pseudonymizer, memo, result)
                emit = _write_lines
            if chunk > 1:
                batches = _shuffled(batches, chunk, shuffler or random.SystemRandom())
            _write(batches, emit, destination, result, skip_bad)
    except (_Fatal, NotUtf8, LineTooLong) as fatal:
        result.note(fatal.line, str(fatal))
        raise result.refused() from None
    return result


def _write(
    batches: Iterator[Batch], emit: Emit, destination: Location, result: BulkResult, skip_bad: bool
) -> None:
    """Check the first batch (the first CHECKED_ROWS rows, or a shuffle chunk), then open
    the output and stream the rest into it."""
    first = next(batches, [])
    if result.bad_rows and not skip_bad:
        raise result.refused()
    with open_output(destination) as out:
        emit(out, itertools.chain([first], batches))
        if result.bad_rows and not skip_bad:
            raise result.refused()  # inside: the output is discarded


def _shuffled(batches: Iterator[Batch], chunk: int, shuffler: random.Random) -> Iterator[Batch]:
    """The rows in chunks of `chunk`, each chunk in random order."""
    held: Batch = []
    for batch in batches:
        held.extend(batch)
        while len(held) >= chunk:
            piece, held = held[:chunk], held[chunk:]
            shuffler.shuffle(piece)
            yield piece
    if held:
        shuffler.shuffle(held)
        yield held


def _write_lines(out: IO[str], batches: Iterator[Batch]) -> None:
    for batch in batches:
        out.writelines(batch)


def _csv_table(
    lines: Iterator[str], rules: BulkRules, memo: Memo, result: BulkResult
) -> tuple[Iterator[Batch], Emit]:
    """The sanitized rows of a CSV file and how to write them (header first); the header
    is read and checked against the rules here, before anything is written."""
    first = next(lines, None)
    if first is None:
        raise InvalidInput(f"{result.source}: the file is empty (no header row)")
    ending = "\r\n" if first.endswith("\r\n") else "\n"
    reader = csv.reader(itertools.chain([first], lines), delimiter=rules.delimiter, strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise _Fatal(reader.line_num, f"malformed CSV: {exc}") from None
    if not header:
        raise InvalidInput(f"{result.source}: the first line is blank; it must be the header row")
    plan = ColumnPlan.for_header(header, rules)

    def emit(out: IO[str], batches: Iterator[Batch]) -> None:
        writer = csv.writer(out, delimiter=rules.delimiter, lineterminator=ending)
        writer.writerow(plan.header)
        for batch in batches:
            write_csv_batch(out, writer, batch, len(plan.columns))

    return _csv_batches(reader, len(header), plan, memo, result), emit


def write_csv_batch(out: IO[str], writer: Any, batch: Batch, width: int) -> None:
    """Write `batch` as `writer` would, joined by C code when no cell needs quoting.

    csv.writer spends most of its time asking of every character whether the field must be
    quoted; pseudonyms never need it and most analytics cells neither. The joined text is
    checked as a whole (no quote character, no line break and no delimiter beyond the ones
    the join put there), so the output is byte for byte what csv.writer writes; a batch that
    fails the check, or rows of one column (csv.writer quotes a lone empty field), go
    through csv.writer."""
    dialect = writer.dialect
    delimiter, ending = dialect.delimiter, dialect.lineterminator
    if width < 2 or ending not in ("\n", "\r\n") or not batch:
        writer.writerows(batch)
        return
    block = ending.join(map(delimiter.join, batch))
    rows = len(batch)
    plain = (
        dialect.quotechar not in block
        and block.count("\n") == rows - 1
        and block.count("\r") == (rows - 1 if ending == "\r\n" else 0)
        and block.count(delimiter) == rows * (width - 1)
    )
    if plain:
        out.write(block)
        out.write(ending)
    else:
        writer.writerows(batch)


def _csv_batches(
    reader: Any, width: int, plan: ColumnPlan, memo: Memo, result: BulkResult
) -> Iterator[Batch]:
    """Output rows, a batch at a time: cells picked and trimmed (as Psoxy does), the
    columns to hide pseudonymized (blank cells stay blank); blank lines skipped, ragged
    rows noted with their line."""
    size = CHECKED_ROWS
    before = reader.line_num
    while True:
        try:
            batch = list(itertools.islice(reader, size))
        except csv.Error as exc:
            raise _Fatal(reader.line_num, f"malformed CSV: {exc}") from None
        if not batch:
            return
        if set(map(len, batch)) != {width}:
            batch = _well_formed(batch, before + 1, width, result)
        before, size = reader.line_num, BATCH_ROWS
        if batch:
            result.rows_written += len(batch)
            yield _sanitized(batch, plan, memo)


def _sanitized(batch: Batch, plan: ColumnPlan, memo: Memo) -> Batch:
    """One batch through the plan, column by column."""
    if not plan.columns:
        return [() for _ in batch]
    columns = list(zip(*batch, strict=True))
    strip, pseudonym = str.strip, memo.__getitem__
    chosen = [
        map(pseudonym, map(strip, columns[index])) if hide else map(strip, columns[index])
        for index, hide in plan.columns
    ]
    return list(zip(*chosen, strict=True))


def _well_formed(batch: Batch, line: int, width: int, result: BulkResult) -> Batch:
    """The rows of `batch` that have `width` cells; the others are noted at their line
    (counted from `line`, the batch's first: a row spans one line plus the line breaks
    inside its quoted cells). Blank lines are not rows."""
    kept = []
    for row in batch:
        if len(row) == width:
            kept.append(row)
        elif row:
            result.note(line, f"{len(row)} fields where the header has {width}")
        line += 1 + sum(_breaks(cell) for cell in row)
    return kept


def _breaks(cell: str) -> int:
    return cell.count("\n") + cell.count("\r") - cell.count("\r\n")


def _ndjson_batches(
    lines: Iterator[str],
    rules: BulkRules,
    pseudonymizer: Pseudonymizer,
    memo: Memo,
    result: BulkResult,
) -> Iterator[Batch]:
    """Serialized sanitized records, in batches (the first CHECKED_ROWS records long)."""
    record_rules = RecordRules(rules, pseudonymizer, memo.__getitem__)
    batch: Batch = []
    size = CHECKED_ROWS
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            result.note(number, f"not JSON: {exc.msg} (column {exc.colno})")
            continue
        problem, cleaned = record_rules.apply(record)
        if problem:
            result.note(number, problem)
            continue
        batch.append(json.dumps(cleaned, ensure_ascii=False, separators=(",", ":")) + "\n")
        if len(batch) + result.bad_rows >= size:
            result.rows_written += len(batch)
            yield batch
            batch, size = [], BATCH_ROWS
    result.rows_written += len(batch)
    yield batch
