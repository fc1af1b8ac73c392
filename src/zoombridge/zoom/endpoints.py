"""Every Zoom endpoint zoombridge calls, with Zoom's rate-limit label for it.

One table, so that the labels can be checked against Zoom's own documents
(`endpoint-index.json`) by a test instead of being scattered through the code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zoombridge.zoom.pagination import path_id
from zoombridge.zoom.ratelimit import Category, Family

__all__ = ["ENDPOINTS", "Endpoint"]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str
    category: Category
    family: Family = "meetings"

    def path(self, **ids: str | int) -> str:
        """The template with each `{name}` replaced by its encoded value."""

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in ids:
                raise ValueError(f"{self.template} needs {name}")
            return path_id(ids[name])

        return _PLACEHOLDER.sub(fill, self.template)


L, M, H, RI = Category.LIGHT, Category.MEDIUM, Category.HEAVY, Category.RESOURCE_INTENSIVE

ENDPOINTS: dict[str, Endpoint] = {
    # users and assistants
    "users": Endpoint("GET", "/users", M),
    "user": Endpoint("GET", "/users/{userId}", L),
    "user_settings": Endpoint("GET", "/users/{userId}/settings", M),
    "assistants": Endpoint("GET", "/users/{userId}/assistants", M),
    "assistants_add": Endpoint("POST", "/users/{userId}/assistants", M),
    "assistants_delete": Endpoint("DELETE", "/users/{userId}/assistants", L),
    "assistant_delete": Endpoint("DELETE", "/users/{userId}/assistants/{assistantId}", L),
    # cloud recordings
    "recordings_list": Endpoint("GET", "/users/{userId}/recordings", M),
    "recording_get": Endpoint("GET", "/meetings/{meetingId}/recordings", L),
    "recording_delete": Endpoint("DELETE", "/meetings/{meetingId}/recordings", L),
    "recording_file_delete": Endpoint(
        "DELETE", "/meetings/{meetingId}/recordings/{recordingId}", L
    ),
    "recording_recover": Endpoint("PUT", "/meetings/{meetingUUID}/recordings/status", L),
    "recording_file_recover": Endpoint(
        "PUT", "/meetings/{meetingId}/recordings/{recordingId}/status", L
    ),
    # meetings
    "meeting_create": Endpoint("POST", "/users/{userId}/meetings", L),
    "meetings_list": Endpoint("GET", "/users/{userId}/meetings", M),
    "meeting_get": Endpoint("GET", "/meetings/{meetingId}", L),
    "meeting_update": Endpoint("PATCH", "/meetings/{meetingId}", L),
    "meeting_delete": Endpoint("DELETE", "/meetings/{meetingId}", L),
    "meeting_status": Endpoint("PUT", "/meetings/{meetingId}/status", L),
    # webinars
    "webinar_create": Endpoint("POST", "/users/{userId}/webinars", L),
    "webinars_list": Endpoint("GET", "/users/{userId}/webinars", M),
    "webinar_get": Endpoint("GET", "/webinars/{webinarId}", L),
    "webinar_update": Endpoint("PATCH", "/webinars/{webinarId}", L),
    "webinar_delete": Endpoint("DELETE", "/webinars/{webinarId}", L),
    # past meetings, reports, dashboards, archiving
    "past_meeting": Endpoint("GET", "/past_meetings/{meetingId}", L),
    "past_instances": Endpoint("GET", "/past_meetings/{meetingId}/instances", M),
    "past_participants": Endpoint("GET", "/past_meetings/{meetingId}/participants", M),
    "report_user_meetings": Endpoint("GET", "/report/users/{userId}/meetings", H),
    "dashboard_meetings": Endpoint("GET", "/metrics/meetings", RI),
    "archive_files": Endpoint("GET", "/archive_files", M),
    # Zoom Phone
    "phone_recordings": Endpoint("GET", "/phone/recordings", M, "phone"),
    "phone_user_recordings": Endpoint("GET", "/phone/users/{userId}/recordings", M, "phone"),
    "phone_recording_download": Endpoint("GET", "/phone/recording/download/{fileId}", M, "phone"),
    "phone_call_history": Endpoint("GET", "/phone/call_history", H, "phone"),
    "phone_user_call_history": Endpoint("GET", "/phone/users/{userId}/call_history", M, "phone"),
}
