"""Who is asking, and may they: FastAPI dependencies for pages and for the JSON API.

A browser is signed in by its session cookie; a machine client sends `Authorization: Bearer
zbt_...`. Requests that change something and come with the cookie must carry the session's
CSRF token (form field `csrf_token` or header `X-CSRF-Token`); bearer requests need none, as
no browser attaches a bearer token on its own. A page asked for without a session redirects
to the sign-in form; the API answers 401, and 403 for a role too low.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from fastapi import HTTPException, Request

from zoombridge.accounts import Principal, Role
from zoombridge.accounts.sessions import principal_for_session, principal_for_token
from zoombridge.app import ZoomBridge
from zoombridge.archive.service import SyncStatus
from zoombridge.clock import Clock
from zoombridge.db import Catalog
from zoombridge.web.security import SESSION_COOKIE, same_token

__all__ = ["NeedsSignIn", "PortalContext", "api_user", "context", "page_user", "principal_of"]

SAFE = frozenset({"GET", "HEAD", "OPTIONS"})  # every other method needs the CSRF token


@dataclass
class PortalContext:
    """What the portal's routes reach: the catalog, the clock, and the bridge's services."""

    catalog: Catalog
    clock: Clock
    statuses: Callable[[], Sequence[SyncStatus]]
    bridge: ZoomBridge
    # Told the name of a connection added, reconnected or whose settings were saved (serve
    # starts serving it, or restarts its sync).
    settings_saved: Callable[[str], None] = lambda name: None


class NeedsSignIn(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def context(request: Request) -> PortalContext:
    portal: PortalContext = request.app.state.portal
    return portal


async def principal_of(request: Request) -> Principal | None:
    portal = context(request)
    now = portal.clock.now()
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
        return await asyncio.to_thread(principal_for_token, portal.catalog, token, now)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    return await asyncio.to_thread(principal_for_session, portal.catalog, cookie, now)


async def _checked_csrf(request: Request, principal: Principal) -> None:
    if request.method in SAFE or principal.csrf_token is None:
        return
    given = request.headers.get("x-csrf-token")
    if given is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get("csrf_token")
        given = value if isinstance(value, str) else None
    if not same_token(given, principal.csrf_token):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page and try again")


def _guard(role: Role, *, page: bool) -> Callable[[Request], Awaitable[Principal]]:
    async def dependency(request: Request) -> Principal:
        principal = await principal_of(request)
        if principal is None and page:
            raise NeedsSignIn(_here(request) if request.method == "GET" else "/")
        if principal is None:
            raise HTTPException(401, "sign in, or send an API token as 'Authorization: Bearer'")
        if not principal.can(role):
            raise HTTPException(403, f"this needs the {role.label} role or higher")
        await _checked_csrf(request, principal)
        return principal

    return dependency


def _here(request: Request) -> str:
    """The path and query as the browser sent them (still percent-encoded)."""
    raw: bytes = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string", b"")
    return raw.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")


def api_user(role: Role) -> Callable[[Request], Awaitable[Principal]]:
    """The JSON API's guard: 401 without a principal, 403 for a role too low."""
    return _guard(role, page=False)


def page_user(role: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A page's guard: the sign-in form (and back) without a session, 403 for a role too low."""
    return _guard(role, page=True)
