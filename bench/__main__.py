"""`make bench`: run every benchmark and print figures, targets and ratios to baselines.

`python -m bench [NAME ...]` runs only the named ones: throughput, pacing, archive (the four
archive benches), archive-throughput, archive-memory, archive-api, archive-webhook, media (the
media benches), media-join.
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
    media_join,
    pacing,
    throughput,
)

Bench = Callable[[], list[dict[str, Any]]]
BENCHES: dict[str, Bench] = {
    "throughput": throughput.run,
    "pacing": pacing.run,
    "archive-throughput": archive_throughput.run,
    "archive-memory": archive_memory.run,
    "archive-api": archive_api.run,
    "archive-webhook": archive_webhook.run,
    "media-join": media_join.run,
}
GROUPS = {
    "archive": ["archive-throughput", "archive-memory", "archive-api", "archive-webhook"],
    "media": ["media-join"],
}


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


def _number(value: float) -> str:
    return f"{value:.1f}" if abs(value) >= 1 else f"{value:.3g}"


def _target(r: dict[str, Any]) -> str:
    if not r["target"]:
        return "-"
    return ("<= " if r.get("lower_is_better") else ">= ") + _number(r["target"])


def main(argv: list[str]) -> int:
    names = _chosen(argv)
    results: list[dict[str, Any]] = []
    for name in names:
        results += BENCHES[name]()
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
            "ok" if ok else "BELOW TARGET",
        )
    Console().print(table)
    out = Path(__file__).parent / "results.json"
    out.write_text(json.dumps(results, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
