"""Tokens the emulated Zoom hands out: access, refresh (rotating), codes, download tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from zoombridge.clock import Clock

__all__ = ["AuthCode", "IssuedToken", "TokenStore"]

CODE_LIFETIME = timedelta(minutes=5)


@dataclass
class IssuedToken:
    value: str = field(repr=False)
    client_id: str
    scopes: frozenset[str]
    expires_at: datetime
    user_id: str | None = None  # None for Server-to-Server tokens
    revoked: bool = False


@dataclass
class AuthCode:
    client_id: str
    redirect_uri: str
    user_id: str
    expires_at: datetime
    code_challenge: str | None
    code_challenge_method: str | None


@dataclass
class DownloadGrant:
    instance_uuid: str
    expires_at: datetime


class TokenStore:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.access: dict[str, IssuedToken] = {}
        self.refresh: dict[str, IssuedToken] = {}
        self.codes: dict[str, AuthCode] = {}
        self.downloads: dict[str, DownloadGrant] = {}

    def issue_access(
        self, client_id: str, scopes: frozenset[str], ttl: int, user_id: str | None = None
    ) -> IssuedToken:
        token = IssuedToken(
            _token("eyJzdiI6IjAwMDAwMSIsImFsZyI6IkhTNTEyIn0."),
            client_id,
            scopes,
            self._clock.now() + timedelta(seconds=ttl),
            user_id,
        )
        self.access[token.value] = token
        return token

    def revoke_access_of(self, client_id: str, user_id: str | None) -> None:
        """A new token for the same app and user invalidates older ones (legacy mode / re-auth)."""
        for token in self.access.values():
            if token.client_id == client_id and token.user_id == user_id:
                token.revoked = True

    def valid_access(self, value: str) -> tuple[IssuedToken | None, str]:
        """The token if usable, else (None, Zoom's message for why not)."""
        token = self.access.get(value)
        if token is None or token.revoked:
            return None, "Invalid access token."
        if token.expires_at <= self._clock.now():
            return None, "Access token has expired."
        return token, ""

    def expire_all_access(self) -> int:
        """Fault: every live access token expires now (e.g. a clock jump on Zoom's side)."""
        now = self._clock.now()
        for token in self.access.values():
            token.expires_at = min(token.expires_at, now)
        return len(self.access)

    def issue_refresh(self, access: IssuedToken, days: int) -> IssuedToken:
        token = IssuedToken(
            _token("eyJ0eXAiOiJyZWZyZXNoIn0."),
            access.client_id,
            access.scopes,
            self._clock.now() + timedelta(days=days),
            access.user_id,
        )
        self.refresh[token.value] = token
        return token

    def take_refresh(self, value: str, client_id: str) -> IssuedToken | None:
        """Use a refresh token: it works exactly once (rotation), for its own app."""
        token = self.refresh.get(value)
        if token is None or token.revoked or token.client_id != client_id:
            return None
        token.revoked = True
        return token if token.expires_at > self._clock.now() else None

    def issue_code(self, code: AuthCode) -> str:
        value = secrets.token_urlsafe(24)
        self.codes[value] = code
        return value

    def take_code(self, value: str) -> AuthCode | None:
        code = self.codes.pop(value, None)  # single use
        if code is None or code.expires_at <= self._clock.now():
            return None
        return code

    def issue_download(self, instance_uuid: str, ttl: timedelta) -> str:
        value = _token("eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.")
        self.downloads[value] = DownloadGrant(instance_uuid, self._clock.now() + ttl)
        return value

    def download_allows(self, value: str, instance_uuid: str) -> bool:
        grant = self.downloads.get(value)
        return (
            grant is not None
            and grant.instance_uuid == instance_uuid
            and grant.expires_at > self._clock.now()
        )


def _token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(48)
