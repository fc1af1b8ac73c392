"""`python -m bench NAME` merges its rows into bench/results.json: the other benches' stay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.__main__ import save


def row(bench: str | None, name: str, value: float) -> dict[str, Any]:
    found = {"name": name, "value": value, "unit": "s", "target": 1, "baseline": 1}
    return found if bench is None else {**found, "bench": bench}


def test_a_partial_run_replaces_only_the_rows_of_the_benches_it_ran(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    earlier = [
        row("throughput", "emulator list", 1.0),
        row("archive-api", "API calls per meeting, 700 meetings", 2.0),
        row("archive-api", "a row this run no longer writes", 3.0),
        row("archive-webhook", "webhook p50", 4.0),
        row("gone-bench", "a bench since removed", 5.0),
        row(None, "written before rows named their bench", 6.0),
        row(None, "API calls per meeting, 5 meetings", 7.0),
    ]
    results.write_text(json.dumps(earlier))

    save([row("archive-api", "API calls per meeting, 5 meetings", 8.0)], results)

    after = [(r.get("bench"), r["name"], r["value"]) for r in json.loads(results.read_text())]
    assert after == [
        ("throughput", "emulator list", 1.0),
        ("archive-api", "API calls per meeting, 5 meetings", 8.0),
        ("archive-webhook", "webhook p50", 4.0),
        (None, "written before rows named their bench", 6.0),
    ]


def test_a_missing_or_unreadable_file_is_written_afresh(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    save([row("pacing", "Pro Medium pacing", 19.5)], results)
    assert json.loads(results.read_text()) == [row("pacing", "Pro Medium pacing", 19.5)]
    results.write_text("{not json")
    save([row("throughput", "emulator list", 1.0)], results)
    assert json.loads(results.read_text()) == [row("throughput", "emulator list", 1.0)]
