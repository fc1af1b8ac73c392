"""The portal's meetings pages: the meetings list (/meetings), the scheduling form
(/meetings/new) and each host's week (/meetings/calendar). Their JSON twins are GET
/api/meetings, POST /api/meetings (with GET /api/meetings/pools for the form's choices) and
GET /api/meetings/calendar. Plain forms with the session's CSRF token; no script needed.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from zoombridge.accounts import Principal, Role
from zoombridge.app import DEFAULT_CONNECTION
from zoombridge.errors import InvalidInput
from zoombridge.meetings.agenda import host_agenda
from zoombridge.meetings.drafts import MeetingDraft
from zoombridge.meetings.pool import list_hosts, list_pools
from zoombridge.meetings.recurrence import Span
from zoombridge.meetings.service import MeetingService
from zoombridge.web.auth import page_user
from zoombridge.web.meeting_access import (
    Refused,
    check_owner,
    owner_tag,
    service_for,
    visible_to,
    week_start,
)
from zoombridge.web.meeting_charts import week_timeline
from zoombridge.web.rendering import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
SchedulerPage = Annotated[Principal, Depends(page_user(Role.CONTRIBUTOR))]
Connection = Annotated[str, Query(max_length=100)]
CHECKBOXES = ("waiting_room", "mute_upon_entry", "join_before_host")


@router.get("/meetings")
async def meetings_page(
    request: Request, principal: SchedulerPage, connection: Connection = DEFAULT_CONNECTION
) -> Response:
    async with service_for(request, connection, offline=True) as service:
        rows = await asyncio.to_thread(service.scheduled)
        hosts = await asyncio.to_thread(list_hosts, service.catalog, service.connection_id)
    emails = {h.user_id: h.email for h in hosts}
    shown = [r for r in rows if visible_to(principal, r)]
    return render(
        request,
        "meetings.html",
        principal=principal,
        meetings=shown,
        emails=emails,
        connection=connection,
        week_of=_week_param,
    )


def _week_param(moment: datetime | None) -> str:
    return week_start(moment or datetime.now(UTC)).isoformat()


async def _choices(service: MeetingService) -> dict[str, Any]:
    pools = await asyncio.to_thread(list_pools, service.catalog, service.connection_id)
    hosts = await asyncio.to_thread(list_hosts, service.catalog, service.connection_id)
    return {"pools": pools, "hosts": [h for h in hosts if h.status == "active"]}


@router.get("/meetings/new")
async def new_meeting_page(
    request: Request, principal: SchedulerPage, connection: Connection = DEFAULT_CONNECTION
) -> Response:
    async with service_for(request, connection, offline=True) as service:
        choices = await _choices(service)
    values = {"timezone": "UTC", "duration": "60", "kind": "meeting"}
    return render(
        request,
        "meeting_new.html",
        principal=principal,
        connection=connection,
        values=values,
        problems=[],
        **choices,
    )


@router.post("/meetings/new")
async def create_meeting_page(
    request: Request, principal: SchedulerPage, connection: Connection = DEFAULT_CONNECTION
) -> Response:
    """Create from the form, then show the chosen host's week with the new meeting; a
    refusal shows the form again with what was typed and why."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        draft = MeetingDraft.model_validate(_draft_of(values))
    except ValidationError as exc:
        return await _form_again(request, principal, connection, values, _said(exc), 422)
    try:
        async with service_for(request, connection) as service:
            made = await service.create(draft, created_by=owner_tag(principal))
            emails = {h.user_id: h.email for h in await asyncio.to_thread(_hosts, service)}
    except Refused as exc:
        return await _form_again(
            request, principal, connection, values, [exc.detail], exc.status_code
        )
    query = {"host": emails.get(made.host_user_id, made.host_user_id)}
    query |= {"from": _week_param(made.start_time), "created": str(made.id)}
    if connection != DEFAULT_CONNECTION:
        query["connection"] = connection
    return RedirectResponse(f"/meetings/calendar?{urlencode(query)}", status_code=303)


def _hosts(service: MeetingService) -> list[Any]:
    return list_hosts(service.catalog, service.connection_id)


def _draft_of(values: dict[str, str]) -> dict[str, Any]:
    """The form's fields as a MeetingDraft: a pool chosen wins over a typed host."""
    options: dict[str, Any] = {name: True for name in CHECKBOXES if values.get(name)}
    if values.get("auto_recording"):
        options["auto_recording"] = values["auto_recording"]
    draft: dict[str, Any] = {
        "kind": values.get("kind") or "meeting",
        "topic": values.get("topic", "").strip(),
        "agenda": values.get("agenda", "").strip() or None,
        "timezone": values.get("timezone", "").strip() or "UTC",
        "start_time": values.get("start_time") or None,
        "duration": values.get("duration") or None,
        "options": options,
    }
    if values.get("pool"):
        draft["pool"] = values["pool"]
    elif values.get("host", "").strip():
        draft["host"] = [h.strip() for h in values["host"].split(",") if h.strip()]
    return draft


def _said(exc: ValidationError) -> list[str]:
    """Pydantic's errors in words a person filling a form reads: the field, then why."""
    said = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"] if part != "options")
        message = str(error["msg"]).removeprefix("Value error, ")
        said.append(f"{where}: {message}" if where else message)
    return said


async def _form_again(
    request: Request,
    principal: Principal,
    connection: str,
    values: dict[str, str],
    problems: list[str],
    status: int,
) -> Response:
    async with service_for(request, connection, offline=True) as service:
        choices = await _choices(service)
    return render(
        request,
        "meeting_new.html",
        status,
        principal=principal,
        connection=connection,
        values=values,
        problems=problems,
        **choices,
    )


@router.post("/meetings/{meeting_id}/cancel")
async def cancel_meeting_page(
    request: Request,
    principal: SchedulerPage,
    meeting_id: int,
    connection: Connection = DEFAULT_CONNECTION,
) -> Response:
    async with service_for(request, connection, offline=True) as service:
        check_owner(principal, await asyncio.to_thread(service.get, meeting_id))
    async with service_for(request, connection) as service:
        await service.cancel(meeting_id)
    return RedirectResponse(f"/meetings?cancelled={meeting_id}", status_code=303)


@router.get("/meetings/calendar")
async def calendar_page(
    request: Request,
    principal: SchedulerPage,
    host: Annotated[str | None, Query(max_length=320)] = None,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    connection: Connection = DEFAULT_CONNECTION,
) -> Response:
    """One host's week; without a host, the first active one."""
    async with service_for(request, connection, offline=True) as service:
        hosts = await asyncio.to_thread(_hosts, service)
        now = service.clock.now()
        begin = week_start(start or now)
        chosen = host or next((h.email for h in hosts if h.status == "active"), None)
        agenda, problem = None, None
        if chosen is not None:
            window = Span(begin, begin + timedelta(days=7))
            cid, plan = service.connection_id, service.plan
            try:
                agenda = await asyncio.to_thread(
                    host_agenda, service.catalog, cid, chosen, plan, window, now
                )
            except InvalidInput as exc:
                problem = str(exc)
    return render(
        request,
        "meeting_calendar.html",
        404 if problem else 200,
        principal=principal,
        connection=connection,
        hosts=hosts,
        agenda=agenda,
        chart=week_timeline(agenda) if agenda else None,
        chosen=chosen,
        problem=problem,
        previous=(begin - timedelta(days=7)).isoformat(),
        following=(begin + timedelta(days=7)).isoformat(),
        created=request.query_params.get("created"),
    )
