"""The library's JSON twins: the list, a recording (transcript, chat, speakers, sources to
play at /recordings/REF/media/ID), its sharing and its public links."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from zoombridge.accounts import Principal, Role
from zoombridge.archive.library import (
    LibraryPage,
    RecordingNotFound,
    Sharing,
    library_page,
    save_sharing,
)
from zoombridge.archive.public_links import (
    MAX_LINK_DAYS,
    create_public_link,
    list_public_links,
)
from zoombridge.errors import InvalidInput
from zoombridge.web.auth import api_user, context
from zoombridge.web.library_pages import library_filter, withdraw_link
from zoombridge.web.library_view import add_speakers, reader_of, recording_view

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["library"])
SignedInCaller = Annotated[Principal, Depends(api_user(Role.VIEWER))]


class SharingIn(BaseModel):
    status: str = Field(description="draft | published")
    visibility: str = Field(description="author | chosen | signed_in")
    viewers: list[str] = Field(default=[], description="e-mail addresses, when 'chosen'")
    groups: list[str] = Field(default=[], description="viewer groups' names, when 'chosen'")


class LinkIn(BaseModel):
    days: int = Field(default=7, ge=1, le=MAX_LINK_DAYS)


def _refused(exc: InvalidInput) -> HTTPException:
    return HTTPException(404 if isinstance(exc, RecordingNotFound) else 422, str(exc))


@router.get("/library")
async def library(
    request: Request,
    principal: SignedInCaller,
    host: str = "",
    date_from: str = "",
    date_to: str = "",
    type: str = "",
    status: str = "",
    page: int = 1,
) -> dict[str, Any]:
    """The recordings the caller may see, newest first, 50 a page."""
    try:
        wanted = library_filter(host, date_from, date_to, type, status)
        found: LibraryPage = await asyncio.to_thread(
            library_page, context(request).catalog, reader_of(principal), wanted, page
        )
    except InvalidInput as exc:
        raise _refused(exc) from None
    return {
        "page": found.page,
        "more": found.more,
        "recordings": [item.as_dict() for item in found.items],
    }


@router.get("/recordings/{ref}")
async def recording(request: Request, principal: SignedInCaller, ref: str) -> dict[str, Any]:
    """One recording: metadata, playable sources, transcript, chat, speakers; originals,
    sharing and public links for its author and Managers."""
    portal = context(request)
    try:
        view = await asyncio.to_thread(
            recording_view, portal.catalog, reader_of(principal), ref, public=False
        )
    except InvalidInput as exc:
        raise _refused(exc) from None
    await add_speakers(portal, view)
    return view.as_dict(portal.clock.now())


@router.put("/recordings/{ref}/sharing")
async def put_sharing(
    request: Request, principal: SignedInCaller, ref: str, body: SharingIn
) -> dict[str, Any]:
    portal = context(request)
    try:
        wanted = Sharing(body.status, body.visibility, tuple(body.viewers), tuple(body.groups))
        await asyncio.to_thread(
            save_sharing, portal.catalog, reader_of(principal), ref, wanted, portal.clock.now()
        )
    except InvalidInput as exc:
        raise _refused(exc) from None
    return wanted.as_dict()


@router.get("/recordings/{ref}/links")
async def links(request: Request, principal: SignedInCaller, ref: str) -> list[dict[str, Any]]:
    portal = context(request)
    try:
        found = await asyncio.to_thread(
            list_public_links, portal.catalog, reader_of(principal), ref
        )
    except InvalidInput as exc:
        raise _refused(exc) from None
    return [link.as_dict(portal.clock.now()) for link in found]


@router.post("/recordings/{ref}/links", status_code=201)
async def make_link(
    request: Request, principal: SignedInCaller, ref: str, body: LinkIn
) -> dict[str, Any]:
    """A public link (its URL is shown once) for a published recording."""
    portal = context(request)
    now = portal.clock.now()
    try:
        token, info = await asyncio.to_thread(
            create_public_link, portal.catalog, reader_of(principal), ref, body.days, now
        )
    except InvalidInput as exc:
        status = 404 if isinstance(exc, RecordingNotFound) else 409
        raise HTTPException(status, str(exc)) from None
    return {**info.as_dict(now), "url": f"{request.base_url}shared/{token}"}


@router.delete("/recordings/{ref}/links/{link_id}", status_code=204)
async def delete_link(request: Request, principal: SignedInCaller, ref: str, link_id: int) -> None:
    await withdraw_link(request, principal, ref, link_id)
