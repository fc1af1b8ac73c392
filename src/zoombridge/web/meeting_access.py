"""What the meetings API and pages share: the connection's service for one request, who may
act on which meeting, and scheduling errors turned into HTTP answers that say what to do.

Who may do what (the policy tests/web/test_authorization.py checks route by route):
Viewers nothing; Contributors (a person scheduling, or an LMS's API token) see the hosts,
pools and calendars, create meetings, and see and change the meetings they created;
Managers see and change every meeting, save pools and sync the hosts from Zoom.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from math import ceil
from typing import Any

from fastapi import HTTPException, Request
from starlette.responses import JSONResponse, Response

from zoombridge.accounts import Principal, Role
from zoombridge.app import DEFAULT_CONNECTION
from zoombridge.archive.connections import list_connections
from zoombridge.db.meeting_models import ScheduledMeeting
from zoombridge.errors import (
    AuthenticationError,
    ConfigurationError,
    DailyLimitReached,
    HostBusy,
    HostDailyLimitReached,
    InvalidInput,
    MeetingNotFound,
    NoFreeHost,
    RateLimited,
    RetriableError,
    SchedulingRefused,
    TransferRefused,
    ZoomBridgeError,
    ZoomRequestError,
)
from zoombridge.meetings.service import MeetingService
from zoombridge.web.auth import context

__all__ = [
    "NO_STORE",
    "Refused",
    "check_owner",
    "owner_tag",
    "refusal",
    "refused_answer",
    "service_for",
    "visible_to",
]

# A start link or a passcode: never cached, never sent on as a referrer.
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


class Refused(HTTPException):
    """A refusal whose JSON body carries more than `detail`: a machine-readable `error`, and
    the conflicting meeting, what a transfer lacks, or when to try again."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        super().__init__(status, body["detail"], headers or None)
        self.body = body


async def refused_answer(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return JSONResponse(exc.body, exc.status_code, headers=exc.headers)


def _retry_after(when: datetime, now: datetime) -> dict[str, str]:
    return {"Retry-After": str(max(1, ceil((when - now).total_seconds())))}


def refusal(exc: ZoomBridgeError, now: datetime) -> Refused:
    """The HTTP answer for a scheduling error (see the README's status table)."""
    detail, headers = str(exc), {}
    body: dict[str, Any] = {"detail": detail}
    if isinstance(exc, MeetingNotFound):
        status, body["error"] = 404, "not_found"
    elif isinstance(exc, HostBusy):
        status, body["error"], body["conflict"] = 409, "host_busy", exc.conflict
    elif isinstance(exc, NoFreeHost):
        status, body["error"] = 409, "no_free_host"
    elif isinstance(exc, TransferRefused):
        status, body["error"], body["missing"] = 409, "transfer_refused", exc.missing
    elif isinstance(exc, SchedulingRefused):
        status, body["error"] = 409, "refused"
    elif isinstance(exc, InvalidInput):
        status, body["error"] = 422, "invalid"
    elif isinstance(exc, HostDailyLimitReached | DailyLimitReached):
        daily = "host_daily_limit" if isinstance(exc, HostDailyLimitReached) else "daily_limit"
        status, body["error"], body["resume_at"] = 429, daily, exc.resume_at.isoformat()
        headers = _retry_after(exc.resume_at, now)
    elif isinstance(exc, AuthenticationError | ConfigurationError):
        status, body["error"] = 503, "zoom_not_usable"
    elif isinstance(exc, ZoomRequestError):
        status, body["error"] = (422 if exc.code == 300 else 409), "zoom_refused"
    elif isinstance(exc, RateLimited | RetriableError):
        status, body["error"] = 503, "zoom_unavailable"
        wait = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(ceil(wait))} if wait else {}
    else:  # the meeting's state does not allow it (an edit of a cancelled meeting, ...)
        status, body["error"] = 409, "not_now"
    return Refused(status, body, headers)


def _known(request: Request, name: str) -> bool:
    portal = context(request)
    names = {info.name for info in list_connections(portal.catalog, portal.bridge.settings)}
    return name == DEFAULT_CONNECTION or name in names


@asynccontextmanager
async def service_for(
    request: Request, connection: str = DEFAULT_CONNECTION, *, offline: bool = False
) -> AsyncIterator[MeetingService]:
    """The connection's meetings service for this request; every zoombridge error raised
    inside becomes its HTTP refusal. A client per request: credentials saved in the portal
    apply at once, and nothing outlives the request."""
    portal = context(request)
    if not await asyncio.to_thread(_known, request, connection):
        raise HTTPException(404, f"there is no connection named {connection!r}")
    try:
        bridge, catalog = portal.bridge, portal.catalog
        # Letters are sent by the server's loop after the answer: mail never delays it.
        async with bridge.meetings(
            catalog, connection, offline=offline, wait_for_mail=False
        ) as service:
            yield service
    except ZoomBridgeError as exc:
        raise refusal(exc, portal.clock.now()) from None


def owner_tag(principal: Principal) -> str:
    """What a meeting's `created_by` holds for a portal user (ids outlive e-mail changes)."""
    return f"user:{principal.user_id}"


def visible_to(principal: Principal, row: ScheduledMeeting) -> bool:
    return principal.can(Role.MANAGER) or row.created_by == owner_tag(principal)


def check_owner(principal: Principal, row: ScheduledMeeting) -> ScheduledMeeting:
    """Another person's meeting is "not found" to a Contributor: ids tell nothing."""
    if not visible_to(principal, row):
        raise MeetingNotFound(f"there is no meeting {row.id} scheduled by you")
    return row


def week_start(now: datetime) -> datetime:
    """Monday 00:00 UTC of the week holding `now`."""
    moment = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    day = moment.astimezone(UTC).date()
    monday = day.toordinal() - day.weekday()
    start = datetime.fromordinal(monday)
    return start.replace(tzinfo=UTC)
