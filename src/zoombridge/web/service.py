"""The zoombridge service's ASGI app: the portal (pages and their JSON twins), the Zoom
webhook receiver and a health check, in one FastAPI process.

Without a portal context (a bench that only receives webhooks) the app has the receiver
and the health check alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from zoombridge.web import api, connection_pages, pages
from zoombridge.web.auth import NeedsSignIn, PortalContext
from zoombridge.web.security import SecurityHeaders
from zoombridge.web.webhooks import WebhookTarget, webhook_routes

__all__ = ["service_app"]

STATIC = Path(__file__).parent / "static"


async def _health(request: Request) -> Response:
    """The app is built once the archive is running, so answering at all means healthy."""
    return JSONResponse({"status": "ok"})


async def _to_sign_in(request: Request, exc: Exception) -> Response:
    target = exc.next_path if isinstance(exc, NeedsSignIn) else "/"
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)


def service_app(
    targets: Mapping[str, WebhookTarget], default: str, *, portal: PortalContext | None = None
) -> FastAPI:
    app = FastAPI(
        title="zoombridge",
        summary="Archive, search and schedule Zoom; every portal page has a JSON twin here.",
        docs_url=None,  # Swagger UI loads its script from a CDN, which the CSP forbids
        redoc_url=None,
        openapi_url="/api/openapi.json" if portal is not None else None,
    )
    app.add_middleware(SecurityHeaders)
    app.router.routes.extend(
        [*webhook_routes(targets, default), Route("/health", _health, methods=["GET"])]
    )
    if portal is not None:
        app.state.portal = portal
        app.include_router(pages.router)
        app.include_router(api.router)
        app.include_router(connection_pages.page_router)
        app.include_router(connection_pages.api_router)
        app.mount("/static", StaticFiles(directory=STATIC), name="static")
        app.add_exception_handler(NeedsSignIn, _to_sign_in)
    return app
