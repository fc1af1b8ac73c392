"""The privacy proxy: Zoom's API for analytics, with only what the rules allow.

    caller --(API key, IP allow-list)--> rules decide (raw path, still tokenized)
           --(reversible tokens decrypted)--> ZoomClient.passthrough (S2S token, rate budget)
           --> answer sanitized in one streaming pass --> caller

Every refusal is JSON `{"error": <word>, "message": <what to do>}` with the word also in the
`X-Zoombridge-Error` header, and nothing is sent to Zoom: 401 (no, unknown or revoked key),
403 (network not allowed for the key; path or query parameter not allowed by the rules),
405 (method), 400 (a request body), 409 (a reversible token this installation cannot
decrypt: fetch the listing again), 414/431 (oversized URL or headers). Zoom's own answers
keep their status; errors get a sanitized body (`proxy_errors`), a 429 its Retry-After and
X-RateLimit-* headers. Every forwarded answer names the rules (`X-Zoombridge-Rules`, their
SHA-256), the pseudonym format and the salt fingerprint, so a dataset says how it was made.

The first `HOLD_BYTES` of a sanitized answer are held back until the answer is complete or
that size is reached: an answer Zoom garbles gets a clean 502 instead of a 200 with a broken
body. Beyond that the answer streams; a garbled tail then cuts the connection (the caller sees
a truncated body, never a well-formed partial one). Keys, tokens and decrypted ids are never
logged; a log line names the rule's path template, not the request's path.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from urllib.parse import quote

import anyio.to_thread
import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from zoombridge.errors import (
    AuthenticationError,
    ConfigurationError,
    DailyLimitReached,
    TokenNotAccepted,
    TransportError,
    ZoomBridgeError,
)
from zoombridge.privacy.endpoints import CompiledRules, Endpoint
from zoombridge.privacy.formats import Pseudonymizer
from zoombridge.privacy.plan import Plan, Values
from zoombridge.privacy.proxy_errors import sanitized_error
from zoombridge.privacy.proxy_keys import KeyChecker, KeyRefused
from zoombridge.privacy.stream import JsonStream, UpstreamJsonError
from zoombridge.privacy.transform import Sanitizer
from zoombridge.zoom import ENDPOINTS, ZoomClient
from zoombridge.zoom.ratelimit import Category, Family

__all__ = ["HOLD_BYTES", "PrivacyProxy", "zoom_category"]

log = logging.getLogger("zoombridge.privacy.proxy")

HOLD_BYTES = 256 * 1024
MAX_TARGET = 8192
MAX_HEADER_BYTES = 16 * 1024
MAX_ERROR_BODY = 64 * 1024
API_PREFIX = "/v2"
JSON_TYPE = "application/json"


def zoom_category(path: str) -> tuple[Category, Family]:
    """Zoom's rate-limit label for a rule's path: from the client's endpoint table when it
    lists the endpoint, else by Zoom's documented families (reports Heavy, others Medium)."""
    shape = _shape(path.removeprefix(API_PREFIX))
    for endpoint in ENDPOINTS.values():
        if endpoint.method == "GET" and _shape(endpoint.template) == shape:
            return endpoint.category, endpoint.family
    family: Family = "phone" if shape[:1] == ("phone",) else "meetings"
    heavy = shape[:1] in (("report",), ("metrics",))
    return (Category.HEAVY if heavy else Category.MEDIUM), family


def _shape(template: str) -> tuple[str, ...]:
    return tuple("*" if part.startswith("{") else part for part in template.strip("/").split("/"))


def _path_safe(original: str) -> str:
    """A decrypted value as one URL segment: percent-encoded, and never `.` or `..`."""
    if original in ("", ".", ".."):
        raise TokenNotAccepted("the reversible token does not stand for an identifier")
    return quote(original, safe="@+=")


def _refusal(status: int, reason: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse(
        {"error": reason, "message": message},
        status_code=status,
        headers={"X-Zoombridge-Error": reason, "Cache-Control": "no-store", **headers},
    )


def _presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("x-api-key", "").strip() or None


def _raw_target(scope: Scope) -> str:
    """The path and query exactly as the caller sent them (percent-encoding untouched)."""
    raw = scope.get("raw_path") or scope["path"].encode()
    path = raw.decode("latin-1").partition("?")[0]
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{path}?{query}" if query else path


class PrivacyProxy:
    """The proxy as an ASGI application over one connection's Zoom client."""

    def __init__(
        self,
        client: ZoomClient,
        rules: CompiledRules,
        pseudonymizer: Pseudonymizer,
        keys: KeyChecker,
    ) -> None:
        if rules.needs_encryption_key and not pseudonymizer.can_reverse:
            raise ConfigurationError(
                f"{rules.source} makes reversible pseudonyms: set "
                "ZOOMBRIDGE_PRIVACY__ENCRYPTION_KEY (or ..._ENCRYPTION_KEY_FILE)"
            )
        outside = [e.path for e in rules.endpoints if not e.path.startswith(API_PREFIX + "/")]
        if outside:
            raise ConfigurationError(
                f"{rules.source}: the proxy serves Zoom's API under {API_PREFIX}/; "
                f"these rules are outside it: {', '.join(outside)}"
            )
        # httpx logs each request's URL at INFO (httpcore its traffic at DEBUG); upstream URLs
        # hold the real ids and e-mail addresses the callers' tokens stand for.
        for library in ("httpx", "httpcore"):
            quiet = logging.getLogger(library)
            quiet.setLevel(max(quiet.getEffectiveLevel(), logging.WARNING))
        self.client = client
        self.rules = rules
        self.keys = keys
        self.pseudonymizer = pseudonymizer
        self.values = Values(Sanitizer(pseudonymizer))
        self._plans = {id(e): Plan.of(e) for e in rules.endpoints}
        self._categories = {id(e): zoom_category(e.path) for e in rules.endpoints}
        self.identity = {
            "X-Zoombridge-Rules": rules.sha256,
            "X-Zoombridge-Pseudonyms": pseudonymizer.name,
            "X-Zoombridge-Salt-Fingerprint": pseudonymizer.fingerprint(),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # lifespan and websockets: nothing to start, nothing served
        request = Request(scope, receive)
        started = time.perf_counter()
        response, label = await self.handle(request)
        log.info(
            "%s %s -> %d in %.1f ms",
            request.method,
            label,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        await response(scope, receive, send)

    async def handle(self, request: Request) -> tuple[Response, str]:
        """The answer to one request, and what to call it in the log (never its path)."""
        oversized = self._oversized(request)
        if oversized is not None:
            return oversized, "(oversized)"
        key, host = _presented_key(request), request.client.host if request.client else None
        try:
            if self.keys.check_cached(key, host) is None:  # the catalog must be read
                await anyio.to_thread.run_sync(self.keys.check, key, host)
        except KeyRefused as exc:
            return _refusal(exc.status, exc.reason, str(exc)), "(refused key)"
        method, target = request.method.upper(), _raw_target(request.scope)
        decision = self.rules.decide(method, target)
        if decision.endpoint is None or not decision.allowed:
            reason = "method_not_allowed" if decision.status == 405 else "blocked_by_rules"
            return _refusal(decision.status, reason, decision.reason), "(blocked)"
        endpoint = decision.endpoint
        if _has_body(request):
            message = "this proxy forwards no request bodies"
            return _refusal(400, "body_not_forwarded", message), endpoint.path
        revealed: list[str] = []

        def escape(original: str) -> str:
            revealed.append(original)  # to scrub from Zoom's error messages
            return _path_safe(original)

        try:
            upstream = self.pseudonymizer.reveal_all(target.removeprefix(API_PREFIX), escape)
        except TokenNotAccepted as exc:
            message = f"{exc}; fetch the listing that gave you this token again"
            return _refusal(409, "token_not_accepted", message), endpoint.path
        return await self._forward(method, upstream, endpoint, revealed), endpoint.path

    def _oversized(self, request: Request) -> Response | None:
        size = sum(len(name) + len(value) for name, value in request.scope["headers"])
        if size > MAX_HEADER_BYTES:
            message = f"request headers over {MAX_HEADER_BYTES // 1024} KiB"
            return _refusal(431, "headers_too_large", message)
        if len(request.scope.get("raw_path") or b"") + len(request.scope["query_string"]) > (
            MAX_TARGET
        ):
            return _refusal(414, "url_too_long", f"the URL is over {MAX_TARGET} characters")
        return None

    async def _forward(
        self, method: str, upstream: str, endpoint: Endpoint, revealed: list[str]
    ) -> Response:
        category, family = self._categories[id(endpoint)]
        stack = AsyncExitStack()
        try:
            response = await stack.enter_async_context(
                self.client.passthrough("GET", upstream, category=category, family=family)
            )
        except ZoomBridgeError as exc:
            await stack.aclose()
            return self._upstream_failed(exc, endpoint)
        try:
            return await self._answer(method, response, endpoint, revealed, stack)
        except BaseException:
            await stack.aclose()
            raise

    def _upstream_failed(self, exc: ZoomBridgeError, endpoint: Endpoint) -> Response:
        if isinstance(exc, DailyLimitReached):
            wait = (exc.resume_at - self.client.clock.now()).total_seconds()
            return _refusal(
                429, "daily_limit", str(exc), **{"Retry-After": str(max(1, int(wait) + 1))}
            )
        if isinstance(exc, TransportError):
            return _refusal(502, "zoom_unreachable", "no answer from Zoom; try again later")
        if isinstance(exc, AuthenticationError):
            log.warning("Zoom refused the proxy's credentials for %s: %s", endpoint.path, exc)
            message = "Zoom refused this proxy's credentials; an administrator must check them"
            return _refusal(502, "zoom_credentials", message)
        log.warning("could not call Zoom for %s: %s", endpoint.path, exc)
        return _refusal(502, "zoom_failed", "the call to Zoom failed; try again later")

    def _headers(self, response: httpx.Response) -> dict[str, str]:
        passed = {
            name: value
            for name, value in response.headers.items()
            if name.startswith("x-ratelimit-") or name == "retry-after"
        }
        return {**passed, **self.identity, "Cache-Control": "no-store"}

    async def _answer(
        self,
        method: str,
        response: httpx.Response,
        endpoint: Endpoint,
        revealed: list[str],
        stack: AsyncExitStack,
    ) -> Response:
        headers = self._headers(response)
        status = response.status_code
        if status >= 400:
            body = await _read_bounded(response, MAX_ERROR_BODY)
            await stack.aclose()
            error = sanitized_error(status, body, self.pseudonymizer.pseudonymize, revealed)
            return JSONResponse(error, status_code=status, headers=headers)
        if method == "HEAD" or status == 204:
            await stack.aclose()
            return Response(status_code=status, headers=headers)
        if not 200 <= status < 300 or "json" not in response.headers.get("content-type", ""):
            await stack.aclose()
            kind = response.headers.get("content-type", "no content type")
            message = f"Zoom answered {status} with {kind}, not JSON; nothing is passed on"
            return _refusal(502, "zoom_answer_invalid", message)
        return await self._stream(response, endpoint, headers, stack)

    async def _stream(
        self,
        response: httpx.Response,
        endpoint: Endpoint,
        headers: dict[str, str],
        stack: AsyncExitStack,
    ) -> Response:
        stream = JsonStream(self.values, self._plans[id(endpoint)])
        chunks = response.aiter_bytes()
        held: list[bytes] = []
        size, finished = 0, False
        try:
            while size < HOLD_BYTES and not finished:
                try:
                    piece = stream.feed(await anext(chunks))
                except StopAsyncIteration:
                    piece, finished = stream.finish(), True
                held.append(piece)
                size += len(piece)
        except (UpstreamJsonError, httpx.HTTPError) as exc:
            await stack.aclose()
            log.warning("Zoom's answer for %s was unusable: %s", endpoint.path, exc)
            message = f"Zoom's answer could not be read ({exc}); nothing is passed on"
            return _refusal(502, "zoom_answer_invalid", message)
        status = response.status_code
        if finished:
            await stack.aclose()
            return Response(b"".join(held), status, headers, media_type=JSON_TYPE)
        body = _rest(b"".join(held), chunks, stream, stack, endpoint.path)
        return StreamingResponse(body, status, headers, media_type=JSON_TYPE)


async def _rest(
    first: bytes,
    chunks: AsyncIterator[bytes],
    stream: JsonStream,
    stack: AsyncExitStack,
    label: str,
) -> AsyncIterator[bytes]:
    """The held part, then the rest as it arrives; a bad tail ends the connection."""
    try:
        yield first
        async for chunk in chunks:
            piece = stream.feed(chunk)
            if piece:
                yield piece
        yield stream.finish()
    except (UpstreamJsonError, httpx.HTTPError) as exc:
        log.warning("Zoom's answer for %s broke off mid-stream: %s", label, exc)
        raise
    finally:
        await stack.aclose()


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length", "0").strip()
    return length not in ("", "0") or "transfer-encoding" in request.headers


async def _read_bounded(response: httpx.Response, limit: int) -> bytes:
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > limit:
            break
    return bytes(body[:limit])
