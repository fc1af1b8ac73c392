"""Admins' groups of viewers (archive.viewer_groups): the /groups page and its JSON twin.

A group is named by a recording's "chosen" visibility; who is in it decides who sees, at
each request. Refused input (a blank or taken name, an address that is no portal user)
answers 422 with what to do and changes nothing; a group that does not exist is 404.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from pydantic import BaseModel, Field
from starlette.responses import RedirectResponse, Response

from zoombridge.accounts import Principal, Role
from zoombridge.archive.viewer_groups import (
    MAX_GROUP_NAME,
    MAX_MEMBERS_AT_ONCE,
    GroupView,
    add_members,
    create_group,
    delete_group,
    find_group,
    list_groups,
    remove_member,
)
from zoombridge.errors import InvalidInput
from zoombridge.web.auth import api_user, context, page_user
from zoombridge.web.rendering import render

__all__ = ["api_router", "page_router"]

page_router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["groups"])
AdminPage = Annotated[Principal, Depends(page_user(Role.ADMIN))]
AdminCaller = Annotated[Principal, Depends(api_user(Role.ADMIN))]


class GroupIn(BaseModel):
    name: str = Field(max_length=200, description=f"1 to {MAX_GROUP_NAME} characters, unique")


class MembersIn(BaseModel):
    emails: list[str] = Field(
        max_length=MAX_MEMBERS_AT_ONCE, description="portal users' e-mail addresses"
    )


def _addresses(text: str) -> list[str]:
    """A form's addresses: one per line or separated by commas."""
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


async def _existing(request: Request, group_id: int) -> GroupView:
    found = await asyncio.to_thread(find_group, context(request).catalog, group_id)
    if found is None:
        raise HTTPException(404, f"there is no group {group_id}")
    return found


async def _page(
    request: Request, principal: Principal, status: int = 200, message: str | None = None
) -> Response:
    groups = await asyncio.to_thread(list_groups, context(request).catalog)
    return render(
        request, "groups.html", status, principal=principal, groups=groups, message=message
    )


@page_router.get("/groups")
async def groups_page(request: Request, principal: AdminPage) -> Response:
    return await _page(request, principal)


@page_router.post("/groups")
async def create_group_page(
    request: Request, principal: AdminPage, name: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    portal = context(request)
    try:
        await asyncio.to_thread(
            create_group, portal.catalog, name, principal.user_id, portal.clock.now()
        )
    except InvalidInput as exc:
        return await _page(request, principal, 422, str(exc))
    return RedirectResponse("/groups?saved=1", status_code=303)


@page_router.post("/groups/{group_id}/members")
async def add_members_page(
    request: Request,
    principal: AdminPage,
    group_id: int,
    emails: Annotated[str, Form(max_length=50_000)] = "",
) -> Response:
    await _existing(request, group_id)
    portal = context(request)
    try:
        await asyncio.to_thread(
            add_members, portal.catalog, group_id, _addresses(emails), portal.clock.now()
        )
    except InvalidInput as exc:
        return await _page(request, principal, 422, str(exc))
    return RedirectResponse(f"/groups?saved=1#group-{group_id}", status_code=303)


@page_router.post("/groups/{group_id}/members/{user_id}/remove")
async def remove_member_page(
    request: Request, principal: AdminPage, group_id: int, user_id: int
) -> Response:
    await _existing(request, group_id)
    try:
        await asyncio.to_thread(remove_member, context(request).catalog, group_id, user_id)
    except InvalidInput as exc:
        raise HTTPException(404, str(exc)) from None
    return RedirectResponse(f"/groups?saved=1#group-{group_id}", status_code=303)


@page_router.post("/groups/{group_id}/delete")
async def delete_group_page(request: Request, principal: AdminPage, group_id: int) -> Response:
    await _existing(request, group_id)
    await asyncio.to_thread(delete_group, context(request).catalog, group_id)
    return RedirectResponse("/groups?saved=1", status_code=303)


@api_router.get("/groups")
async def list_groups_api(request: Request, principal: AdminCaller) -> list[dict[str, Any]]:
    """Every group by name: its members and how many recordings were shared with it."""
    groups = await asyncio.to_thread(list_groups, context(request).catalog)
    return [group.as_dict() for group in groups]


@api_router.post("/groups", status_code=201)
async def create_group_api(
    request: Request, principal: AdminCaller, body: GroupIn
) -> dict[str, Any]:
    """Make an empty group; 422 for a blank name or one taken in any letter case."""
    portal = context(request)
    try:
        made = await asyncio.to_thread(
            create_group, portal.catalog, body.name, principal.user_id, portal.clock.now()
        )
    except InvalidInput as exc:
        raise HTTPException(422, str(exc)) from None
    return made.as_dict()


@api_router.get("/groups/{group_id}")
async def group_api(request: Request, principal: AdminCaller, group_id: int) -> dict[str, Any]:
    return (await _existing(request, group_id)).as_dict()


@api_router.delete("/groups/{group_id}", status_code=204)
async def delete_group_api(request: Request, principal: AdminCaller, group_id: int) -> Response:
    """Remove the group; recordings shared with it are no longer seen through it."""
    await _existing(request, group_id)
    await asyncio.to_thread(delete_group, context(request).catalog, group_id)
    return Response(status_code=204)


@api_router.post("/groups/{group_id}/members")
async def add_members_api(
    request: Request, principal: AdminCaller, group_id: int, body: MembersIn
) -> dict[str, Any]:
    """Add portal users by address; 422 naming any that is none (nobody is added then)."""
    await _existing(request, group_id)
    portal = context(request)
    try:
        changed = await asyncio.to_thread(
            add_members, portal.catalog, group_id, body.emails, portal.clock.now()
        )
    except InvalidInput as exc:
        raise HTTPException(422, str(exc)) from None
    return changed.as_dict()


@api_router.delete("/groups/{group_id}/members/{user_id}")
async def remove_member_api(
    request: Request, principal: AdminCaller, group_id: int, user_id: int
) -> dict[str, Any]:
    """Take a user out of the group; from their next request on, what was shared with them
    only through it is not found. 404 when they are not in it."""
    await _existing(request, group_id)
    try:
        changed = await asyncio.to_thread(
            remove_member, context(request).catalog, group_id, user_id
        )
    except InvalidInput as exc:
        raise HTTPException(404, str(exc)) from None
    return changed.as_dict()
