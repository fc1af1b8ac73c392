"""What every emulated /v2 call goes through: token, scopes, faults, rate limits, errors.

A route is declared with Zoom's path template, its rate-limit label and the scopes that allow
it; `endpoint(route)` wraps the handler so that the checks happen in Zoom's order and their
failures come back with Zoom's status codes and bodies.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from zoombridge.emulator.limiter import HEADER_NAME, Label
from zoombridge.emulator.paging import PagingError, page_of
from zoombridge.emulator.tokens import IssuedToken
from zoombridge.emulator.world import EmuUser, World

__all__ = ["ApiError", "ApiRoute", "Call", "endpoint", "iso", "zoom_json"]

MAX_JSON_BODY = 256 * 1024


class ApiError(Exception):
    def __init__(self, status: int, code: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def response(self, headers: dict[str, str] | None = None) -> Response:
        body = {"code": self.code, "message": self.message, **self.extra}
        return zoom_json(body, self.status, headers)


def zoom_json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    content = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(content, status, headers, media_type="application/json;charset=UTF-8")


def iso(value: datetime | None) -> str:
    """Zoom's time format: UTC with a Z."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


@dataclass
class Call:
    """One authenticated API call as a handler sees it."""

    request: Request
    world: World
    token: IssuedToken
    ids: dict[str, str]

    @property
    def query(self) -> Any:
        return self.request.query_params

    def user(self, name: str = "userId", code: int = 1001) -> EmuUser:
        """The path user (`me`: the token's user, else the owner); 404 with `code` if none."""
        key = self.ids[name]
        if key == "me" and self.token.user_id:
            key = self.token.user_id
        user = self.world.find_user(key)
        if user is None:
            raise ApiError(404, code, f"User does not exist: {self.ids[name]}.")
        return user

    async def json(self) -> dict[str, Any]:
        raw = await self.request.body()
        if len(raw) > MAX_JSON_BODY:
            raise ApiError(400, 300, "Request Body is too large.")
        try:
            data = json.loads(raw or b"null")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise ApiError(400, 300, "Request Body should be a valid JSON object.")
        return data

    def date_param(self, name: str) -> date | None:
        raw = self.query.get(name)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            raise ApiError(400, 300, f"Invalid field: {name}.") from None

    def page(self, items: list[dict[str, Any]], items_key: str, **kw: Any) -> dict[str, Any]:
        key = f"{self.request.url.path}?" + "&".join(
            f"{k}={v}"
            for k, v in sorted(self.query.items())
            if k not in ("next_page_token", "page_size")
        )
        forced = bool(self.query.get("next_page_token")) and self.world.faults.take(
            "expire_page_tokens"
        )
        try:
            return page_of(
                self.world.page_tokens,
                self.query,
                key,
                items,
                items_key,
                force_expired=forced,
                **kw,
            )
        except PagingError as exc:
            raise ApiError(400, 300, str(exc)) from None


Handler = Callable[[Call], Awaitable[Response]]


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str  # Zoom's template under /v2
    label: Label
    scopes: tuple[str, ...]  # any one of these allows the call; the first is named on 4711
    handler: Handler
    family: str = "meetings"
    host_of: Callable[[Call], str | None] | None = None  # counts against the per-host cap


def _decoded_ids(request: Request) -> dict[str, str]:
    """Path ids after Zoom's second decoding (double-encoded UUIDs arrive as `%2F...`)."""
    return {k: unquote(v) if "%" in v else v for k, v in request.path_params.items()}


def _authenticate(world: World, request: Request) -> IssuedToken:
    if "access_token" in request.query_params:
        raise ApiError(401, 124, "Invalid access token.")
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer ") or not header[7:].strip():
        raise ApiError(401, 124, "Requires an access token.")
    token, why = world.tokens.valid_access(header[7:].strip())
    if token is None:
        raise ApiError(401, 124, why)
    return token


def _injected_fault(world: World) -> Response | None:
    faults = world.faults
    if faults.draw("rate_limit_storm", "rate_limit_rate", world.rng):
        return ApiError(
            429,
            429,
            "You have reached the maximum per-second rate limit for this API. Try again later.",
        ).response()
    if faults.draw("server_errors", "server_error_rate", world.rng):
        status = world.rng.choice((500, 502, 503, 504))
        if status == 500:
            return zoom_json({"code": 500, "message": "Internal Server Error"}, 500)
        return HTMLResponse(f"<html><body><h1>{status}</h1></body></html>", status_code=status)
    return None


def endpoint(route: ApiRoute) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        world: World = request.app.state.world
        if world.faults.slow_api_seconds:
            await asyncio.sleep(world.faults.slow_api_seconds)
        try:
            token = _authenticate(world, request)
            if not token.scopes.intersection(route.scopes):
                raise ApiError(
                    400, 4711, f"Invalid access token, does not contain scopes:[{route.scopes[0]}]"
                )
            if world.faults.daily_limit_exhausted:
                world.faults.daily_limit_exhausted = False
                for family in ("meetings", "phone"):
                    world.limiter.exhaust_daily(world.account_id, world.plan, family)
            fault = _injected_fault(world)
            if fault is not None:
                return fault
            call = Call(request, world, token, _decoded_ids(request))
            refusal = world.limiter.check(
                world.account_id,
                world.plan,
                route.family,
                route.label,
                route.host_of(call) if route.host_of else None,
            )
            if refusal is not None:
                return ApiError(429, 429, refusal.message).response(refusal.headers)
            response = await route.handler(call)
        except ApiError as exc:
            response = exc.response()
        if world.rate_headers == "always":
            response.headers["X-RateLimit-Category"] = HEADER_NAME[route.label]
        return response

    run.__name__ = f"{route.method.lower()}_{route.path}"
    return run
