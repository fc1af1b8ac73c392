"""Deliberate relaxations of Zoom's rules for the strict contract (see `strict_openapi`).

`RELAXATIONS` is the one place where a rule taken from Zoom's documents is relaxed: one
commented row per place where the document provably contradicts itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from contract_tables import JSON


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
