"""Cloud recordings: list, get (with a download token), trash or delete, recover."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Literal

from zoombridge.zoom.client import ZoomClient
from zoombridge.zoom.endpoints import ENDPOINTS
from zoombridge.zoom.models import RecordingMeeting

__all__ = [
    "delete_meeting_recordings",
    "delete_recording_file",
    "get_meeting_recordings",
    "iter_user_recordings",
    "list_trash",
    "list_user_recordings",
    "recover_meeting_recordings",
    "recover_recording_file",
]

DeleteAction = Literal["trash", "delete"]


async def list_user_recordings(
    zoom: ZoomClient, user_id: str, from_: date, to: date
) -> AsyncIterator[RecordingMeeting]:
    """One user's recorded instances whose start falls in [from_, to] (at most a month)."""
    params = {"from": from_.isoformat(), "to": to.isoformat()}
    async for item in zoom.pages(
        ENDPOINTS["recordings_list"], "meetings", params=params, userId=user_id
    ):
        yield RecordingMeeting.model_validate(item)


async def iter_user_recordings(
    zoom: ZoomClient, user_id: str, start: date, end: date
) -> AsyncIterator[RecordingMeeting]:
    """Every recorded instance between two dates, one calendar month per request window."""
    endpoint = ENDPOINTS["recordings_list"]
    async for item in zoom.pages_by_month(endpoint, "meetings", start, end, userId=user_id):
        yield RecordingMeeting.model_validate(item)


async def list_trash(
    zoom: ZoomClient,
    user_id: str,
    trash_type: Literal["meeting_recordings", "recording_file"] = "meeting_recordings",
) -> AsyncIterator[RecordingMeeting]:
    """A user's trashed recordings (Zoom ignores dates here, so none are sent)."""
    params = {"trash": True, "trash_type": trash_type}
    async for item in zoom.pages(
        ENDPOINTS["recordings_list"], "meetings", params=params, userId=user_id
    ):
        yield RecordingMeeting.model_validate(item)


async def get_meeting_recordings(
    zoom: ZoomClient,
    meeting: str | int,
    *,
    with_download_token: bool = False,
    ttl_seconds: int | None = None,
) -> RecordingMeeting:
    """One instance's recordings (a meeting id means its latest instance; a UUID, that one).

    `with_download_token` asks for a `download_access_token` valid `ttl_seconds` (max 7 days).
    """
    params: dict[str, str | int | None] = {}
    if with_download_token:
        params["include_fields"] = "download_access_token"
        params["ttl"] = ttl_seconds
    body = await zoom.call(ENDPOINTS["recording_get"], params=params, meetingId=meeting)
    return RecordingMeeting.model_validate(body)


async def delete_meeting_recordings(
    zoom: ZoomClient, meeting: str | int, action: DeleteAction = "trash"
) -> None:
    """Move all of an instance's recordings to Zoom's trash (30 days), or delete for good."""
    await zoom.call(ENDPOINTS["recording_delete"], params={"action": action}, meetingId=meeting)


async def delete_recording_file(
    zoom: ZoomClient, meeting: str | int, recording_id: str, action: DeleteAction = "trash"
) -> None:
    await zoom.call(
        ENDPOINTS["recording_file_delete"],
        params={"action": action},
        meetingId=meeting,
        recordingId=recording_id,
    )


async def recover_meeting_recordings(zoom: ZoomClient, meeting_uuid: str) -> None:
    """Bring an instance's recordings back from the trash."""
    body = {"action": "recover"}
    await zoom.call(ENDPOINTS["recording_recover"], json=body, meetingUUID=meeting_uuid)


async def recover_recording_file(zoom: ZoomClient, meeting: str | int, recording_id: str) -> None:
    await zoom.call(
        ENDPOINTS["recording_file_recover"],
        json={"action": "recover"},
        meetingId=meeting,
        recordingId=recording_id,
    )
