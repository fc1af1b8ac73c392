"""Access tokens for Zoom's API: Server-to-Server OAuth and the token-source seam.

A `TokenSource` hands out a valid access token and forgets one Zoom rejected. The client asks
for a token before each call and, on a 401/124, invalidates it and retries once.
`ServerToServerTokens` implements the `account_credentials` grant: one cached token per
account, refreshed a few minutes before it expires (with jitter, so a fleet does not refresh
in lockstep), and at most one refresh in flight however many calls are waiting.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx

from zoombridge.clock import Clock, SystemClock
from zoombridge.errors import (
    AuthenticationError,
    ReauthorizationNeeded,
    TransportError,
    ZoomServerError,
)

__all__ = [
    "AccessToken",
    "ServerToServerTokens",
    "TokenSource",
    "basic_auth",
    "json_object",
    "token_error",
]

log = logging.getLogger("zoombridge.zoom.auth")

REFRESH_MARGIN = timedelta(minutes=5)
REFRESH_JITTER_SECONDS = 120.0


@dataclass(frozen=True)
class AccessToken:
    """A bearer token. Its value never appears in repr, str or logs."""

    value: str = field(repr=False)
    expires_at: datetime
    scopes: frozenset[str] = frozenset()
    api_url: str | None = None
    refresh_at: datetime | None = None

    def fresh(self, now: datetime) -> bool:
        return now < (self.refresh_at or self.expires_at)


class TokenSource(Protocol):
    async def token(self) -> AccessToken:
        """A token that is valid now."""

    async def invalidate(self, token: AccessToken) -> None:
        """Zoom rejected `token`; the next `token()` must not return it."""


def basic_auth(client_id: str, client_secret: str) -> str:
    raw = f"{client_id}:{client_secret}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The response's JSON object, or {} if the body is not one."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def token_error(response: httpx.Response, what: str) -> AuthenticationError | ZoomServerError:
    """Turn an error from Zoom's token endpoint into a message a person can act on.

    `invalid_grant` (a used, revoked or rotated code or refresh token) is
    ReauthorizationNeeded: only sending the user through authorize again helps.
    """
    if response.status_code >= 500:
        return ZoomServerError(
            f"Zoom's OAuth endpoint failed ({response.status_code}) during {what}; retry later.",
            status=response.status_code,
            method="POST",
            path=response.request.url.path,
        )
    body = json_object(response)
    reason = str(body.get("reason") or body.get("message") or response.reason_phrase)
    error = str(body.get("error") or body.get("code") or "")
    hint = {
        "invalid_client": "check the client id and client secret of the Zoom app",
        "invalid_request": "check the account id (Zoom: " + reason + ")",
        "unsupported_grant_type": "the Zoom app is not of the right type for this grant",
        "invalid_grant": "the authorization is no longer valid; authorize the app again",
    }.get(error, "check the Zoom app's credentials")
    cls = ReauthorizationNeeded if error == "invalid_grant" else AuthenticationError
    return cls(
        f"Zoom refused {what}: {reason} ({error or response.status_code}); {hint}.",
        status=response.status_code,
        zoom_message=reason,
        method="POST",
        path=response.request.url.path,
    )


def parse_token_response(
    body: dict[str, Any], now: datetime, jitter: float
) -> tuple[AccessToken, str | None]:
    """An AccessToken (and the refresh token, if any) from Zoom's token JSON."""
    value = body.get("access_token")
    if not isinstance(value, str) or not value:
        raise AuthenticationError("Zoom's token response has no access_token")
    lifetime = float(body.get("expires_in") or 3600)
    expires_at = now + timedelta(seconds=lifetime)
    margin = min(REFRESH_MARGIN.total_seconds() + jitter, lifetime / 2)
    scope = body.get("scope") or ""
    token = AccessToken(
        value=value,
        expires_at=expires_at,
        scopes=frozenset(str(scope).split()),
        api_url=body.get("api_url") or None,
        refresh_at=expires_at - timedelta(seconds=margin),
    )
    refresh = body.get("refresh_token")
    return token, refresh if isinstance(refresh, str) and refresh else None


class ServerToServerTokens:
    """The `account_credentials` grant for one account, cached and refreshed single-flight."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        oauth_url: str,
        account_id: str,
        client_id: str,
        client_secret: str,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._http = http
        self._token_url = oauth_url.rstrip("/") + "/oauth/token"
        self._account_id = account_id
        self._auth = basic_auth(client_id, client_secret)
        self._clock = clock or SystemClock()
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrecy
        self._current: AccessToken | None = None
        self._lock = asyncio.Lock()
        self.refreshes = 0

    def __repr__(self) -> str:
        return f"ServerToServerTokens(account_id={self._account_id!r})"

    async def token(self) -> AccessToken:
        current = self._current
        if current and current.fresh(self._clock.now()):
            return current
        async with self._lock:
            current = self._current
            if current and current.fresh(self._clock.now()):
                return current
            self._current = await self._fetch()
            return self._current

    async def invalidate(self, token: AccessToken) -> None:
        async with self._lock:
            if self._current is not None and self._current.value == token.value:
                self._current = None

    async def _fetch(self) -> AccessToken:
        form = {"grant_type": "account_credentials", "account_id": self._account_id}
        try:
            response = await self._http.post(
                self._token_url, data=form, headers={"Authorization": self._auth}
            )
        except httpx.TransportError as exc:
            raise TransportError(
                f"cannot reach Zoom's OAuth endpoint {self._token_url}: {type(exc).__name__}",
                method="POST",
                path="/oauth/token",
            ) from None
        if response.status_code != 200:
            raise token_error(response, "the Server-to-Server token request")
        token, _ = parse_token_response(
            json_object(response),
            self._clock.now(),
            self._rng.uniform(0, REFRESH_JITTER_SECONDS),
        )
        self.refreshes += 1
        log.info(
            "new Zoom access token for account %s (refresh #%d)", self._account_id, self.refreshes
        )
        return token
