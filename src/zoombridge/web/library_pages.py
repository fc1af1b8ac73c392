"""The library's pages: browse and filter, a recording with its player, transcript, chat and
speakers, its sharing and public links, and the page a public link opens. Each has a JSON
twin in zoombridge.web.library_api."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from zoombridge.accounts import Principal, Role
from zoombridge.archive.library import (
    LibraryFilter,
    Reader,
    RecordingNotFound,
    Sharing,
    library_page,
    save_sharing,
)
from zoombridge.archive.public_links import (
    create_public_link,
    open_public_link,
    revoke_public_link,
)
from zoombridge.archive.viewer_groups import group_names
from zoombridge.errors import InvalidInput
from zoombridge.web.auth import context, page_user
from zoombridge.web.library_view import (
    add_speakers,
    link_reader,
    media_for,
    reader_of,
    recording_view,
    store_for,
)
from zoombridge.web.media_stream import stream_object
from zoombridge.web.pages import day_or_none
from zoombridge.web.rendering import render

__all__ = ["library_filter", "router", "withdraw_link"]

router = APIRouter(include_in_schema=False)
SignedInPage = Annotated[Principal, Depends(page_user(Role.VIEWER))]


def library_filter(
    host: str, date_from: str, date_to: str, kind: str, status: str
) -> LibraryFilter:
    return LibraryFilter(
        host=host[:320],
        date_from=day_or_none(date_from, "from"),
        date_to=day_or_none(date_to, "to"),
        kind=kind,
        status=status,
    )


@router.get("/library")
async def library(
    request: Request,
    principal: SignedInPage,
    host: str = "",
    date_from: str = "",
    date_to: str = "",
    type: str = "",
    status: str = "",
    page: int = 1,
) -> Response:
    values: dict[str, Any] = {"host": host, "date_from": date_from, "date_to": date_to}
    values |= {"type": type, "status": status, "principal": principal}
    portal = context(request)
    try:
        wanted = library_filter(host, date_from, date_to, type, status)
        found = await asyncio.to_thread(
            library_page, portal.catalog, reader_of(principal), wanted, page
        )
    except InvalidInput as exc:
        return render(
            request,
            "library.html",
            422,
            message=str(exc),
            found=None,
            **values,
        )
    return render(request, "library.html", found=found, message=None, **values)


@router.get("/recordings/{ref}")
async def recording(request: Request, principal: SignedInPage, ref: str) -> Response:
    return await _recording_page(request, principal, ref)


async def _recording_page(
    request: Request, principal: Principal, ref: str, *, new_link: str | None = None
) -> Response:
    """The recording's page; `new_link` is a public link just made, shown this once."""
    portal = context(request)
    try:
        view = await asyncio.to_thread(
            recording_view, portal.catalog, reader_of(principal), ref, public=False
        )
    except RecordingNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    await add_speakers(portal, view)
    offered = await asyncio.to_thread(group_names, portal.catalog) if view.manage else []
    return render(
        request,
        "recording.html",
        principal=principal,
        view=view,
        group_choices=offered,
        base=f"/recordings/{quote(ref)}",
        now=portal.clock.now(),
        new_link=new_link,
    )


@router.get("/recordings/{ref}/media/{source_id}")
async def play(request: Request, principal: SignedInPage, ref: str, source_id: str) -> Response:
    return await _stream(request, reader_of(principal), ref, source_id, original=False)


@router.get("/recordings/{ref}/files/{file_id}")
async def download(request: Request, principal: SignedInPage, ref: str, file_id: str) -> Response:
    return await _stream(request, reader_of(principal), ref, f"f{file_id}", original=True)


async def _stream(
    request: Request, reader: Reader, ref: str, source_id: str, *, original: bool
) -> Response:
    portal = context(request)
    try:
        item = await asyncio.to_thread(
            media_for, portal.catalog, reader, ref, source_id, original=original
        )
        store = await asyncio.to_thread(store_for, portal, int(ref.split("-", 1)[0]))
    except RecordingNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    return await stream_object(request, store, item, attachment=original)


@router.post("/recordings/{ref}/sharing")
async def share(
    request: Request,
    principal: SignedInPage,
    ref: str,
    status: Annotated[str, Form(max_length=20)],
    visibility: Annotated[str, Form(max_length=20)],
    viewers: Annotated[str, Form(max_length=20_000)] = "",
    groups: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """`groups` comes from the form's ticked boxes, one value per chosen group."""
    portal = context(request)
    chosen = tuple(part.strip() for part in viewers.replace(",", "\n").splitlines() if part.strip())
    try:
        wanted = Sharing(status, visibility, chosen, tuple(groups or ()))
        await asyncio.to_thread(
            save_sharing, portal.catalog, reader_of(principal), ref, wanted, portal.clock.now()
        )
    except RecordingNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except InvalidInput as exc:
        raise HTTPException(422, str(exc)) from None
    return RedirectResponse(f"/recordings/{quote(ref)}#sharing", status_code=303)


@router.post("/recordings/{ref}/links")
async def make_link(
    request: Request,
    principal: SignedInPage,
    ref: str,
    days: Annotated[int, Form(ge=1, le=365)] = 7,
) -> Response:
    portal = context(request)
    try:
        token, _ = await asyncio.to_thread(
            create_public_link, portal.catalog, reader_of(principal), ref, days, portal.clock.now()
        )
    except RecordingNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except InvalidInput as exc:
        raise HTTPException(409, str(exc)) from None
    link = f"{request.base_url}shared/{token}"
    return await _recording_page(request, principal, ref, new_link=link)


@router.post("/recordings/{ref}/links/{link_id}/revoke")
async def revoke_link(
    request: Request, principal: SignedInPage, ref: str, link_id: int
) -> Response:
    await withdraw_link(request, principal, ref, link_id)
    return RedirectResponse(f"/recordings/{quote(ref)}#sharing", status_code=303)


async def withdraw_link(request: Request, principal: Principal, ref: str, link_id: int) -> None:
    """Withdraw a public link (its page and its JSON twin); 404 for anything not theirs."""
    portal = context(request)
    try:
        await asyncio.to_thread(
            revoke_public_link,
            portal.catalog,
            reader_of(principal),
            ref,
            link_id,
            portal.clock.now(),
        )
    except InvalidInput as exc:  # RecordingNotFound included
        raise HTTPException(404, str(exc)) from None


async def _opened(request: Request, token: str) -> str:
    portal = context(request)
    ref = await asyncio.to_thread(open_public_link, portal.catalog, token, portal.clock.now())
    if ref is None:
        raise HTTPException(404, "this link is unknown, expired or withdrawn")
    return ref


@router.get("/shared/{token}")
async def shared(request: Request, token: str) -> Response:
    """A recording opened by a public link: no sign-in, no originals, no direct messages."""
    portal = context(request)
    ref = await _opened(request, token)
    try:
        view = await asyncio.to_thread(
            recording_view, portal.catalog, link_reader(ref), ref, public=True
        )
    except RecordingNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    await add_speakers(portal, view)
    return render(
        request, "recording.html", view=view, base=f"/shared/{token}", now=portal.clock.now()
    )


@router.get("/shared/{token}/media/{source_id}")
async def shared_play(request: Request, token: str, source_id: str) -> Response:
    ref = await _opened(request, token)
    return await _stream(request, link_reader(ref), ref, source_id, original=False)
