"""Emulator throughput on loopback: list requests per second and download MB/s.

Targets (issue #2): downloads >= 300 MB/s and lists >= 500 req/s on a 2-core machine, so the
emulator is never the bottleneck of archive benchmarks. Each figure is printed next to the
same measurement against the bare baseline app, in the same run. Load comes from clients
cheap enough not to be the bottleneck themselves (a raw keep-alive HTTP/1.1 generator and
curl); the httpx download figure shows what a Python reader gets.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import subprocess
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bench import loadgen, servers
from zoombridge.zoom import month_windows


async def megabytes_per_second(url: str, headers: dict[str, str], rounds: int = 3) -> float:
    best = 0.0
    async with httpx.AsyncClient(headers=headers, timeout=60, follow_redirects=True) as http:
        for _ in range(rounds):
            received = 0
            began = time.monotonic()
            async with http.stream("GET", url) as answer:
                if answer.status_code != 200:
                    raise RuntimeError(f"download answered {answer.status_code}")
                async for chunk in answer.aiter_raw(1 << 20):
                    received += len(chunk)
            best = max(best, received / (time.monotonic() - began) / 1e6)
    return best


def curl_megabytes_per_second(url: str, headers: dict[str, str], rounds: int = 3) -> float:
    """Measured with curl (C), so the figure is the server's, not a Python reader's."""
    curl = shutil.which("curl")
    if curl is None:
        return 0.0
    flags = [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]
    best = 0.0
    for _ in range(rounds):
        command = [curl, "-s", "-L", "-o", "/dev/null", "-w", "%{speed_download}", *flags, url]
        out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
        best = max(best, float(out.stdout) / 1e6)
    return best


async def _largest_video(base: str, token: str) -> tuple[str, int]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(headers=headers) as http:
        users = []
        for status in ("active", "inactive"):
            listed = await http.get(f"{base}/v2/users", params={"page_size": 300, "status": status})
            users += listed.json()["users"]
        best: tuple[str, int] = ("", 0)
        today = datetime.now(UTC).date()
        windows = month_windows(today - timedelta(days=95), today)
        for user, (start, end) in itertools.product(users, windows):
            params = {"page_size": 300, "from": start.isoformat(), "to": end.isoformat()}
            url = f"{base}/v2/users/{user['id']}/recordings"
            page = (await http.get(url, params=params)).json()
            for meeting in page.get("meetings", []):
                for file in meeting["recording_files"]:
                    if file.get("file_size", 0) > best[1]:
                        best = (file["download_url"], file["file_size"])
        return best


def _recordings_list_url(base: str, headers: dict[str, str]) -> str:
    """A month of the owner's recordings: the call an archive sync makes most."""
    owner = httpx.get(f"{base}/v2/users/me", headers=headers).json()["id"]
    today = datetime.now(UTC).date()
    start = today - timedelta(days=30)
    return f"{base}/v2/users/{owner}/recordings?page_size=30&from={start}&to={today}"


def run(seconds: float = 8.0) -> list[dict[str, Any]]:
    with servers.emulator("demo", rate_limits=False) as base:
        headers = {"Authorization": f"Bearer {servers.access_token(base)}"}
        url = _recordings_list_url(base, headers)
        lists = asyncio.run(loadgen.requests_per_second(url, headers, seconds))
    with servers.emulator("large", rate_limits=False) as base:
        token = servers.access_token(base)
        headers = {"Authorization": f"Bearer {token}"}
        url, size = asyncio.run(_largest_video(base, token))
        curl = curl_megabytes_per_second(url, headers)
        python = asyncio.run(megabytes_per_second(url, headers))
    with servers.baseline(size) as base:
        base_lists = asyncio.run(loadgen.requests_per_second(f"{base}/list", {}, seconds))
        base_curl = curl_megabytes_per_second(f"{base}/download", {})
        base_python = asyncio.run(megabytes_per_second(f"{base}/download", {}))
    mb = f"{size / 1e6:.0f} MB"
    return [
        {
            "name": "emulator recordings list, month window",
            "value": lists,
            "unit": "req/s",
            "target": 500,
            "baseline": base_lists,
        },
        {
            "name": f"emulator download, {mb}, curl",
            "value": curl,
            "unit": "MB/s",
            "target": 300,
            "baseline": base_curl,
        },
        {
            "name": f"emulator download, {mb}, httpx reader",
            "value": python,
            "unit": "MB/s",
            "target": 0,
            "baseline": base_python,
        },
    ]
