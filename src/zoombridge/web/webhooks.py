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

__all__ = ["WebhookCounter", "WebhookTarget", "webhook_routes"]

# Told each delivery's connection ("" when unknown), outcome and, when rejected, the reason.
WebhookCounter = Callable[[str, str, str], None]


def _uncounted(connection: str, outcome: str, reason: str) -> None:
    pass


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


def webhook_routes(
    targets: Mapping[str, WebhookTarget], default: str, counter: WebhookCounter | None = None
) -> list[Route]:
    """Routes for every connection by name, and `/webhooks/zoom` for the default one; each
    delivery's outcome is told to `counter` (the service's metrics). `targets` is read on
    every delivery: a connection the service starts serving later receives events at once."""
    count = counter or _uncounted

    async def endpoint(request: Request) -> Response:
        name = request.path_params.get("connection", default)
        target = targets.get(name)
        if target is None:  # the name came from outside: not a label to count under
            count("", "rejected", "unknown_connection")
            return _refuse(404, f"no connection named {name!r} receives webhooks here")
        try:
            body = await _read_limited(request, MAX_BODY_BYTES)
            response, outcome = await _receive(target, request, body)
        except WebhookRejected as exc:
            count(name, "rejected", exc.reason)
            return _refuse(exc.status, str(exc))
        except Exception:
            count(name, "error", "")
            raise
        count(name, outcome, "")
        return response

    return [
        Route("/webhooks/zoom", endpoint, methods=["POST"]),
        Route("/webhooks/zoom/{connection}", endpoint, methods=["POST"]),
    ]


async def _receive(target: WebhookTarget, request: Request, body: bytes) -> tuple[Response, str]:
    """The answer, and the outcome it reports."""
    verified = receive(target.secret, request.headers, body, now=target.clock.now())
    if isinstance(verified, UrlValidation):
        return JSONResponse(verified.response), "url_validation"
    stored = await target.writer.accept(verified)
    if stored:
        target.on_stored()
    outcome = "accepted" if stored else "duplicate"
    return JSONResponse({"status": outcome}), outcome


async def _read_limited(request: Request, limit: int) -> bytes:
    """The raw body, refused as soon as it passes `limit` (a declared length is checked first)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise WebhookRejected(
            f"body of {declared} bytes exceeds {limit}", status=413, reason="oversized"
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise WebhookRejected(f"body exceeds {limit} bytes", status=413, reason="oversized")
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse(status: int, reason: str) -> Response:
    return JSONResponse({"error": reason}, status_code=status)
