"""Emulator throughput on loopback: list requests per second and download MB/s.

Targets (issue #2): downloads >= 300 MB/s and lists >= 500 req/s on a 2-core machine, so the
emulator is never the bottleneck of archive benchmarks. Each figure is printed next to the
same measurement against the bare baseline app, in the same run.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bench import servers
from zoombridge.zoom import month_windows

CREDENTIALS = ("emulator-client", "emulator-secret")


async def _token(base: str) -> str:
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{base}/oauth/token",
            data={"grant_type": "account_credentials", "account_id": "emulator-account"},
            auth=CREDENTIALS,
        )
        answer.raise_for_status()
        token: str = answer.json()["access_token"]
        return token


async def requests_per_second(
    url: str, headers: dict[str, str], seconds: float, workers: int = 8
) -> float:
    done = 0
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as http:
        await http.get(url)  # warm up (media rendering, caches)
        stop = time.monotonic() + seconds

        async def worker() -> None:
            nonlocal done
            while time.monotonic() < stop:
                answer = await http.get(url)
                if answer.status_code != 200:
                    raise RuntimeError(f"{url} answered {answer.status_code}: {answer.text[:200]}")
                done += 1

        began = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(workers)))
        return done / (time.monotonic() - began)


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


def run(seconds: float = 8.0) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with servers.emulator("large", rate_limits=False) as base:
        token = asyncio.run(_token(base))
        headers = {"Authorization": f"Bearer {token}"}
        lists = asyncio.run(requests_per_second(f"{base}/v2/users?page_size=30", headers, seconds))
        url, size = asyncio.run(_largest_video(base, token))
        downloads = asyncio.run(megabytes_per_second(url, headers))
    with servers.baseline(size) as base:
        base_lists = asyncio.run(requests_per_second(f"{base}/list", {}, seconds))
        base_downloads = asyncio.run(megabytes_per_second(f"{base}/download", {}))
    results.append(
        {
            "name": "emulator list requests",
            "value": lists,
            "unit": "req/s",
            "target": 500,
            "baseline": base_lists,
        }
    )
    results.append(
        {
            "name": f"emulator download ({size / 1e6:.0f} MB file)",
            "value": downloads,
            "unit": "MB/s",
            "target": 300,
            "baseline": base_downloads,
        }
    )
    return results
