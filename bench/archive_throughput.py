"""Backfill throughput: zoombridge archiving the `bench` scenario (~2.3 GB, ~700 files) against
plain concurrent httpx downloading the same files from the same emulator to disk.

Target (issue #3): zoombridge >= 0.8x the baseline's MB/s, with its verification included
(SHA-256 while writing, size against Zoom's, re-read of the stored size). Both sides list the
account the same way (every user, month windows, 300 a page) and use the same concurrency;
the emulator runs in its own process on a real socket, and serves every file once before
either side is timed (it renders a file on its first request). The CPU time each side used,
by process, is printed beside the times: the baseline is one process, zoombridge a sync
process and its workers, and on a machine with few cores their sum bounds the time.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench import servers
from bench.archive_common import (
    CONCURRENCY,
    bridge_settings,
    cpu_seconds,
    run_sync,
    scratch,
    start_date,
)
from zoombridge.zoom import month_windows
from zoombridge.zoom.pagination import path_id

__all__ = ["Fetched", "baseline_download", "run"]

TARGET_RATIO = 0.8


@dataclass(frozen=True)
class Fetched:
    files: int
    bytes: int
    seconds: float

    @property
    def mb_per_s(self) -> float:
        return self.bytes / self.seconds / 1e6


async def _pages(http: httpx.AsyncClient, url: str, key: str, params: dict[str, str]) -> list[Any]:
    items: list[Any] = []
    token = ""
    while True:
        more = {"next_page_token": token} if token else {}
        page = await http.get(url, params={**params, "page_size": "300", **more})
        page.raise_for_status()
        body = page.json()
        items += body.get(key) or []
        token = body.get("next_page_token") or ""
        if not token:
            return items


async def _instance_files(http: httpx.AsyncClient, base: str, meeting: dict[str, Any]) -> list[Any]:
    files: list[Any] = list(meeting.get("recording_files") or [])
    if int(meeting.get("recording_count") or 0) > len(files):  # per-participant audio
        url = f"{base}/v2/meetings/{path_id(meeting['uuid'])}/recordings"
        detail = (await http.get(url)).raise_for_status().json()
        files += detail.get("participant_audio_files") or []
    return [f for f in files if f.get("status", "completed") == "completed"]


async def _list_files(http: httpx.AsyncClient, base: str) -> list[tuple[str, int | None]]:
    """(download URL, size) of every completed file of every user, as an archive lists them."""
    users: list[Any] = []
    for status in ("active", "inactive"):  # pending users cannot have recordings
        users += await _pages(http, f"{base}/v2/users", "users", {"status": status})
    today = datetime.now(UTC).date()
    found = []
    for user in users:
        for first, last in month_windows(start_date(), today):
            window = {"from": first.isoformat(), "to": last.isoformat()}
            url = f"{base}/v2/users/{user['id']}/recordings"
            for meeting in await _pages(http, url, "meetings", window):
                for file in await _instance_files(http, base, meeting):
                    found.append((file["download_url"], file.get("file_size")))
    return found


async def baseline_download(base: str, folder: Path, concurrency: int = CONCURRENCY) -> Fetched:
    """List, then download every file with `concurrency` streams, each written to disk."""
    began = time.monotonic()
    async with httpx.AsyncClient(timeout=120, follow_redirects=True) as http:
        token = await asyncio.to_thread(servers.access_token, base)
        http.headers["Authorization"] = f"Bearer {token}"
        files = await _list_files(http, base)
        gate = asyncio.Semaphore(concurrency)

        async def fetch(number: int, url: str) -> int:
            async with gate, http.stream("GET", url) as answer:
                answer.raise_for_status()
                written = 0
                with (folder / str(number)).open("wb") as out:
                    async for chunk in answer.aiter_raw():
                        written += out.write(chunk)
                return written

        sizes = await asyncio.gather(*(fetch(n, url) for n, (url, _) in enumerate(files)))
    if any(got != size for got, (_, size) in zip(sizes, files, strict=True) if size is not None):
        raise RuntimeError("the baseline received other sizes than the emulator listed")
    return Fetched(len(files), sum(sizes), time.monotonic() - began)


def run(overrides: dict[str, object] | None = None) -> list[dict[str, Any]]:
    with servers.archive_emulator("bench", overrides=overrides) as base:
        emulator = servers.server_pid(base)
        with scratch("warm-up") as folder:  # the emulator renders each file on first request
            asyncio.run(baseline_download(base, folder))
        with scratch("baseline") as folder:
            before = (cpu_seconds(), cpu_seconds(emulator))
            plain = asyncio.run(baseline_download(base, folder))
            plain_cpu = {
                "client": cpu_seconds() - before[0],
                "emulator": cpu_seconds(emulator) - before[1],
            }
        with scratch("archive") as home:
            before_emulator = cpu_seconds(emulator)
            synced = asyncio.run(run_sync(bridge_settings(base, home)))
            ours_cpu = {**synced.cpu_s, "emulator": cpu_seconds(emulator) - before_emulator}
    summary = synced.summary
    ours = Fetched(summary.verified, summary.bytes, summary.duration_s)
    same = (ours.files, ours.bytes) == (plain.files, plain.bytes) and not summary.failed
    return [
        {
            "name": f"archive backfill, {plain.files} files, {plain.bytes / 1e9:.2f} GB",
            "value": ours.mb_per_s,
            "unit": "MB/s",
            "target": TARGET_RATIO * plain.mb_per_s,
            "baseline": plain.mb_per_s,
            "extra": (
                f"{ours.seconds:.1f} s vs {plain.seconds:.1f} s, of which files archived and "
                f"verified in {synced.files_s:.1f} s, media probes and joins after; "
                f"{ours.files} verified, "
                f"{summary.failed} failed; startup {synced.startup_s:.1f} s not counted; "
                f"CPU seconds on {os.cpu_count()} cores: baseline {_cpu_text(plain_cpu)}, "
                f"zoombridge {_cpu_text(ours_cpu)}"
                + ("" if same else "; NOT THE SAME FILES AS THE BASELINE")
            ),
            "ok_extra": same,
        }
    ]


def _cpu_text(by_process: dict[str, float]) -> str:
    parts = ", ".join(f"{name} {seconds:.1f}" for name, seconds in by_process.items())
    return f"{sum(by_process.values()):.1f} ({parts})"
