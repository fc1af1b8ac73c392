"""The library settings page's "Add missing recordings" button and its JSON twin: the
backfill of archive.library_backfill over every connection, for Admins.

It runs within the request: each missing entry is a few small statements (plus an account
for a host, when a connection publishes as "Zoom user"), and a second press finds nothing
left to do. `zoombridge library backfill` does the same with a progress bar.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from zoombridge.accounts import Principal, Role
from zoombridge.accounts.hosts import HostAccounts
from zoombridge.archive.library_backfill import (
    BackfillReport,
    backfill_or_skip,
    backfill_targets,
)
from zoombridge.archive.moderation import read_moderation
from zoombridge.web.auth import PortalContext, api_user, context, page_user
from zoombridge.web.rendering import render

__all__ = ["api_router", "page_router"]

page_router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["library"])
AdminPage = Annotated[Principal, Depends(page_user(Role.ADMIN))]
AdminCaller = Annotated[Principal, Depends(api_user(Role.ADMIN))]


async def _backfill(portal: PortalContext) -> list[BackfillReport]:
    """Every connection, enabled or not; one without publishing saved is skipped, saying so."""
    now = portal.clock.now()
    settings = portal.bridge.settings
    targets = await asyncio.to_thread(backfill_targets, portal.catalog, settings, None, now)
    authors = HostAccounts(portal.bridge.outbox(portal.catalog))
    return [
        await backfill_or_skip(portal.catalog, name, connection_id, authors, now)
        for name, connection_id in targets
    ]


@page_router.post("/library/backfill")
async def backfill_page(request: Request, principal: AdminPage) -> Response:
    """The settings page again, with what was added for each connection."""
    portal = context(request)
    reports = await _backfill(portal)
    moderated = await asyncio.to_thread(read_moderation, portal.catalog)
    return render(
        request,
        "library_settings.html",
        principal=principal,
        moderation=moderated,
        backfilled=reports,
    )


@api_router.post("/library/backfill")
async def backfill_api(request: Request, principal: AdminCaller) -> list[dict[str, Any]]:
    """Enter archived recordings without a library entry, as each connection publishes
    now; per connection, how many were missing, how many were added, or why it was skipped."""
    reports = await _backfill(context(request))
    return [report.as_dict() for report in reports]
