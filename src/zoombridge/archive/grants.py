"""A user's OAuth grant ("Connect with Zoom"), kept in the catalog with the connection's other
sealed credentials, and rotated safely by many workers at once.

Zoom rotates the refresh token on every refresh: the old one stops working the moment the
new one is issued. Two workers may refresh the same connection together; Zoom honours only
the first, so the second must never overwrite the grant the first saved.
`DatabaseGrantStore.replace` therefore writes a new grant only while the stored one still
carries the refresh token it was refreshed from (else `StaleGrant`, and the caller uses the
winner's), and writes it by compare-and-swap on the ciphertext
(`connections.swap_credentials`), so no other write slips in between the check and the save.

A grant that can no longer be refreshed is marked, and the mark is shown as the sync
status's authorization line ("re-authorization needed: why") until an admin reconnects.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection as SqlConnection
from sqlalchemy import insert, select, update

from zoombridge.archive.connections import (
    GRANT,
    add_connection,
    load_sealed,
    swap_credentials,
)
from zoombridge.clock import Clock
from zoombridge.db import Catalog
from zoombridge.db.models import Connection, SyncState
from zoombridge.db.secrets import KeyRing
from zoombridge.errors import ConfigurationError
from zoombridge.settings import ZoomSettings
from zoombridge.zoom.oauth import StaleGrant, UserGrant

__all__ = [
    "AUTHORIZED",
    "REAUTHORIZATION_NEEDED",
    "DatabaseGrantStore",
    "add_oauth_connection",
    "grant_from_json",
    "grant_to_json",
    "load_grant",
    "renew_grant",
]

AUTHORIZED = "authorized"
REAUTHORIZATION_NEEDED = "re-authorization needed"


def grant_to_json(grant: UserGrant) -> dict[str, Any]:
    return {
        "access_token": grant.access_token,
        "refresh_token": grant.refresh_token,
        "expires_at": grant.expires_at.isoformat(),
        "scopes": sorted(grant.scopes),
        "api_url": grant.api_url,
        "needs_reauthorization": grant.needs_reauthorization,
    }


def grant_from_json(data: dict[str, Any]) -> UserGrant:
    return UserGrant(
        access_token=str(data["access_token"]),
        refresh_token=str(data["refresh_token"]),
        expires_at=datetime.fromisoformat(data["expires_at"]),
        scopes=frozenset(data.get("scopes") or ()),
        api_url=data.get("api_url"),
        needs_reauthorization=data.get("needs_reauthorization"),
    )


def load_grant(catalog: Catalog, keys: KeyRing, name: str) -> UserGrant | None:
    """The connection's grant; None when it has none (Server-to-Server, or removed)."""
    try:
        sealed = load_sealed(catalog, keys, name)
    except ConfigurationError:
        return None  # removed meanwhile: nothing to act with
    found = sealed.get(GRANT)
    return grant_from_json(found) if found else None


def _record_authorization(catalog: Catalog, name: str, status: str, detail: str | None) -> None:
    """The authorization line of the connection's sync status."""
    with catalog.engine.begin() as connection:
        row_id = connection.scalar(select(Connection.id).where(Connection.name == name))
        if row_id is not None:
            _write_authorization(connection, row_id, status, detail)


def _write_authorization(
    connection: SqlConnection, row_id: int, status: str, detail: str | None
) -> None:
    """The authorization line, written in the caller's transaction."""
    values = {"auth_status": status, "auth_detail": detail}
    updated = connection.execute(
        update(SyncState).where(SyncState.connection_id == row_id).values(**values)
    )
    if updated.rowcount == 0:
        connection.execute(
            insert(SyncState).values(connection_id=row_id, unknown_users=[], **values)
        )


def add_oauth_connection(
    catalog: Catalog, keys: KeyRing, name: str, zoom: ZoomSettings, grant: UserGrant, now: datetime
) -> None:
    """Register a connection that acts through a user's grant (validated by the caller)."""
    add_connection(catalog, keys, name, zoom, {}, now, grant=grant_to_json(grant))
    _record_authorization(catalog, name, AUTHORIZED, None)


def renew_grant(
    catalog: Catalog, keys: KeyRing, name: str, grant: UserGrant, now: datetime
) -> None:
    """Reconnect: the admin authorized again, and the new grant replaces whatever is stored
    (a grant marked for re-authorization, or one a worker rotated meanwhile: both are dead
    now, since Zoom revokes a user's old tokens when they authorize the app again)."""

    def put(sealed: dict[str, Any]) -> dict[str, Any]:
        if GRANT not in sealed:
            raise ConfigurationError(
                f"connection {name!r} uses a Server-to-Server app, not 'Connect with Zoom'"
            )
        return sealed | {GRANT: grant_to_json(grant)}

    def authorized(connection: SqlConnection, row_id: int) -> None:
        _write_authorization(connection, row_id, AUTHORIZED, None)

    swap_credentials(catalog, keys, name, put, then=authorized, updated_at=now)


class DatabaseGrantStore:
    """A `zoom.oauth.GrantStore` over one connection's row in the catalog.

    It marks for re-authorization only the grant it last read: a worker whose refresh Zoom
    refused because another worker had just rotated the token must not mark the other's
    fresh grant, which it would if that grant was saved after this worker last looked."""

    def __init__(self, catalog: Catalog, keys: KeyRing, name: str, clock: Clock) -> None:
        self._catalog = catalog
        self._keys = keys
        self._name = name
        self._clock = clock
        self._last_read: str | None = None  # the refresh token of the grant last loaded

    def __repr__(self) -> str:
        return f"DatabaseGrantStore(connection={self._name!r})"

    async def load(self) -> UserGrant | None:
        grant = await asyncio.to_thread(load_grant, self._catalog, self._keys, self._name)
        self._last_read = grant.refresh_token if grant else None
        return grant

    async def replace(self, old_refresh_token: str | None, new: UserGrant) -> None:
        await asyncio.to_thread(self._replace, old_refresh_token, new)

    async def mark_reauthorization_needed(self, reason: str) -> None:
        await asyncio.to_thread(self._mark, reason)

    def _replace(self, old_refresh_token: str | None, new: UserGrant) -> None:
        marked: list[str] = []

        def rotate(sealed: dict[str, Any]) -> dict[str, Any]:
            stored = sealed.get(GRANT) or {}
            if stored.get("refresh_token") != old_refresh_token:
                raise StaleGrant("another worker saved a rotated grant first")
            marked[:] = (
                [stored["needs_reauthorization"]] if stored.get("needs_reauthorization") else []
            )
            return sealed | {GRANT: grant_to_json(new)}

        def authorized(connection: SqlConnection, row_id: int) -> None:
            if marked:  # a worker that lost the rotation race marked it before this save
                _write_authorization(connection, row_id, AUTHORIZED, None)

        self._swap(rotate, authorized)

    def _mark(self, reason: str) -> None:
        applies: list[bool] = []

        def marked(sealed: dict[str, Any]) -> dict[str, Any]:
            stored: dict[str, Any] = sealed.get(GRANT) or {}
            applies[:] = [bool(stored) and stored["refresh_token"] == self._last_read]
            if not applies[0]:
                return sealed  # another worker saved a newer grant: that one is fine
            return sealed | {GRANT: stored | {"needs_reauthorization": reason}}

        def needed(connection: SqlConnection, row_id: int) -> None:
            if applies[0]:
                _write_authorization(connection, row_id, REAUTHORIZATION_NEEDED, reason)

        self._swap(marked, needed)

    def _swap(
        self,
        change: Callable[[dict[str, Any]], dict[str, Any]],
        status: Callable[[SqlConnection, int], None],
    ) -> None:
        """The grant changed and the status line written in one transaction: written after
        the swap, a loser's "re-authorization needed" could land after the winner's
        "authorized" and stay, beside a grant that works."""
        swap_credentials(
            self._catalog,
            self._keys,
            self._name,
            change,
            then=status,
            updated_at=self._clock.now(),
        )
