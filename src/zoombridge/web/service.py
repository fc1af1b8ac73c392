"""The zoombridge service's ASGI app: webhook receiver and health now, the portal later."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from zoombridge.web.webhooks import WebhookTarget, webhook_routes

__all__ = ["service_app"]


def service_app(
    targets: Mapping[str, WebhookTarget], default: str, healthy: Callable[[], bool]
) -> Starlette:
    async def health(request: Request) -> Response:
        ok = healthy()
        return JSONResponse({"status": "ok" if ok else "starting"}, status_code=200 if ok else 503)

    return Starlette(routes=[*webhook_routes(targets, default), Route("/health", health)])
