"""Strict contract checks against Zoom's own OpenAPI documents.

The client (`zoombridge.zoom`) and the emulator (`zoombridge.emulator`) are both checked against
the documents Zoom publishes on its API Hub (vendored, gzip-compressed, in `zoom-api/`), never
against each other. Zoom's schemas mark almost nothing `required` and allow any extra field, so
validating against them as written accepts nearly any JSON. This module makes them strict before
handing them to a real validator (`openapi-schema-validator` for the OpenAPI 3.0 REST documents,
`jsonschema` Draft 2020-12 for the OpenAPI 3.1 webhook documents):

1. `allOf` whose members are objects is flattened into one object (properties and `required`
   merged), everywhere: inside `items`, `properties`, `oneOf`/`anyOf` members.
2. Every object schema that declares `properties` gets `additionalProperties: false`, unless Zoom
   declared `additionalProperties` itself.
3. Enums, formats, `nullable`, maxima stay as Zoom wrote them. Where Zoom's document is provably
   wrong, the rule is relaxed in one place only: `RELAXATIONS`, one commented row per exception.
4. The fields Zoom always sends (`ALWAYS_SENT`, per operationId or webhook event and per JSON
   location) become `required`; documented exemptions (recording files of type CC or TIMELINE
   carry no id, status, file_size, recording_type or play_url) are expressed with `Exempt`.

Public API: `ZoomContract.load()`, `operation_for`, `check_request`, `check_response`,
`check_webhook`, and `ContractViolation` (an AssertionError listing every problem with its JSON
path). `strictify` is exposed for its own unit test.
"""

from __future__ import annotations

import copy
import functools
import gzip
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl, unquote, urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator, oas30_format_checker, oas31_format_checker

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

_X_ALWAYS: Final = "x-zoombridge-always-sent"
_X_EXEMPT: Final = "x-zoombridge-exempt"
_X_RELAXED: Final = "x-zoombridge-relaxed"
REQUEST: Final = ":request"  # a RELAXATIONS target suffix: the operation's request body


# --------------------------------------------------------------------------------------------
# Errors and results
# --------------------------------------------------------------------------------------------


class ContractViolation(AssertionError):
    """A request, response or webhook body that Zoom's documents do not allow.

    `problems` lists every problem found, each starting with the JSON path it concerns.
    """

    def __init__(self, subject: str, problems: Sequence[str]) -> None:
        self.subject = subject
        self.problems: tuple[str, ...] = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        count = len(self.problems)
        super().__init__(f"{subject}: {count} contract problem{'s' * (count != 1)}\n{lines}")


@dataclass(frozen=True)
class Operation:
    """One documented REST operation, as matched from a concrete URL."""

    api: str  # "meetings" | "users" | "accounts" | "phone"
    method: str  # upper case
    path: str  # Zoom's path template, e.g. "/meetings/{meetingId}/recordings"
    operation_id: str
    #: path parameters of the matched URL, percent-decoded (twice for double-encoded UUIDs)
    path_params: Mapping[str, str] = field(default_factory=dict, compare=False)


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
# Deliberate relaxations of Zoom's rules
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relaxation:
    """One place where Zoom's document contradicts itself, and what is relaxed there only."""

    target: str  # operationId (its JSON success response), operationId + REQUEST, or an event
    location: str  # JSON location of the object or field, same syntax as ALWAYS_SENT
    why: str  # the evidence, in Zoom's own document
    add_enum: tuple[JSON, ...] = ()  # values added to the enum at `location`
    drop_required: tuple[str, ...] = ()  # names removed from Zoom's `required` at `location`
    add_properties: Mapping[str, JSON] = field(default_factory=dict)  # name -> schema
    drop_format: bool = False  # the `format` at `location` is not enforced
    also_type: str | None = None  # a second JSON type allowed at `location` (webhooks only)
    replace: Mapping[str, JSON] | None = None  # a corrected schema for `location`


_RECORDING_EVENTS: Final = (
    "recording.completed",
    "recording.transcript_completed",
    "recording.trashed",
    "recording.deleted",
    "recording.recovered",
)

#: Every exception to Zoom's rules. Each row names the operation or event, the JSON location and
#: the evidence that Zoom's own document contradicts itself there. Nothing is relaxed globally,
#: and `ZoomContract` refuses rows that do not match the document (stale rows fail at load).
RELAXATIONS: Final[tuple[Relaxation, ...]] = (
    # ---- REST
    # recording_files[].file_type: the enum omits TIMELINE, but the field's own description
    # documents "TIMELINE - Timestamp file of the recording in JSON file format" and the
    # CC/TIMELINE exception; the webhook enum of the same field includes TIMELINE.
    Relaxation(
        "recordingsList",
        "meetings[].recording_files[].file_type",
        "description documents TIMELINE files; the enum omits TIMELINE",
        add_enum=("TIMELINE",),
    ),
    Relaxation(
        "recordingGet",
        "recording_files[].file_type",
        "description documents TIMELINE files; the enum omits TIMELINE",
        add_enum=("TIMELINE",),
    ),
    # recording_files[].status: the REST enum is only "completed", but Zoom lists files that
    # are still being processed (a transcript finishes after the video): its webhook schema
    # for the same object has completed|processing, and the fact sheet (section 3.5) expects
    # "processing" in REST soon after a meeting. The emulator shows late files that way, so an
    # archive built against it must wait for them rather than never see them.
    Relaxation(
        "recordingsList",
        "meetings[].recording_files[].status",
        "files still processing are listed; the webhook enum has processing",
        add_enum=("processing",),
    ),
    Relaxation(
        "recordingGet",
        "recording_files[].status",
        "files still processing are listed; the webhook enum has processing",
        add_enum=("processing",),
    ),
    # recurrence.weekly_days: the enum lists single days "1".."7", but the field's own
    # description says "To set the meeting to occur on multiple days of a week, provide comma
    # separated values ... provide `1,3`". Corrected to a comma-separated list of days.
    Relaxation(
        "meetingCreate:request",
        "recurrence.weekly_days",
        "description documents comma-separated days; the enum lists single days",
        replace={"type": "string", "pattern": "^[1-7](,[1-7])*$"},
    ),
    Relaxation(
        "meetingCreate",
        "recurrence.weekly_days",
        "description documents comma-separated days; the enum lists single days",
        replace={"type": "string", "pattern": "^[1-7](,[1-7])*$"},
    ),
    Relaxation(
        "meeting",
        "recurrence.weekly_days",
        "description documents comma-separated days; the enum lists single days",
        replace={"type": "string", "pattern": "^[1-7](,[1-7])*$"},
    ),
    Relaxation(
        "meetingUpdate:request",
        "recurrence.weekly_days",
        "description documents comma-separated days; the enum lists single days",
        replace={"type": "string", "pattern": "^[1-7](,[1-7])*$"},
    ),
    # meetings[].complete_time is `type: string` with `anyOf: [{type: object, format: date-time},
    # {enum: [""]}]`: no date-time string can match (a string is not an object), so the field's
    # own example "2021-03-12T02:57:27Z" is rejected. Corrected: a date-time string or "".
    Relaxation(
        "listArchivedFiles",
        "meetings[].complete_time",
        "anyOf branch typed object makes the documented example invalid",
        replace={"type": "string", "anyOf": [{"format": "date-time"}, {"enum": [""]}]},
    ),
    # ---- Webhooks: recording events
    # recording_files[] requires id, file_size, status and recording_type on every file, but
    # Zoom documents that CC and TIMELINE files have none of them (REST description of the same
    # object). They stay required for every other file type through CC_TIMELINE_EXEMPTION.
    *(
        Relaxation(
            event,
            "payload.object.recording_files[]",
            "CC/TIMELINE files carry no id, file_size, status, recording_type (documented)",
            drop_required=("id", "file_size", "status", "recording_type"),
        )
        for event in _RECORDING_EVENTS
    ),
    # recording_type's description lists audio_transcript, the enum omits it (the enum of the same
    # field in recording.transcript_completed has it).
    Relaxation(
        "recording.completed",
        "payload.object.recording_files[].recording_type",
        "description lists audio_transcript; the enum omits it",
        add_enum=("audio_transcript",),
    ),
    # Zoom's examples of these events have recording files without file_extension, which the
    # schema requires.
    *(
        Relaxation(
            event,
            "payload.object.recording_files[]",
            "Zoom's example of the event has files without file_extension",
            drop_required=("file_extension",),
        )
        for event in ("recording.transcript_completed", "recording.deleted", "recording.recovered")
    ),
    # participant_audio_files[]: Zoom's examples carry recording_type, which the schema lacks.
    *(
        Relaxation(
            event,
            "payload.object.participant_audio_files[]",
            "Zoom's example of the event has participant audio files with recording_type",
            add_properties={"recording_type": {"type": "string"}},
        )
        for event in ("recording.trashed", "recording.deleted", "recording.recovered")
    ),
    Relaxation(
        "recording.deleted",
        "payload.object.participant_audio_files[]",
        "Zoom's example has a participant audio file without file_extension and file_name",
        drop_required=("file_extension", "file_name"),
    ),
    Relaxation(
        "recording.recovered",
        "payload.object",
        "Zoom's example has no object.account_id",
        drop_required=("account_id",),
    ),
    Relaxation(
        "recording.trashed",
        "payload",
        "Zoom's example has no operator and no operator_id",
        drop_required=("operator", "operator_id"),
    ),
    Relaxation(
        "recording.trashed",
        "payload.object",
        "Zoom's example has object.host_email and object.password (as in recording.completed)",
        add_properties={
            "host_email": {"type": "string", "format": "email"},
            "password": {"type": "string"},
        },
    ),
    # ---- Webhooks: participants
    # Zoom's examples name the time of the event date_time, the schema join_time (required).
    Relaxation(
        "meeting.participant_joined",
        "payload.object.participant",
        "Zoom's example has date_time instead of the required join_time",
        drop_required=("join_time",),
        add_properties={"date_time": {"type": "string", "format": "date-time"}},
    ),
    Relaxation(
        "meeting.participant_joined_breakout_room",
        "payload.object.participant",
        "Zoom's example has date_time instead of the required join_time",
        drop_required=("join_time",),
        add_properties={"date_time": {"type": "string", "format": "date-time"}},
    ),
    *(
        Relaxation(
            event,
            "payload.object.participant",
            "Zoom's example has date_time, which the schema lacks",
            add_properties={"date_time": {"type": "string", "format": "date-time"}},
        )
        for event in (
            "meeting.participant_left",
            "meeting.participant_left_breakout_room",
            "webinar.participant_bind",
        )
    ),
    Relaxation(
        "meeting.participant_bind",
        "payload.object.participant",
        "Zoom's example has join_time, which the schema lacks",
        add_properties={"join_time": {"type": "string", "format": "date-time"}},
    ),
    Relaxation(
        "meeting.participant_admitted",
        "payload",
        "Zoom's example has operator, operator_id and operation, which the schema lacks",
        add_properties={
            "operator": {"type": "string"},
            "operator_id": {"type": "string"},
            "operation": {"type": "string"},
        },
    ),
    Relaxation(
        "webinar.participant_role_changed",
        "payload.object.participant",
        "Zoom's example has customer_key, which the schema lacks",
        add_properties={"customer_key": {"type": "string"}},
    ),
    # ---- Webhooks: other meeting and webinar events
    Relaxation(
        "meeting.alert",
        "payload.object",
        "Zoom's example has join_time instead of the required start_time",
        drop_required=("start_time",),
        add_properties={"join_time": {"type": "string", "format": "date-time"}},
    ),
    Relaxation(
        "webinar.alert",
        "payload.object.type",
        "Zoom's example has type 2 (a scheduled meeting) where the enum allows 5, 6, 9",
        add_enum=(2,),
    ),
    Relaxation(
        "meeting.risk_alert",
        "payload.object.armn_details.recommended_disable_settings[]",
        "Zoom's example has enableScreenShareHostOnly, which the enum lacks",
        add_enum=("enableScreenShareHostOnly",),
    ),
    # Chat message times are in Zoom's example "GMT20220110-072010", not RFC 3339 date-time.
    *(
        Relaxation(
            event,
            f"payload.object.{part}.date_time",
            "Zoom's example value 'GMT20220110-072010' is not a date-time",
            drop_format=True,
        )
        for event, part in (
            ("meeting.chat_message_sent", "chat_message"),
            ("meeting.chat_message_file_sent", "chat_message_file"),
            ("webinar.chat_message_sent", "chat_message"),
            ("webinar.chat_message_file_sent", "chat_message_file"),
        )
    ),
    Relaxation(
        "webinar.updated",
        "payload",
        "Zoom's example has no old_object and no time_stamp",
        drop_required=("old_object", "time_stamp"),
    ),
    Relaxation(
        "webinar.registration_created",
        "payload.object.registrant",
        "Zoom's example has no registrant status and no join_url",
        drop_required=("status", "join_url"),
    ),
    *(
        Relaxation(
            event,
            "payload.object",
            "Zoom's example has an occurrences object, which the schema lacks",
            add_properties={
                "occurrences": {
                    "type": "object",
                    "properties": {
                        "occurrence_id": {"type": "string"},
                        "start_time": {"type": "string", "format": "date-time"},
                    },
                    "additionalProperties": False,
                }
            },
        )
        for event in (
            "recording.registration_approved",
            "recording.registration_created",
            "recording.registration_denied",
        )
    ),
    Relaxation(
        "recording.registration_denied",
        "payload",
        "Zoom's example has no operator and no operator_id",
        drop_required=("operator", "operator_id"),
    ),
    # recording.renamed: the example carries the renamed recording as recording_file (same
    # fields as object) instead of old_object, and time_stamp as a string of digits.
    Relaxation(
        "recording.renamed",
        "payload",
        "Zoom's example has recording_file instead of the required old_object",
        drop_required=("old_object",),
        add_properties={"recording_file": {"type": "object"}},
    ),
    Relaxation(
        "recording.renamed",
        "payload.time_stamp",
        "Zoom's example has time_stamp '1628705277325' (a string) where the type is number",
        also_type="string",
    ),
    *(
        Relaxation(
            event,
            "payload.object.tsp_credentials",
            "Zoom's example has tsp_credentials.id, which the schema lacks",
            add_properties={"id": {"type": "string"}},
        )
        for event in ("user.tsp_created", "user.tsp_deleted")
    ),
    # ---- Webhooks: phone call events. Zoom's examples carry fields the schemas lack.
    *(
        Relaxation(
            event,
            "payload.object",
            f"Zoom's example has {', '.join(sorted(extra))}, which the schema lacks",
            add_properties={name: {"type": "string"} for name in extra},
        )
        for event, extra in (
            ("phone.callee_answered", ("channel_id", "sip_id")),
            ("phone.callee_ended", ("channel_id", "handup_result", "sip_id")),
            ("phone.callee_missed", ("channel_id",)),
            ("phone.callee_rejected", ("channel_id",)),
            ("phone.caller_connected", ("channel_id",)),
            ("phone.caller_ringing", ("channel_id", "sip_id")),
        )
    ),
    *(
        Relaxation(
            event,
            f"payload.object.{party}",
            "Zoom's example has device_type, which the schema lacks",
            add_properties={"device_type": {"type": "string"}},
        )
        for event, party in (
            ("phone.callee_ended", "callee"),
            ("phone.callee_missed", "callee"),
            ("phone.callee_rejected", "callee"),
            ("phone.callee_rejected", "caller"),
            ("phone.caller_ended", "caller"),
        )
    ),
)


# --------------------------------------------------------------------------------------------
# Making a schema strict
# --------------------------------------------------------------------------------------------

_SCHEMA_MAPS: Final = ("properties", "patternProperties", "$defs", "definitions")
_SCHEMA_ONE: Final = (
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
)
_SCHEMA_LISTS: Final = ("allOf", "oneOf", "anyOf", "prefixItems")
_ANNOTATIONS: Final = frozenset({"description", "title", "example", "examples", "deprecated"})


def strictify(schema: JSON) -> JSON:
    """Return a strict copy of an OpenAPI/JSON schema (the input is not modified).

    `allOf` whose members are all objects becomes one object, and every object that declares
    `properties` but not `additionalProperties` gets `additionalProperties: false`.
    """
    return _close(_flatten(schema), close_self=True)


def _is_object_member(schema: JSON) -> bool:
    if not isinstance(schema, dict):
        return False
    if any(k in schema for k in ("allOf", "oneOf", "anyOf", "not", "$ref", "enum")):
        return False
    kind = schema.get("type")
    if kind not in (None, "object"):
        return False
    return kind == "object" or "properties" in schema or set(schema) <= _ANNOTATIONS


def _flatten(node: JSON) -> JSON:
    if isinstance(node, list):
        return [_flatten(x) for x in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, JSON] = {}
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _flatten(sub) for name, sub in value.items()}
        elif key in _SCHEMA_ONE and isinstance(value, dict):
            out[key] = _flatten(value)
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_flatten(sub) for sub in value]
        else:
            out[key] = copy.deepcopy(value)
    members = out.get("allOf")
    if isinstance(members, list) and all(_is_object_member(m) for m in members):
        del out["allOf"]
        for member in members:
            out = _merge(out, member)
    return out


def _merge(base: dict[str, JSON], extra: dict[str, JSON]) -> dict[str, JSON]:
    merged = dict(base)
    for key, value in extra.items():
        if key == "properties":
            props = dict(merged.get("properties", {}))
            for name, sub in value.items():
                props[name] = _merge_property(props[name], sub) if name in props else sub
            merged["properties"] = props
        elif key == "required":
            merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
        elif key == "additionalProperties":
            current = merged.get("additionalProperties", True)
            merged[key] = value if current is True else current
        elif key not in merged:
            merged[key] = value
    if "properties" in merged and "type" not in merged:
        merged["type"] = "object"
    return merged


def _merge_property(first: JSON, second: JSON) -> JSON:
    """The same property declared by two allOf members: one schema if they agree on every
    validation keyword (descriptions and examples may differ), else both under allOf."""
    if first == second:
        return first
    if isinstance(first, dict) and isinstance(second, dict):
        if _is_object_member(first) and _is_object_member(second):
            return _merge(first, second)
        shared = (set(first) & set(second)) - _ANNOTATIONS
        if all(first[k] == second[k] for k in shared):
            return {**second, **first}
    return {"allOf": [first, second]}


def _close(node: JSON, *, close_self: bool) -> JSON:
    if isinstance(node, list):
        return [_close(x, close_self=True) for x in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, JSON] = {}
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _close(sub, close_self=True) for name, sub in value.items()}
        elif key in _SCHEMA_ONE and isinstance(value, dict):
            out[key] = _close(value, close_self=True)
        elif key == "allOf" and isinstance(value, list):
            # Not flattenable: closing a member would reject the other members' properties.
            out[key] = [_close(sub, close_self=False) for sub in value]
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_close(sub, close_self=True) for sub in value]
        else:
            out[key] = value
    # An object that also has oneOf/anyOf/allOf siblings stays open: its branches may add
    # properties. (None of Zoom's response schemas has this shape after flattening.)
    open_siblings = any(k in out for k in ("allOf", "oneOf", "anyOf"))
    if (
        close_self
        and "properties" in out
        and "additionalProperties" not in out
        and not open_siblings
    ):
        out["additionalProperties"] = False
    return out


# --------------------------------------------------------------------------------------------
# Locations, ALWAYS_SENT and RELAXATIONS applied to a strict schema
# --------------------------------------------------------------------------------------------


def _location_steps(location: str) -> list[str]:
    """'meetings[].recording_files[].id' -> ['meetings', '[]', 'recording_files', '[]', 'id']."""
    steps: list[str] = []
    for part in location.split(".") if location else []:
        name, brackets = part, 0
        while name.endswith("[]"):
            name, brackets = name[:-2], brackets + 1
        if name:
            steps.append(name)
        steps.extend(["[]"] * brackets)
    return steps


def _nodes_at(schema: JSON, location: str) -> list[dict[str, JSON]]:
    """The schema objects at a JSON location (several when the way passes oneOf/anyOf)."""
    nodes: list[dict[str, JSON]] = [schema]
    for step in _location_steps(location):
        found: list[dict[str, JSON]] = []
        for node in _expand(nodes):
            if step == "[]":
                if isinstance(node.get("items"), dict):
                    found.append(node["items"])
            elif isinstance(node.get("properties"), dict) and step in node["properties"]:
                found.append(node["properties"][step])
        if not found:
            raise LookupError(f"no schema at {location or '<body>'!r} (step {step!r})")
        nodes = found
    return list(_expand(nodes))


def _expand(nodes: Iterable[dict[str, JSON]]) -> Iterator[dict[str, JSON]]:
    for node in nodes:
        yield node
        if _X_EXEMPT in node:  # the anyOf is ours (an Exempt rule), not Zoom's
            continue
        for key in ("oneOf", "anyOf"):
            for sub in node.get(key, []):
                if isinstance(sub, dict):
                    yield from _expand([sub])


def _apply_relaxation(schema: JSON, relaxation: Relaxation) -> None:
    nodes = _nodes_at(schema, relaxation.location)
    for node in nodes:
        if relaxation.replace is not None:
            node.clear()
            node.update(copy.deepcopy(dict(relaxation.replace)))
        if relaxation.add_enum:
            if "enum" not in node:
                raise LookupError(f"{relaxation}: no enum at {relaxation.location}")
            new = [v for v in relaxation.add_enum if v not in node["enum"]]
            if not new:
                raise LookupError(f"{relaxation}: the enum already has {relaxation.add_enum}")
            node["enum"] = [*node["enum"], *new]
        if relaxation.drop_required:
            missing = set(relaxation.drop_required) - set(node.get("required", []))
            if missing:
                raise LookupError(f"{relaxation}: {sorted(missing)} not required by Zoom there")
            node["required"] = [f for f in node["required"] if f not in relaxation.drop_required]
            node.setdefault(_X_RELAXED, []).extend(relaxation.drop_required)
        if relaxation.drop_format:
            if "format" not in node:
                raise LookupError(f"{relaxation}: no format at {relaxation.location}")
            del node["format"]
        if relaxation.also_type is not None:
            if not isinstance(node.get("type"), str):
                raise LookupError(f"{relaxation}: no single type at {relaxation.location}")
            node["type"] = [node["type"], relaxation.also_type]
        if relaxation.add_properties:
            props = node.get("properties")
            if not isinstance(props, dict) or set(relaxation.add_properties) & set(props):
                raise LookupError(f"{relaxation}: not an object, or the property exists")
            props.update(copy.deepcopy(dict(relaxation.add_properties)))


def _apply_always_sent(schema: JSON, key: str, location: str, spec: Sequence[str | Exempt]) -> None:
    candidates = [n for n in _nodes_at(schema, location) if isinstance(n.get("properties"), dict)]
    if not candidates:
        raise LookupError(f"ALWAYS_SENT[{key!r}][{location!r}]: no object schema there")
    for node in candidates:
        props = node["properties"]
        names = [f for f in spec if isinstance(f, str)]
        unknown = [f for f in names if f not in props]
        if unknown:
            raise LookupError(f"ALWAYS_SENT[{key!r}][{location!r}]: {unknown} not in Zoom's schema")
        dropped = [f for f in names if f in node.get(_X_RELAXED, [])]
        if dropped:
            raise LookupError(
                f"ALWAYS_SENT[{key!r}][{location!r}]: {dropped} are relaxed in RELAXATIONS"
            )
        zoom_required = node.get("required", [])
        node[_X_ALWAYS] = [f for f in names if f not in zoom_required]
        node["required"] = list(dict.fromkeys([*zoom_required, *names]))
        for exempt in (f for f in spec if isinstance(f, Exempt)):
            _apply_exempt(node, exempt, key, location)


def _apply_exempt(node: dict[str, JSON], exempt: Exempt, key: str, location: str) -> None:
    props = node["properties"]
    unknown = [f for f in (exempt.discriminator, *exempt.fields) if f not in props]
    if unknown:
        raise LookupError(f"ALWAYS_SENT[{key!r}][{location!r}]: {unknown} not in Zoom's schema")
    overlap = set(exempt.fields) & set(node.get("required", []))
    if overlap:
        raise LookupError(
            f"ALWAYS_SENT[{key!r}][{location!r}]: Zoom requires {sorted(overlap)} on every object; "
            "add a RELAXATIONS row (drop_required) with the evidence"
        )
    values = list(exempt.values)
    exempted = {
        "properties": {exempt.discriminator: {"enum": values}},
        "required": [exempt.discriminator],
        "not": {"anyOf": [{"required": [f]} for f in exempt.fields]},
    }
    regular = {
        "properties": {exempt.discriminator: {"not": {"enum": values}}},
        "required": list(exempt.fields),
    }
    if "anyOf" in node:
        raise LookupError(f"ALWAYS_SENT[{key!r}][{location!r}]: schema already has anyOf")
    # Two mutually exclusive branches; _describe turns a failure into one readable sentence.
    node["anyOf"] = [exempted, regular]
    node[_X_EXEMPT] = {
        "discriminator": exempt.discriminator,
        "values": values,
        "fields": list(exempt.fields),
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

#: Formats asserted in webhook bodies: jsonschema's (date-time, email, ...) plus OpenAPI's int32,
#: int64, float and double. Formats nobody defines ("email or name", "date_time") are ignored.
_WEBHOOK_FORMATS: Final[FormatChecker] = oas31_format_checker


# --------------------------------------------------------------------------------------------
# The contract
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Template:
    api: str
    path: str
    regexes: tuple[re.Pattern[str] | None, ...]  # None: literal segment
    segments: tuple[str, ...]
    literal_count: int
    methods: Mapping[str, Mapping[str, JSON]]  # METHOD -> operation object


def _load_json(path: Path) -> JSON:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return json.loads(raw)


class ZoomContract:
    """Zoom's REST and webhook documents, made strict, with checks for concrete traffic."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._templates: dict[int, list[_Template]] = {}
        self._ops_by_id: dict[str, Mapping[str, JSON]] = {}  # operationId -> operation
        self._webhooks: dict[str, Mapping[str, JSON]] = {}
        self._validators: dict[tuple[str, str], Any] = {}
        for api, filename in API_FILES.items():
            self._index_api(api, _load_json(directory / filename))
        for filename in WEBHOOK_FILES:
            document = _load_json(directory / filename)
            for event, item in document["webhooks"].items():
                self._webhooks[event] = _resolve_webhook_refs(item, document["webhooks"])
        # Build every schema the tables touch now, so a typo in a table fails at load time.
        targets = set(ALWAYS_SENT) | {r.target for r in RELAXATIONS}
        for key in sorted(targets):
            if key.endswith(REQUEST) and key.removesuffix(REQUEST) in self._ops_by_id:
                operation_id = key.removesuffix(REQUEST)
                self._request_validator(operation_id, self._ops_by_id[operation_id])
            elif key in self._webhooks:
                self._webhook_validator(key)
            elif key in self._ops_by_id:
                op = self._ops_by_id[key]
                self._response_validator(key, op, _success_status(key, op))
            else:
                raise LookupError(f"table entry {key!r} is neither an operationId nor an event")

    @classmethod
    def load(cls, directory: Path = VENDORED_DIR) -> ZoomContract:
        """The contract for the documents in `directory`, built once per process."""
        return _load_contract(Path(directory).resolve())

    # ---- indexing ---------------------------------------------------------------------------

    def _index_api(self, api: str, document: Mapping[str, JSON]) -> None:
        for path, item in document["paths"].items():
            methods = {
                m.upper(): op
                for m, op in item.items()
                if m in ("get", "put", "post", "delete", "patch", "head", "options")
            }
            segments = tuple(path.strip("/").split("/"))
            regexes = tuple(
                re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(s)) + "$")
                if "{" in s
                else None
                for s in segments
            )
            template = _Template(
                api=api,
                path=path,
                regexes=regexes,
                segments=segments,
                literal_count=sum(r is None for r in regexes),
                methods=methods,
            )
            self._templates.setdefault(len(segments), []).append(template)
            for op in methods.values():
                self._ops_by_id[op["operationId"]] = op
        for bucket in self._templates.values():
            bucket.sort(key=lambda t: -t.literal_count)

    # ---- path matching ----------------------------------------------------------------------

    def operation_for(self, method: str, url_path: str) -> Operation:
        """The documented operation for a method and a URL or path, with or without /v2."""
        method = method.upper()
        path = _api_path(url_path)
        raw_segments = path.removeprefix("/").split("/")
        subject = f"{method} {url_path}"
        if not path.startswith("/") or any(s == "" for s in raw_segments):
            raise ContractViolation(subject, [f"path {path!r} is not documented by Zoom"])
        matched: list[str] = []
        for template in self._templates.get(len(raw_segments), []):  # most literal first
            params = _match(template, raw_segments)
            if params is None:
                continue
            op = template.methods.get(method)
            if op is not None:
                return Operation(template.api, method, template.path, op["operationId"], params)
            matched.append(f"{template.path} ({', '.join(sorted(template.methods))})")
        if matched:
            raise ContractViolation(
                subject, [f"method {method} is not documented for {' or '.join(matched)}"]
            )
        raise ContractViolation(subject, [f"path {path!r} is not documented by Zoom"])

    # ---- requests ---------------------------------------------------------------------------

    def check_request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> Operation:
        """Check one outgoing API request; return its operation or raise ContractViolation."""
        operation = self.operation_for(method, url)
        op = self._ops_by_id[operation.operation_id]
        problems: list[str] = []
        hdrs = {k.lower(): v for k, v in headers.items()}
        params = {p["name"]: p for p in op.get("parameters", [])}

        # Authorization: Bearer, never a token in the URL (Zoom rejects it since 2023-02-14).
        auth = hdrs.get("authorization", "")
        if not re.fullmatch(r"Bearer [^\s]+", auth):
            shown = "missing" if not auth else f"{auth.split(' ')[0]!r} scheme"
            problems.append(f"header Authorization: 'Bearer <access token>' required ({shown})")

        # Path parameters.
        for name, value in operation.path_params.items():
            param = params.get(name)
            if param is None or param.get("in") != "path":
                problems.append(f"path parameter {name!r} is not documented")
                continue
            problems += self._param_problems(f"path parameter {name!r}", [value], param)

        # Query parameters: only documented ones, valid values, required ones present.
        query = urlsplit(url).query
        values: dict[str, list[str]] = {}
        for name, value in parse_qsl(query, keep_blank_values=True):
            values.setdefault(name, []).append(value)
        for name, given in values.items():
            if name == "access_token":
                problems.append(
                    "query parameter 'access_token': tokens must not travel in the URL "
                    "(Zoom answers 401/124 since 2023-02-14); use the Authorization header"
                )
                continue
            param = params.get(name)
            if param is None or param.get("in") != "query":
                documented = sorted(n for n, p in params.items() if p.get("in") == "query")
                problems.append(
                    f"query parameter {name!r} is not documented for {operation.operation_id} "
                    f"(documented: {', '.join(documented) or 'none'})"
                )
                continue
            problems += self._param_problems(f"query parameter {name!r}", given, param)
        for name, param in params.items():
            if param.get("in") == "query" and param.get("required") and name not in values:
                problems.append(f"query parameter {name!r} is required")

        # Body.
        problems += self._request_body_problems(operation, op, hdrs, body)
        if problems:
            raise ContractViolation(
                f"request {method.upper()} {url} ({operation.operation_id})", problems
            )
        return operation

    def _param_problems(self, label: str, given: list[str], param: Mapping[str, JSON]) -> list[str]:
        schema = param.get("schema", {})
        if schema.get("type") == "array":
            value: JSON = [_coerce(v, schema.get("items", {})) for v in given]
        elif len(given) > 1:
            return [f"{label}: given {len(given)} times, documented as a single value"]
        else:
            value = _coerce(given[0], schema)
        validator = OAS30Validator(strictify(schema), format_checker=oas30_format_checker)
        return [f"{label}: {_describe(e)}" for e in _sorted_errors(validator, value)]

    def _request_body_problems(
        self,
        operation: Operation,
        op: Mapping[str, JSON],
        hdrs: Mapping[str, str],
        body: bytes | None,
    ) -> list[str]:
        request_body = op.get("requestBody")
        if not body:
            if request_body and request_body.get("required"):
                return ["request body is required"]
            return []
        if not request_body:
            return [f"{operation.operation_id} documents no request body, but one was sent"]
        content = request_body.get("content", {})
        media = hdrs.get("content-type", "").split(";")[0].strip().lower()
        if media not in content:
            return [f"Content-Type {media or 'missing'!r}; documented: {', '.join(content)}"]
        if media != "application/json":
            return []
        try:
            document = json.loads(body)
        except ValueError as exc:
            return [f"request body is not JSON: {exc}"]
        return [
            _describe_at(e)
            for e in _sorted_errors(self._request_validator(operation.operation_id, op), document)
        ]

    def _request_validator(self, operation_id: str, op: Mapping[str, JSON]) -> Any:
        key = (operation_id, "request")
        if key not in self._validators:
            content = op["requestBody"]["content"]["application/json"]
            schema = strictify(content.get("schema", {}))
            for relaxation in RELAXATIONS:
                if relaxation.target == f"{operation_id}{REQUEST}":
                    _apply_relaxation(schema, relaxation)
            self._validators[key] = OAS30Validator(schema, format_checker=oas30_format_checker)
        return self._validators[key]

    # ---- responses --------------------------------------------------------------------------

    def check_response(
        self, method: str, url: str, status: int, headers: Mapping[str, str], body: bytes
    ) -> Operation:
        """Check one API response; return its operation or raise ContractViolation."""
        operation = self.operation_for(method, url)
        op = self._ops_by_id[operation.operation_id]
        hdrs = {k.lower(): v for k, v in headers.items()}
        subject = f"response {status} to {method.upper()} {url} ({operation.operation_id})"
        problems: list[str] = []
        responses: Mapping[str, JSON] = op.get("responses", {})
        documented = str(status) in responses
        media = hdrs.get("content-type", "").split(";")[0].strip().lower()

        if status >= 400:
            allowed_codes = None if documented else UNIVERSAL_ERRORS.get(status)
            if not documented and status not in UNIVERSAL_ERRORS:
                problems.append(
                    f"status {status} is not documented for {operation.operation_id} "
                    f"(documented: {', '.join(responses)}; 429 and 401/124 are always allowed)"
                )
            problems += _error_body_problems(media, body, allowed_codes)
        elif not documented:
            problems.append(
                f"status {status} is not documented for {operation.operation_id} "
                f"(documented: {', '.join(responses)})"
            )
        else:
            content = responses[str(status)].get("content") or {}
            if status == 204 or not content:
                if body:
                    problems.append(
                        f"status {status} documents no body, but {len(body)} bytes were sent"
                    )
            elif "application/json" in content:
                if media != "application/json":
                    problems.append(
                        f"Content-Type {media or 'missing'!r}, expected application/json"
                    )
                try:
                    document = json.loads(body)
                except ValueError as exc:
                    problems.append(f"body is not JSON: {exc}")
                else:
                    validator = self._response_validator(operation.operation_id, op, str(status))
                    problems += [_describe_at(e) for e in _sorted_errors(validator, document)]
        if problems:
            raise ContractViolation(subject, problems)
        return operation

    def _response_validator(self, operation_id: str, op: Mapping[str, JSON], status: str) -> Any:
        key = (operation_id, status)
        if key not in self._validators:
            response = op["responses"][status]
            schema = strictify(response["content"]["application/json"].get("schema", {}))
            if status == _success_status(operation_id, op):
                schema = _tighten(operation_id, schema)
            self._validators[key] = OAS30Validator(schema, format_checker=oas30_format_checker)
        return self._validators[key]

    # ---- webhooks ---------------------------------------------------------------------------

    def check_webhook(self, body: bytes) -> str:
        """Check one webhook request body; return its event name or raise ContractViolation."""
        try:
            document = json.loads(body)
        except ValueError as exc:
            raise ContractViolation("webhook", [f"body is not JSON: {exc}"]) from None
        event = document.get("event") if isinstance(document, dict) else None
        if not isinstance(event, str):
            raise ContractViolation("webhook", ["$: no string 'event' field"])
        if event == "endpoint.url_validation":
            validator = Draft202012Validator(URL_VALIDATION_SCHEMA)
        elif event in self._webhooks:
            validator = self._webhook_validator(event)
        else:
            raise ContractViolation(
                f"webhook {event}", [f"event {event!r} is not documented by Zoom"]
            )
        problems = [_describe_at(e) for e in _sorted_errors(validator, document)]
        if problems:
            raise ContractViolation(f"webhook {event}", problems)
        return event

    def _webhook_validator(self, event: str) -> Any:
        key = (event, "webhook")
        if key not in self._validators:
            post = self._webhooks[event]["post"]
            schema = strictify(post["requestBody"]["content"]["application/json"]["schema"])
            schema = _tighten(event, schema)
            self._validators[key] = Draft202012Validator(schema, format_checker=_WEBHOOK_FORMATS)
        return self._validators[key]

    @property
    def webhook_events(self) -> frozenset[str]:
        return frozenset(self._webhooks)


@functools.cache
def _load_contract(directory: Path) -> ZoomContract:
    return ZoomContract(directory)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _tighten(key: str, schema: JSON) -> JSON:
    """Apply RELAXATIONS, then ALWAYS_SENT, for one operationId or event."""
    for relaxation in RELAXATIONS:
        if relaxation.target == key:
            _apply_relaxation(schema, relaxation)
    for location, spec in ALWAYS_SENT.get(key, {}).items():
        _apply_always_sent(schema, key, location, spec)
    return schema


def _success_status(operation_id: str, op: Mapping[str, JSON]) -> str:
    for status, response in op.get("responses", {}).items():
        if status.startswith("2") and "application/json" in (response.get("content") or {}):
            return str(status)
    raise LookupError(f"{operation_id} documents no JSON success response")


def _resolve_webhook_refs(node: JSON, webhooks: Mapping[str, JSON]) -> JSON:
    """Inline Zoom's `$ref`s, which point at '#/paths/<event>/…' although the events are under
    `webhooks` (the documents were converted from an older layout)."""
    if isinstance(node, list):
        return [_resolve_webhook_refs(x, webhooks) for x in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/paths/"):
        target: JSON = webhooks
        for part in ref[len("#/paths/") :].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return _resolve_webhook_refs(copy.deepcopy(target), webhooks)
    return {k: _resolve_webhook_refs(v, webhooks) for k, v in node.items()}


def _api_path(url_or_path: str) -> str:
    path = urlsplit(url_or_path).path if "://" in url_or_path else url_or_path.split("?")[0]
    if path == "/v2" or path.startswith("/v2/"):
        path = path[3:]
    return path


def _match(template: _Template, raw_segments: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for raw, literal, regex in zip(raw_segments, template.segments, template.regexes, strict=True):
        if regex is None:
            if unquote(raw) != literal:
                return None
            continue
        found = regex.match(raw)
        if found is None:
            return None
        for name, value in found.groupdict().items():
            params[name] = _decode_segment(value)
    return params


def _decode_segment(raw: str) -> str:
    """Percent-decode a path segment; double-encoded UUIDs ('%252F…') are decoded twice."""
    once = unquote(raw)
    return unquote(once) if "%25" in raw.upper() else once


def _coerce(text: str, schema: Mapping[str, JSON]) -> JSON:
    """A query/path string as the JSON value its schema describes (left as text if invalid)."""
    kind = schema.get("type")
    if kind == "integer" and re.fullmatch(r"-?\d+", text):
        return int(text)
    if kind == "number" and re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", text):
        return float(text)
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def _error_body_problems(media: str, body: bytes, codes: frozenset[int] | None) -> list[str]:
    if media != "application/json":
        return [f"error Content-Type {media or 'missing'!r}, expected application/json"]
    try:
        document = json.loads(body)
    except ValueError as exc:
        return [f"error body is not JSON: {exc}"]
    validator = OAS30Validator(ERROR_BODY_SCHEMA)
    problems = [_describe_at(e) for e in _sorted_errors(validator, document)]
    if not problems and codes and document.get("code") not in codes:
        problems.append(
            f"$.code: {document.get('code')!r} not allowed here (expected one of {sorted(codes)})"
        )
    return problems


def _sorted_errors(validator: Any, instance: JSON) -> list[ValidationError]:
    return sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])


def _json_path(parts: Iterable[Any]) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _describe_at(error: ValidationError) -> str:
    return f"{_json_path(error.absolute_path)}: {_describe(error)}"


def _describe(error: ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        extra = sorted(set(instance) - set(schema.get("properties", {})))
        return f"field(s) not in Zoom's schema: {', '.join(map(repr, extra))}"
    if error.validator == "required":
        name = error.message.split("'")[1] if "'" in error.message else error.message
        if name in schema.get(_X_ALWAYS, []):
            return f"missing field {name!r} (Zoom always sends it: ALWAYS_SENT)"
        return f"missing field {name!r} (required by Zoom's schema)"
    if error.validator == "anyOf" and _X_EXEMPT in schema and isinstance(instance, dict):
        rule = schema[_X_EXEMPT]
        kind = instance.get(rule["discriminator"])
        if kind in rule["values"]:
            present = [f for f in rule["fields"] if f in instance]
            return (
                f"{rule['discriminator']} {kind!r} objects carry no {', '.join(present)} "
                f"(Zoom's documented exception)"
            )
        missing = [f for f in rule["fields"] if f not in instance]
        return (
            f"missing field(s) {', '.join(map(repr, missing))} (Zoom always sends them unless "
            f"{rule['discriminator']} is {' or '.join(rule['values'])})"
        )
    if error.validator in ("oneOf", "anyOf") and error.context:
        best = min(error.context, key=lambda e: len(list(e.absolute_path)))
        return f"{error.message}; e.g. {_json_path(best.absolute_path)}: {best.message}"
    return error.message
