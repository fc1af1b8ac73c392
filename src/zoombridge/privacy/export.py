"""`zoombridge privacy export`: a pseudonymized dataset straight from the archive's catalog.

Two tables and a manifest, written into a folder:

    meetings.ndjson       one record per archived instance (who hosted, when, how long, sizes)
    participants.ndjson   one record per person known in an instance: transcript speakers
                          (talk time, cues), chat senders (messages), per-participant audio
    manifest.json         rules version, pseudonym format, salt fingerprint, rows per file

(`.csv` instead with `file_format="csv"`.) Each table goes through bulk rules (the same keys
as `privacy sanitize`, the same pseudonymizer and salt as the proxy), so a person has one
pseudonym in the export, in sanitized files and behind the proxy. The default rules
(`defaults/export.yaml`) are an allow-list: a column the rules do not include (the topic) is
never written. Rows are ordered by what is already public in them (start time, pseudonyms),
never by a name. Files are written to a temporary folder inside the target and moved into
place only when every table was written: a failure leaves the target as it was.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from zoombridge.db import Catalog
from zoombridge.errors import InvalidInput, RulesInvalid
from zoombridge.privacy.bulk import Memo
from zoombridge.privacy.bulk_records import RecordRules
from zoombridge.privacy.bulk_rules import BulkRules, ColumnPlan
from zoombridge.privacy.export_rows import (
    MEETING_FIELDS,
    PARTICIPANT_FIELDS,
    Group,
    meetings,
    participants,
)
from zoombridge.privacy.formats import Pseudonymizer
from zoombridge.privacy.rules_yaml import read_rules_file, read_yaml

__all__ = ["ExportResult", "ExportRules", "default_export_rules", "export", "load_export_rules"]

FORMAT = "zoombridge.privacy-export/1"
ExportFormat = Literal["ndjson", "csv"]
TABLE_FIELDS = {"meetings": MEETING_FIELDS, "participants": PARTICIPANT_FIELDS}


class ExportRules(BaseModel):
    """Bulk rules per table; every column they name must be one the table has."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    meetings: BulkRules
    participants: BulkRules

    def sha256(self) -> str:
        """The rules' version: a digest of the validated rules, not of the file's spelling."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    rows: dict[str, int]
    manifest: dict[str, Any]


def load_export_rules(path: Path | None) -> ExportRules:
    """The rules of a file (YAML, hostile-input checked), or the defaults when None."""
    if path is None:
        return default_export_rules()
    data = read_rules_file(path)
    return _parse(data, str(path))


def default_export_rules() -> ExportRules:
    data = resources.files("zoombridge.privacy").joinpath("defaults/export.yaml").read_bytes()
    return _parse(data, "zoombridge default export rules (export.yaml)")


def _parse(data: bytes, source: str) -> ExportRules:
    document = read_yaml(data, source)
    if not isinstance(document, dict):
        raise RulesInvalid(
            source, "export rules are a mapping: meetings: {...}, participants: {...}"
        )
    try:
        rules = ExportRules.model_validate(document)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()[:10]
        ]
        raise RulesInvalid(source, "; ".join(problems)) from None
    for table, fields in TABLE_FIELDS.items():
        _check_columns(source, table, getattr(rules, table), fields)
    return rules


def _check_columns(source: str, table: str, rules: BulkRules, fields: tuple[str, ...]) -> None:
    """A misspelt column would silently export nothing (or everything): refuse it."""
    named = [
        *rules.pseudonymize,
        *rules.pseudonymize_if_present,
        *rules.redact,
        *(rules.include or []),
        *rules.rename,
        *rules.duplicate,
    ]
    known = {*fields, *rules.rename.values(), *rules.duplicate.values()}
    unknown = sorted({name for name in named if name not in known})
    if unknown:
        raise RulesInvalid(
            source,
            f"{table}: no column {', '.join(unknown)}; the {table} table has {', '.join(fields)}",
        )
    if rules.record_schema is not None or rules.transforms:
        raise RulesInvalid(source, f"{table}: export rules take column rules only")


def export(
    catalog: Catalog,
    connection_id: int,
    out: Path,
    rules: ExportRules,
    pseudonymizer: Pseudonymizer,
    *,
    file_format: ExportFormat = "ndjson",
    now: datetime,
    connection: str = "default",
) -> ExportResult:
    """Write the pseudonymized tables and the manifest into `out` (created if missing)."""
    with _staging(out) as staging:
        rows = {
            "meetings": _write_table(
                staging / f"meetings.{file_format}",
                MEETING_FIELDS,
                meetings(catalog, connection_id),
                rules.meetings,
                pseudonymizer,
            ),
            "participants": _write_table(
                staging / f"participants.{file_format}",
                PARTICIPANT_FIELDS,
                participants(catalog, connection_id),
                rules.participants,
                pseudonymizer,
            ),
        }
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "connection": connection,
            "rules_version": rules.sha256(),
            "pseudonym_format": pseudonymizer.name,
            "salt_fingerprint": pseudonymizer.fingerprint(),
            "files": {f"{table}.{file_format}": {"rows": count} for table, count in rows.items()},
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return ExportResult(out, rows, manifest)


def _write_table(
    path: Path,
    fields: tuple[str, ...],
    groups: Iterator[Group],
    rules: BulkRules,
    pseudonymizer: Pseudonymizer,
) -> int:
    """One table through its rules, a group (a meeting's records) at a time; inside a
    group, rows are sorted by their sanitized content, so their order says nothing about
    the names behind them."""
    memo = Memo(pseudonymizer, rules.options(pseudonymizer.name))
    record_rules = RecordRules(rules, pseudonymizer, memo.__getitem__)
    header = ColumnPlan.for_header(list(fields), rules).header
    written = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        if path.suffix == ".csv":
            writer.writerow(header)
        for group in groups:
            cleaned = [_sanitized(record_rules, record, path) for record in group]
            cleaned.sort(key=lambda item: json.dumps(item, sort_keys=True))
            if path.suffix == ".csv":
                writer.writerows([_cell(item.get(name)) for name in header] for item in cleaned)
            else:
                out.writelines(
                    json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n"
                    for item in cleaned
                )
            written += len(cleaned)
    return written


def _sanitized(record_rules: RecordRules, record: dict[str, Any], path: Path) -> Any:
    problem, sanitized = record_rules.apply(record)
    if problem:
        raise InvalidInput(f"{path.stem}: {problem}")
    return sanitized


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


@contextlib.contextmanager
def _staging(out: Path) -> Iterator[Path]:
    """A temporary folder inside `out` whose files replace those of `out` on success."""
    if out.exists() and not out.is_dir():
        raise InvalidInput(f"--out {out}: is a file, not a folder")
    if not out.parent.is_dir():
        raise InvalidInput(f"--out {out}: the folder {out.parent} does not exist")
    created = not out.exists()
    try:
        out.mkdir(exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".export-", dir=out))
    except OSError as exc:
        raise InvalidInput(f"--out {out}: cannot write there: {exc.strerror}") from None
    try:
        yield staging
        for item in sorted(staging.iterdir(), key=lambda p: p.name == "manifest.json"):
            os.replace(item, out / item.name)  # the manifest last: it vouches for the rest
    except BaseException:
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
