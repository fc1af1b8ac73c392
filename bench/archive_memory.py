"""Memory: the peak memory of a sync archiving one 4 GiB recording file, workers included.

Target (issue #3): under 200 MB. The sync runs in a child process (`python -m
bench.archive_memory BASE HOME`); the bytes go through its download worker process and the
probe through its media worker, so the memory counted is that of all three.

The headline is the peak of their summed PSS (proportional set size), sampled every 50 ms:
the memory the three really occupy, each page shared between them (the interpreter, the
libraries) counted once. Summing each process's own peak RSS (VmHWM) counts those pages
three times; that sum is printed beside it, as is the sync process's resident size once
zoombridge is imported and before the sync starts (the baseline).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from bench import servers
from bench.archive_common import bridge_settings, run_sync, scratch
from zoombridge.archive.child_process import running_children

__all__ = ["run"]

FILE_BYTES = 4 << 30
TARGET_MB = 200.0
REPO = Path(__file__).resolve().parent.parent


def _proc_mb(file: str, field: str, process: str = "self") -> float:
    """A `Field: N kB` line of /proc/<process>/<file> (status: VmRSS, VmHWM; smaps_rollup:
    Pss), in MB."""
    for line in Path(f"/proc/{process}/{file}").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"/proc/{process}/{file} has no {field}")


def _pss_mb(pid: int) -> float:
    """The proportional set size of process `pid`, in MB (0 once it has ended)."""
    try:
        return _proc_mb("smaps_rollup", "Pss", str(pid))
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


class PeakPss:
    """The largest summed PSS of this process and its workers, sampled in a thread."""

    def __init__(self, seconds: float = 0.05) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(seconds,), daemon=True)

    def _sample(self, seconds: float) -> None:
        while not self._stop.wait(seconds):
            pids = [os.getpid(), *(child.pid for child in running_children())]
            self.peak = max(self.peak, sum(_pss_mb(pid) for pid in pids))

    def __enter__(self) -> PeakPss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _child(base: str, home: Path) -> dict[str, Any]:
    gc.collect()
    idle = _proc_mb("status", "VmRSS")
    with PeakPss() as pss:
        synced = asyncio.run(run_sync(bridge_settings(base, home)))
        own = _proc_mb("status", "VmHWM")
        workers = [_proc_mb("status", "VmHWM", str(child.pid)) for child in running_children()]
    summary = synced.summary
    return {
        "idle_mb": idle,
        "peak_mb": pss.peak,
        "rss_sum_mb": own + sum(workers),
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
            "name": f"archive peak PSS with workers, one {file_bytes / 2**30:.2f} GiB file",
            "value": measured["peak_mb"],
            "unit": "MB",
            "target": TARGET_MB,
            "lower_is_better": True,
            "baseline": measured["idle_mb"],
            "extra": (
                f"peak RSS: sync process {measured['own_mb']:.0f} MB + its workers "
                + " + ".join(f"{mb:.0f}" for mb in measured["workers_mb"])
                + f" = {measured['rss_sum_mb']:.0f} MB; "
                f"idle after import {measured['idle_mb']:.0f} MB; "
                f"{measured['verified']} files, "
                f"{measured['bytes'] / 1e9:.2f} GB in {measured['seconds']:.1f} s"
                + ("" if archived_big else "; THE LARGE FILE WAS NOT ARCHIVED")
            ),
            "ok_extra": archived_big,
        }
    ]


if __name__ == "__main__":
    print(json.dumps(_child(sys.argv[1], Path(sys.argv[2]))))
