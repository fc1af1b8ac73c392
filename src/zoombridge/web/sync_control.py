""" "Sync now" on the status panel, and its JSON twin: the connection's sync loop starts a
round at once instead of waiting for its next time slot.

The portal does not sync by itself: it wakes the loop that `zoombridge serve` runs for the
connection (the same wake as saving its settings, PortalContext.settings_saved), so the
sync is the durable one, with its status written as every round's is. A connection this
process does not serve yet is served from then on if it is switched on (see
`cli.serving_set`); 404 only when it does not exist at all.
"""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from zoombridge.accounts import Principal, Role
from zoombridge.archive.activity import connection_id
from zoombridge.errors import InvalidInput
from zoombridge.web.auth import api_user, context, page_user

__all__ = ["api_router", "page_router"]

page_router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["status"])
ManagerPage = Annotated[Principal, Depends(page_user(Role.MANAGER))]
ManagerCaller = Annotated[Principal, Depends(api_user(Role.MANAGER))]


async def _wake(request: Request, connection: str) -> None:
    portal = context(request)
    try:
        await asyncio.to_thread(connection_id, portal.catalog, connection)
    except InvalidInput as exc:
        raise HTTPException(404, str(exc)) from None
    portal.settings_saved(connection)


@page_router.post("/status/{connection}/sync")
async def sync_now_page(request: Request, principal: ManagerPage, connection: str) -> Response:
    await _wake(request, connection)
    return RedirectResponse(f"/status?asked={quote(connection)}#{quote(connection)}", 303)


@api_router.post("/connections/{connection}/sync", status_code=202)
async def sync_now_api(
    request: Request, principal: ManagerCaller, connection: str
) -> dict[str, str]:
    """Start the connection's sync now; follow it at /api/status."""
    await _wake(request, connection)
    return {"connection": connection, "sync": "asked"}
