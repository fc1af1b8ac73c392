"""The meetings JSON API (`/api/meetings`): what an LMS or event system calls to schedule
Zoom meetings and webinars for a pool of hosts.

Answers besides success, each with `detail` (what to do) and a machine-readable `error`:
404 not_found (no such meeting, or another person's for a Contributor); 409 host_busy (with
`conflict`: the meeting in the way), no_free_host, transfer_refused (with `missing`),
refused, not_now (the meeting's state forbids it), zoom_refused; 422 invalid input, nothing
changed; 429 host_daily_limit (with `resume_at` and Retry-After: Zoom's 100 writes per host
per day are spent); 503 zoom_not_usable / zoom_unavailable. Roles: see `meeting_access`.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from starlette.responses import JSONResponse, RedirectResponse

from zoombridge.accounts import Principal, Role
from zoombridge.app import DEFAULT_CONNECTION
from zoombridge.db.meeting_models import ScheduledMeeting
from zoombridge.meetings.agenda import host_agenda
from zoombridge.meetings.drafts import MeetingChanges, MeetingDraft
from zoombridge.meetings.links import Audience
from zoombridge.meetings.pool import list_hosts, list_pools, save_pool, sync_hosts
from zoombridge.meetings.recurrence import Span
from zoombridge.meetings.service import MeetingService
from zoombridge.web import meeting_actions, meeting_page, meeting_pages
from zoombridge.web.auth import api_user
from zoombridge.web.meeting_access import (
    NO_STORE,
    Refused,
    check_owner,
    owner_tag,
    refused_answer,
    service_for,
    visible_to,
    week_start,
)
from zoombridge.web.meeting_views import (
    HostOut,
    JoinOut,
    LinkIn,
    LinkOut,
    MeetingDetail,
    MeetingOut,
    PoolIn,
    PoolOut,
    PreflightOut,
    StartOut,
    TransferIn,
    host_rows,
    link_out,
    meeting_out,
    preflight_out,
)

__all__ = ["install", "router"]

router = APIRouter(prefix="/api/meetings", tags=["meetings"])
Scheduler = Annotated[Principal, Depends(api_user(Role.CONTRIBUTOR))]
ManagerCaller = Annotated[Principal, Depends(api_user(Role.MANAGER))]
Connection = Annotated[
    str, Query(max_length=100, description="the Zoom connection (see /api/connections)")
]


def install(app: FastAPI) -> None:
    """Mount the meetings API and pages, and the answer for their refusals."""
    app.include_router(router)
    app.include_router(meeting_pages.router)
    # After the list's pages: /meetings/{meeting_id} must not take /meetings/new or /calendar.
    app.include_router(meeting_page.router)
    app.include_router(meeting_actions.router)
    app.add_exception_handler(Refused, refused_answer)


def _emails(service: MeetingService) -> dict[str, str]:
    return {h.user_id: h.email for h in list_hosts(service.catalog, service.connection_id)}


async def _owned(
    service: MeetingService, principal: Principal, meeting_id: int
) -> ScheduledMeeting:
    row = await asyncio.to_thread(service.get, meeting_id)
    return check_owner(principal, row)


async def _checked(
    request: Request, principal: Principal, connection: str, meeting_id: int
) -> None:
    """Before Zoom is involved: the meeting exists and is the caller's (404 otherwise), so a
    missing meeting is never answered by a Zoom or configuration error."""
    async with service_for(request, connection, offline=True) as service:
        await _owned(service, principal, meeting_id)


async def _out(service: MeetingService, row: ScheduledMeeting) -> MeetingOut:
    return meeting_out(row, await asyncio.to_thread(_emails, service))


@router.get("/hosts")
async def hosts(
    request: Request, principal: Scheduler, connection: Connection = DEFAULT_CONNECTION
) -> list[HostOut]:
    """The connection's Zoom users as last synced, with licence, webinar add-on, how many
    meetings each may run at once, the writes left today and their pools."""
    async with service_for(request, connection, offline=True) as service:
        return await asyncio.to_thread(host_rows, service)


@router.post("/hosts/sync")
async def sync_hosts_api(
    request: Request, principal: ManagerCaller, connection: Connection = DEFAULT_CONNECTION
) -> dict[str, Any]:
    """Read every Zoom user again (a POST: GET must never make Zoom calls on someone's
    behalf, and only non-GET requests are CSRF-checked)."""
    async with service_for(request, connection) as service:
        found = await sync_hosts(
            service.zoom, service.catalog, service.connection_id, service.clock.now()
        )
    return {"seen": found.seen, "licensed": found.licensed, "webinar": found.webinar} | {
        "gone": found.gone
    }


@router.get("/pools")
async def pools(
    request: Request, principal: Scheduler, connection: Connection = DEFAULT_CONNECTION
) -> list[PoolOut]:
    async with service_for(request, connection, offline=True) as service:
        found = await asyncio.to_thread(list_pools, service.catalog, service.connection_id)
    return [PoolOut(name=name, hosts=emails) for name, emails in found.items()]


@router.put("/pools/{name}")
async def save_pool_api(
    request: Request,
    principal: ManagerCaller,
    name: str,
    body: PoolIn,
    connection: Connection = DEFAULT_CONNECTION,
) -> PoolOut:
    """Create or replace a pool; one unknown address refuses the whole change (422)."""
    async with service_for(request, connection, offline=True) as service:
        cid = service.connection_id
        await asyncio.to_thread(save_pool, service.catalog, cid, name, body.hosts)
        found = await asyncio.to_thread(list_pools, service.catalog, cid)
    return PoolOut(name=name.strip(), hosts=found.get(name.strip(), []))


@router.get("/calendar")
async def calendar(
    request: Request,
    principal: Scheduler,
    host: Annotated[str, Query(min_length=1, max_length=320)],
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    connection: Connection = DEFAULT_CONNECTION,
) -> dict[str, Any]:
    """A host's bookings (ours and those read from their Zoom schedule) from `from` (default:
    this week's Monday, UTC) to `to` (default: a week later), each with `clash` set when it
    breaks Zoom's concurrency rules."""
    async with service_for(request, connection, offline=True) as service:
        now = service.clock.now()
        agenda = await asyncio.to_thread(
            host_agenda,
            service.catalog,
            service.connection_id,
            host,
            service.plan,
            _window(start, end, now),
            now,
        )
    return agenda.as_dict()


def _window(start: datetime | None, end: datetime | None, now: datetime) -> Span:
    begin = _utc(start) if start else week_start(now)
    return Span(begin, _utc(end) if end else begin + timedelta(days=7))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@router.get("")
async def list_meetings(
    request: Request,
    principal: Scheduler,
    connection: Connection = DEFAULT_CONNECTION,
    state: Annotated[list[str] | None, Query(description="default: active and missing")] = None,
    app: Annotated[str | None, Query(max_length=100)] = None,
    external_id: Annotated[str | None, Query(max_length=200)] = None,
) -> list[MeetingOut]:
    """The meetings you scheduled (a Manager: every one), by start time; with `app` and
    `external_id`, those linked to that object."""
    async with service_for(request, connection, offline=True) as service:
        if app is not None or external_id is not None:
            if not (app and external_id):
                raise HTTPException(422, "give both app and external_id, or neither")
            rows = await asyncio.to_thread(service.linked_to, app, external_id)
        else:
            states = tuple(state or ("active", "missing"))
            rows = await asyncio.to_thread(lambda: service.scheduled(states=states))
        emails = await asyncio.to_thread(_emails, service)
    return [meeting_out(r, emails) for r in rows if visible_to(principal, r)]


@router.post("", status_code=201)
async def create(
    request: Request,
    response: Response,
    principal: Scheduler,
    draft: MeetingDraft,
    connection: Connection = DEFAULT_CONNECTION,
) -> MeetingOut:
    """Create a meeting or webinar for the named `host`, or any free host of `pool` (least
    loaded, licensed first). 409 host_busy names the meeting in the way; 409 no_free_host
    says why each host of the pool could not; 429 when the host's writes are spent today."""
    async with service_for(request, connection) as service:
        row = await service.create(draft, created_by=owner_tag(principal))
        response.headers["Location"] = f"/api/meetings/{row.id}"
        return await _out(service, row)


@router.get("/{meeting_id}")
async def show(
    request: Request,
    principal: Scheduler,
    meeting_id: int,
    connection: Connection = DEFAULT_CONNECTION,
) -> MeetingDetail:
    """One meeting with its links; never its start link, join link or passcode."""
    async with service_for(request, connection, offline=True) as service:
        row = await _owned(service, principal, meeting_id)
        links = await asyncio.to_thread(service.links_of, meeting_id)
        out = await _out(service, row)
    return MeetingDetail(**out.model_dump(), links=[link_out(link) for link in links])


@router.patch("/{meeting_id}")
async def update(
    request: Request,
    response: Response,
    principal: Scheduler,
    meeting_id: int,
    changes: MeetingChanges,
    urgent: bool = True,
    connection: Connection = DEFAULT_CONNECTION,
) -> dict[str, Any]:
    """Send what changes (`sent`: the fields' names). With urgent=false an edit for a host
    whose writes are spent today is queued: 202 with `queued_until` (00:00 UTC)."""
    await _checked(request, principal, connection, meeting_id)
    async with service_for(request, connection) as service:
        outcome = await service.update(meeting_id, changes, urgent=urgent)
        out = await _out(service, outcome.meeting)
    if outcome.queued_until is not None:
        response.status_code = 202
    queued = outcome.queued_until.isoformat() if outcome.queued_until else None
    return {"meeting": out, "sent": sorted(outcome.sent), "queued_until": queued}


@router.delete("/{meeting_id}")
async def cancel(
    request: Request,
    principal: Scheduler,
    meeting_id: int,
    connection: Connection = DEFAULT_CONNECTION,
) -> MeetingOut:
    """Delete it in Zoom (already gone there is fine) and free its host's time."""
    await _checked(request, principal, connection, meeting_id)
    async with service_for(request, connection) as service:
        return await _out(service, await service.cancel(meeting_id))


@router.post("/{meeting_id}/transfer", response_model=None)
async def transfer(
    request: Request,
    principal: Scheduler,
    meeting_id: int,
    body: TransferIn,
    dry_run: bool = False,
    connection: Connection = DEFAULT_CONNECTION,
) -> MeetingOut | PreflightOut:
    """Move the meeting to another host. dry_run=true: only say whether it can move keeping
    its link, and what is missing. Refused: 409 transfer_refused with `missing`. With
    recreate=true a move that cannot keep the link makes a new meeting (its new id here)."""
    await _checked(request, principal, connection, meeting_id)
    async with service_for(request, connection) as service:
        if dry_run:
            check = await service.preflight_transfer(meeting_id, body.to)
            return preflight_out(check)
        moved = await service.transfer(meeting_id, body.to, recreate=body.recreate)
        return await _out(service, moved)


@router.post("/{meeting_id}/recreate", status_code=201)
async def recreate(
    request: Request,
    principal: Scheduler,
    meeting_id: int,
    connection: Connection = DEFAULT_CONNECTION,
) -> MeetingOut:
    """Make a meeting found missing in Zoom again (new ID and link; links moved to it)."""
    async with service_for(request, connection, offline=True) as service:
        row = await _owned(service, principal, meeting_id)
    if row.state != "missing":
        raise HTTPException(409, f"meeting {meeting_id} is {row.state}; only missing ones are")
    async with service_for(request, connection) as service:
        return await _out(service, await service.recreate(meeting_id))


@router.get("/{meeting_id}/start", response_model=None, responses={200: {"model": StartOut}})
async def start(
    request: Request,
    principal: Scheduler,
    meeting_id: int,
    redirect: bool = False,
    connection: Connection = DEFAULT_CONNECTION,
) -> dict[str, str] | Response:
    """The host's start link, fetched from Zoom now (it works for two hours; zoombridge never
    stores it). redirect=true answers 303 to it, for a "Start" button."""
    await _checked(request, principal, connection, meeting_id)
    async with service_for(request, connection) as service:
        url = await service.start_link(meeting_id)
    if redirect:
        return RedirectResponse(url, status_code=303, headers=NO_STORE)
    return JSONResponse(StartOut(start_url=url).model_dump(), headers=NO_STORE)


@router.get("/{meeting_id}/links")
async def links(
    request: Request,
    principal: Scheduler,
    meeting_id: int,
    connection: Connection = DEFAULT_CONNECTION,
) -> list[LinkOut]:
    async with service_for(request, connection, offline=True) as service:
        await _owned(service, principal, meeting_id)
        found = await asyncio.to_thread(service.links_of, meeting_id)
    return [link_out(link) for link in found]


@router.post("/{meeting_id}/links", status_code=201)
async def add_link(
    request: Request,
    principal: Scheduler,
    meeting_id: int,
    body: LinkIn,
    connection: Connection = DEFAULT_CONNECTION,
) -> LinkOut:
    """Link an object of your application (linking again changes its visibility)."""
    async with service_for(request, connection, offline=True) as service:
        await _owned(service, principal, meeting_id)
        made = await asyncio.to_thread(
            service.link, meeting_id, body.app, body.external_id, body.visibility
        )
    return link_out(made)


@router.delete("/{meeting_id}/links")
async def remove_link(
    request: Request,
    principal: Scheduler,
    meeting_id: int,
    app: Annotated[str, Query(min_length=1, max_length=100)],
    external_id: Annotated[str, Query(min_length=1, max_length=200)],
    connection: Connection = DEFAULT_CONNECTION,
) -> dict[str, bool]:
    """Unlink; unlinking the last object cancels the meeting in Zoom (unless the
    installation's ZOOMBRIDGE_MEETINGS__DELETE_WHEN_UNLINKED is false)."""
    await _checked(request, principal, connection, meeting_id)
    async with service_for(request, connection) as service:
        cancelled = await service.unlink(meeting_id, app, external_id)
    return {"unlinked": True, "meeting_cancelled": cancelled}


@router.get("/{meeting_id}/join", response_model=None, responses={200: {"model": JoinOut}})
async def join(
    request: Request,
    principal: Scheduler,
    meeting_id: int,
    app: Annotated[str, Query(min_length=1, max_length=100)],
    external_id: Annotated[str, Query(min_length=1, max_length=200)],
    audience: Audience,
    connection: Connection = DEFAULT_CONNECTION,
) -> Response:
    """The join link and passcode as `audience` (anyone, signed_in, registered, manager)
    may see them through one linked object: `visible` false with the reason otherwise."""
    async with service_for(request, connection, offline=True) as service:
        await _owned(service, principal, meeting_id)
        found = await asyncio.to_thread(
            service.join_details, meeting_id, app, external_id, audience
        )
    shown = JoinOut(
        visible=found.visible,
        join_url=found.join_url,
        passcode=found.passcode,
        reason=found.reason or None,
    )
    return JSONResponse(shown.model_dump(), headers=NO_STORE)
