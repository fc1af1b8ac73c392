"""Authorization-code OAuth with PKCE, for Zoom "General" apps that act for a user.

Zoom rotates refresh tokens: every refresh answers with a new refresh token and the old one
stops working. Two rules follow, and this module keeps both:

1. The new grant is saved (atomically, replacing exactly the grant we refreshed from) before
   the old one is forgotten; a `GrantStore` does compare-and-swap on the refresh token.
2. If the refresh request was sent but its answer was lost, we cannot know whether Zoom
   rotated. Retrying with the old token is a blind guess; instead the grant is marked as
   needing re-authorization and `ReauthorizationNeeded` is raised.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode

import httpx

from zoombridge.clock import Clock, SystemClock
from zoombridge.errors import InvalidInput, ReauthorizationNeeded, TransportError
from zoombridge.zoom.auth import (
    REFRESH_MARGIN,
    AccessToken,
    basic_auth,
    json_object,
    parse_token_response,
    token_error,
)

__all__ = [
    "AuthorizationCodeFlow",
    "AuthorizationRequest",
    "FileGrantStore",
    "GrantStore",
    "MemoryGrantStore",
    "UserGrant",
    "UserTokens",
]


@dataclass(frozen=True)
class AuthorizationRequest:
    """What to remember between sending the user to Zoom and Zoom sending them back."""

    url: str
    state: str = field(repr=False)
    code_verifier: str = field(repr=False)
    redirect_uri: str


@dataclass(frozen=True)
class UserGrant:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    scopes: frozenset[str] = frozenset()
    api_url: str | None = None
    needs_reauthorization: str | None = None

    def access(self) -> AccessToken:
        """The access token, due for refresh a few minutes before it expires."""
        return AccessToken(
            self.access_token,
            self.expires_at,
            self.scopes,
            self.api_url,
            refresh_at=self.expires_at - REFRESH_MARGIN,
        )


class GrantStore(Protocol):
    async def load(self) -> UserGrant | None: ...

    async def replace(self, old_refresh_token: str | None, new: UserGrant) -> None:
        """Save `new` only if the stored grant still has `old_refresh_token` (else raise)."""

    async def mark_reauthorization_needed(self, reason: str) -> None: ...


class StaleGrant(Exception):
    """Another process rotated the grant first; reload and use theirs."""


class MemoryGrantStore:
    def __init__(self, grant: UserGrant | None = None) -> None:
        self._grant = grant
        self._lock = asyncio.Lock()

    async def load(self) -> UserGrant | None:
        return self._grant

    async def replace(self, old_refresh_token: str | None, new: UserGrant) -> None:
        async with self._lock:
            current = self._grant.refresh_token if self._grant else None
            if current != old_refresh_token:
                raise StaleGrant("the stored grant changed underneath us")
            self._grant = new

    async def mark_reauthorization_needed(self, reason: str) -> None:
        if self._grant:
            self._grant = replace(self._grant, needs_reauthorization=reason)


class FileGrantStore:
    """A grant in a JSON file (mode 0600), replaced with write-to-temp, fsync and rename."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    async def load(self) -> UserGrant | None:
        if not self.path.exists():
            return None
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return UserGrant(
            access_token=data["access_token"],
            refresh_token=data["refresh_token"],
            expires_at=datetime.fromisoformat(data["expires_at"]),
            scopes=frozenset(data.get("scopes", [])),
            api_url=data.get("api_url"),
            needs_reauthorization=data.get("needs_reauthorization"),
        )

    async def replace(self, old_refresh_token: str | None, new: UserGrant) -> None:
        async with self._lock:
            current = await self.load()
            if (current.refresh_token if current else None) != old_refresh_token:
                raise StaleGrant("the stored grant changed underneath us")
            self._write(new)

    async def mark_reauthorization_needed(self, reason: str) -> None:
        async with self._lock:
            current = await self.load()
            if current:
                self._write(replace(current, needs_reauthorization=reason))

    def _write(self, grant: UserGrant) -> None:
        data = asdict(grant)
        data["expires_at"] = grant.expires_at.isoformat()
        data["scopes"] = sorted(grant.scopes)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".grant-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class AuthorizationCodeFlow:
    """Build the authorize URL, exchange the code, refresh with rotation, revoke."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        client_id: str,
        client_secret: str,
        oauth_url: str = "https://zoom.us",
        clock: Clock | None = None,
    ) -> None:
        self._http = http
        self._client_id = client_id
        self._auth = basic_auth(client_id, client_secret)
        self._base = oauth_url.rstrip("/")
        self._clock = clock or SystemClock()

    def authorization_request(self, redirect_uri: str) -> AuthorizationRequest:
        state = secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self._client_id,
                "redirect_uri": redirect_uri,
                "state": state,
                "code_challenge": pkce_challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        return AuthorizationRequest(
            f"{self._base}/oauth/authorize?{query}", state, verifier, redirect_uri
        )

    async def exchange(self, request: AuthorizationRequest, *, code: str, state: str) -> UserGrant:
        """Trade the code from the redirect for a grant, after checking `state`."""
        if not hmac.compare_digest(state.encode(), request.state.encode()):
            raise InvalidInput("the OAuth state does not match this login; start again")
        if not code:
            raise InvalidInput("Zoom's redirect carried no authorization code")
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": request.redirect_uri,
            "code_verifier": request.code_verifier,
        }
        return await self._token_call(form, "the authorization-code exchange", lost_is_fatal=False)

    async def refresh(self, store: GrantStore) -> UserGrant:
        """Rotate the stored grant; the new one is saved before it is returned."""
        old = await store.load()
        if old is None:
            raise ReauthorizationNeeded("no Zoom authorization is stored; authorize the app")
        if old.needs_reauthorization:
            raise ReauthorizationNeeded(
                f"the Zoom authorization needs renewing: {old.needs_reauthorization}"
            )
        form = {"grant_type": "refresh_token", "refresh_token": old.refresh_token}
        try:
            new = await self._token_call(form, "the token refresh", lost_is_fatal=True)
        except ReauthorizationNeeded as exc:
            rotated = await _rotated_by_someone_else(store, old)
            if rotated is not None:
                return rotated  # a concurrent worker used the token first and saved its grant
            await store.mark_reauthorization_needed(str(exc))
            raise
        try:
            await store.replace(old.refresh_token, new)
        except StaleGrant:
            # Another worker rotated concurrently and saved first: its grant is the live one.
            latest = await store.load()
            if latest is None:
                raise ReauthorizationNeeded("the Zoom authorization vanished") from None
            return latest
        return new

    async def revoke(self, token: str) -> None:
        response = await self._post(f"{self._base}/oauth/revoke", {"token": token}, False)
        if response.status_code != 200:
            raise token_error(response, "the token revocation")

    async def _token_call(
        self, form: dict[str, str], what: str, *, lost_is_fatal: bool
    ) -> UserGrant:
        response = await self._post(f"{self._base}/oauth/token", form, lost_is_fatal)
        if response.status_code != 200:
            raise token_error(response, what)  # invalid_grant: ReauthorizationNeeded
        token, refresh = parse_token_response(json_object(response), self._clock.now(), 0.0)
        if refresh is None:
            raise ReauthorizationNeeded(f"Zoom's answer to {what} had no refresh token")
        return UserGrant(token.value, refresh, token.expires_at, token.scopes, token.api_url)

    async def _post(self, url: str, form: dict[str, str], lost_is_fatal: bool) -> httpx.Response:
        try:
            return await self._http.post(url, data=form, headers={"Authorization": self._auth})
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransportError(f"cannot reach {url}: {type(exc).__name__}") from None
        except httpx.TransportError as exc:
            if lost_is_fatal:
                raise ReauthorizationNeeded(
                    "the answer to a Zoom token refresh was lost "
                    f"({type(exc).__name__}); Zoom may have rotated the refresh token, so the "
                    "old one cannot be trusted: the user must authorize the app again"
                ) from None
            raise TransportError(f"no answer from {url}: {type(exc).__name__}") from None


async def _rotated_by_someone_else(store: GrantStore, used: UserGrant) -> UserGrant | None:
    latest = await store.load()
    if latest is None or latest.needs_reauthorization:
        return None
    return latest if latest.refresh_token != used.refresh_token else None


class UserTokens:
    """A TokenSource over a stored user grant: refreshes (single-flight) when it expires.

    The access token is kept in memory while it is fresh; the store is read again only when
    it is due for refresh or Zoom rejected it, not on every API call.
    """

    def __init__(self, flow: AuthorizationCodeFlow, store: GrantStore, clock: Clock | None = None):
        self._flow = flow
        self._store = store
        self._clock = clock or SystemClock()
        self._lock = asyncio.Lock()
        self._rejected: str | None = None
        self._current: AccessToken | None = None

    async def token(self) -> AccessToken:
        if self._current is not None and self._usable(self._current):
            return self._current
        async with self._lock:
            if self._current is not None and self._usable(self._current):
                return self._current  # another caller refreshed while this one waited
            grant = await self._store.load()
            if grant is None:
                raise ReauthorizationNeeded("no Zoom authorization is stored; authorize the app")
            access = grant.access()
            if not self._usable(access):
                access = (await self._flow.refresh(self._store)).access()
            self._current = access
            return access

    def _usable(self, token: AccessToken) -> bool:
        return token.fresh(self._clock.now()) and token.value != self._rejected

    async def invalidate(self, token: AccessToken) -> None:
        self._rejected = token.value
