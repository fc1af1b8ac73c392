"""The bulk sanitizer: CSV and NDJSON, Psoxy's column rules, malformed rows, atomic output."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest
from privacy_helpers import SALT
from typer.testing import CliRunner

from zoombridge.cli import app
from zoombridge.errors import InvalidInput
from zoombridge.privacy import (
    BadRecords,
    PrivacyKeys,
    Pseudonymizer,
    RulesInvalid,
    make_pseudonymizer,
)
from zoombridge.privacy.bulk import sanitize_file
from zoombridge.privacy.bulk_rules import BulkRules, MissingColumns, load_bulk_rules

PSOXY_RULES = """
columnsToPseudonymize: [Email, User Name]
columnsToRedact: [Department]
columnsToRename: {Meetings: meeting_count}
columnsToDuplicate: {email: Email Original}
pseudonymFormat: URL_SAFE_TOKEN
"""


def _rules(tmp_path: Path, text: str = PSOXY_RULES) -> BulkRules:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    return load_bulk_rules(path)


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_psoxy_column_rules_work_unchanged(
    tmp_path: Path, zoombridge_format: Pseudonymizer
) -> None:
    source = tmp_path / "ai-metrics.csv"
    source.write_bytes(
        "\ufeffEMAIL , User Name,Department,Meetings\r\n"
        "Ada+zoom@Example.edu,Ada Lovelace,Physics,3\r\n"
        "\r\n"
        ',"Hopper, Grace",Admissions,4\r\n'.encode()
    )
    target = tmp_path / "out.csv"
    result = sanitize_file(source, target, _rules(tmp_path), zoombridge_format)
    assert (result.rows_read, result.rows_written, result.bad_rows) == (2, 2, 0)
    assert target.read_bytes().count(b"\r\n") == 3  # the input's line ending is kept
    header, ada, grace = _rows(target)
    assert header == ["EMAIL", "User Name", "meeting_count", "Email Original"]
    assert ada[0] == zoombridge_format.pseudonymize("ada@example.edu")
    assert ada[1] == zoombridge_format.pseudonymize("Ada Lovelace")
    assert ada[2:] == ["3", "Ada+zoom@Example.edu"]  # the copy is a lookup column
    assert grace[0] == ""
    assert grace[3] == ""  # blank cells stay blank
    assert "Physics" not in target.read_text()


def test_missing_column_is_an_error_unless_optional(
    tmp_path: Path, any_format: Pseudonymizer
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("Email,Meetings\nada@example.edu,3\n")
    with pytest.raises(MissingColumns, match="User Name"):
        sanitize_file(source, tmp_path / "out.csv", _rules(tmp_path), any_format)
    assert not (tmp_path / "out.csv").exists()
    optional = "columnsToPseudonymize: [Email]\ncolumnsToPseudonymizeIfPresent: [User Name]\n"
    result = sanitize_file(source, tmp_path / "out.csv", _rules(tmp_path, optional), any_format)
    assert result.rows_written == 1


def test_psoxy_format_defaults_to_json_pseudonyms(
    tmp_path: Path, psoxy_format: Pseudonymizer
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("Email\nada@example.edu\n")
    sanitize_file(
        source,
        tmp_path / "out.csv",
        _rules(tmp_path, "columnsToPseudonymize: [Email]\n"),
        psoxy_format,
    )
    cell = _rows(tmp_path / "out.csv")[1][0]
    assert json.loads(cell) == {"domain": "example.edu", "hash": json.loads(cell)["hash"]}


@pytest.mark.parametrize(
    ("content", "line", "problem"),
    [
        (
            b"Email,Meetings\nada@x.org,3\ngrace@x.org,4,extra\n",
            3,
            "3 fields where the header has 2",
        ),
        (b'Email,Meetings\nada@x.org,3\n"grace@x.org"x,4\n', 3, "malformed CSV"),
        (b"Email,Meetings\nada@x.org,3\nbob@x.org,3\nd\xe9j\xe0@x.org,1\n", 4, "not UTF-8"),
    ],
)
def test_malformed_csv_rows_fail_with_line_numbers_and_no_output(
    tmp_path: Path, zoombridge_format: Pseudonymizer, content: bytes, line: int, problem: str
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(content)
    target = tmp_path / "out.csv"
    target.write_text("previous output\n")
    with pytest.raises(BadRecords, match=f"line {line}: {problem}") as caught:
        sanitize_file(
            source, target, _rules(tmp_path, "columnsToPseudonymize: [Email]\n"), zoombridge_format
        )
    assert caught.value.problems[0][0] == line
    assert target.read_text() == "previous output\n"  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv", "rules.yaml"]


def test_skipping_bad_rows_reports_them(tmp_path: Path, zoombridge_format: Pseudonymizer) -> None:
    source = tmp_path / "in.csv"
    source.write_text("Email,Meetings\nada@x.org,3\ngrace@x.org\nbob@x.org,1\n")
    rules = _rules(tmp_path, "columnsToPseudonymize: [Email]\n")
    result = sanitize_file(source, tmp_path / "out.csv", rules, zoombridge_format, skip_bad=True)
    assert (result.rows_written, result.problems) == (2, [(3, "1 fields where the header has 2")])


def test_ndjson_records_with_schema_and_column_rules(
    tmp_path: Path, any_format: Pseudonymizer
) -> None:
    source = tmp_path / "meetings.ndjson.gz"
    records = [
        {
            "uuid": "u1",
            "host": {"email": "ada@x.org", "name": "Ada"},
            "Email": "ada@x.org",
            "topic": "t",
        },
        {"uuid": "u2", "Email": 12345},
    ]
    source.write_bytes(gzip.compress("\n".join(json.dumps(r) for r in records).encode() + b"\n\n"))
    rules = _rules(
        tmp_path,
        "columnsToPseudonymize: [Email]\n"
        "schema: {uuid: string, Email: scalar, host: {email: string}}\n"
        "transforms:\n  - pseudonymize: $.host.email\n",
    )
    target = tmp_path / "out.jsonl.gz"
    result = sanitize_file(source, target, rules, any_format)
    assert (result.kind, result.rows_written) == ("ndjson", 2)
    lines = [json.loads(line) for line in gzip.decompress(target.read_bytes()).splitlines()]
    assert lines[0] == {
        "uuid": "u1",
        "host": {"email": any_format.pseudonymize("ada@x.org")},
        "Email": any_format.pseudonymize("ada@x.org", rules.options(any_format.name)),
    }
    assert lines[1]["Email"] == any_format.pseudonymize("12345", rules.options(any_format.name))


def test_malformed_ndjson_rows(tmp_path: Path, zoombridge_format: Pseudonymizer) -> None:
    source = tmp_path / "in.ndjson"
    source.write_text('{"Email": "a@x.org"}\n{"Email": \n[1]\n{"Email": {"nested": "a@x.org"}}\n')
    rules = _rules(tmp_path, "columnsToPseudonymize: [Email]\n")
    with pytest.raises(BadRecords) as caught:
        sanitize_file(source, tmp_path / "out.ndjson", rules, zoombridge_format)
    assert [line for line, _ in caught.value.problems] == [2, 3, 4]
    assert "not a JSON object" in caught.value.problems[1][1]
    assert not (tmp_path / "out.ndjson").exists()


def test_bad_bulk_rules_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesInvalid, match="columnsToPseudonymise"):
        _rules(tmp_path, "columnsToPseudonymise: [Email]\n")
    with pytest.raises(RulesInvalid, match="aliases"):
        _rules(tmp_path, "a: &x [Email]\ncolumnsToPseudonymize: *x\n")
    same = tmp_path / "same.csv"
    same.write_text("a\n")
    fmt = make_pseudonymizer("psoxy", PrivacyKeys.of("s"))
    with pytest.raises(InvalidInput, match="another file"):
        sanitize_file(same, same, BulkRules(), fmt)


def test_memory_stays_flat_on_a_large_file(
    tmp_path: Path, zoombridge_format: Pseudonymizer
) -> None:
    source = tmp_path / "big.csv"
    with source.open("w") as handle:
        handle.write("Email,Meetings\n")
        for index in range(20_000):
            handle.write(f"user{index}@example.edu,{index}\n")
    rules = _rules(tmp_path, "columnsToPseudonymize: [Email]\n")
    seen: list[int] = []
    result = sanitize_file(
        source, tmp_path / "out.csv", rules, zoombridge_format, progress=seen.append
    )
    assert result.rows_written == 20_000
    assert sum(seen) == source.stat().st_size


def test_cli_sanitize(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZOOMBRIDGE_PRIVACY__SALT", SALT)
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text("Email,User Name,Department,Meetings\nada@x.org,Ada,Physics,3\n")
    (tmp_path / "rules.yaml").write_text(PSOXY_RULES)
    runner = CliRunner()
    args = [
        "privacy",
        "sanitize",
        str(source),
        str(target),
        "--rules",
        str(tmp_path / "rules.yaml"),
    ]
    done = runner.invoke(app, [*args, "--json"])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    assert summary["rows_written"] == 1
    assert summary["pseudonym_format"] == "zoombridge"
    assert "Ada" not in target.read_text().split("\n", 1)[1].split(",", 2)[1]
    source.write_text("Email,User Name,Department,Meetings\nada@x.org,Ada,Physics\n")
    failed = runner.invoke(app, [*args, "--json"])
    assert failed.exit_code == 1
    assert json.loads(failed.stdout)["bad_rows"] == [
        {"line": 2, "problem": "3 fields where the header has 4"}
    ]
    monkeypatch.delenv("ZOOMBRIDGE_PRIVACY__SALT")
    unconfigured = runner.invoke(app, args)
    assert unconfigured.exit_code == 2
    assert "ZOOMBRIDGE_PRIVACY__SALT" in unconfigured.output
