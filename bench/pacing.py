"""Rate-limit pacing: a client alone on a Pro account issuing Medium calls.

Target (issue #2): sustain >= 90% of Zoom's allowed rate (Pro, Medium: 20/s) with zero 429s.
The baseline is Zoom's allowed rate itself; the emulator enforces it with a sliding window
and counts every 429 it answers.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench import servers
from zoombridge.zoom import ZoomClient, users

ALLOWED = 20.0  # Pro plan, Medium label, per second


async def _measure(base: str, seconds: float, concurrency: int) -> float:
    async with ZoomClient(
        account_id="emulator-account",
        client_id="emulator-client",
        client_secret="emulator-secret",  # noqa: S106 - the emulator's published default
        api_url=f"{base}/v2",
        oauth_url=base,
        plan="pro",
        max_attempts=1,  # a 429 would surface instead of being retried away
    ) as zoom:
        await users.get_user(zoom, "me")  # token and connection before the clock starts
        calls = 0
        stop = time.monotonic() + seconds

        async def worker() -> None:
            nonlocal calls
            while time.monotonic() < stop:
                await users.get_user_settings(zoom, "me")  # GET /users/{id}/settings: MEDIUM
                calls += 1

        began = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return calls / (time.monotonic() - began)


def run(seconds: float = 15.0) -> list[dict[str, Any]]:
    results = []
    for concurrency in (1, 8):
        with servers.emulator("small", plan="pro", rate_limits=True) as base:
            rate = asyncio.run(_measure(base, seconds, concurrency))
            refusals = servers.rate_limit_refusals(base)
        results.append(
            {
                "name": f"Pro Medium pacing, {concurrency} concurrent task(s)",
                "value": rate,
                "unit": "calls/s",
                "target": 0.9 * ALLOWED,
                "baseline": ALLOWED,
                "extra": f"{refusals} x 429",
                "ok_extra": refusals == 0,
            }
        )
    return results
