"""The zoombridge service's ASGI app: webhook receiver and health now, the portal later."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from zoombridge.web.webhooks import WebhookTarget, webhook_routes

__all__ = ["service_app"]


def service_app(targets: Mapping[str, WebhookTarget], default: str) -> Starlette:
    """The app is built once the archive is running, so answering at all means healthy."""

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[*webhook_routes(targets, default), Route("/health", health)])
