"""Every HTTP request counted and timed by method, route template and status.

Plain ASGI, like `security.SecurityHeaders`: Starlette's BaseHTTPMiddleware wraps each
request in tasks and streams, which costs the webhook receiver more than the counting does.
The label is the template a route was declared with ("/connections/{name}"), never the path
asked for, and methods outside the usual few count as "other": a client inventing paths or
methods cannot make the series grow.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zoombridge.web.metrics import ServiceMetrics

__all__ = ["UNMATCHED", "HttpMetrics", "route_template"]

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # no route has this path (a 404 from the router itself)


class HttpMetrics:
    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # Routing rewrites the scope (a mount moves its prefix into root_path): keep the
        # request as it came, to find the route of those that do not name themselves.
        asked = {
            "type": "http",
            "method": scope["method"],
            "path": scope["path"],
            "root_path": scope.get("root_path", ""),
        }
        method = scope["method"] if scope["method"] in METHODS else "other"
        status = 500  # unless an answer starts: an exception becomes a 500 further out

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            route = route_template(scope, asked)
            self.metrics.observe_http(method, route, status, time.perf_counter() - started)


def route_template(scope: Scope, asked: Scope) -> str:
    """The template of the route that answered. FastAPI's routes leave themselves in the
    scope; plain Starlette routes and mounts (webhooks, /health, /static) are matched again
    against the request as it was asked, as the router did: the first full match, else the
    first partial one (a method the route does not allow)."""
    declared = getattr(scope.get("route"), "path", None)
    if isinstance(declared, str):
        return declared
    app: Any = scope.get("app")
    routes: Sequence[BaseRoute] = getattr(getattr(app, "router", None), "routes", ())
    partial: str | None = None
    for route in routes:
        template = getattr(route, "path", None)
        if not isinstance(template, str):
            continue
        match, _ = route.matches(asked)
        if match is Match.FULL:
            return template
        if match is Match.PARTIAL and partial is None:
            partial = template
    return partial or UNMATCHED
