"""The emulator's ASGI app: OAuth at the root, the API under /v2, the download host, admin.

world = build_world("demo", seed=1)
app = create_app(world)                       # serve with uvicorn, or
transport = EmulatorTransport(app)            # mount in httpx for in-process use
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zoombridge.emulator import downloads, oauth
from zoombridge.emulator.admin import ADMIN_ROUTES
from zoombridge.emulator.api import endpoint, zoom_json
from zoombridge.emulator.routes import all_routes
from zoombridge.emulator.sender import WebhookSender
from zoombridge.emulator.world import World

__all__ = ["create_app"]

Endpoint = Callable[[Request], Awaitable[Response]]


async def _not_found(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/v2/"):
        return zoom_json({"code": 404, "message": "Not Found"}, 404)
    return Response("Not Found", 404, media_type="text/plain")


async def _wrong_method(request: Request, exc: Exception) -> Response:
    return zoom_json({"code": 405, "message": "Method Not Allowed"}, 405)


def _routes() -> list[Route]:
    routes = [
        Route("/oauth/token", oauth.token, methods=["POST"]),
        Route("/oauth/authorize", oauth.authorize, methods=["GET"]),
        Route("/oauth/revoke", oauth.revoke, methods=["POST"]),
        Route("/rec/download/{token}", downloads.download, methods=["GET"]),
        Route("/rec/cdn/{token}", downloads.cdn, methods=["GET"]),
    ]
    by_path: dict[str, dict[str, Endpoint]] = {}
    for route in all_routes():
        by_path.setdefault(route.path, {})[route.method] = endpoint(route)
    for path, methods in by_path.items():
        routes.append(Route("/v2" + path, _dispatch(methods), methods=list(methods)))
    routes += [Route(path, handler, methods=[method]) for method, path, handler in ADMIN_ROUTES]
    return routes


def _dispatch(methods: dict[str, Endpoint]) -> Endpoint:
    """One Starlette route per path; the method picks the emulated operation."""

    async def run(request: Request) -> Response:
        return await methods[request.method](request)

    return run


class _ZoomPathDecoding:
    """Route on the raw path, decoding each segment the way Zoom does.

    A UUID with an inner `/` may be encoded once (`ab%2Fcd`): the slash stays inside its
    segment. One that starts with `/` or contains `//` must be encoded twice; encoded once it
    splits the path and Zoom answers 404, and so does this. A double-encoded segment arrives
    as `%2F...` in the path parameter and is decoded once more by the API layer.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("raw_path")
        if scope["type"] == "http" and raw:
            text = raw.decode("latin-1").split("?", 1)[0]
            scope = dict(scope, path="/".join(_segment(part) for part in text.split("/")))
        await self.app(scope, receive, send)


def _segment(part: str) -> str:
    decoded = unquote(part)
    if "/" in decoded and not (decoded.startswith("/") or "//" in decoded):
        return decoded.replace("/", "%2F")
    return decoded


class _DropLostResponses:
    """On a real socket, a response marked lost is never sent: the connection just closes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                if oauth.DROP_HEADER.encode() in names:
                    # Promise a body and break off: failing before the start would make the
                    # server answer 500, which a client may rightly retry.
                    await send({**message, "headers": [(b"content-length", b"4096")]})
                    raise ConnectionAbortedError("emulated lost response")
            await send(message)

        await self.app(scope, receive, guarded)


def create_app(
    world: World,
    *,
    webhook_url: str | None = None,
    webhook_secret: str = "",
    on_network: bool = False,
) -> ASGIApp:
    """The emulator app. With `webhook_url`, events are delivered there (signed with the secret)."""
    sender = WebhookSender(world, webhook_url, webhook_secret) if webhook_url else None

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(sender.run(stop)) if sender else None
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                await task
            if sender is not None:
                await sender.aclose()

    app = Starlette(
        routes=_routes(),
        exception_handlers={404: _not_found, 405: _wrong_method},
        lifespan=lifespan,
    )
    app.state.world = world
    app.state.sender = sender
    decoding = _ZoomPathDecoding(app)
    return _DropLostResponses(decoding) if on_network else decoding
