"""The emulator for the archive benchmarks, in its own uvicorn process, counting requests.

Unlike `zoombridge emulator`, it takes scenario overrides (a 4 GB file, more users) and
counts every request it answers by endpoint family, so a bench can say which calls a sync
made (`GET /_bench/requests`) without trusting the client's own counters.

    python -m bench.archive_server PORT SCENARIO PLAN RATE_LIMITS OVERRIDES_JSON
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from typing import Any

import uvicorn

from zoombridge.emulator import build_world, create_app

__all__ = ["family", "make_app"]

SEED = 1
# (pattern on "METHOD path", family) in order; the first match names the request.
FAMILIES = (
    (r"POST /oauth/token$", "oauth token"),
    (r"GET /v2/users$", "users list"),
    (r"GET /v2/users/[^/]+/recordings$", "recordings list"),
    (r"GET /v2/meetings/.+/recordings$", "recording get"),
    (r"GET /v2/(past_meetings|past_webinars|report)/", "reports"),
    (r"GET /rec/download/", "download (redirect)"),
    (r"GET /rec/cdn/", "download (bytes)"),
    (r"\w+ /_emulator/", "emulator controls"),
)


def family(method: str, path: str) -> str:
    line = f"{method} {path}"
    for pattern, name in FAMILIES:
        if re.match(pattern, line):
            return name
    return "other " + line


def make_app(
    scenario: str, plan: str, rate_limits: bool, overrides: dict[str, Any], port: int
) -> Any:
    world = build_world(scenario, SEED, plan=plan, **overrides)
    world.limiter.enabled = rate_limits
    world.web_base = world.api_url = f"http://127.0.0.1:{port}"
    inner = create_app(world, on_network=True)
    counts: Counter[str] = Counter()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await inner(scope, receive, send)
            return
        if scope["path"] == "/_bench/requests":
            body = json.dumps(dict(counts)).encode()
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        counts[family(scope["method"], scope["path"])] += 1
        await inner(scope, receive, send)

    return app


def main(argv: list[str]) -> None:
    port, scenario, plan, limits, overrides = argv
    app = make_app(scenario, plan, limits == "on", json.loads(overrides), int(port))
    uvicorn.run(app, host="127.0.0.1", port=int(port), log_level="warning", lifespan="on")


if __name__ == "__main__":
    main(sys.argv[1:])
