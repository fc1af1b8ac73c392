"""Who is asking: a browser session (cookie) or a machine client's API token.

Both are random 256-bit tokens of which only the SHA-256 is stored. A session ends after
IDLE without use or LIFETIME in all, when its user is disabled, or on sign-out; its CSRF
token is random per session and compared in constant time by the web layer.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from zoombridge.accounts.roles import Role
from zoombridge.db import Catalog
from zoombridge.db.models import ApiToken, PortalSession, PortalUser
from zoombridge.errors import InvalidInput

__all__ = [
    "IDLE",
    "LIFETIME",
    "Principal",
    "TokenView",
    "create_api_token",
    "end_session",
    "list_api_tokens",
    "principal_for_session",
    "principal_for_token",
    "revoke_api_token",
    "start_session",
]

IDLE = timedelta(hours=12)
LIFETIME = timedelta(days=7)
TOUCH = timedelta(minutes=1)  # last_seen_at is written at most this often
# An API token says what it is, so a leaked one is recognised.
TOKEN_PREFIX = "zbt_"  # noqa: S105 - a prefix, not a secret


@dataclass(frozen=True)
class Principal:
    user_id: int
    email: str
    name: str | None
    role: Role
    csrf_token: str | None  # None for an API token: no cookie, nothing to forge

    def can(self, role: Role) -> bool:
        return self.role >= role


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(catalog: Catalog, user_id: int, now: datetime) -> str:
    """A new session's token (for the cookie)."""
    token = secrets.token_urlsafe(32)
    with catalog.session() as session, session.begin():
        session.add(
            PortalSession(
                token_sha256=_digest(token),
                user_id=user_id,
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                last_seen_at=now,
            )
        )
    return token


def principal_for_session(catalog: Catalog, token: str, now: datetime) -> Principal | None:
    if not token or len(token) > 100:
        return None
    with catalog.session() as session, session.begin():
        found = session.execute(
            select(PortalSession, PortalUser)
            .join(PortalUser, PortalUser.id == PortalSession.user_id)
            .where(PortalSession.token_sha256 == _digest(token))
        ).one_or_none()
        if found is None:
            return None
        row, user = found
        if user.disabled or now - row.last_seen_at > IDLE or now - row.created_at > LIFETIME:
            session.delete(row)
            return None
        if now - row.last_seen_at > TOUCH:
            row.last_seen_at = now
        return _principal(user, row.csrf_token)


def end_session(catalog: Catalog, token: str) -> None:
    with catalog.session() as session, session.begin():
        session.execute(delete(PortalSession).where(PortalSession.token_sha256 == _digest(token)))


@dataclass(frozen=True)
class TokenView:
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


def create_api_token(
    catalog: Catalog, user_id: int, name: str, now: datetime
) -> tuple[TokenView, str]:
    """A new token (the secret is returned once, never stored); it acts as its user."""
    label = name.strip()
    if not 1 <= len(label) <= 100:
        raise InvalidInput("an API token needs a name of 1 to 100 characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user_id, name=label, token_sha256=_digest(token), created_at=now)
    with catalog.session() as session, session.begin():
        session.add(row)
    return TokenView(row.id, row.name, row.created_at, None), token


def list_api_tokens(catalog: Catalog, user_id: int) -> list[TokenView]:
    """A user's tokens in use (never their secrets)."""
    with catalog.session() as session:
        rows = session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.id)
        )
        return [TokenView(r.id, r.name, r.created_at, r.last_used_at) for r in rows]


def principal_for_token(catalog: Catalog, token: str, now: datetime) -> Principal | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    with catalog.session() as session, session.begin():
        found = session.execute(
            select(ApiToken, PortalUser)
            .join(PortalUser, PortalUser.id == ApiToken.user_id)
            .where(ApiToken.token_sha256 == _digest(token), ApiToken.revoked_at.is_(None))
        ).one_or_none()
        if found is None or found[1].disabled:
            return None
        row, user = found
        if row.last_used_at is None or now - row.last_used_at > TOUCH:
            row.last_used_at = now
        return _principal(user, None)


def revoke_api_token(catalog: Catalog, user_id: int, token_id: int, now: datetime) -> bool:
    """Revoke one of the user's tokens; False when they have no such token."""
    with catalog.session() as session, session.begin():
        row = session.get(ApiToken, token_id)
        if row is None or row.user_id != user_id or row.revoked_at is not None:
            return False
        row.revoked_at = now
        return True


def _principal(user: PortalUser, csrf: str | None) -> Principal:
    return Principal(user.id, user.email, user.name, Role.parse(user.role), csrf)
