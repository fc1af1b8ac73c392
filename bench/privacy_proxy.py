"""The privacy proxy's added latency: a ~120 KB JSON answer (Zoom's users listing, 298
users, the most PII-dense page: a reversible id, a reversible PMI and an e-mail pseudonym per
user) through the proxy against the same call straight to the emulator, in the same run,
the two interleaved request by request.

Target (issue #7): p50 added under 5 ms. Both ride httpx's ASGI transport into the same
emulator, so the difference is the proxy: the key check (from memory once the key is
known), the rules, the client's token and budget, the streaming sanitizer (most of it), and
the second ASGI hop. The rate budget's pacing waits are not counted (a virtual clock): they
are the budget working, not the proxy's cost. Two figures:
pseudonyms remembered across answers (the proxy's steady state: the same people recur) and
every pseudonym computed afresh (cache cleared before each request). A third row compares the
streaming sanitizer with parsing the whole answer, applying the transform and dumping it.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from zoombridge.app import ZoomBridge
from zoombridge.cli.emulator import emulator_settings
from zoombridge.clock import ManualClock
from zoombridge.emulator import DEFAULT_CREDENTIALS, DEMO_EPOCH, World, build_world, create_app
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.privacy.plan import Plan
from zoombridge.privacy.proxy import PrivacyProxy
from zoombridge.privacy.proxy_keys import create_key
from zoombridge.privacy.rules_yaml import default_rules
from zoombridge.privacy.stream import JsonStream
from zoombridge.settings import PrivacySettings

__all__ = ["run"]

TARGET_MS = 5.0
REQUESTS = 200
WARMUP = 10
PAGE = "/v2/users?page_size=300"


def run() -> list[dict[str, Any]]:
    world = build_world(
        "demo", seed=1, clock=ManualClock(DEMO_EPOCH), users=300, meetings_per_user=0, phone=False
    )
    world.limiter.enabled = False
    with tempfile.TemporaryDirectory(prefix="zb-proxy-bench-") as home:
        figures = asyncio.run(_measure(world, Path(home)))
    return _rows(figures)


async def _measure(world: World, home: Path) -> dict[str, Any]:
    transport = EmulatorTransport(create_app(world))
    settings = emulator_settings(None, plan=world.plan, home=home).model_copy(
        update={
            "privacy": PrivacySettings(
                salt=SecretStr("bench-salt-of-sixteen-bytes"),
                encryption_key=SecretStr("bench-encryption-key-0123456789"),
            )
        }
    )
    bridge = ZoomBridge(settings, transport=transport, clock=world.clock)
    async with bridge.privacy_proxy(default_rules()) as proxy:
        key = create_key(proxy.keys.catalog, "bench", [], world.now()).key
        async with _direct_client(transport) as direct, _proxy_client(proxy, key) as through:
            direct.headers["Authorization"] = f"Bearer {await _token(direct)}"
            body = (await direct.get(PAGE)).content
            warm = await _interleaved(direct, through, proxy, cold=False)
            cold = await _interleaved(direct, through, proxy, cold=True)
    return {"size": len(body), "warm": warm, "cold": cold, "sanitize": _sanitize_only(proxy, body)}


def _direct_client(transport: httpx.AsyncBaseTransport) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=transport, base_url="https://api.zoom.us")


def _proxy_client(proxy: PrivacyProxy, key: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=proxy, client=("127.0.0.1", 40000))
    return httpx.AsyncClient(
        transport=transport, base_url="http://proxy", headers={"X-Api-Key": key}
    )


async def _token(direct: httpx.AsyncClient) -> str:
    c = DEFAULT_CREDENTIALS
    answer = await direct.post(
        "https://zoom.us/oauth/token",
        params={"grant_type": "account_credentials", "account_id": c["account_id"]},
        auth=(c["client_id"], c["client_secret"]),
    )
    return str(answer.json()["access_token"])


async def _interleaved(
    direct: httpx.AsyncClient, through: httpx.AsyncClient, proxy: PrivacyProxy, *, cold: bool
) -> dict[str, list[float]]:
    """Milliseconds per request, straight and through the proxy, one after the other."""
    samples: dict[str, list[float]] = {"direct": [], "proxy": []}
    for number in range(WARMUP + REQUESTS):
        started = time.perf_counter()
        answer = await direct.get(PAGE)
        straight = (time.perf_counter() - started) * 1000
        assert answer.status_code == 200, answer.text
        if cold:
            proxy.values.clear()
        started = time.perf_counter()
        answer = await through.get(PAGE)
        proxied = (time.perf_counter() - started) * 1000
        assert answer.status_code == 200, answer.text
        if number >= WARMUP:
            samples["direct"].append(straight)
            samples["proxy"].append(proxied)
    return samples


def _sanitize_only(proxy: PrivacyProxy, body: bytes) -> dict[str, float]:
    """Median ms of the streaming sanitizer and of parse-all/transform/dump, cold caches."""
    endpoint = proxy.rules.decide("GET", PAGE).endpoint
    assert endpoint is not None
    stream_ms, whole_ms = [], []
    for _ in range(30):
        proxy.values.clear()
        started = time.perf_counter()
        stream = JsonStream(proxy.values, Plan.of(endpoint))
        stream.feed(body)
        stream.finish()
        stream_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        document = proxy.values.sanitizer.document(json.loads(body), endpoint)
        json.dumps(document, separators=(",", ":"))
        whole_ms.append((time.perf_counter() - started) * 1000)
    return {"stream": statistics.median(stream_ms), "whole": statistics.median(whole_ms)}


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def _rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    kb = figures["size"] / 1024
    rows = []
    for label, key in (("pseudonyms remembered", "warm"), ("every pseudonym computed", "cold")):
        direct, proxied = figures[key]["direct"], figures[key]["proxy"]
        added_p50 = statistics.median(proxied) - statistics.median(direct)
        added_p95 = _p95(proxied) - _p95(direct)
        rows.append(
            {
                "name": f"proxy added latency p50, {kb:.0f} KB users page, {label}",
                "value": added_p50,
                "unit": "ms",
                "target": TARGET_MS,
                "lower_is_better": True,
                "baseline": statistics.median(direct),
                "baseline_kind": "p50 ms straight to the emulator, same run",
                "extra": f"p95 added {added_p95:.1f} ms; {len(proxied)} requests each",
            }
        )
    sanitize = figures["sanitize"]
    rows.append(
        {
            "name": f"proxy sanitizer, {kb:.0f} KB users page, streaming",
            "value": sanitize["stream"],
            "unit": "ms",
            "target": 0,
            "lower_is_better": True,
            "baseline": sanitize["whole"],
            "baseline_kind": "ms parse all, transform, dump",
        }
    )
    return rows
