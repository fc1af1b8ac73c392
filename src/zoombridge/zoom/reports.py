"""Past meetings, usage reports, dashboards and the compliance archive (`/archive_files`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import Field

from zoombridge.zoom.client import ZoomClient
from zoombridge.zoom.endpoints import ENDPOINTS
from zoombridge.zoom.models import ZoomInt, ZoomModel, ZoomTime, utc_text

__all__ = [
    "ArchivedMeeting",
    "DashboardMeeting",
    "Participant",
    "PastMeeting",
    "ReportMeeting",
    "get_past_meeting",
    "iter_archived_meetings",
    "iter_dashboard_meetings",
    "iter_report_meetings",
    "list_past_instances",
    "list_past_participants",
]

ARCHIVE_WINDOW = timedelta(days=7)


class PastMeeting(ZoomModel):
    uuid: str
    id: ZoomInt = None
    host_id: str | None = None
    topic: str | None = None
    type: ZoomInt = None
    start_time: ZoomTime = None
    end_time: ZoomTime = None
    duration: ZoomInt = None
    participants_count: ZoomInt = None
    user_email: str | None = None
    user_name: str | None = None


class Participant(ZoomModel):
    id: str | None = None
    name: str | None = None
    user_id: str | None = None
    user_email: str | None = None
    registrant_id: str | None = None
    join_time: ZoomTime = None
    leave_time: ZoomTime = None
    duration: ZoomInt = None
    status: str | None = None


class ReportMeeting(ZoomModel):
    uuid: str
    id: ZoomInt = None
    topic: str | None = None
    type: ZoomInt = None
    start_time: ZoomTime = None
    end_time: ZoomTime = None
    duration: ZoomInt = None
    participants_count: ZoomInt = None
    user_email: str | None = None
    user_name: str | None = None
    has_recording: bool | None = None


class DashboardMeeting(ZoomModel):
    """A meeting on the dashboard; `duration` is Zoom's "mm:ss" or "hh:mm:ss" text here."""

    uuid: str
    id: ZoomInt = None
    topic: str | None = None
    host: str | None = None
    email: str | None = None
    user_type: str | None = None
    start_time: ZoomTime = None
    end_time: ZoomTime = None
    duration: str | None = None
    participants: ZoomInt = None
    has_recording: bool | None = None


class ArchivedMeeting(ZoomModel):
    uuid: str
    id: ZoomInt = None
    host_id: str | None = None
    topic: str | None = None
    start_time: ZoomTime = None
    status: str | None = None
    archive_files: list[dict[str, object]] = Field(default_factory=list)


async def get_past_meeting(zoom: ZoomClient, meeting: str | int) -> PastMeeting:
    return PastMeeting.model_validate(await zoom.call(ENDPOINTS["past_meeting"], meetingId=meeting))


async def list_past_instances(
    zoom: ZoomClient, meeting_id: int | str
) -> list[tuple[str, datetime | None]]:
    """(uuid, start_time) of each ended instance of a meeting."""
    body = await zoom.call(ENDPOINTS["past_instances"], meetingId=meeting_id)
    instances = [PastMeeting.model_validate(item) for item in (body or {}).get("meetings", [])]
    return [(instance.uuid, instance.start_time) for instance in instances]


async def list_past_participants(
    zoom: ZoomClient, meeting: str | int
) -> AsyncIterator[Participant]:
    async for item in zoom.pages(ENDPOINTS["past_participants"], "participants", meetingId=meeting):
        yield Participant.model_validate(item)


async def iter_report_meetings(
    zoom: ZoomClient,
    user_id: str,
    start: date,
    end: date,
    kind: Literal["past", "pastOne", "pastJoined"] = "past",
) -> AsyncIterator[ReportMeeting]:
    """A user's ended meetings (HEAVY; one-month windows, within the last six months)."""
    endpoint = ENDPOINTS["report_user_meetings"]
    params = {"type": kind}
    async for item in zoom.pages_by_month(
        endpoint, "meetings", start, end, params=params, userId=user_id
    ):
        yield ReportMeeting.model_validate(item)


async def iter_dashboard_meetings(
    zoom: ZoomClient, start: date, end: date, kind: Literal["live", "past", "pastOne"] = "past"
) -> AsyncIterator[DashboardMeeting]:
    """Meetings from the dashboard (RESOURCE-INTENSIVE: a few per minute; Business plan)."""
    endpoint = ENDPOINTS["dashboard_meetings"]
    async for item in zoom.pages_by_month(endpoint, "meetings", start, end, params={"type": kind}):
        yield DashboardMeeting.model_validate(item)


async def iter_archived_meetings(
    zoom: ZoomClient, start: datetime, end: datetime
) -> AsyncIterator[ArchivedMeeting]:
    """Compliance-archived meetings; Zoom allows at most seven days per request."""
    current = start
    while current < end:
        window_end = min(end, current + ARCHIVE_WINDOW)
        params = {"from": utc_text(current), "to": utc_text(window_end)}
        async for item in zoom.pages(ENDPOINTS["archive_files"], "meetings", params=params):
            yield ArchivedMeeting.model_validate(item)
        current = window_end
