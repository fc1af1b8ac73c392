"""Moderation in the portal: the queue Managers decide (approve, or reject with a reason),
the Admins' library settings page (moderation on or off), and their JSON twins."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from pydantic import BaseModel, Field
from starlette.responses import RedirectResponse, Response

from zoombridge.accounts import Principal, Role
from zoombridge.archive.moderation import read_moderation, set_moderation
from zoombridge.archive.review_queue import (
    MAX_REASON,
    approve,
    check_reason,
    reject,
    waiting,
)
from zoombridge.errors import InvalidInput, RecordingNotFound
from zoombridge.web.auth import api_user, context, page_user
from zoombridge.web.rendering import render

__all__ = ["api_router", "page_router"]

page_router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["moderation"])
ManagerPage = Annotated[Principal, Depends(page_user(Role.MANAGER))]
ManagerCaller = Annotated[Principal, Depends(api_user(Role.MANAGER))]
AdminPage = Annotated[Principal, Depends(page_user(Role.ADMIN))]
AdminCaller = Annotated[Principal, Depends(api_user(Role.ADMIN))]


class RejectIn(BaseModel):
    reason: str = Field(max_length=MAX_REASON, description="why; the author reads it")


class LibrarySettingsIn(BaseModel):
    moderation: bool = Field(description="publication waits for a Manager's approval")


async def _queue(request: Request) -> dict[str, Any]:
    catalog = context(request).catalog
    found = await asyncio.to_thread(waiting, catalog)
    moderated = await asyncio.to_thread(read_moderation, catalog)
    return {"moderation": moderated, "waiting": found}


async def _decide(
    request: Request, principal: Principal, ref: str, reason: str | None
) -> dict[str, Any]:
    """Approve (no reason) or reject; 404 for no such recording, 422 for a missing reason,
    409 for one no longer waiting (nothing changes)."""
    portal = context(request)
    now = portal.clock.now()
    try:
        if reason is None:
            await asyncio.to_thread(approve, portal.catalog, ref, principal.user_id, now)
            return {"ref": ref, "status": "published", "note": None}
        said = check_reason(reason)
    except RecordingNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except InvalidInput as exc:
        raise HTTPException(409 if reason is None else 422, str(exc)) from None
    try:
        await asyncio.to_thread(reject, portal.catalog, ref, principal.user_id, said, now)
    except RecordingNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except InvalidInput as exc:
        raise HTTPException(409, str(exc)) from None
    return {"ref": ref, "status": "draft", "note": said}


@page_router.get("/moderation")
async def moderation_page(request: Request, principal: ManagerPage) -> Response:
    queue = await _queue(request)
    return render(request, "moderation.html", principal=principal, message=None, **queue)


@page_router.post("/moderation/{ref}/approve")
async def approve_page(request: Request, principal: ManagerPage, ref: str) -> Response:
    await _decide(request, principal, ref, None)
    return RedirectResponse("/moderation?decided=approved", status_code=303)


@page_router.post("/moderation/{ref}/reject")
async def reject_page(
    request: Request,
    principal: ManagerPage,
    ref: str,
    reason: Annotated[str, Form(max_length=MAX_REASON)] = "",
) -> Response:
    try:
        await _decide(request, principal, ref, reason)
    except HTTPException as exc:
        if exc.status_code != 422:
            raise
        queue = await _queue(request)
        return render(
            request, "moderation.html", 422, principal=principal, message=exc.detail, **queue
        )
    return RedirectResponse("/moderation?decided=rejected", status_code=303)


@api_router.get("/moderation")
async def moderation_api(request: Request, principal: ManagerCaller) -> dict[str, Any]:
    """Whether moderation is on, and the recordings waiting, oldest submission first."""
    queue = await _queue(request)
    return {**queue, "waiting": [item.as_dict() for item in queue["waiting"]]}


@api_router.post("/moderation/{ref}/approve")
async def approve_api(request: Request, principal: ManagerCaller, ref: str) -> dict[str, Any]:
    """Publish a waiting recording; 409 when it is not waiting."""
    return await _decide(request, principal, ref, None)


@api_router.post("/moderation/{ref}/reject")
async def reject_api(
    request: Request, principal: ManagerCaller, ref: str, body: RejectIn
) -> dict[str, Any]:
    """Return a waiting recording to Draft; the reason is shown to its author."""
    return await _decide(request, principal, ref, body.reason)


@page_router.get("/library/settings")
async def library_settings_page(request: Request, principal: AdminPage) -> Response:
    moderated = await asyncio.to_thread(read_moderation, context(request).catalog)
    return render(request, "library_settings.html", principal=principal, moderation=moderated)


@page_router.post("/library/settings")
async def save_library_settings_page(
    request: Request, principal: AdminPage, moderation: Annotated[bool, Form()] = False
) -> Response:
    """A form sends an unticked box as nothing: absent means off."""
    portal = context(request)
    now = portal.clock.now()
    await asyncio.to_thread(set_moderation, portal.catalog, moderation, principal.user_id, now)
    return RedirectResponse("/library/settings?saved=1", status_code=303)


@api_router.get("/library/settings")
async def library_settings_api(request: Request, principal: AdminCaller) -> dict[str, bool]:
    moderated = await asyncio.to_thread(read_moderation, context(request).catalog)
    return {"moderation": moderated}


@api_router.put("/library/settings")
async def save_library_settings_api(
    request: Request, principal: AdminCaller, body: LibrarySettingsIn
) -> dict[str, bool]:
    """Switch moderation; recordings already waiting stay in the queue either way."""
    portal = context(request)
    now = portal.clock.now()
    await asyncio.to_thread(set_moderation, portal.catalog, body.moderation, principal.user_id, now)
    return {"moderation": body.moderation}
