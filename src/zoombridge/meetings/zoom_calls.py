"""The Zoom calls the meetings part makes, meeting or webinar alike, and Zoom's refusals
turned into what the person scheduling should do next."""

from __future__ import annotations

from typing import Any

from zoombridge.db.meeting_models import ScheduledMeeting
from zoombridge.errors import ZoomError
from zoombridge.meetings.drafts import MeetingDraft
from zoombridge.zoom import meetings as api
from zoombridge.zoom.client import ZoomClient
from zoombridge.zoom.meetings import Meeting
from zoombridge.zoom.users import get_user_settings

__all__ = ["create", "delete", "explain", "passcode_rule", "patch", "read"]

# Zoom code -> what to do, said for scheduling (the client's advice is about the call).
SCHEDULING_ADVICE = {
    200: "the host needs the webinar add-on in Zoom (or choose a host who has it)",
    300: "Zoom rejected a field of the meeting; correct it and try again",
    1001: "the host is no longer on this Zoom account; sync the hosts and choose another",
    3000: "the host cannot be scheduled for by zoombridge's Zoom app user; grant it the "
    "scheduling privilege for this host in Zoom, or choose another host",
    3001: "the meeting no longer exists in Zoom; recreate it",
    3003: "zoombridge's Zoom app user may no longer edit this host's meetings (scheduling "
    "privilege changed); grant it again in Zoom",
    3161: "the host may not host or schedule meetings; give them a licence in Zoom or choose "
    "another host",
}
DEFAULT_RULE: dict[str, Any] = {"length": 8, "have_number": True, "have_letter": True}


def explain(exc: ZoomError, action: str) -> ZoomError:
    """The same error (same class, same data), its message led by what failed and what to do."""
    advice = SCHEDULING_ADVICE.get(exc.code or 0)
    lead = f"could not {action}: {advice}. " if advice else f"could not {action}: "
    exc.args = (lead + str(exc),)
    return exc


async def create(
    zoom: ZoomClient, host_user_id: str, draft: MeetingDraft, passcode: str
) -> Meeting:
    body = draft.zoom_body(passcode)
    if draft.webinar:
        return await api.create_webinar(zoom, host_user_id, body)
    return await api.create_meeting(zoom, host_user_id, body)


async def read(zoom: ZoomClient, row: ScheduledMeeting) -> Meeting:
    zoom_id = _zoom_id(row)
    return await (api.get_webinar(zoom, zoom_id) if row.webinar else api.get_meeting(zoom, zoom_id))


async def patch(zoom: ZoomClient, row: ScheduledMeeting, changes: dict[str, Any]) -> None:
    zoom_id, host = _zoom_id(row), row.host_user_id
    if row.webinar:
        await api.update_webinar(zoom, zoom_id, changes, host=host)
    else:
        await api.update_meeting(zoom, zoom_id, changes, host=host)


async def delete(zoom: ZoomClient, row: ScheduledMeeting) -> None:
    zoom_id = _zoom_id(row)
    await (api.delete_webinar(zoom, zoom_id) if row.webinar else api.delete_meeting(zoom, zoom_id))


async def passcode_rule(zoom: ZoomClient, host_user_id: str) -> dict[str, Any]:
    """The account's meeting passcode rule, as the host's meeting security settings show it."""
    settings: Any = await get_user_settings(zoom, host_user_id, "meeting_security")
    rule = ((settings or {}).get("meeting_security") or {}).get("meeting_password_requirement")
    return dict(rule) if isinstance(rule, dict) and rule else dict(DEFAULT_RULE)


def _zoom_id(row: ScheduledMeeting) -> int:
    if row.zoom_id is None:
        raise ValueError(f"meeting {row.id} has no Zoom id yet")
    return row.zoom_id
