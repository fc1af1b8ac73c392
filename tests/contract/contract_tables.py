"""The data tables of the strict contract (see `strict_openapi`): where the vendored documents
are, which fields Zoom always sends (`ALWAYS_SENT`, with documented exemptions as `Exempt`) and
Zoom's REST error model (`ERROR_BODY_SCHEMA`, `UNIVERSAL_ERRORS`, `URL_VALIDATION_SCHEMA`).

The deliberate exceptions to Zoom's rules are in `contract_relaxations.RELAXATIONS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

JSON = Any  # a decoded JSON value

VENDORED_DIR: Final = Path(__file__).resolve().parent / "zoom-api"

#: api name -> vendored OpenAPI 3.0 document (REST)
API_FILES: Final[Mapping[str, str]] = {
    "meetings": "openapi-meetings.json.gz",
    "users": "openapi-users.json.gz",
    "accounts": "openapi-accounts.json.gz",
    "phone": "openapi-phone.json.gz",
}
#: vendored OpenAPI 3.1 documents whose top-level `webhooks` describe the event bodies
WEBHOOK_FILES: Final[tuple[str, ...]] = ("webhooks-meetings.json.gz", "webhooks-phone.json.gz")

REQUEST: Final = ":request"  # a RELAXATIONS target suffix: the operation's request body


# --------------------------------------------------------------------------------------------
# Fields Zoom always sends
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exempt:
    """`fields` are sent on every object at the location unless `discriminator` is one of
    `values`; objects with one of those values carry none of them (a documented exception)."""

    discriminator: str
    values: tuple[str, ...]
    fields: tuple[str, ...]
    source: str


#: Zoom, file_type description of recording files (openapi-meetings.json recordingsList and
#: recordingGet): "A recording file object with file type of either CC or TIMELINE does not have
#: the following properties: id, status, file_size, recording_type, and play_url."
CC_TIMELINE_EXEMPTION: Final = Exempt(
    discriminator="file_type",
    values=("CC", "TIMELINE"),
    fields=("id", "status", "file_size", "recording_type", "play_url"),
    source="openapi-meetings.json recording_files[].file_type description",
)
#: openapi-users.json GET /users, users[].id: "The API does not return this value for users with
#: the pending status."
PENDING_USER_EXEMPTION: Final = Exempt(
    discriminator="status",
    values=("pending",),
    fields=("id",),
    source="openapi-users.json users[].id description",
)

# Recording files: what every file has (also CC and TIMELINE files). download_url is absent only
# for Zoom On-Premise accounts (file_path instead); the contract describes cloud accounts.
_RECORDING_FILE: Final = (
    "meeting_id",
    "recording_start",
    "recording_end",
    "file_type",
    "file_extension",
    "download_url",
    CC_TIMELINE_EXEMPTION,
)
# A recording "meeting" (one instance): identity, host, timing and totals. Every one of these is
# in Zoom's own `required` list of the same object in the recording.* webhook schemas.
_RECORDING_MEETING: Final = (
    "uuid",
    "id",
    "account_id",
    "host_id",
    "topic",
    "type",
    "start_time",
    "duration",
    "total_size",
    "recording_count",
    "recording_files",
)
# Per-participant audio: Zoom's `required` list of the same object in recording.completed, less
# file_extension, which the REST schema of the object does not have.
_PARTICIPANT_AUDIO_FILE: Final = (
    "id",
    "recording_start",
    "recording_end",
    "file_type",
    "file_size",
    "file_name",
    "download_url",
    "status",
)
# Meeting and webinar objects. start_time, duration and timezone are absent for recurring
# meetings with no fixed time (type 3/6), so they are not listed.
_MEETING_OBJECT: Final = (
    "id",
    "uuid",
    "host_id",
    "host_email",
    "topic",
    "type",
    "status",
    "created_at",
    "join_url",
    "start_url",
    "settings",
)
_WEBINAR_OBJECT: Final = tuple(f for f in _MEETING_OBJECT if f != "status")  # no status field
# Pagination envelope sent by every list (zoom-api-facts.md §0): the token is "" on the last page.
_PAGE: Final = ("next_page_token", "page_size", "total_records")
# Phone recordings: Zoom's `required` list of the same item in phone.recording_completed, plus
# call_id (the key that links a recording to the call history).
_PHONE_RECORDING: Final = (
    "id",
    "call_id",
    "caller_number",
    "caller_number_type",
    "callee_number",
    "callee_number_type",
    "callee_name",
    "direction",
    "duration",
    "download_url",
    "date_time",
)
# Webhook recording events: the same objects as in REST. Zoom's own examples of
# recording.transcript_completed, .deleted and .recovered omit file_extension (see RELAXATIONS).
_WEBHOOK_FILE_NO_EXTENSION: Final = tuple(f for f in _RECORDING_FILE if f != "file_extension")
_WEBHOOK_HEADER: Final = ("event", "event_ts", "payload")

#: operationId or webhook event -> JSON location -> fields that must be present.
#: Locations: "" is the body, "a.b" a nested object, "a[]" the items of array a.
#: This adds to whatever Zoom's schema marks `required` itself (the webhook documents do).
ALWAYS_SENT: Final[Mapping[str, Mapping[str, tuple[str | Exempt, ...]]]] = {
    # ---- Users API
    "users": {
        "": (*_PAGE, "users"),
        "users[]": ("email", "type", "status", PENDING_USER_EXEMPTION),
    },
    "user": {"": ("id", "email", "type", "status", "account_id")},
    "userAssistants": {"": ("assistants",), "assistants[]": ("id", "email")},
    "userAssistantCreate": {"": ("ids", "add_at")},
    # ---- Cloud recordings
    "recordingsList": {
        "": ("from", "to", *_PAGE, "meetings"),
        "meetings[]": _RECORDING_MEETING,
        "meetings[].recording_files[]": _RECORDING_FILE,
    },
    "recordingGet": {
        "": _RECORDING_MEETING,
        "recording_files[]": _RECORDING_FILE,
        "participant_audio_files[]": _PARTICIPANT_AUDIO_FILE,
    },
    # ---- Meetings and webinars
    "meetingCreate": {"": _MEETING_OBJECT},
    "meeting": {"": _MEETING_OBJECT},
    "meetings": {
        "": (*_PAGE, "meetings"),
        "meetings[]": ("uuid", "id", "host_id", "topic", "type", "created_at", "join_url"),
    },
    "webinarCreate": {"": _WEBINAR_OBJECT},
    "webinar": {"": _WEBINAR_OBJECT},
    # ---- Past meetings, reports, dashboards
    "pastMeetingDetails": {
        "": (
            "uuid",
            "id",
            "host_id",
            "type",
            "topic",
            "user_name",
            "user_email",
            "start_time",
            "end_time",
            "duration",
            "total_minutes",
            "participants_count",
        ),
    },
    "pastMeetings": {"": ("meetings",), "meetings[]": ("uuid", "start_time")},
    "pastMeetingParticipants": {
        "": (*_PAGE, "participants"),
        # id is "" for participants who did not sign in, but it is sent.
        "participants[]": ("id", "name", "user_email", "join_time", "leave_time", "duration"),
    },
    "reportMeetings": {
        "": ("from", "to", *_PAGE, "meetings"),
        "meetings[]": (
            "uuid",
            "id",
            "type",
            "topic",
            "user_name",
            "user_email",
            "start_time",
            "end_time",
            "duration",
            "total_minutes",
            "participants_count",
        ),
    },
    "dashboardMeetings": {
        "": ("from", "to", *_PAGE, "meetings"),
        # end_time is absent for type=live meetings.
        "meetings[]": ("uuid", "id", "topic", "host", "email", "start_time", "duration"),
    },
    # ---- Archiving: Zoom's own schema already requires most item fields.
    "listArchivedFiles": {"": ("from", "to", *_PAGE, "meetings")},
    # ---- Phone
    "getPhoneRecordings": {"": (*_PAGE, "recordings"), "recordings[]": _PHONE_RECORDING},
    "phoneUserRecordings": {"": (*_PAGE, "recordings"), "recordings[]": _PHONE_RECORDING},
    "accountCallHistory": {
        # The document has both call_logs[] and call_history[] and does not say which is sent.
        "": (*_PAGE,),
        "call_logs[]": ("id", "call_id", "direction", "start_time", "duration"),
        "call_history[]": ("call_history_uuid", "call_id", "direction", "start_time", "duration"),
    },
    # ---- Webhooks (event names)
    "recording.completed": {
        "": (*_WEBHOOK_HEADER, "download_token"),
        "payload": ("account_id", "object"),
        "payload.object": _RECORDING_MEETING,
        "payload.object.recording_files[]": _RECORDING_FILE,
    },
    "recording.transcript_completed": {
        "": (*_WEBHOOK_HEADER, "download_token"),
        "payload": ("account_id", "object"),
        "payload.object": _RECORDING_MEETING,
        "payload.object.recording_files[]": _WEBHOOK_FILE_NO_EXTENSION,
    },
    "recording.trashed": {
        "": _WEBHOOK_HEADER,
        "payload": ("account_id", "object"),  # operator: see RELAXATIONS
        "payload.object": _RECORDING_MEETING,
        "payload.object.recording_files[]": _RECORDING_FILE,
    },
    "recording.deleted": {
        "": _WEBHOOK_HEADER,
        "payload": ("account_id", "object", "operator", "operator_id"),
        "payload.object": _RECORDING_MEETING,
        "payload.object.recording_files[]": _WEBHOOK_FILE_NO_EXTENSION,
    },
    "recording.recovered": {
        "": _WEBHOOK_HEADER,
        "payload": ("account_id", "object", "operator", "operator_id"),
        "payload.object": tuple(f for f in _RECORDING_MEETING if f != "account_id"),
        "payload.object.recording_files[]": _WEBHOOK_FILE_NO_EXTENSION,
    },
    "meeting.created": {
        "": _WEBHOOK_HEADER,
        "payload": ("account_id", "operator", "operator_id", "object"),
        "payload.object": ("uuid", "id", "host_id", "topic", "type", "duration", "join_url"),
    },
    "meeting.updated": {
        "": _WEBHOOK_HEADER,
        "payload": ("account_id", "operator", "operator_id", "object", "old_object", "time_stamp"),
        # object and old_object carry the id plus only the fields that changed.
        "payload.object": ("id",),
    },
    "meeting.deleted": {
        "": _WEBHOOK_HEADER,
        "payload": ("account_id", "operator", "operator_id", "object"),
        "payload.object": ("uuid", "id", "host_id", "topic", "type"),
    },
    "phone.recording_completed": {
        "": _WEBHOOK_HEADER,
        "payload": ("account_id", "object"),
        "payload.object": ("recordings",),
        "payload.object.recordings[]": _PHONE_RECORDING,
    },
}


# --------------------------------------------------------------------------------------------
# Error model (zoom-api-facts.md §8; developers.zoom.us/docs/api/errors)
# --------------------------------------------------------------------------------------------

#: Every REST error body: {"code": int, "message": str[, "errors": [{"field", "message"}]]}.
ERROR_BODY_SCHEMA: Final[Mapping[str, JSON]] = {
    "type": "object",
    "required": ["code", "message"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "additionalProperties": False,
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

#: Error statuses allowed on every operation although most operations do not list them.
#: 429: rate limits apply to every endpoint (docs "Rate limits"; the brief's rule).
#: 401 with code 124: the access-token check runs before every operation ("Invalid access
#: token." / "Access token has expired." / "Requires an access token."), documented on only 75
#: of 705 operations. Only code 124 is accepted under this exemption.
#: 400 with code 4711: the scope check also runs before every operation; integrators report
#: 400/4711 "does not contain scopes" live on operations whose 400 is undocumented (fact
#: sheet section 1, api-errors.json). 400 with code 300: Zoom's error page documents
#: "Validation Failed" / "Invalid field" as its generic parameter error; the fact sheet tells
#: the emulator to refuse date ranges over a month this way on endpoints that list no 400.
UNIVERSAL_ERRORS: Final[Mapping[int, frozenset[int] | None]] = {
    429: None,  # any code (429 or 4001 in Zoom's texts)
    401: frozenset({124}),
    400: frozenset({300, 4711}),
}

#: Documented in Zoom's docs ("Using webhooks > Validate your webhook endpoint"), not in the
#: webhook OpenAPI documents; example in zoom-api/examples/webhooks/endpoint.url_validation.json.
URL_VALIDATION_SCHEMA: Final[Mapping[str, JSON]] = {
    "type": "object",
    "required": ["event", "event_ts", "payload"],
    "additionalProperties": False,
    "properties": {
        "event": {"const": "endpoint.url_validation"},
        "event_ts": {"type": "integer"},
        "payload": {
            "type": "object",
            "required": ["plainToken"],
            "additionalProperties": False,
            "properties": {"plainToken": {"type": "string", "minLength": 1}},
        },
    },
}
