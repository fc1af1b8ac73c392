"""The actions of a meeting's page, as plain form POSTs with the session's CSRF token: edit,
transfer (its preflight first), recreate, cancel, link and unlink, and Start. Their JSON
twins are the /api/meetings/{id}... routes; the same service calls answer both.

Each action checks first that the meeting exists and is the caller's (a Contributor's own,
a Manager's any), so another person's meeting is "not found" before any field is read or
Zoom is called. A success redirects to the meeting page saying what happened (so a reload
repeats nothing); a refusal draws that page again with why and what was typed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from zoombridge.accounts import Principal, Role
from zoombridge.app import DEFAULT_CONNECTION
from zoombridge.db.meeting_models import ScheduledMeeting
from zoombridge.errors import InvalidInput
from zoombridge.meetings.links import Visibility
from zoombridge.web import meeting_pages
from zoombridge.web.auth import page_user
from zoombridge.web.meeting_access import NO_STORE, Refused, check_owner, service_for
from zoombridge.web.meeting_forms import changes_of, said
from zoombridge.web.meeting_page import PageState, meeting_answer, refusal_lines, show_meeting

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
SchedulerPage = Annotated[Principal, Depends(page_user(Role.CONTRIBUTOR))]
Connection = Annotated[str, Query(max_length=100)]
Action = Callable[[ScheduledMeeting], Awaitable[Response]]


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


async def _attempt(
    request: Request,
    principal: Principal,
    connection: str,
    meeting_id: int,
    action: Action,
    refused: PageState,
) -> Response:
    """Run `action` on the caller's meeting; any refusal or bad input is drawn into the
    meeting page (`refused` says what to keep on it)."""
    try:
        async with service_for(request, connection, offline=True) as service:
            row = check_owner(principal, await asyncio.to_thread(service.get, meeting_id))
        return await action(row)
    except Refused as exc:
        refused.status, refused.problems = exc.status_code, refusal_lines(exc)
    except (ValidationError, InvalidInput) as exc:
        refused.status, refused.problems = 422, said(exc)
    return await show_meeting(request, principal, connection, meeting_id, refused)


def _to(path: str, connection: str, **query: str) -> Response:
    return RedirectResponse(meeting_answer(path, connection, **query), status_code=303)


@router.post("/meetings/{meeting_id}/edit")
async def edit_meeting_page(
    request: Request,
    principal: SchedulerPage,
    meeting_id: int,
    connection: Connection = DEFAULT_CONNECTION,
) -> Response:
    """Send what the form changes; "not urgent" queues it when the host's writes are spent
    for today (the page then says until when)."""
    values = await _form(request)

    async def act(row: ScheduledMeeting) -> Response:
        changes = changes_of(values, row)
        async with service_for(request, connection) as service:
            outcome = await service.update(meeting_id, changes, urgent=not values.get("not_urgent"))
        here = f"/meetings/{meeting_id}"
        if outcome.queued_until is not None:
            when = outcome.queued_until.strftime("%Y-%m-%d %H:%M UTC")
            return _to(here, connection, queued=when)
        if not outcome.sent:
            return _to(here, connection, unchanged="1")
        sent = ", ".join("passcode" if k == "password" else k for k in sorted(outcome.sent))
        return _to(here, connection, changed=sent)

    return await _attempt(request, principal, connection, meeting_id, act, PageState(values=values))


@router.post("/meetings/{meeting_id}/transfer/preflight")
async def transfer_preflight_page(
    request: Request,
    principal: SchedulerPage,
    meeting_id: int,
    connection: Connection = DEFAULT_CONNECTION,
) -> Response:
    """Say whether the meeting can move to the host keeping its link and what is missing,
    before anything is sent (a POST: it asks Zoom for the host's scheduling privileges)."""
    target = (await _form(request)).get("to", "").strip()

    async def act(row: ScheduledMeeting) -> Response:
        if not target:
            raise InvalidInput("choose the host to move the meeting to")
        async with service_for(request, connection) as service:
            check = await service.preflight_transfer(meeting_id, [target])
        shown = PageState(preflight=check, target=target)
        return await show_meeting(request, principal, connection, meeting_id, shown)

    refused = PageState(target=target)
    return await _attempt(request, principal, connection, meeting_id, act, refused)


@router.post("/meetings/{meeting_id}/transfer")
async def transfer_page(
    request: Request,
    principal: SchedulerPage,
    meeting_id: int,
    connection: Connection = DEFAULT_CONNECTION,
) -> Response:
    """Move the meeting as the preflight's answer offered: in place, or (the person chose
    it) recreated for the new host with a new ID and link, whose page is shown next."""
    values = await _form(request)
    target = values.get("to", "").strip()

    async def act(row: ScheduledMeeting) -> Response:
        if not target:
            raise InvalidInput("choose the host to move the meeting to")
        async with service_for(request, connection) as service:
            moved = await service.transfer(
                meeting_id, [target], recreate=bool(values.get("recreate"))
            )
        if moved.id != meeting_id:
            return _to(f"/meetings/{moved.id}", connection, recreated=str(meeting_id))
        return _to(f"/meetings/{meeting_id}", connection, moved=target)

    refused = PageState(target=target)
    return await _attempt(request, principal, connection, meeting_id, act, refused)


@router.post("/meetings/{meeting_id}/recreate")
async def recreate_page(
    request: Request,
    principal: SchedulerPage,
    meeting_id: int,
    connection: Connection = DEFAULT_CONNECTION,
) -> Response:
    """Make a meeting found missing in Zoom again; the new meeting's page is shown."""

    async def act(row: ScheduledMeeting) -> Response:
        async with service_for(request, connection) as service:
            made = await service.recreate(meeting_id)
        return _to(f"/meetings/{made.id}", connection, recreated=str(meeting_id))

    return await _attempt(request, principal, connection, meeting_id, act, PageState())


@router.post("/meetings/{meeting_id}/cancel")
async def cancel_meeting_page(
    request: Request,
    principal: SchedulerPage,
    meeting_id: int,
    connection: Connection = DEFAULT_CONNECTION,
) -> Response:
    """Cancel from the meeting page, or from the list (`back=list`): a refusal is shown on
    the page the person pressed Cancel on."""
    back = (await _form(request)).get("back")

    async def act(row: ScheduledMeeting) -> Response:
        async with service_for(request, connection) as service:
            await service.cancel(meeting_id)
        if back == "list":
            return _to("/meetings", connection, cancelled=str(meeting_id))
        return _to(f"/meetings/{meeting_id}", connection, cancelled="1")

    if back != "list":
        return await _attempt(request, principal, connection, meeting_id, act, PageState())
    try:
        async with service_for(request, connection, offline=True) as service:
            row = check_owner(principal, await asyncio.to_thread(service.get, meeting_id))
        return await act(row)
    except Refused as exc:
        return await meeting_pages.show_list(
            request, principal, connection, exc.status_code, refusal_lines(exc)
        )


@router.post("/meetings/{meeting_id}/links")
async def add_link_page(
    request: Request,
    principal: SchedulerPage,
    meeting_id: int,
    connection: Connection = DEFAULT_CONNECTION,
) -> Response:
    """Link an object of another application (again: its visibility changes)."""
    values = await _form(request)
    app, external_id = values.get("app", "").strip(), values.get("external_id", "").strip()

    # Any text: the service refuses a visibility it does not know, naming the known ones.
    visibility = cast(Visibility, values.get("visibility", ""))

    async def act(row: ScheduledMeeting) -> Response:
        async with service_for(request, connection, offline=True) as service:
            await asyncio.to_thread(service.link, meeting_id, app, external_id, visibility)
        return _to(f"/meetings/{meeting_id}", connection, linked=f"{app}/{external_id}")

    refused = PageState(link_values=values)
    return await _attempt(request, principal, connection, meeting_id, act, refused)


@router.post("/meetings/{meeting_id}/links/remove")
async def remove_link_page(
    request: Request,
    principal: SchedulerPage,
    meeting_id: int,
    connection: Connection = DEFAULT_CONNECTION,
) -> Response:
    """Unlink; the last link's removal cancels the meeting in Zoom (as the API does, unless
    the installation keeps unlinked meetings), and the page says so."""
    values = await _form(request)
    app, external_id = values.get("app", ""), values.get("external_id", "")

    async def act(row: ScheduledMeeting) -> Response:
        async with service_for(request, connection) as service:
            cancelled = await service.unlink(meeting_id, app, external_id)
        told = {"unlinked": f"{app}/{external_id}"} | ({"cancelled": "1"} if cancelled else {})
        return _to(f"/meetings/{meeting_id}", connection, **told)

    return await _attempt(request, principal, connection, meeting_id, act, PageState())


@router.post("/meetings/{meeting_id}/start")
async def start_page(
    request: Request,
    principal: SchedulerPage,
    meeting_id: int,
    connection: Connection = DEFAULT_CONNECTION,
) -> Response:
    """Fetch a start link from Zoom now and go there: it is in this answer's Location only,
    never in a page, a log or the database (it starts the meeting as its host)."""

    async def act(row: ScheduledMeeting) -> Response:
        async with service_for(request, connection) as service:
            url = await service.start_link(meeting_id)
        return RedirectResponse(url, status_code=303, headers=NO_STORE)

    return await _attempt(request, principal, connection, meeting_id, act, PageState())
