"""What the archive benchmarks share: zoombridge pointed at a bench emulator, a sync, a
scratch folder that is always removed, and the emulator's request counts."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from zoombridge.app import ZoomBridge
from zoombridge.archive.child_process import running_children
from zoombridge.archive.service import SyncSummary, sync_once
from zoombridge.cli.emulator import emulator_settings
from zoombridge.db import Catalog
from zoombridge.db.models import RecordingFileRow
from zoombridge.settings import Settings

__all__ = [
    "CONCURRENCY",
    "BenchSync",
    "bridge_settings",
    "cpu_seconds",
    "request_counts",
    "run_sync",
    "scratch",
    "start_date",
]

CONCURRENCY = 4  # zoombridge's default transfers at once; the baselines use the same
BACK_DAYS = 100  # every bench scenario records within the last 90 days


def start_date() -> date:
    return datetime.now(UTC).date() - timedelta(days=BACK_DAYS)


def bridge_settings(
    base: str, home: Path, *, plan: str = "business", concurrency: int = CONCURRENCY
) -> Settings:
    """zoombridge on SQLite and a local folder under `home`, talking to the emulator."""
    return emulator_settings(
        base, plan=plan, home=home, start_date=start_date(), concurrency=concurrency
    )


@dataclass(frozen=True)
class BenchSync:
    summary: SyncSummary
    startup_s: float  # opening the catalog and launching DBOS, before the sync starts
    # From the sync's start to its last file archived (stored, size and SHA-256 checked);
    # the rest of `summary.duration_s` is media processing (probes reading every packet,
    # joins, thumbnails, the search index), sidecars and the deletion check.
    files_s: float
    # CPU seconds during the sync: this process (all its threads), then each worker by name
    cpu_s: dict[str, float]


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of process `pid` (default: this one, all threads), in seconds;
    0 once it has ended."""
    try:
        fields = Path(f"/proc/{pid or 'self'}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _cpu_by_pid() -> dict[int, float]:
    """CPU seconds so far of this process and of its running workers."""
    pids = [os.getpid(), *(child.pid for child in running_children())]
    return {pid: cpu_seconds(pid) for pid in pids}


async def run_sync(settings: Settings) -> BenchSync:
    """One `sync_once`, as `zoombridge sync --once` runs it."""
    began = time.monotonic()
    async with ZoomBridge(settings).archive() as runtime:
        startup = time.monotonic() - began
        started, before = datetime.now(UTC), _cpu_by_pid()
        summary = await sync_once(runtime)
        cpu = {"sync": cpu_seconds() - before[os.getpid()]}
        for child in running_children():  # a worker of an earlier sync counts from now
            used = cpu_seconds(child.pid) - before.get(child.pid, 0.0)
            cpu[child.name] = cpu.get(child.name, 0.0) + used
        last = _last_archived(runtime.catalog, runtime.connection_id)
    files_s = (last - started).total_seconds() if last else 0.0
    return BenchSync(summary, startup, round(files_s, 3), cpu)


def _last_archived(catalog: Catalog, connection_id: int) -> datetime | None:
    with catalog.session() as session:
        last = session.scalar(
            select(func.max(RecordingFileRow.archived_at)).where(
                RecordingFileRow.connection_id == connection_id
            )
        )
    return last.replace(tzinfo=UTC) if last and last.tzinfo is None else last


@contextlib.contextmanager
def scratch(label: str) -> Iterator[Path]:
    """A temporary folder (ZOOMBRIDGE_BENCH_TMP, else the system's), removed afterwards."""
    folder = Path(
        tempfile.mkdtemp(prefix=f"zb-bench-{label}-", dir=os.environ.get("ZOOMBRIDGE_BENCH_TMP"))
    )
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def request_counts(base: str) -> dict[str, int]:
    """How many requests the bench emulator answered, by endpoint family."""
    counts: dict[str, Any] = httpx.get(f"{base}/_bench/requests", timeout=10).json()
    return {str(name): int(count) for name, count in counts.items()}
