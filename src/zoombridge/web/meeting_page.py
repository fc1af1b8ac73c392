"""One meeting's page (/meetings/{id}; its JSON twin is GET /api/meetings/{id}): its details,
its state and why, its links with their visibility, the edits queued for it, and the forms
of every action on it (web.meeting_actions answers them).

Every refusal is drawn into this page with the typed values kept, never answered as the
API's JSON body: a person in a browser must read what to do, and lose nothing they typed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from starlette.responses import Response

from zoombridge.accounts import Principal, Role
from zoombridge.app import DEFAULT_CONNECTION
from zoombridge.db.meeting_models import MeetingPendingChange, ScheduledMeeting
from zoombridge.meetings.drafts import MeetingChanges
from zoombridge.meetings.edits import changed_fields
from zoombridge.meetings.links import ADMITS
from zoombridge.meetings.pool import list_hosts
from zoombridge.meetings.records import open_passcode
from zoombridge.meetings.recurrence import NO_FIXED_TIME
from zoombridge.meetings.service import MeetingService
from zoombridge.meetings.transfer import Preflight
from zoombridge.web.auth import context, page_user
from zoombridge.web.meeting_access import Refused, check_owner, service_for
from zoombridge.web.meeting_forms import EDIT_CHECKBOXES, edit_values, in_zone, repeats_said
from zoombridge.web.meeting_views import preflight_out
from zoombridge.web.rendering import render
from zoombridge.web.security import CSP

__all__ = ["PageState", "meeting_answer", "refusal_lines", "router", "show_meeting"]

router = APIRouter(include_in_schema=False)
SchedulerPage = Annotated[Principal, Depends(page_user(Role.CONTRIBUTOR))]
Connection = Annotated[str, Query(max_length=100)]

# What each state means for the person looking at it, and what they can do about it.
STATE_SAID = {
    "active": "scheduled in Zoom; its host's time is booked",
    "missing": "deleted in Zoom by someone else; recreate it to get a new ID and join link",
    "expired": "Zoom expired its ID after the last date, as Zoom does; nothing to do",
    "cancelled": "cancelled: deleted in Zoom, its host's time freed",
    "failed": "Zoom refused to create it; nothing is booked",
    "reserved": "being created: its host's time is held while Zoom is asked",
}
VISIBILITY_SAID = {
    "everyone": "everyone, signed in or not",
    "signed_in": "signed-in users",
    "registered": "registered participants",
    "no_one": "no one but the object's managers",
}


@dataclass
class PageState:
    """What a page answer carries besides the meeting: the edit form's values (typed ones
    after a refusal), what went wrong, and a transfer preflight's outcome."""

    status: int = 200
    problems: Sequence[str] = ()
    values: Mapping[str, str] | None = None
    preflight: Preflight | None = None
    target: str = ""
    link_values: Mapping[str, str] = field(default_factory=dict)


def refusal_lines(exc: Refused) -> list[str]:
    """A refusal in sentences: why, then the meeting in the way, what a transfer lacks, or
    when the host may write again (the API gives these as separate JSON fields)."""
    body = exc.body
    lines = [str(body.get("detail", exc.detail))]
    if conflict := body.get("conflict"):
        lines.append(f"In the way: {conflict.get('meeting')} at {conflict.get('at')}.")
    lines += [f"Missing: {item}" for item in body.get("missing", [])]
    if resume := body.get("resume_at"):
        lines.append(f"The host may write again from {resume}.")
    return lines


@router.get("/meetings/{meeting_id}")
async def meeting_page(
    request: Request,
    principal: SchedulerPage,
    meeting_id: int,
    connection: Connection = DEFAULT_CONNECTION,
) -> Response:
    return await show_meeting(request, principal, connection, meeting_id, PageState())


async def show_meeting(
    request: Request, principal: Principal, connection: str, meeting_id: int, state: PageState
) -> Response:
    """The meeting page as `state` says; another person's or no meeting is a 404 page."""
    try:
        async with service_for(request, connection, offline=True) as service:
            row = check_owner(principal, await asyncio.to_thread(service.get, meeting_id))
            found = await asyncio.to_thread(_around, service, row)
    except Refused as exc:
        return render(
            request,
            "meeting.html",
            exc.status_code,
            principal=principal,
            connection=connection,
            meeting=None,
            problems=refusal_lines(exc),
        )
    check = state.preflight
    answer = render(
        request,
        "meeting.html",
        state.status,
        principal=principal,
        connection=connection,
        meeting=row,
        state_said=STATE_SAID.get(row.state, row.state),
        values=state.values if state.values is not None else edit_values(row),
        problems=list(state.problems),
        preflight=preflight_out(check) if check else None,
        target=state.target,
        link_values=state.link_values,
        visibilities=VISIBILITY_SAID,
        checkboxes=EDIT_CHECKBOXES,
        notices=_notices(request.query_params),
        in_zone=in_zone,
        repeats=repeats_said(row.recurrence, row.type),
        fixed=row.type not in NO_FIXED_TIME and row.start_time is not None,
        **found,
    )
    return _start_may_leave(request, answer)


def _around(service: MeetingService, row: ScheduledMeeting) -> dict[str, Any]:
    """What the page shows beside the meeting: its host, links, hosts to move it to, and
    its queued edits (field names only: a queued passcode is never shown)."""
    hosts = list_hosts(service.catalog, service.connection_id)
    with service.catalog.session() as session:
        queued = list(
            session.scalars(
                select(MeetingPendingChange)
                .where(
                    MeetingPendingChange.meeting_id == row.id,
                    MeetingPendingChange.applied_at.is_(None),
                )
                .order_by(MeetingPendingChange.id)
            )
        )
        session.expunge_all()
    return {
        "host_email": next((h.email for h in hosts if h.user_id == row.host_user_id), None),
        "links": service.links_of(row.id),
        "hosts": [h for h in hosts if h.status == "active" and h.user_id != row.host_user_id],
        "queued": [(q.not_before, _differing(service, row, q.fields)) for q in queued],
        "admits": list(ADMITS),
    }


def _differing(service: MeetingService, row: ScheduledMeeting, fields: dict[str, Any]) -> list[str]:
    """What a queued edit will change (the edit form sends every field; the unchanged ones
    are not sent when it is applied, so they are not named)."""
    changes = MeetingChanges.model_validate(fields)
    body = changed_fields(row, changes, open_passcode(row, service.keyring))
    return sorted("passcode" if name == "password" else name for name in body)


NOTICES = {
    "created": "Scheduled in Zoom as meeting {}.",
    "changed": "Sent to Zoom: {}.",
    "unchanged": "Nothing differed from the meeting as it is; nothing was sent.",
    "queued": "The host is at Zoom's daily limit: the change is queued until {} and sent then.",
    "moved": "Moved to {}, keeping its ID and join link.",
    "recreated": "This is the new meeting, made to replace meeting {} (a new ID and link).",
    "cancelled": "Cancelled in Zoom; its host's time is free again.",
    "linked": "Linked {}.",
    "unlinked": "Unlinked {}.",
}


def _notices(query: Mapping[str, str]) -> list[str]:
    """What the last action did, from the redirect's query (post/redirect/get)."""
    return [text.format(query[name]) for name, text in NOTICES.items() if name in query]


def _start_may_leave(request: Request, answer: Response) -> Response:
    """This page's "Start" form is answered by a redirect to Zoom's start link, and browsers
    hold a form's redirects to its page's form-action: Zoom's web hosts are added to it (the
    account's own, an emulator's in a demo), nothing else of the portal's CSP changes."""
    web = urlsplit(str(context(request).bridge.settings.zoom.oauth_url))
    origins = ["https://zoom.us", "https://*.zoom.us", f"{web.scheme}://{web.netloc}"]
    allowed = " ".join(dict.fromkeys(origins))
    answer.headers["Content-Security-Policy"] = CSP.replace(
        "form-action 'self'", f"form-action 'self' {allowed}"
    )
    return answer


def meeting_answer(path: str, connection: str, **query: str) -> str:
    """Where an action sends the browser afterwards: the meeting page with what happened."""
    shown = dict(query)
    if connection != DEFAULT_CONNECTION:
        shown["connection"] = connection
    return f"{path}?{urlencode(shown)}" if shown else path
