"""`make bench`: run every benchmark and print figures, targets and ratios to baselines.

`python -m bench [NAME ...]` runs only the named ones: throughput, pacing, archive (the five
archive benches), archive-throughput, archive-memory, archive-api, archive-webhook,
webhook-ingest, media (the media benches), media-join, search-scale, portal-pages, host-choice,
proxy, privacy-bulk. The rows go to bench/results.json, each marked with its bench; the rows of
benches not run stay.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import (
    archive_api,
    archive_memory,
    archive_throughput,
    archive_webhook,
    host_choice,
    media_join,
    pacing,
    portal_pages,
    privacy_bulk,
    privacy_proxy,
    search_scale,
    throughput,
    webhook_ingest,
)

Bench = Callable[[], list[dict[str, Any]]]
BENCHES: dict[str, Bench] = {
    "throughput": throughput.run,
    "pacing": pacing.run,
    "archive-throughput": archive_throughput.run,
    "archive-memory": archive_memory.run,
    "archive-api": archive_api.run,
    "archive-webhook": archive_webhook.run,
    "webhook-ingest": webhook_ingest.run,
    "media-join": media_join.run,
    "search-scale": search_scale.run,
    "portal-pages": portal_pages.run,
    "host-choice": host_choice.run,
    "proxy": privacy_proxy.run,
    "privacy-bulk": privacy_bulk.run,
}
GROUPS = {
    "archive": [
        "archive-throughput",
        "archive-memory",
        "archive-api",
        "archive-webhook",
        "webhook-ingest",
    ],
    "media": ["media-join", "search-scale"],
}
RESULTS = Path(__file__).parent / "results.json"
Row = dict[str, Any]


def _chosen(names: list[str]) -> list[str]:
    if not names:
        return list(BENCHES)
    chosen: list[str] = []
    for name in names:
        if name not in BENCHES and name not in GROUPS:
            known = ", ".join([*BENCHES, *GROUPS])
            raise SystemExit(f"unknown benchmark {name!r}; choose from: {known}")
        chosen += GROUPS.get(name, [name])
    return list(dict.fromkeys(chosen))  # a bench named twice runs once


def _meets_target(r: dict[str, Any]) -> bool:
    lower = r.get("lower_is_better", False)
    within = r["value"] <= r["target"] if lower else r["value"] >= r["target"]
    return bool(within and r.get("ok_extra", True))


def _verdict(r: dict[str, Any], ok: bool) -> str:
    """A row without a target is reported, not judged: "ok" would claim a pass it cannot fail."""
    if not r["target"]:
        return "reported"
    return "ok" if ok else "BELOW TARGET"


def _number(value: float) -> str:
    return f"{value:.1f}" if abs(value) >= 1 else f"{value:.3g}"


def _target(r: dict[str, Any]) -> str:
    if not r["target"]:
        return "-"
    return ("<= " if r.get("lower_is_better") else ">= ") + _number(r["target"])


def merged(previous: list[Row], fresh: list[Row]) -> list[Row]:
    """The results after a run: this run's rows for the benches it ran, the earlier rows of
    the others, in BENCHES order. A row of a file written before rows named their bench
    stays unless this run wrote a row of its name."""
    ran = {row["bench"] for row in fresh}
    names = {row["name"] for row in fresh}
    kept = [row for row in previous if row.get("bench") in BENCHES and row["bench"] not in ran]
    unmarked = [row for row in previous if "bench" not in row and row["name"] not in names]
    order = list(BENCHES)
    return sorted([*kept, *fresh], key=lambda row: order.index(row["bench"])) + unmarked


def save(results: list[Row], path: Path = RESULTS) -> None:
    """Merge this run's rows into the results file (one that does not parse is replaced)."""
    try:
        previous = json.loads(path.read_text())
    except (OSError, ValueError):
        previous = []
    if not isinstance(previous, list):
        previous = []
    path.write_text(json.dumps(merged(previous, results), indent=2))


def main(argv: list[str]) -> int:
    names = _chosen(argv)
    results: list[Row] = []
    for name in names:
        results += [{**row, "bench": name} for row in BENCHES[name]()]
    table = Table(title="zoombridge benchmarks")
    for column in ("benchmark", "measured", "target", "baseline (same run)", "ratio", "verdict"):
        table.add_column(column)
    failed = False
    for r in results:
        ok = _meets_target(r)
        failed |= not ok
        measured = f"{_number(r['value'])} {r['unit']}" + (
            f" ({r['extra']})" if "extra" in r else ""
        )
        table.add_row(
            r["name"],
            measured,
            _target(r),
            _number(r["baseline"]) + (f" ({r['baseline_kind']})" if "baseline_kind" in r else ""),
            f"{r['value'] / r['baseline']:.2f}",
            _verdict(r, ok),
        )
    Console().print(table)
    save(results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
