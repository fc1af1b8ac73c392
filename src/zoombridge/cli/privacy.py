"""`zoombridge privacy`: pseudonymize and redact Zoom data files for analytics.

zoombridge privacy sanitize INPUT OUTPUT --rules FILE [--format csv|ndjson]
                                [--shuffle-chunk N] [--skip-bad-rows] [--json]
zoombridge privacy export --out DIR [--connection NAME] [--rules FILE] [--format ndjson|csv]
                                [--json]
zoombridge privacy fingerprint [--json]

INPUT and OUTPUT are local paths or s3://bucket/key URLs (endpoint and region as for the
archive's storage: `?endpoint=...&region=...` or AWS_ENDPOINT_URL / AWS_REGION; keys from
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).

Keys come from settings (ZOOMBRIDGE_PRIVACY__SALT, ..._ENCRYPTION_KEY, ..._FORMAT, or the
*_FILE variants), never from the rules file.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

from zoombridge.app import DEFAULT_CONNECTION, ZoomBridge
from zoombridge.cli.common import JsonOption, configuration_errors_exit, err, with_catalog
from zoombridge.db import Catalog
from zoombridge.errors import BadRecords, InvalidInput, StorageError
from zoombridge.privacy import Pseudonymizer, pseudonymizer_from_settings
from zoombridge.privacy.bulk import BulkResult, sanitize_file
from zoombridge.privacy.bulk_rules import MAX_SHUFFLE_CHUNK, load_bulk_rules
from zoombridge.privacy.export import ExportResult, export, load_export_rules
from zoombridge.settings import load_settings

__all__ = ["privacy_app"]

privacy_app = typer.Typer(
    help="Pseudonymize and redact Zoom data for analytics.", no_args_is_help=True
)

RulesOption = Annotated[
    Path, typer.Option("--rules", help="Bulk rules (YAML): columns to pseudonymize, redact...")
]
FormatOption = Annotated[
    str | None,
    typer.Option("--format", help="csv | ndjson (default: from the input's name)."),
]
ShuffleOption = Annotated[
    int | None,
    typer.Option(
        "--shuffle-chunk",
        min=0,
        max=MAX_SHUFFLE_CHUNK,
        help="Shuffle rows in chunks of N (0: keep the order; default: the rules' shuffle_chunk).",
    ),
]
SkipOption = Annotated[
    bool,
    typer.Option("--skip-bad-rows", help="Leave malformed rows out (reported) instead of failing."),
]


@privacy_app.command("sanitize")
def sanitize(
    input_path: Annotated[
        str, typer.Argument(metavar="INPUT", help="CSV or NDJSON, maybe .gz; a path or s3://")
    ],
    output_path: Annotated[
        str, typer.Argument(metavar="OUTPUT", help="Written only on success; a path or s3://")
    ],
    rules: RulesOption,
    file_format: FormatOption = None,
    shuffle_chunk: ShuffleOption = None,
    skip_bad_rows: SkipOption = False,
    as_json: JsonOption = False,
) -> None:
    """Pseudonymize a CSV or NDJSON file, streaming; nothing is written if a row is bad."""
    kind = _kind(file_format)
    with configuration_errors_exit():
        pseudonymizer = pseudonymizer_from_settings(load_settings().privacy)
    try:
        bulk_rules = load_bulk_rules(rules)
        with configuration_errors_exit(), _bar(_local_size(input_path)) as advance:
            result = sanitize_file(
                input_path,
                output_path,
                bulk_rules,
                pseudonymizer,
                kind=kind,
                skip_bad=skip_bad_rows,
                progress=advance,
                shuffle_chunk=shuffle_chunk,
            )
    except BadRecords as exc:
        _refuse(exc, as_json, [{"line": line, "problem": why} for line, why in exc.problems])
    except (InvalidInput, StorageError) as exc:
        _refuse(exc, as_json, [])
    _report(result, pseudonymizer, as_json)


def _local_size(location: str) -> int:
    """The input's size for the progress bar; 0 (a bar without an end) for s3:// or none."""
    if location.lower().startswith("s3:"):
        return 0
    path = Path(location)
    return path.stat().st_size if path.is_file() else 0


@privacy_app.command("export")
def export_catalog(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the tables and manifest (created if missing).")
    ],
    connection: Annotated[
        str, typer.Option("--connection", help="Which Zoom connection's archive.")
    ] = DEFAULT_CONNECTION,
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="Export rules (YAML; default: the built-in allow-list)."),
    ] = None,
    file_format: Annotated[
        str, typer.Option("--format", help="ndjson | csv (the tables' format).")
    ] = "ndjson",
    as_json: JsonOption = False,
) -> None:
    """Write pseudonymized meetings and participants from the archive's catalog."""
    if file_format not in ("ndjson", "csv"):
        err.print(f"[red]refused:[/red] --format must be ndjson or csv, not {file_format!r}")
        raise typer.Exit(2)
    with configuration_errors_exit():
        pseudonymizer = pseudonymizer_from_settings(load_settings().privacy)
    try:
        export_rules = load_export_rules(rules)
    except InvalidInput as exc:
        _refuse(exc, as_json, [])

    def work(bridge: ZoomBridge, catalog: Catalog) -> ExportResult:
        connection_id = bridge.connection_id(catalog, connection)
        return export(
            catalog,
            connection_id,
            out,
            export_rules,
            pseudonymizer,
            file_format="csv" if file_format == "csv" else "ndjson",
            now=bridge.clock.now(),
            connection=connection,
        )

    result = with_catalog(work)
    if as_json:
        typer.echo(json.dumps({"ok": True, "folder": str(result.folder), **result.manifest}))
        return
    counts = ", ".join(f"{count} {table}" for table, count in result.rows.items())
    Console().print(
        f"Wrote {counts} to {result.folder} ({pseudonymizer.name} pseudonyms, "
        f"salt {pseudonymizer.fingerprint()}, rules {result.manifest['rules_version'][:12]})."
    )


@privacy_app.command("fingerprint")
def fingerprint(as_json: JsonOption = False) -> None:
    """Print the salt fingerprint: equal fingerprints mean pseudonyms that join."""
    with configuration_errors_exit():
        pseudonymizer = pseudonymizer_from_settings(load_settings().privacy)
    if as_json:
        typer.echo(
            json.dumps({"format": pseudonymizer.name, "fingerprint": pseudonymizer.fingerprint()})
        )
    else:
        typer.echo(f"{pseudonymizer.name} {pseudonymizer.fingerprint()}")


def _kind(value: str | None) -> Literal["csv", "ndjson"] | None:
    if value is None:
        return None
    if value not in ("csv", "ndjson"):
        err.print(f"[red]refused:[/red] --format must be csv or ndjson, not {value!r}")
        raise typer.Exit(2)
    return "csv" if value == "csv" else "ndjson"


@contextlib.contextmanager
def _bar(size: int) -> Iterator[Callable[[int], None]]:
    """A bar over the input's bytes on stderr when it is a terminal; silent otherwise."""
    bar = Progress(
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=err,
        disable=not sys.stderr.isatty(),
        transient=True,
    )
    task = bar.add_task("sanitize", total=size or None)
    with bar:
        yield lambda amount: bar.advance(task, amount)


def _refuse(exc: InvalidInput | StorageError, as_json: bool, rows: list[dict[str, object]]) -> None:
    if as_json:
        typer.echo(json.dumps({"ok": False, "error": str(exc), "bad_rows": rows}))
    else:
        err.print(f"[red]refused:[/red] {exc}", highlight=False, markup=False)
        err.print("Nothing was written.")
    raise typer.Exit(1)


def _report(result: BulkResult, pseudonymizer: Pseudonymizer, as_json: bool) -> None:
    summary = {
        "ok": True,
        "input": result.source,
        "output": result.output,
        "kind": result.kind,
        "rows_read": result.rows_read,
        "rows_written": result.rows_written,
        "bad_rows": [{"line": line, "problem": why} for line, why in result.problems],
        "bad_row_count": result.bad_rows,
        "pseudonym_format": pseudonymizer.name,
        "salt_fingerprint": pseudonymizer.fingerprint(),
    }
    if as_json:
        typer.echo(json.dumps(summary))
        return
    Console().print(
        f"Wrote {result.rows_written} of {result.rows_read} rows to {result.output} "
        f"({pseudonymizer.name} pseudonyms, salt {pseudonymizer.fingerprint()})."
    )
    for line, why in result.problems:
        err.print(f"skipped line {line}: {why}", highlight=False, markup=False)
