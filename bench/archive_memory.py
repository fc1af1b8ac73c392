"""Memory: peak RSS of a process archiving one 4 GiB recording file.

Target (issue #3): under 200 MB. The sync runs in a child process (`python -m
bench.archive_memory BASE HOME`) that reports its own peak (VmHWM) and, as the baseline,
its resident size once zoombridge is imported and before the sync starts. The bytes go
through its download worker process, so the peak counted is the sync process's own plus that
of each worker it started (download and media), read before they end: an upper bound on the
peak of their sum.
"""

from __future__ import annotations

import asyncio
import gc
import json
import multiprocessing
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import servers
from bench.archive_common import bridge_settings, run_sync, scratch

__all__ = ["run"]

FILE_BYTES = 4 << 30
TARGET_MB = 200.0
REPO = Path(__file__).resolve().parent.parent


def _status_mb(field: str, process: str = "self") -> float:
    """A field of /proc/<process>/status (VmRSS, VmHWM), in MB."""
    for line in Path(f"/proc/{process}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"/proc/{process}/status has no {field}")


def _child(base: str, home: Path) -> dict[str, Any]:
    gc.collect()
    idle = _status_mb("VmRSS")
    synced = asyncio.run(run_sync(bridge_settings(base, home)))
    summary = synced.summary
    own = _status_mb("VmHWM")
    workers = [_status_mb("VmHWM", str(child.pid)) for child in multiprocessing.active_children()]
    return {
        "idle_mb": idle,
        "peak_mb": own + sum(workers),
        "own_mb": own,
        "workers_mb": workers,
        "bytes": summary.bytes,
        "largest": FILE_BYTES,
        "verified": summary.verified,
        "failed": summary.failed,
        "seconds": summary.duration_s,
    }


def run(file_bytes: int = FILE_BYTES) -> list[dict[str, Any]]:
    overrides = {"large_file_bytes": file_bytes}
    with servers.archive_emulator("large", overrides=overrides) as base, scratch("memory") as home:
        command = [sys.executable, "-m", "bench.archive_memory", base, str(home)]
        out = subprocess.run(
            command, capture_output=True, text=True, timeout=900, check=False, cwd=REPO
        )
    if out.returncode != 0:
        raise RuntimeError(f"the archiving process failed:\n{out.stderr[-3000:]}")
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    archived_big = measured["bytes"] >= file_bytes and not measured["failed"]
    return [
        {
            "name": f"archive peak RSS, one {file_bytes / 2**30:.2f} GiB file",
            "value": measured["peak_mb"],
            "unit": "MB",
            "target": TARGET_MB,
            "lower_is_better": True,
            "baseline": measured["idle_mb"],
            "extra": (
                f"sync process {measured['own_mb']:.0f} MB + its workers "
                + " + ".join(f"{mb:.0f}" for mb in measured["workers_mb"])
                + f" MB; idle after import {measured['idle_mb']:.0f} MB; "
                f"{measured['verified']} files, "
                f"{measured['bytes'] / 1e9:.2f} GB in {measured['seconds']:.1f} s"
                + ("" if archived_big else "; THE LARGE FILE WAS NOT ARCHIVED")
            ),
            "ok_extra": archived_big,
        }
    ]


if __name__ == "__main__":
    print(json.dumps(_child(sys.argv[1], Path(sys.argv[2]))))
