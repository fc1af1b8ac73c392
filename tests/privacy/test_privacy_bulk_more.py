"""The bulk sanitizer's streaming details: the first rows checked before any output, row
shuffling in chunks, the batch writer's fast path, line numbers inside batches, NDJSON."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zoombridge.errors import BadRecords, InvalidInput
from zoombridge.privacy import Pseudonymizer, bulk
from zoombridge.privacy.bulk import sanitize_file, write_csv_batch
from zoombridge.privacy.bulk_rules import BulkRules

EMAIL_RULES = BulkRules.model_validate({"columnsToPseudonymize": ["Email"]})


def _people(path: Path, count: int, *, bad_line: int | None = None) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        out.write("Email,Meetings\n")
        for index in range(count):
            line = index + 2
            out.write(f"user{index}@x.org,{index}" + (",extra" if line == bad_line else "") + "\n")


def test_a_bad_first_row_fails_before_the_output_is_opened(
    tmp_path: Path, zoombridge_format: Pseudonymizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in.csv"
    _people(source, 10_000, bad_line=3)
    opened: list[object] = []
    original = bulk.open_output
    monkeypatch.setattr(bulk, "open_output", lambda where: opened.append(where) or original(where))
    with pytest.raises(BadRecords, match="line 3: 3 fields where the header has 2"):
        sanitize_file(source, tmp_path / "out.csv", EMAIL_RULES, zoombridge_format)
    assert opened == []
    # a bad row far down is found after output began: the output is discarded instead
    _people(source, 10_000, bad_line=9_000)
    with pytest.raises(BadRecords, match="line 9000:"):
        sanitize_file(source, tmp_path / "out.csv", EMAIL_RULES, zoombridge_format)
    assert len(opened) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_line_numbers_count_quoted_line_breaks(
    tmp_path: Path, zoombridge_format: Pseudonymizer
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        'Email,Note\r\na@x.org,"two\r\nlines"\r\n\r\nb@x.org,"x\ny",oops\r\nc@x.org,ok\r\n',
        newline="",
    )
    with pytest.raises(BadRecords) as caught:
        sanitize_file(source, tmp_path / "out.csv", EMAIL_RULES, zoombridge_format)
    assert caught.value.problems == [(5, "3 fields where the header has 2")]


def test_rows_shuffle_within_chunks_only(tmp_path: Path, zoombridge_format: Pseudonymizer) -> None:
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    _people(source, 1_000)
    result = sanitize_file(
        source,
        target,
        EMAIL_RULES,
        zoombridge_format,
        shuffle_chunk=100,
        shuffler=random.Random(5),
    )
    assert result.rows_written == 1_000
    rows = _rows(target)
    counts = [int(count) for _, count in rows]
    assert counts != sorted(counts)  # the order changed...
    for start in range(0, 1_000, 100):  # ...but only inside each chunk of 100
        assert sorted(counts[start : start + 100]) == list(range(start, start + 100))
    same = {zoombridge_format.pseudonymize(f"user{n}@x.org"): str(n) for n in range(1_000)}
    assert all(same[email] == count for email, count in rows)  # rows were moved whole


def test_shuffle_chunk_from_the_rules_and_its_bounds(
    tmp_path: Path, zoombridge_format: Pseudonymizer
) -> None:
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    _people(source, 300)
    rules = BulkRules.model_validate({"columnsToPseudonymize": ["Email"], "shuffle_chunk": 300})
    sanitize_file(source, target, rules, zoombridge_format, shuffler=random.Random(1))
    counts = [int(row[1]) for row in _rows(target)]
    assert counts != list(range(300))
    assert sorted(counts) == list(range(300))
    with pytest.raises(ValueError, match="shuffle_chunk"):
        BulkRules.model_validate({"shuffle_chunk": 10_000_000})


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))[1:]


CELL = st.text(alphabet=st.sampled_from('ab ,;"\r\n\tzé'), max_size=6)


@settings(max_examples=300, deadline=None)
@given(
    rows=st.integers(min_value=1, max_value=4).flatmap(
        lambda width: st.lists(st.lists(CELL, min_size=width, max_size=width), max_size=6)
    ),
    delimiter=st.sampled_from([",", ";", "\t"]),
    ending=st.sampled_from(["\n", "\r\n"]),
)
def test_the_batch_writer_writes_what_csv_writes(
    rows: list[list[str]], delimiter: str, ending: str
) -> None:
    expected, written = io.StringIO(), io.StringIO()
    csv.writer(expected, delimiter=delimiter, lineterminator=ending).writerows(rows)
    writer = csv.writer(written, delimiter=delimiter, lineterminator=ending)
    write_csv_batch(written, writer, rows, len(rows[0]) if rows else 0)
    assert written.getvalue() == expected.getvalue()


def test_ndjson_first_records_checked_and_blank_values_kept(
    tmp_path: Path, zoombridge_format: Pseudonymizer
) -> None:
    source, target = tmp_path / "in.ndjson", tmp_path / "out.ndjson"
    source.write_text('{"Email": ""}\n{"Email": null}\n\n{"Email": "a@x.org", "n": 1}\n')
    result = sanitize_file(source, target, EMAIL_RULES, zoombridge_format)
    assert result.rows_written == 3
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert lines == [
        {"Email": ""},
        {"Email": None},
        {"Email": zoombridge_format.pseudonymize("a@x.org"), "n": 1},
    ]
    source.write_text('{"Email": "a@x.org"}\n"just a string"\n')
    with pytest.raises(BadRecords, match="line 2: not a JSON object"):
        sanitize_file(source, target, EMAIL_RULES, zoombridge_format)
    assert target.read_text().count("\n") == 3  # the earlier output is untouched


def test_unusable_locations_are_refused(tmp_path: Path, zoombridge_format: Pseudonymizer) -> None:
    source = tmp_path / "in.csv"
    _people(source, 3)
    with pytest.raises(InvalidInput, match="cannot write there"):
        sanitize_file(source, tmp_path / "missing" / "out.csv", EMAIL_RULES, zoombridge_format)
    with pytest.raises(InvalidInput, match="not a folder"):
        sanitize_file(source, "s3://bucket/exports/", EMAIL_RULES, zoombridge_format)
    with pytest.raises(InvalidInput, match="cannot read"):
        sanitize_file(tmp_path / "nope.csv", tmp_path / "o.csv", EMAIL_RULES, zoombridge_format)
    blank = tmp_path / "blank.csv"
    blank.write_text("\nEmail\n")
    with pytest.raises(InvalidInput, match="first line is blank"):
        sanitize_file(blank, tmp_path / "o.csv", EMAIL_RULES, zoombridge_format)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blank.csv", "in.csv"]
