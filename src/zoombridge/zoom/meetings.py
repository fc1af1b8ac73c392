"""Meetings and webinars: create, get, update, delete, list, end or recover.

Create and update calls count against Zoom's 100-per-host-per-day limit; pass `host` to
updates so zoombridge can count them and say "host X is at its daily limit" in time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, ValidationError

from zoombridge.errors import InvalidInput
from zoombridge.zoom.client import ZoomClient
from zoombridge.zoom.endpoints import ENDPOINTS
from zoombridge.zoom.models import ZoomInt, ZoomModel, ZoomTime, utc_text

__all__ = [
    "Meeting",
    "MeetingRequest",
    "MeetingSummary",
    "create_meeting",
    "create_webinar",
    "delete_meeting",
    "delete_webinar",
    "get_meeting",
    "get_webinar",
    "list_meetings",
    "list_webinars",
    "set_meeting_status",
    "update_meeting",
    "update_webinar",
]

ListType = Literal["scheduled", "live", "upcoming", "upcoming_meetings", "previous_meetings"]


class MeetingRequest(ZoomModel):
    """The body of a create (all fields) or update (only what changes) call."""

    topic: str | None = Field(default=None, max_length=200)
    type: int | None = None
    start_time: datetime | None = None
    duration: int | None = Field(default=None, ge=1, le=1440)
    timezone: str | None = None
    password: str | None = Field(default=None, max_length=10, repr=False)
    agenda: str | None = Field(default=None, max_length=2000)
    schedule_for: str | None = None
    recurrence: dict[str, Any] | None = None
    settings: dict[str, Any] | None = None
    template_id: str | None = None

    def body(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", exclude_none=True)
        if self.start_time is not None and self.start_time.tzinfo is not None:
            data["start_time"] = utc_text(self.start_time)
        return data


class Meeting(ZoomModel):
    """A meeting or webinar as Zoom returns it from create and get."""

    id: int
    uuid: str | None = None
    host_id: str | None = None
    host_email: str | None = None
    topic: str | None = None
    type: ZoomInt = None
    status: str | None = None
    start_time: ZoomTime = None
    duration: ZoomInt = None
    timezone: str | None = None
    agenda: str | None = None
    created_at: ZoomTime = None
    join_url: str | None = None
    start_url: str | None = Field(default=None, repr=False)
    password: str | None = Field(default=None, repr=False)
    settings: dict[str, Any] = Field(default_factory=dict)
    occurrences: list[dict[str, Any]] = Field(default_factory=list)
    recurrence: dict[str, Any] | None = None


class MeetingSummary(ZoomModel):
    """A meeting as it appears in a user's meeting list."""

    id: int
    uuid: str | None = None
    host_id: str | None = None
    topic: str | None = None
    type: ZoomInt = None
    start_time: ZoomTime = None
    duration: ZoomInt = None
    timezone: str | None = None
    join_url: str | None = None


def _body(request: MeetingRequest | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON to send; a plain mapping is checked first, so a bad field never reaches Zoom."""
    if isinstance(request, MeetingRequest):
        return request.body()
    try:
        MeetingRequest.model_validate(request)
    except ValidationError as exc:
        fields = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(f"the meeting request is invalid, nothing was sent: {fields}") from None
    return dict(request)


async def create_meeting(
    zoom: ZoomClient, user_id: str, request: MeetingRequest | Mapping[str, Any]
) -> Meeting:
    """Schedule a meeting for `user_id` (an id or e-mail; counts against their daily 100)."""
    body = await zoom.call(
        ENDPOINTS["meeting_create"], json=_body(request), host=user_id, userId=user_id
    )
    return Meeting.model_validate(body)


async def get_meeting(
    zoom: ZoomClient, meeting_id: int | str, occurrence_id: str | None = None
) -> Meeting:
    params = {"occurrence_id": occurrence_id}
    return Meeting.model_validate(
        await zoom.call(ENDPOINTS["meeting_get"], params=params, meetingId=meeting_id)
    )


async def update_meeting(
    zoom: ZoomClient,
    meeting_id: int | str,
    changes: MeetingRequest | Mapping[str, Any],
    *,
    host: str | None = None,
    occurrence_id: str | None = None,
) -> None:
    """PATCH only the fields that change (Zoom answers 204, so re-get to see the result)."""
    params = {"occurrence_id": occurrence_id}
    await zoom.call(
        ENDPOINTS["meeting_update"],
        params=params,
        json=_body(changes),
        host=host,
        meetingId=meeting_id,
    )


async def delete_meeting(
    zoom: ZoomClient,
    meeting_id: int | str,
    *,
    occurrence_id: str | None = None,
    notify: bool = False,
) -> None:
    params = {"occurrence_id": occurrence_id, "cancel_meeting_reminder": notify}
    await zoom.call(ENDPOINTS["meeting_delete"], params=params, meetingId=meeting_id)


async def set_meeting_status(
    zoom: ZoomClient, meeting_id: int | str, action: Literal["end", "recover"]
) -> None:
    """End a live meeting, or recover a deleted one."""
    await zoom.call(ENDPOINTS["meeting_status"], json={"action": action}, meetingId=meeting_id)


async def list_meetings(
    zoom: ZoomClient, user_id: str, kind: ListType = "upcoming"
) -> AsyncIterator[MeetingSummary]:
    """A user's meetings of one kind; `upcoming` is their real schedule from now on."""
    async for item in zoom.pages(
        ENDPOINTS["meetings_list"], "meetings", params={"type": kind}, userId=user_id
    ):
        yield MeetingSummary.model_validate(item)


async def create_webinar(
    zoom: ZoomClient, user_id: str, request: MeetingRequest | Mapping[str, Any]
) -> Meeting:
    """Schedule a webinar (the host needs the webinar add-on, else Zoom answers 400/200)."""
    body = await zoom.call(
        ENDPOINTS["webinar_create"], json=_body(request), host=user_id, userId=user_id
    )
    return Meeting.model_validate(body)


async def get_webinar(zoom: ZoomClient, webinar_id: int | str) -> Meeting:
    return Meeting.model_validate(await zoom.call(ENDPOINTS["webinar_get"], webinarId=webinar_id))


async def update_webinar(
    zoom: ZoomClient,
    webinar_id: int | str,
    changes: MeetingRequest | Mapping[str, Any],
    *,
    host: str | None = None,
) -> None:
    await zoom.call(
        ENDPOINTS["webinar_update"], json=_body(changes), host=host, webinarId=webinar_id
    )


async def delete_webinar(zoom: ZoomClient, webinar_id: int | str) -> None:
    await zoom.call(ENDPOINTS["webinar_delete"], webinarId=webinar_id)


async def list_webinars(zoom: ZoomClient, user_id: str) -> AsyncIterator[MeetingSummary]:
    async for item in zoom.pages(ENDPOINTS["webinars_list"], "webinars", userId=user_id):
        yield MeetingSummary.model_validate(item)
