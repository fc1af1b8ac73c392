"""The zoombridge service's ASGI app: the portal (pages and their JSON twins), the Zoom
webhook receiver, a health check and Prometheus metrics, in one FastAPI process.

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

from zoombridge.web import (
    api,
    connection_pages,
    group_pages,
    library_api,
    library_backfill_pages,
    library_pages,
    meetings_api,
    moderation_pages,
    pages,
    sync_control,
)
from zoombridge.web import metrics as metrics_route
from zoombridge.web.auth import NeedsSignIn, PortalContext
from zoombridge.web.http_metrics import HttpMetrics
from zoombridge.web.metrics import ServiceMetrics
from zoombridge.web.oauth_connect import UsedStates
from zoombridge.web.password_pages import api_router as password_api
from zoombridge.web.password_pages import page_router as password_pages
from zoombridge.web.security import SecurityHeaders
from zoombridge.web.user_pages import api_router as users_api
from zoombridge.web.user_pages import page_router as users_pages
from zoombridge.web.webhooks import WebhookTarget, webhook_routes
from zoombridge.web.zoom_oauth import router as zoom_oauth_router

__all__ = ["service_app"]

STATIC = Path(__file__).parent / "static"


async def _health(request: Request) -> Response:
    """The app is built once the archive is running, so answering at all means healthy."""
    return JSONResponse({"status": "ok"})


async def _to_sign_in(request: Request, exc: Exception) -> Response:
    target = exc.next_path if isinstance(exc, NeedsSignIn) else "/"
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)


def service_app(
    targets: Mapping[str, WebhookTarget],
    default: str,
    *,
    portal: PortalContext | None = None,
    metrics: ServiceMetrics | None = None,
) -> FastAPI:
    """`metrics` is what `/metrics` shows (default: the catalog's figures, no Zoom clients);
    it needs the portal's catalog and sign-in, so an app without a portal has none."""
    if portal is None:
        metrics = None
    elif metrics is None:
        metrics = ServiceMetrics(portal.catalog, portal.clock)
    app = FastAPI(
        title="zoombridge",
        summary="Archive, search and schedule Zoom; every portal page has a JSON twin here.",
        docs_url=None,  # Swagger UI loads its script from a CDN, which the CSP forbids
        redoc_url=None,
        openapi_url="/api/openapi.json" if portal is not None else None,
    )
    app.add_middleware(SecurityHeaders)
    app.router.routes.extend(
        [
            *webhook_routes(targets, default, metrics.count_webhook if metrics else None),
            Route("/health", _health, methods=["GET"]),
        ]
    )
    if portal is not None:
        app.state.portal = portal
        app.include_router(pages.router)
        app.include_router(api.router)
        app.include_router(connection_pages.page_router)
        app.include_router(connection_pages.api_router)
        app.include_router(zoom_oauth_router)  # "Connect with Zoom" and its callback
        app.state.zoom_oauth_states = UsedStates()
        app.include_router(users_pages)
        app.include_router(users_api)
        app.include_router(password_pages)
        app.include_router(password_api)
        app.include_router(library_pages.router)
        app.include_router(library_api.router)
        app.include_router(moderation_pages.page_router)
        app.include_router(moderation_pages.api_router)
        app.include_router(group_pages.page_router)  # groups of viewers, for sharing
        app.include_router(group_pages.api_router)
        app.include_router(library_backfill_pages.page_router)  # "Add missing recordings"
        app.include_router(library_backfill_pages.api_router)
        app.include_router(sync_control.page_router)
        app.include_router(sync_control.api_router)
        meetings_api.install(app)  # the meetings API and pages, and their refusals' answers
        app.mount("/static", StaticFiles(directory=STATIC), name="static")
        app.add_exception_handler(NeedsSignIn, _to_sign_in)
    if metrics is not None:
        app.state.metrics = metrics
        app.include_router(metrics_route.router)
        app.add_middleware(HttpMetrics, metrics=metrics)  # outermost: the whole answer's time
    return app
