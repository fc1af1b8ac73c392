"""The shapes the meetings API answers with, shared by the pages' JSON twins.

A meeting's join link and passcode are never part of these: they are shown only through a
link whose visibility admits the audience (GET /api/meetings/{id}/join), and a host's start
link only fresh from Zoom (GET /api/meetings/{id}/start).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from zoombridge.db.meeting_models import MeetingLink, PoolHost, ScheduledMeeting
from zoombridge.meetings.budget import HOST_WRITES_PER_DAY, writes_today
from zoombridge.meetings.conflicts import capacity_of
from zoombridge.meetings.links import Visibility
from zoombridge.meetings.pool import list_hosts, list_pools
from zoombridge.meetings.service import MeetingService
from zoombridge.meetings.transfer import Preflight

__all__ = [
    "HostOut",
    "JoinOut",
    "LinkIn",
    "LinkOut",
    "MeetingDetail",
    "MeetingOut",
    "PoolIn",
    "PoolOut",
    "PreflightOut",
    "StartOut",
    "TransferIn",
    "host_out",
    "host_rows",
    "link_out",
    "meeting_out",
    "preflight_out",
]


class MeetingOut(BaseModel):
    id: int = Field(description="zoombridge's id (not Zoom's), used in every other route")
    zoom_id: int | None
    kind: Literal["meeting", "webinar"]
    type: int = Field(description="Zoom's type: 2/8/3 meetings, 5/9/6 webinars")
    state: str = Field(description="active | missing (gone from Zoom) | cancelled | failed")
    topic: str
    agenda: str | None
    timezone: str | None
    start_time: datetime | None
    duration: int | None
    recurrence: dict[str, Any] | None
    settings: dict[str, Any] = Field(description="the Zoom settings chosen at creation")
    host_email: str | None
    host_user_id: str
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    last_error: str | None


class LinkOut(BaseModel):
    app: str
    external_id: str
    visibility: Visibility
    created_at: datetime


class MeetingDetail(MeetingOut):
    links: list[LinkOut]


class LinkIn(BaseModel):
    app: str = Field(min_length=1, max_length=100, description="the calling application")
    external_id: str = Field(min_length=1, max_length=200, description="its object's id")
    visibility: Visibility = Field(
        "signed_in", description="who sees the join link and passcode through this link"
    )


class TransferIn(BaseModel):
    to: list[str] = Field(
        min_length=1, max_length=10, description="the new host: any of their e-mail addresses"
    )
    recreate: bool = Field(
        False,
        description="when the move cannot keep the link, make a new meeting (new ID and "
        "link) for the new host, move the links to it and delete the old one",
    )


class PreflightOut(BaseModel):
    meeting_id: int
    current_host: str | None
    target_host: str
    possible_in_place: bool = Field(description="the ID and join link can be kept")
    in_place_missing: list[str] = Field(description="what a move keeping the link lacks")
    missing_anyway: list[str] = Field(description="what even a recreated meeting would lack")
    advice: str


class StartOut(BaseModel):
    start_url: str = Field(description="fresh from Zoom; works for two hours; never stored")


class JoinOut(BaseModel):
    visible: bool
    join_url: str | None
    passcode: str | None
    reason: str | None = Field(description="why the audience may not see them")


class HostOut(BaseModel):
    email: str
    user_id: str
    display_name: str
    licensed: bool
    webinar: bool = Field(description="holds the webinar add-on")
    status: str
    capacity: int = Field(description="meetings the host may run at once on this plan")
    writes_left_today: int = Field(description="of Zoom's 100 creates/updates per UTC day")
    pools: list[str]
    synced_at: datetime
    calendar_read_at: datetime | None


class PoolIn(BaseModel):
    hosts: list[str] = Field(max_length=1000, description="the hosts' e-mail addresses")


class PoolOut(BaseModel):
    name: str
    hosts: list[str]


def meeting_out(row: ScheduledMeeting, emails: dict[str, str]) -> MeetingOut:
    return MeetingOut(
        id=row.id,
        zoom_id=row.zoom_id,
        kind="webinar" if row.webinar else "meeting",
        type=row.type,
        state=row.state,
        topic=row.topic,
        agenda=row.agenda,
        timezone=row.timezone,
        start_time=row.start_time,
        duration=row.duration,
        recurrence=row.recurrence,
        settings=dict(row.settings_json or {}),
        host_email=emails.get(row.host_user_id),
        host_user_id=row.host_user_id,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_error=row.last_error,
    )


def link_out(link: MeetingLink) -> LinkOut:
    return LinkOut(
        app=link.app,
        external_id=link.external_id,
        visibility=link.visibility,
        created_at=link.created_at,
    )


def host_out(host: PoolHost, plan: str, pools: list[str], spent: int) -> HostOut:
    return HostOut(
        email=host.email,
        user_id=host.user_id,
        display_name=host.display_name,
        licensed=host.user_type == 2,
        webinar=host.webinar,
        status=host.status,
        capacity=capacity_of(host.user_type, plan),
        writes_left_today=max(0, HOST_WRITES_PER_DAY - spent),
        pools=pools,
        synced_at=host.synced_at,
        calendar_read_at=host.calendar_read_at,
    )


def host_rows(service: MeetingService) -> list[HostOut]:
    """Every host of the connection, as GET /api/meetings/hosts and `meetings hosts` show."""
    pools: dict[str, list[str]] = {}
    for name, emails in list_pools(service.catalog, service.connection_id).items():
        for email in emails:
            pools.setdefault(email, []).append(name)
    with service.catalog.session() as session:
        spent = writes_today(session, service.connection_id, service.clock.now())
    return [
        host_out(h, service.plan, pools.get(h.email, []), spent.get(h.user_id, 0))
        for h in list_hosts(service.catalog, service.connection_id)
    ]


def preflight_out(check: Preflight) -> PreflightOut:
    if check.anyway:
        advice = "the meeting cannot move to this host; choose another host or time"
    elif check.in_place:
        advice = "moving keeps no link: send recreate=true for a new meeting and link"
    else:
        advice = "the meeting can move keeping its ID and join link"
    return PreflightOut(
        meeting_id=check.meeting.id,
        current_host=check.current.email if check.current else None,
        target_host=check.target.email,
        possible_in_place=check.possible_in_place,
        in_place_missing=check.in_place,
        missing_anyway=check.anyway,
        advice=advice,
    )
