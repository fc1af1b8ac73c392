"""ZoomClient: one account's authenticated, paced, retrying door to Zoom's REST API.

The send path gives each concern one method:

    request -> _send_with_retry    429 back-off, retries of retriable failures
            -> _send_paced         the rate budget: wait for a slot, report the answer's time
            -> _send_authorized    bearer token, one refresh-and-retry on 401
            -> _send_once          timeout, transport errors, rate headers, logging

The HTTP transport is the seam: pass `transport=` or `mounts=` (e.g. `httpx.ASGITransport` over
the emulator) and the client talks to that instead of the network. Tokens travel only in the
Authorization header and are never logged.
"""

from __future__ import annotations

import json as jsonlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Mapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from zoombridge.clock import Clock, SystemClock
from zoombridge.errors import (
    DailyLimitReached,
    HostDailyLimitReached,
    NotMediaError,
    RateLimited,
    TransportError,
    ZoomServerError,
)
from zoombridge.zoom.auth import AccessToken, ServerToServerTokens, TokenSource
from zoombridge.zoom.download import Download, default_timeout, open_download
from zoombridge.zoom.endpoints import Endpoint
from zoombridge.zoom.errormap import error_from_response
from zoombridge.zoom.pagination import month_windows, paginate
from zoombridge.zoom.ratelimit import Category, Family, Plan, RateBudget

T = TypeVar("T")

__all__ = ["DEFAULT_API_URL", "DEFAULT_OAUTH_URL", "CallStats", "ZoomClient"]

log = logging.getLogger("zoombridge.zoom")

DEFAULT_API_URL = "https://api.zoom.us/v2"
DEFAULT_OAUTH_URL = "https://zoom.us"
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "PATCH"})
Params = Mapping[str, str | int | bool | None]


class ZoomClient:
    """Async client for one Zoom account. Use it as `async with ZoomClient(...) as zoom:`."""

    def __init__(
        self,
        *,
        account_id: str = "",
        client_id: str = "",
        client_secret: str = "",
        tokens: TokenSource | None = None,
        api_url: str = DEFAULT_API_URL,
        oauth_url: str = DEFAULT_OAUTH_URL,
        plan: Plan = "pro",
        proxy: str | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        mounts: Mapping[str, httpx.AsyncBaseTransport | None] | None = None,
        clock: Clock | None = None,
        budget: RateBudget | None = None,
        max_attempts: int = 5,
        rng: random.Random | None = None,
    ) -> None:
        self.clock = clock or SystemClock()
        self.budget = budget or RateBudget(plan, clock=self.clock)
        self.max_attempts = max_attempts
        self.stats = CallStats()
        self._rng = rng or random.Random()  # noqa: S311 - back-off jitter
        self._api_path = urlsplit(api_url).path.rstrip("/")
        self._api_url = api_url.rstrip("/")
        self._timeout = default_timeout(timeout)
        # Another process can reach Zoom as this client does only over the network.
        self._route = None if transport is not None or mounts else (proxy, timeout)
        self.http = httpx.AsyncClient(
            transport=transport,
            mounts=dict(mounts) if mounts else None,
            proxy=proxy,
            timeout=self._timeout,
            headers={"User-Agent": "zoombridge", "Accept": "application/json"},
        )
        if tokens is None:
            tokens = ServerToServerTokens(
                self.http,
                oauth_url=oauth_url,
                account_id=account_id,
                client_id=client_id,
                client_secret=client_secret,
                clock=self.clock,
            )
        self.tokens = tokens

    @property
    def download_route(self) -> tuple[str | None, float] | None:
        """(proxy, timeout) for opening downloads from another process as this client
        does; None when this client talks through a transport of its own process (the
        tests' in-process emulator), which no other process can use."""
        return self._route

    async def __aenter__(self) -> ZoomClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    def api_base(self, token: AccessToken) -> str:
        """Zoom's regional host from the token, if it named one, with our API path."""
        if token.api_url:
            return token.api_url.rstrip("/") + self._api_path
        return self._api_url

    async def request(
        self,
        method: str,
        path: str,
        *,
        category: Category,
        family: Family = "meetings",
        params: Params | None = None,
        json: Any = None,
        host: str | None = None,
    ) -> Any:
        """Call `method path` (path under /v2, ids already encoded); return the parsed JSON.

        `host` marks a meeting/webinar create or update for that host, which counts against
        Zoom's 100-a-day per-host limit. A 204 answer returns None.
        """
        if host is not None:
            self.budget.acquire_host_write(host)
        clean = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        content = None if json is None else jsonlib.dumps(json).encode()
        call = _Call(method, path, category, family, clean, content, host)
        response = await self._send_with_retry(call)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ZoomServerError(
                f"Zoom {method} {path} answered {response.status_code} with a body that is "
                "not JSON; retrying later",
                status=response.status_code,
                method=method,
                path=path,
            ) from None

    def paginate(
        self,
        path: str,
        items_key: str,
        *,
        category: Category,
        family: Family = "meetings",
        params: Params | None = None,
        page_size: int = 300,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every item of a paged list, restarting the walk if a page token expires."""
        base = dict(params or {})
        base["page_size"] = page_size

        async def fetch(token: str | None) -> dict[str, Any]:
            page = await self.request(
                "GET",
                path,
                category=category,
                family=family,
                params={**base, "next_page_token": token},
            )
            return page if isinstance(page, dict) else {}

        return paginate(fetch, items_key, item_key=_item_identity)

    async def call(
        self,
        endpoint: Endpoint,
        *,
        params: Params | None = None,
        json: Any = None,
        host: str | None = None,
        **ids: str | int,
    ) -> Any:
        """Call one endpoint of the table, filling its path ids."""
        return await self.request(
            endpoint.method,
            endpoint.path(**ids),
            category=endpoint.category,
            family=endpoint.family,
            params=params,
            json=json,
            host=host,
        )

    def pages(
        self,
        endpoint: Endpoint,
        items_key: str,
        *,
        params: Params | None = None,
        page_size: int = 300,
        **ids: str | int,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every item of one paged endpoint of the table."""
        return self.paginate(
            endpoint.path(**ids),
            items_key,
            category=endpoint.category,
            family=endpoint.family,
            params=params,
            page_size=page_size,
        )

    async def pages_by_month(
        self,
        endpoint: Endpoint,
        items_key: str,
        start: date,
        end: date,
        *,
        params: Params | None = None,
        **ids: str | int,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every item between two dates, one calendar month (Zoom's widest range) per window."""
        path = endpoint.path(**ids)
        for from_, to in month_windows(start, end):
            window = {**(params or {}), "from": from_.isoformat(), "to": to.isoformat()}
            pages = self.paginate(
                path, items_key, category=endpoint.category, family=endpoint.family, params=window
            )
            async for item in pages:
                yield item

    @asynccontextmanager
    async def download(
        self,
        url: str,
        *,
        bearer: str | None = None,
        offset: int = 0,
        expected_extension: str | None = None,
    ) -> AsyncIterator[Download]:
        """Open a recording download (Bearer header, redirects followed, error pages refused).

        `bearer` is a download_access_token or webhook download_token; without it the
        account's access token is used, refreshed once if Zoom answers with an error page.
        """

        def opened(value: str) -> AbstractAsyncContextManager[Download]:
            return open_download(self.http, url, value, offset, expected_extension)

        if bearer:
            async with opened(bearer) as download:
                yield download
            return
        async with AsyncExitStack() as stack:
            yield await self.with_download_token(
                lambda value: stack.enter_async_context(opened(value))
            )

    async def with_download_token(self, fetch: Callable[[str], Awaitable[T]]) -> T:
        """`fetch(access token)`, once more with a fresh token if it raises NotMediaError:
        Zoom answers a download with an expired token with an HTML page, not a 401."""
        token = await self.tokens.token()
        try:
            return await fetch(token.value)
        except NotMediaError:
            await self.tokens.invalidate(token)
            fresh = await self.tokens.token()
            return await fetch(fresh.value)

    @asynccontextmanager
    async def passthrough(
        self,
        method: str,
        target: str,
        *,
        category: Category,
        family: Family = "meetings",
    ) -> AsyncIterator[httpx.Response]:
        """One call whose answer, of any status, is handed over unread (for a proxy that
        passes Zoom's answers on, body streamed): paced by the budget and authorized (one
        refresh on 401) like every call, but not retried and not mapped to an exception, so
        a 429 reaches the caller with its headers. `target` is the path under /v2 and its
        query, already encoded. The budget learns from the answer's rate-limit headers."""
        slot = await self.budget.acquire(category, family)
        try:
            token = await self.tokens.token()
            response = await self._open(method, target, token)
            if response.status_code == 401:
                await response.aclose()
                await self.tokens.invalidate(token)
                response = await self._open(method, target, await self.tokens.token())
        finally:
            self.budget.done(slot)
        try:
            await self._learn(response, target, category, family)
            yield response
        finally:
            await response.aclose()

    async def _open(self, method: str, target: str, token: AccessToken) -> httpx.Response:
        request = self.http.build_request(
            method,
            self.api_base(token) + target,
            headers={"Authorization": f"Bearer {token.value}"},
        )
        try:
            response = await self.http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise _transport_error(exc, method, target.partition("?")[0]) from None
        self.stats.api_calls += 1
        return response

    async def _learn(
        self, response: httpx.Response, target: str, category: Category, family: Family
    ) -> None:
        """What a passed-through answer tells the budget: its headers, and a 429 read as
        every call's 429 is (the body is small and stays readable for the caller)."""
        self.budget.observe(category, response.headers, family)
        if response.status_code != 429:
            return
        self.stats.rate_limited += 1
        await response.aread()
        path = target.partition("?")[0]
        refusal = error_from_response(response, response.request.method, path, self.clock.now())
        if isinstance(refusal, DailyLimitReached | RateLimited):
            self._heed(refusal, category, family, attempt=1)

    def _heed(
        self,
        refusal: DailyLimitReached | RateLimited,
        category: Category,
        family: Family,
        attempt: int,
    ) -> float:
        """Tell the budget about a 429: a spent daily quota (one host's, or a category's)
        pauses until it resets; a per-second refusal holds the category. Returns the hold."""
        if isinstance(refusal, HostDailyLimitReached):
            self.budget.pause_host(refusal.host, refusal.resume_at)
            return 0.0
        if isinstance(refusal, DailyLimitReached):
            self.budget.pause_daily(category, refusal.resume_at, "Zoom answered 429", family)
            return 0.0
        wait = refusal.retry_after if refusal.retry_after is not None else self._backoff(attempt)
        self.budget.hold(category, wait, family)
        return wait

    async def _send_with_retry(self, call: _Call) -> httpx.Response:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._send_paced(call)
            except DailyLimitReached as exc:
                self._heed(exc, call.category, call.family, attempt)
                raise
            except RateLimited as exc:
                wait = self._heed(exc, call.category, call.family, attempt)
                if attempt >= self.max_attempts:
                    raise
                log.info("429 from Zoom on %s; holding %s for %.1fs", call, call.category, wait)
            except (ZoomServerError, TransportError) as exc:
                if attempt >= self.max_attempts or not _retry_allowed(call.method, exc):
                    raise
                wait = self._backoff(attempt)
                log.info("%s; retry %d in %.1fs", exc, attempt, wait)
                await self.clock.sleep(wait)

    async def _send_paced(self, call: _Call) -> httpx.Response:
        """Wait for the rate budget, send, and tell the budget when the answer came."""
        slot = await self.budget.acquire(call.category, call.family)
        try:
            return await self._send_authorized(call)
        finally:
            self.budget.done(slot)

    async def _send_authorized(self, call: _Call) -> httpx.Response:
        token = await self.tokens.token()
        response = await self._send_once(call, token)
        if response.status_code == 401:
            # An expired or revoked token (124): get a new one, once.
            await self.tokens.invalidate(token)
            token = await self.tokens.token()
            response = await self._send_once(call, token)
        if response.status_code >= 400:
            raise error_from_response(response, call.method, call.path, self.clock.now(), call.host)
        return response

    async def _send_once(self, call: _Call, token: AccessToken) -> httpx.Response:
        url = self.api_base(token) + call.path
        headers = {"Authorization": f"Bearer {token.value}"}
        if call.content is not None:
            headers["Content-Type"] = "application/json"
        started = self.clock.monotonic()
        try:
            response = await self.http.request(
                call.method, url, params=call.params, content=call.content, headers=headers
            )
        except httpx.TransportError as exc:
            raise _transport_error(exc, call.method, call.path) from None
        self.stats.api_calls += 1
        if response.status_code == 429:
            self.stats.rate_limited += 1
        self.budget.observe(call.category, response.headers, call.family)
        elapsed_ms = (self.clock.monotonic() - started) * 1000
        log.debug("%s -> %d (%.0f ms)", call, response.status_code, elapsed_ms)
        return response

    def _backoff(self, attempt: int) -> float:
        base: float = min(30.0, 0.5 * 2 ** (attempt - 1))
        return base * (0.5 + self._rng.random() / 2)


@dataclass
class CallStats:
    """What this client has sent: every request Zoom answered, and how many were 429s."""

    api_calls: int = 0
    rate_limited: int = 0


@dataclass(frozen=True)
class _Call:
    """One API call as it travels down the send path (never holds the token)."""

    method: str
    path: str
    category: Category
    family: Family
    params: dict[str, str]
    content: bytes | None  # the JSON body, encoded once for every attempt
    host: str | None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _retry_allowed(method: str, exc: Exception) -> bool:
    """5xx and lost answers are retried only where repeating the call cannot duplicate it."""
    if method in IDEMPOTENT:
        return True
    return isinstance(exc, TransportError) and not exc.request_sent


def _transport_error(exc: httpx.TransportError, method: str, path: str) -> TransportError:
    not_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    return TransportError(
        f"no answer from Zoom for {method} {path}: {type(exc).__name__}; retrying later",
        method=method,
        path=path,
        request_sent=not not_sent,
    )


def _param(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _item_identity(item: dict[str, Any]) -> Hashable:
    for key in ("uuid", "id", "call_id", "email"):
        if item.get(key) not in (None, ""):
            return (key, str(item[key]))
    return ("json", jsonlib.dumps(item, sort_keys=True))
