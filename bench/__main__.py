"""`make bench`: run every benchmark and print figures, targets and ratios to baselines."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import pacing, paging, throughput


def main() -> int:
    results: list[dict[str, Any]] = [*throughput.run(), *pacing.run(), *paging.run()]
    table = Table(title="zoombridge benchmarks")
    for column in ("benchmark", "measured", "target", "baseline (same run)", "ratio", "verdict"):
        table.add_column(column)
    failed = False
    for r in results:
        ok = r["value"] >= r["target"] and r.get("ok_extra", True)
        failed |= not ok
        measured = f"{r['value']:.1f} {r['unit']}" + (f" ({r['extra']})" if "extra" in r else "")
        table.add_row(
            r["name"],
            measured,
            f">= {r['target']:.0f}" if r["target"] else "-",
            f"{r['baseline']:.1f}",
            f"{r['value'] / r['baseline']:.2f}",
            "ok" if ok else "BELOW TARGET",
        )
    Console().print(table)
    out = Path(__file__).parent / "results.json"
    out.write_text(json.dumps(results, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
