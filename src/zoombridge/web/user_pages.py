"""Admins' user administration: invite people, change roles, switch accounts off and on, send
password resets; and the JSON twins.

Where no mail server is configured, an invitation or reset link is shown once, in the
answer to the admin who made it, and never again: only its digest is stored.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from pydantic import BaseModel, Field
from starlette.responses import RedirectResponse, Response

from zoombridge.accounts import Principal, Role
from zoombridge.accounts.directory import UserRow, change_user, user_rows
from zoombridge.accounts.invitations import Delivery, invite, send_reset
from zoombridge.errors import InvalidInput, MailNotSent
from zoombridge.web.auth import api_user, context, page_user
from zoombridge.web.password_pages import outbox_of
from zoombridge.web.rendering import render

__all__ = ["api_router", "page_router"]

page_router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["users"])
AdminPage = Annotated[Principal, Depends(page_user(Role.ADMIN))]
AdminCaller = Annotated[Principal, Depends(api_user(Role.ADMIN))]


def _rows(request: Request) -> list[UserRow]:
    portal = context(request)
    return user_rows(portal.catalog, portal.clock.now())


def _one(request: Request, user_id: int) -> UserRow:
    portal = context(request)
    found = user_rows(portal.catalog, portal.clock.now(), user_id)
    if not found:
        raise HTTPException(404, f"there is no user {user_id}")
    return found[0]


def _admin_base(request: Request) -> str:
    """Where the admin reaches the portal: used for a shown link when ZOOMBRIDGE_PUBLIC_URL
    is unset (the admin's own browser sent this Host; e-mailed links never use it)."""
    return str(request.base_url)


async def _users_page(
    request: Request,
    principal: Principal,
    status: int = 200,
    *,
    message: str | None = None,
    delivery: Delivery | None = None,
) -> Response:
    rows = await asyncio.to_thread(_rows, request)
    mail = context(request).bridge.settings.mail
    return render(
        request,
        "users.html",
        status,
        principal=principal,
        users=rows,
        roles=[role.label for role in Role],
        message=message,
        delivery=delivery,
        mail_configured=mail.configured,
    )


@page_router.get("/users")
async def users_page(request: Request, principal: AdminPage) -> Response:
    return await _users_page(request, principal)


@page_router.post("/users")
async def invite_page(
    request: Request,
    principal: AdminPage,
    email: Annotated[str, Form(max_length=320)] = "",
    role: Annotated[str, Form(max_length=20)] = "viewer",
) -> Response:
    try:
        chosen = Role.parse(role)
        made = await invite(outbox_of(request), email, chosen, _admin_base(request))
    except MailNotSent as exc:
        return await _users_page(request, principal, 502, message=str(exc))
    except InvalidInput as exc:
        return await _users_page(request, principal, 422, message=str(exc))
    return await _users_page(request, principal, delivery=made)


@page_router.post("/users/{user_id}")
async def change_user_page(
    request: Request,
    principal: AdminPage,
    user_id: int,
    role: Annotated[str, Form(max_length=20)] = "",
    disabled: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """The role form sends `role`; the switch button sends `disabled` true or false."""
    await asyncio.to_thread(_one, request, user_id)
    try:
        chosen = Role.parse(role) if role else None
        off = {"true": True, "false": False, "": None}.get(disabled.strip().lower())
        if off is None and disabled.strip():
            raise InvalidInput(f"disabled must be true or false, not {disabled!r}")
        await asyncio.to_thread(
            change_user,
            context(request).catalog,
            principal.user_id,
            user_id,
            role=chosen,
            disabled=off,
        )
    except InvalidInput as exc:
        return await _users_page(request, principal, 422, message=str(exc))
    return RedirectResponse("/users?saved=1", status_code=303)


@page_router.post("/users/{user_id}/reset")
async def reset_page(request: Request, principal: AdminPage, user_id: int) -> Response:
    await asyncio.to_thread(_one, request, user_id)
    try:
        made = await send_reset(outbox_of(request), user_id, _admin_base(request))
    except MailNotSent as exc:
        return await _users_page(request, principal, 502, message=str(exc))
    except InvalidInput as exc:
        return await _users_page(request, principal, 422, message=str(exc))
    return await _users_page(request, principal, delivery=made)


class InviteIn(BaseModel):
    email: str = Field(max_length=320)
    role: str = Field(default="viewer", max_length=20)


class UserChange(BaseModel):
    role: str | None = Field(default=None, max_length=20)
    disabled: bool | None = None


@api_router.get("/users")
async def list_users_api(request: Request, principal: AdminCaller) -> list[dict[str, Any]]:
    """Every user: role, whether they can sign in, last sign-in, an invitation waiting."""
    rows = await asyncio.to_thread(_rows, request)
    return [row.as_dict() for row in rows]


@api_router.post("/users", status_code=201)
async def invite_api(request: Request, principal: AdminCaller, body: InviteIn) -> dict[str, Any]:
    """Invite someone: they get a link by mail (`mailed`), or, with no mail server, the
    answer carries the `link`, once. 502 when the mail server fails: nothing is kept."""
    try:
        role = Role.parse(body.role)
        made = await invite(outbox_of(request), body.email, role, _admin_base(request))
    except MailNotSent as exc:
        raise HTTPException(502, str(exc)) from None
    except InvalidInput as exc:
        raise HTTPException(422, str(exc)) from None
    return made.as_dict()


@api_router.patch("/users/{user_id}")
async def change_user_api(
    request: Request, principal: AdminCaller, user_id: int, body: UserChange
) -> dict[str, Any]:
    """Change a user's role or switch them off (their sessions and tokens stop at once)."""
    await asyncio.to_thread(_one, request, user_id)
    try:
        role = Role.parse(body.role) if body.role is not None else None
        await asyncio.to_thread(
            change_user,
            context(request).catalog,
            principal.user_id,
            user_id,
            role=role,
            disabled=body.disabled,
        )
    except InvalidInput as exc:
        raise HTTPException(422, str(exc)) from None
    return (await asyncio.to_thread(_one, request, user_id)).as_dict()


@api_router.post("/users/{user_id}/reset")
async def reset_api(request: Request, principal: AdminCaller, user_id: int) -> dict[str, Any]:
    """Send a password-reset link (valid 1 hour); as for invitations, `link` when no mail."""
    await asyncio.to_thread(_one, request, user_id)
    try:
        made = await send_reset(outbox_of(request), user_id, _admin_base(request))
    except MailNotSent as exc:
        raise HTTPException(502, str(exc)) from None
    except InvalidInput as exc:
        raise HTTPException(422, str(exc)) from None
    return made.as_dict()
