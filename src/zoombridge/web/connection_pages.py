"""Admins' pages for the connections (VIDIZMO's "Zoom app"), and their JSON twins."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from pydantic import BaseModel, Field
from starlette.responses import RedirectResponse, Response

from zoombridge.accounts import Principal, Role
from zoombridge.archive.connections import list_connections
from zoombridge.errors import InvalidInput
from zoombridge.web.auth import api_user, context, page_user
from zoombridge.web.connection_settings import (
    PUBLISHING,
    ConnectionSettings,
    connect,
    read_settings,
    save_settings,
)
from zoombridge.web.rendering import render

__all__ = ["api_router", "page_router"]

page_router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["connections"])
AdminPage = Annotated[Principal, Depends(page_user(Role.ADMIN))]
AdminCaller = Annotated[Principal, Depends(api_user(Role.ADMIN))]


class SettingsIn(BaseModel):
    enabled: bool
    users: list[str] = Field(default_factory=list, max_length=10_000)
    join_segments: bool = True
    delete_from_zoom: bool = False
    delete_grace_days: int = 7
    delete_action: str = "trash"
    publish_as: str | None = Field(default=None, description="me | zoom_user")
    publish_status: str | None = Field(default=None, description="draft | published")
    default_visibility: str | None = Field(
        default=None, description="who sees a new entry once published: signed_in | author"
    )


def _all(request: Request) -> list[ConnectionSettings]:
    portal = context(request)
    infos = list_connections(portal.catalog, portal.bridge.settings)  # disabled ones too
    return [read_settings(portal.bridge, portal.catalog, info.name) for info in infos]


def _one(request: Request, name: str) -> ConnectionSettings:
    portal = context(request)
    try:
        return read_settings(portal.bridge, portal.catalog, name)
    except InvalidInput as exc:
        raise HTTPException(404, str(exc)) from None


def _save(
    request: Request,
    principal: Principal,
    name: str,
    enabled: bool,
    changes: dict[str, Any],
    *,
    form: bool = False,
) -> ConnectionSettings:
    if form and _one(request, name).from_environment:
        # its form shows only on/off and publishing: the rest comes from ZOOMBRIDGE_* variables
        changes = {key: value for key, value in changes.items() if key in PUBLISHING}
    portal = context(request)
    return save_settings(
        portal.bridge, portal.catalog, name, enabled, changes, actor_id=principal.user_id
    )


@page_router.get("/connections")
async def connections_page(request: Request, principal: AdminPage) -> Response:
    found = await asyncio.to_thread(_all, request)
    return render(request, "connections.html", principal=principal, connections=found)


class CredentialsIn(BaseModel):
    name: str = Field(max_length=100)
    account_id: str = Field(max_length=200)
    client_id: str = Field(max_length=200)
    client_secret: str = Field(max_length=500)
    webhook_secret: str = Field(default="", max_length=500)
    plan: str = Field(default="pro", max_length=20)
    api_url: str | None = Field(default=None, max_length=500)
    oauth_url: str | None = Field(default=None, max_length=500)


@page_router.get("/connect")
async def connect_form(request: Request, principal: AdminPage) -> Response:
    zoom_app = context(request).bridge.settings.zoom_app.configured()
    return render(
        request, "connect.html", principal=principal, values={}, message=None, zoom_app=zoom_app
    )


@page_router.post("/connect")
async def connect_page(request: Request, principal: AdminPage) -> Response:
    form = await request.form()
    values = {key: str(form.get(key) or "")[:500] for key in CredentialsIn.model_fields}
    name = values.pop("name")
    try:
        await connect(context(request).bridge, context(request).catalog, name, values)
    except InvalidInput as exc:
        shown = {"name": name, **{k: v for k, v in values.items() if "secret" not in k}}
        zoom_app = context(request).bridge.settings.zoom_app.configured()
        return render(
            request,
            "connect.html",
            422,
            principal=principal,
            values=shown,
            message=str(exc),
            zoom_app=zoom_app,
        )
    context(request).settings_saved(name)  # serve starts syncing it
    return RedirectResponse(f"/connections/{quote(name)}?added=1", status_code=303)


@api_router.post("/connections", status_code=201)
async def connect_api(
    request: Request, principal: AdminCaller, body: CredentialsIn
) -> dict[str, Any]:
    """Add a connection from a Server-to-Server app; 422 with Zoom's answer (missing scopes
    by name) and nothing saved when Zoom refuses the credentials."""
    fields = body.model_dump(exclude={"name"})
    try:
        added = await connect(context(request).bridge, context(request).catalog, body.name, fields)
    except InvalidInput as exc:
        raise HTTPException(422, str(exc)) from None
    context(request).settings_saved(body.name)  # serve starts syncing it
    return added.as_dict()


@page_router.get("/connections/{name}")
async def connection_page(request: Request, principal: AdminPage, name: str) -> Response:
    found = await asyncio.to_thread(_one, request, name)
    return render(request, "connection.html", principal=principal, c=found, message=None)


@page_router.post("/connections/{name}")
async def save_connection_page(
    request: Request,
    principal: AdminPage,
    name: str,
    enabled: Annotated[bool, Form()] = False,
    users: Annotated[str, Form(max_length=100_000)] = "",
    join_segments: Annotated[bool, Form()] = False,
    delete_from_zoom: Annotated[bool, Form()] = False,
    delete_grace_days: Annotated[str, Form(max_length=20)] = "7",
    delete_action: Annotated[str, Form(max_length=20)] = "trash",
    publish_as: Annotated[str | None, Form(max_length=20)] = None,
    publish_status: Annotated[str | None, Form(max_length=20)] = None,
    default_visibility: Annotated[str | None, Form(max_length=20)] = None,
) -> Response:
    """A form sends unticked boxes as nothing: absent means off."""
    changes: dict[str, Any] = {
        "users": users.replace("\n", ","),
        "join_segments": join_segments,
        "delete_from_zoom": delete_from_zoom,
        "delete_grace_days": delete_grace_days.strip(),
        "delete_action": delete_action,
    }
    chosen = {
        "publish_as": publish_as,
        "publish_status": publish_status,
        "default_visibility": default_visibility,
    }
    changes |= {key: value for key, value in chosen.items() if value is not None}
    try:
        await asyncio.to_thread(
            lambda: _save(request, principal, name, enabled, changes, form=True)
        )
        context(request).settings_saved(name)
    except InvalidInput as exc:
        current = await asyncio.to_thread(_one, request, name)
        return render(
            request, "connection.html", 422, principal=principal, c=current, message=str(exc)
        )
    return RedirectResponse(f"/connections/{name}?saved=1", status_code=303)


@api_router.get("/connections")
async def list_connections_api(request: Request, principal: AdminCaller) -> list[dict[str, Any]]:
    found = await asyncio.to_thread(_all, request)
    return [item.as_dict() for item in found]


@api_router.get("/connections/{name}/settings")
async def connection_settings_api(
    request: Request, principal: AdminCaller, name: str
) -> dict[str, Any]:
    found = await asyncio.to_thread(_one, request, name)
    return found.as_dict()


@api_router.put("/connections/{name}/settings")
async def save_connection_api(
    request: Request, principal: AdminCaller, name: str, body: SettingsIn
) -> dict[str, Any]:
    """Change what is given; 422 naming each bad field, and nothing saved."""
    changes = body.model_dump(exclude={"enabled"}, exclude_unset=True)
    try:
        saved = await asyncio.to_thread(_save, request, principal, name, body.enabled, changes)
    except InvalidInput as exc:
        raise HTTPException(422, str(exc)) from None
    context(request).settings_saved(name)
    return saved.as_dict()
