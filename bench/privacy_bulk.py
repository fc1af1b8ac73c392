"""Bulk CSV sanitizer (issue #7): rows/s and MB/s pseudonymizing two columns of a
1,000,000-row CSV, against Python's own csv module reading and writing the same file in the
same run (target >= 0.5x its rows/s). pyarrow's CSV read + write of the same file is reported
as the physical reference (what a columnar C++ engine does with those bytes).

The file looks like a Zoom participant report of a large university: 1,000,000 joins of
40,000 people (e-mail and display name pseudonymized, the zoombridge format), so one person
appears in about 25 rows, as they do in real reports. A second, reported row (no target) is
the worst case: 200,000 rows in which every value is new, so no pseudonym is ever reused.
The runs alternate (csv, zoombridge, csv, zoombridge) and the faster of each pair counts,
which keeps a busy machine from favouring either side.
"""

from __future__ import annotations

import csv
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.csv as pacsv

from bench.archive_common import scratch
from zoombridge.privacy import PrivacyKeys, make_pseudonymizer
from zoombridge.privacy.bulk import sanitize_file
from zoombridge.privacy.bulk_rules import BulkRules

__all__ = ["run"]

ROWS = 1_000_000
PEOPLE = 40_000
DISTINCT_ROWS = 200_000
ROUNDS = 2
TARGET_RATIO = 0.5
HEADER = [
    "Meeting ID",
    "Topic",
    "Participant Email",
    "Participant Name",
    "Join Time",
    "Leave Time",
    "Duration (Minutes)",
]
RULES = BulkRules.model_validate(
    {"columnsToPseudonymize": ["Participant Email", "Participant Name"]}
)
FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Radia"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus"]


def run() -> list[dict[str, Any]]:
    with scratch("privacy-bulk") as folder:
        people = _write_report(folder / "participants.csv", ROWS, PEOPLE)
        distinct = _write_report(folder / "distinct.csv", DISTINCT_ROWS, DISTINCT_ROWS)
        usual = _measure(people, folder)
        worst = _measure(distinct, folder)
        arrow_s = _best(lambda: _pyarrow_copy(people, folder / "arrow.csv"), 1)
        size_mb = people.stat().st_size / 1e6
        distinct_mb = distinct.stat().st_size / 1e6
    return [
        _row(
            f"privacy bulk CSV, {ROWS:,} rows of {PEOPLE:,} people, 2 columns pseudonymized",
            usual,
            ROWS,
            size_mb,
            extra=f"pyarrow read+write {ROWS / arrow_s:,.0f} rows/s, {size_mb / arrow_s:.0f} MB/s",
        ),
        _row(
            f"privacy bulk CSV, {DISTINCT_ROWS:,} rows, every value new (worst case)",
            worst,
            DISTINCT_ROWS,
            distinct_mb,
            judged=False,
        ),
    ]


def _row(
    name: str,
    times: tuple[float, float],
    rows: int,
    size_mb: float,
    *,
    extra: str = "",
    judged: bool = True,
) -> dict[str, Any]:
    ours, plain = times
    figures = f"{size_mb / ours:.1f} MB/s vs csv {size_mb / plain:.1f} MB/s"
    return {
        "name": name,
        "value": rows / ours,
        "unit": "rows/s",
        "target": TARGET_RATIO * rows / plain if judged else 0,
        "baseline": rows / plain,
        "baseline_kind": "Python csv reader -> writer, same file",
        "extra": f"{figures}; {extra}" if extra else figures,
    }


def _measure(source: Path, folder: Path) -> tuple[float, float]:
    """(zoombridge seconds, csv module seconds), the best of ROUNDS alternating runs."""
    pseudonymizer = make_pseudonymizer("zoombridge", PrivacyKeys.of("bench-salt-" + "x" * 20))
    target = folder / "sanitized.csv"
    ours: list[float] = []
    plain: list[float] = []
    for _ in range(ROUNDS):
        plain.append(_best(lambda: _csv_copy(source, folder / "copy.csv"), 1))
        ours.append(_best(lambda: sanitize_file(source, target, RULES, pseudonymizer), 1))
    return min(ours), min(plain)


def _best(work: Callable[[], object], times: int) -> float:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def _csv_copy(source: Path, target: Path) -> None:
    with (
        source.open(newline="", encoding="utf-8") as handle,
        target.open("w", newline="", encoding="utf-8") as out,
    ):
        csv.writer(out).writerows(csv.reader(handle))


def _pyarrow_copy(source: Path, target: Path) -> None:
    pacsv.write_csv(pacsv.read_csv(source), target)


def _write_report(path: Path, rows: int, people: int) -> Path:
    """A participant report: `rows` joins of `people` people (seeded, so every run is alike)."""
    chance = random.Random(7)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for row in range(rows):
            person = row if people == rows else chance.randrange(people)
            first, last = FIRST[person % len(FIRST)], LAST[person % len(LAST)]
            minute = chance.randrange(600)
            writer.writerow(
                [
                    f"8{chance.randrange(10**10):010d}",
                    "Weekly seminar",
                    f"{first}.{last}{person}@university.example.edu",
                    f"{first} {last} {person}",
                    f"2026-03-{1 + row % 28:02d}T{8 + minute // 60:02d}:{minute % 60:02d}:00Z",
                    f"2026-03-{1 + row % 28:02d}T{9 + minute // 60:02d}:{minute % 60:02d}:00Z",
                    chance.randrange(1, 90),
                ]
            )
    return path
