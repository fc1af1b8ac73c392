"""The portal's meetings pages: the meetings list (/meetings), the scheduling form
(/meetings/new, with recurrence and "no fixed time") and each host's week
(/meetings/calendar, in a time zone the viewer chooses). Their JSON twins are GET
/api/meetings, POST /api/meetings (with GET /api/meetings/pools for the form's choices) and
GET /api/meetings/calendar. Plain forms with the session's CSRF token; no script needed.
One meeting's page and its actions are web.meeting_page and web.meeting_actions.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import available_timezones

from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from zoombridge.accounts import Principal, Role
from zoombridge.app import DEFAULT_CONNECTION
from zoombridge.errors import InvalidInput
from zoombridge.meetings.agenda import host_agenda
from zoombridge.meetings.drafts import MeetingDraft
from zoombridge.meetings.pool import list_hosts, list_pools
from zoombridge.meetings.recurrence import NO_FIXED_TIME, Span, zone
from zoombridge.meetings.service import MeetingService
from zoombridge.web.auth import page_user
from zoombridge.web.meeting_access import (
    Refused,
    owner_tag,
    service_for,
    visible_to,
)
from zoombridge.web.meeting_charts import local_week, week_timeline
from zoombridge.web.meeting_forms import REPEATS, WEEKDAYS, draft_of, said
from zoombridge.web.meeting_page import meeting_answer, refusal_lines
from zoombridge.web.rendering import render

__all__ = ["router", "show_list"]

router = APIRouter(include_in_schema=False)
SchedulerPage = Annotated[Principal, Depends(page_user(Role.CONTRIBUTOR))]
Connection = Annotated[str, Query(max_length=100)]
ZONES = sorted(available_timezones())  # the calendar's time zone choices


@router.get("/meetings")
async def meetings_page(
    request: Request, principal: SchedulerPage, connection: Connection = DEFAULT_CONNECTION
) -> Response:
    return await show_list(request, principal, connection)


async def show_list(
    request: Request,
    principal: Principal,
    connection: str,
    status: int = 200,
    problems: list[str] | None = None,
) -> Response:
    """The list, with what a Cancel pressed on it could not do (web.meeting_actions)."""
    async with service_for(request, connection, offline=True) as service:
        rows = await asyncio.to_thread(service.scheduled)
        hosts = await asyncio.to_thread(list_hosts, service.catalog, service.connection_id)
    emails = {h.user_id: h.email for h in hosts}
    shown = [r for r in rows if visible_to(principal, r)]
    return render(
        request,
        "meetings.html",
        status,
        principal=principal,
        meetings=shown,
        emails=emails,
        connection=connection,
        week_of=_week_param,
        problems=problems or [],
    )


def _week_param(moment: datetime | None) -> str:
    """A calendar's `from` showing `moment`: the calendar finds its week in the zone it is
    shown in (a UTC Monday is still Sunday in America)."""
    return (moment or datetime.now(UTC)).isoformat()


async def _choices(service: MeetingService) -> dict[str, Any]:
    pools = await asyncio.to_thread(list_pools, service.catalog, service.connection_id)
    hosts = await asyncio.to_thread(list_hosts, service.catalog, service.connection_id)
    active = [h for h in hosts if h.status == "active"]
    return {"pools": pools, "hosts": active, "repeats": REPEATS, "weekdays": WEEKDAYS}


@router.get("/meetings/new")
async def new_meeting_page(
    request: Request, principal: SchedulerPage, connection: Connection = DEFAULT_CONNECTION
) -> Response:
    async with service_for(request, connection, offline=True) as service:
        choices = await _choices(service)
    values = {"timezone": "UTC", "duration": "60", "kind": "meeting", "repeat": "once"}
    values |= {"interval": "1", "end_times": "4", "end_by": "times", "monthly_by": "day"}
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
    weekdays = [v for v in form.getlist("weekly_days") if isinstance(v, str)]
    values["weekly_days"] = ",".join(weekdays)
    try:
        draft = MeetingDraft.model_validate(draft_of(values, weekdays))
    except (ValidationError, InvalidInput) as exc:
        return await _form_again(request, principal, connection, values, said(exc), 422)
    try:
        async with service_for(request, connection) as service:
            made = await service.create(draft, created_by=owner_tag(principal))
            emails = {h.user_id: h.email for h in await asyncio.to_thread(_hosts, service)}
    except Refused as exc:
        return await _form_again(
            request, principal, connection, values, refusal_lines(exc), exc.status_code
        )
    if made.type in NO_FIXED_TIME:  # nothing to see on a calendar
        where = meeting_answer(f"/meetings/{made.id}", connection, created=str(made.zoom_id))
        return RedirectResponse(where, status_code=303)
    query = {"host": emails.get(made.host_user_id, made.host_user_id)}
    query |= {"from": _week_param(made.start_time), "created": str(made.id)}
    if connection != DEFAULT_CONNECTION:
        query["connection"] = connection
    return RedirectResponse(f"/meetings/calendar?{urlencode(query)}", status_code=303)


def _hosts(service: MeetingService) -> list[Any]:
    return list_hosts(service.catalog, service.connection_id)


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


@router.get("/meetings/calendar")
async def calendar_page(
    request: Request,
    principal: SchedulerPage,
    host: Annotated[str | None, Query(max_length=320)] = None,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    tz: Annotated[str | None, Query(max_length=64)] = None,
    connection: Connection = DEFAULT_CONNECTION,
) -> Response:
    """One host's week (without a host, the first active one) in the time zone chosen
    (default: the host's own in Zoom); a `from` without offset is a day in that zone."""
    async with service_for(request, connection, offline=True) as service:
        hosts = await asyncio.to_thread(_hosts, service)
        now = service.clock.now()
        chosen = host or next((h.email for h in hosts if h.status == "active"), None)
        own = next((h.timezone for h in hosts if chosen and chosen.lower() == h.email), None)
        shown, problem = _viewer_zone(tz, own)
        begin, end = local_week(start or now, zone(shown))
        agenda = None
        if chosen is not None:
            cid, plan = service.connection_id, service.plan
            try:
                agenda = await asyncio.to_thread(
                    host_agenda, service.catalog, cid, chosen, plan, Span(begin, end), now
                )
            except InvalidInput as exc:
                problem = str(exc)
    monday = begin.astimezone(zone(shown)).date()
    return render(
        request,
        "meeting_calendar.html",
        (422 if tz and shown != tz else 404) if problem else 200,
        principal=principal,
        connection=connection,
        hosts=hosts,
        agenda=agenda,
        chart=week_timeline(agenda, zone(shown)) if agenda else None,
        chosen=chosen,
        problem=problem,
        tz=shown,
        zones=ZONES,
        local=lambda moment, pattern: moment.astimezone(zone(shown)).strftime(pattern),
        previous=(monday - timedelta(days=7)).isoformat(),
        following=(monday + timedelta(days=7)).isoformat(),
        created=request.query_params.get("created"),
    )


def _viewer_zone(asked: str | None, hosts_own: str | None) -> tuple[str, str | None]:
    """The zone to show the week in, and what was wrong with the one asked for (then UTC):
    asked, else the host's own Zoom zone, else UTC."""
    if asked:
        try:
            zone(asked)
        except InvalidInput as exc:
            return "UTC", f"{exc}; the week is shown in UTC"
        return asked, None
    try:
        zone(hosts_own)
    except InvalidInput:
        return "UTC", None
    return hosts_own or "UTC", None
