"""`POST /webhooks/zoom[/{connection}]`: Zoom's events, verified, stored, acknowledged fast.

The body is read raw (the signature covers the exact bytes) and never beyond the size limit;
verification (HMAC, ±5 min) happens before anything is parsed or stored. An accepted event
is written to the inbox, then the answer goes out: Zoom wants one within 3 s, and applying
an event may take longer, so it happens afterwards (`on_stored` wakes the applier).
Refused requests get a 4xx with the reason and change nothing. Events arriving together are
committed together (`inbox.InboxWriter`), each answered once its own commit is done.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from zoombridge.archive import inbox
from zoombridge.clock import Clock
from zoombridge.db import Catalog
from zoombridge.errors import WebhookRejected
from zoombridge.zoom.webhooks import MAX_BODY_BYTES, UrlValidation, receive

__all__ = ["WebhookTarget", "webhook_routes"]


@dataclass
class WebhookTarget:
    """Where one connection's events go."""

    connection_id: int
    secret: str = field(repr=False)
    catalog: Catalog
    clock: Clock
    on_stored: Callable[[], None] = lambda: None
    writer: inbox.InboxWriter = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.writer = inbox.InboxWriter(self.catalog, self.connection_id, self.clock)


def webhook_routes(targets: Mapping[str, WebhookTarget], default: str) -> list[Route]:
    """Routes for every connection by name, and `/webhooks/zoom` for the default one."""

    async def endpoint(request: Request) -> Response:
        name = request.path_params.get("connection", default)
        target = targets.get(name)
        if target is None:
            return _refuse(404, f"no connection named {name!r} receives webhooks here")
        try:
            body = await _read_limited(request, MAX_BODY_BYTES)
            return await _receive(target, request, body)
        except WebhookRejected as exc:
            return _refuse(exc.status, str(exc))

    return [
        Route("/webhooks/zoom", endpoint, methods=["POST"]),
        Route("/webhooks/zoom/{connection}", endpoint, methods=["POST"]),
    ]


async def _receive(target: WebhookTarget, request: Request, body: bytes) -> Response:
    verified = receive(target.secret, request.headers, body, now=target.clock.now())
    if isinstance(verified, UrlValidation):
        return JSONResponse(verified.response)
    stored = await target.writer.accept(verified)
    if stored:
        target.on_stored()
    return JSONResponse({"status": "accepted" if stored else "duplicate"})


async def _read_limited(request: Request, limit: int) -> bytes:
    """The raw body, refused as soon as it passes `limit` (a declared length is checked first)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise WebhookRejected(f"body of {declared} bytes exceeds {limit}", status=413)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise WebhookRejected(f"body exceeds {limit} bytes", status=413)
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse(status: int, reason: str) -> Response:
    return JSONResponse({"error": reason}, status_code=status)
