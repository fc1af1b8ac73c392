"""Webhook bodies Zoom would send for what happens in the emulated world.

Shapes follow Zoom's webhook documents (`webhooks-meetings.json`, `webhooks-phone.json`): the
recording object carries an integer `type` (the REST list says a string), recording events put
`download_token` at the top level, and `meeting.updated` sends only the changed fields in
`object`/`old_object`. Each body is handed to `world.emit`, where the sender picks it up.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from zoombridge.emulator.api import iso
from zoombridge.emulator.serialize import file_json, participant_file_json, visible_files
from zoombridge.emulator.world import EmuInstance, EmuPhoneRecording, World

__all__ = [
    "complete_late_files",
    "conversion_event",
    "meeting_event",
    "phone_recording_event",
    "recording_event",
]

DOWNLOAD_TOKEN_LIFETIME = timedelta(hours=24)
WITH_DOWNLOAD_TOKEN = {"recording.completed", "recording.transcript_completed"}
WITH_OPERATOR = {"recording.trashed", "recording.deleted", "recording.recovered"}
WEBHOOK_SETTINGS = ("use_pmi", "alternative_hosts", "join_before_host", "jbh_time")
MEETING_FIELDS = ("uuid", "id", "host_id", "topic", "type", "start_time", "duration", "timezone")
# What `meeting.updated` compares: the fields a PATCH can change, as the REST JSON shows them.
UPDATABLE_FIELDS = (
    "uuid",
    "host_id",
    "topic",
    "type",
    "start_time",
    "duration",
    "timezone",
    "password",
    "agenda",
    "settings",
    "recurrence",
    "occurrences",
)


def _send(world: World, event: str, payload: dict[str, Any], **top: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event": event,
        "event_ts": int(world.now().timestamp() * 1000),
        "payload": {"account_id": world.account_id, **payload},
    }
    body.update(top)
    world.emit(event, body)
    return body


def _operator(world: World) -> dict[str, str]:
    owner = world.users.get(world.owner_id)
    return {"operator": owner.email if owner else "", "operator_id": world.owner_id}


def recording_object(world: World, instance: EmuInstance, event: str) -> dict[str, Any]:
    trash = event in ("recording.trashed", "recording.deleted")
    files = (
        [f for f in instance.files if not f.deleted]
        if trash
        else visible_files(instance, instance.files, False)
    )
    if event == "recording.transcript_completed":
        files = [f for f in files if f.file_type == "TRANSCRIPT"]
    audio = [f for f in instance.participant_audio if not f.deleted]
    host = world.users.get(instance.host_id)
    data: dict[str, Any] = {
        "id": instance.meeting_id,
        "uuid": instance.uuid,
        "host_id": instance.host_id,
        "account_id": world.account_id,
        "topic": instance.topic,
        "type": instance.type,
        "start_time": iso(instance.start_time),
        "timezone": instance.timezone,
        "duration": instance.duration_minutes,
        "share_url": f"{world.web_base}/rec/share/{instance.play_passcode[:16]}",
        "total_size": sum(f.size for f in [*files, *audio]),
        "recording_count": len(files) + len(audio),
        "recording_files": [file_json(world, instance, f) for f in files],
    }
    if event in WITH_DOWNLOAD_TOKEN:
        data |= {"host_email": host.email if host else "", "password": instance.recording_passcode}
    if event == "recording.completed":
        data["recording_play_passcode"] = instance.play_passcode
    if audio and event != "recording.transcript_completed":
        data["participant_audio_files"] = [
            participant_file_json(world, f, webhook=True) for f in audio
        ]
    return data


def recording_event(world: World, event: str, instance: EmuInstance) -> dict[str, Any]:
    payload: dict[str, Any] = {"object": recording_object(world, instance, event)}
    if event in WITH_OPERATOR:
        payload = {**_operator(world), **payload}
    top: dict[str, Any] = {}
    if event in WITH_DOWNLOAD_TOKEN:
        top["download_token"] = world.tokens.issue_download(instance.uuid, DOWNLOAD_TOKEN_LIFETIME)
    return _send(world, event, payload, **top)


def meeting_event(
    world: World, event: str, meeting: dict[str, Any], old: dict[str, Any] | None = None
) -> dict[str, Any]:
    """meeting.* / webinar.* from the REST JSON of the meeting (and its previous state)."""
    payload: dict[str, Any] = _operator(world)
    if event.endswith(".updated"):
        old = old or {}
        changed = {k: v for k, v in meeting.items() if k in UPDATABLE_FIELDS and old.get(k) != v}
        payload["object"] = {"id": meeting["id"], **changed}
        payload["old_object"] = {"id": meeting["id"], **{k: old.get(k) for k in changed}}
        payload["time_stamp"] = int(world.now().timestamp() * 1000)
        return _send(world, event, payload)
    obj = {k: meeting[k] for k in MEETING_FIELDS if k in meeting}
    if event.endswith(".created"):
        obj |= {"join_url": meeting["join_url"], "password": meeting["password"]}
        settings = meeting["settings"]
        webhook_settings = {k: settings[k] for k in WEBHOOK_SETTINGS if k in settings}
        webhook_settings.setdefault("use_pmi", False)  # required in the event; webinars lack it
        obj |= {"settings": webhook_settings, "creation_source": "open_api"}
        obj |= {k: meeting[k] for k in ("recurrence", "occurrences") if k in meeting}
    payload["operation"] = "single"
    payload["object"] = obj
    return _send(world, event, payload)


def conversion_event(world: World, event: str, meeting: dict[str, Any]) -> dict[str, Any]:
    """`meeting.converted_to_webinar` / `webinar.converted_to_meeting`: the operator and the
    object as it is now (its new type; the id and UUID do not change). Zoom's document sends
    `start_time` and `duration` only for a fixed time, and no `operation`."""
    obj = {k: meeting[k] for k in ("uuid", "id", "host_id", "topic", "type", "timezone")}
    if meeting["type"] not in (3, 6):
        obj |= {"start_time": meeting["start_time"], "duration": meeting["duration"]}
    return _send(world, event, {**_operator(world), "object": obj})


def phone_recording_event(
    world: World, recording: EmuPhoneRecording, event: str = "phone.recording_completed"
) -> dict[str, Any]:
    owner = world.users.get(recording.owner_id)
    item = {
        "id": recording.id,
        "caller_number": recording.caller_number,
        "caller_number_type": 1,
        "caller_name": recording.caller_name,
        "callee_number": recording.callee_number,
        "callee_number_type": 1,
        "callee_name": recording.callee_name,
        "direction": recording.direction,
        "duration": int((recording.end_time - recording.date_time).total_seconds()),
        "download_url": f"{world.api_url}/v2/phone/recording/download/{recording.id}",
        "date_time": iso(recording.date_time),
        "end_time": iso(recording.end_time),
        "user_id": recording.owner_id,
        "call_id": recording.call_id,
        "call_log_id": recording.call_log_id,
        "recording_type": recording.recording_type,
        "owner": {
            "type": "user",
            "id": recording.owner_id,
            "name": owner.display_name if owner else "",
        },
    }
    return _send(world, event, {"object": {"recordings": [item]}})


def complete_late_files(world: World) -> int:
    """Late files whose time has come become `completed`, and Zoom says so by webhook."""
    finished = world.refresh_late_files()
    for instance, files in finished:
        only_transcripts = all(f.file_type == "TRANSCRIPT" for f in files)
        event = "recording.transcript_completed" if only_transcripts else "recording.completed"
        recording_event(world, event, instance)
    return len(finished)
