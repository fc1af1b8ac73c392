"""`/archive_files`: Zoom's compliance archive (seven-day windows), built from the instance's
recording files, with per-participant audio as individual files."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from starlette.responses import Response

from zoombridge.emulator.api import ApiError, ApiRoute, Call, iso, zoom_json
from zoombridge.emulator.events import complete_late_files
from zoombridge.emulator.windows import date_window
from zoombridge.emulator.world import EmuFile, EmuInstance, World

__all__ = ["ROUTES"]

ARCHIVE_FILES = ("archiving:read:list_archived_files:admin", "recording:read:admin")
ARCHIVE_WINDOW = timedelta(days=7)
ARCHIVE_DELAY = timedelta(minutes=5)  # archiving completes a few minutes after the meeting
# Which cloud-recording files an archive holds, and the archive's recording_type for each.
ARCHIVED_TYPES = {
    ("MP4", "shared_screen_with_speaker_view"): "shared_screen_with_speaker_view",
    ("M4A", "audio_only"): "audio_only",
    ("CHAT", "chat_file"): "chat_file",
    ("TRANSCRIPT", "audio_transcript"): "audio_transcript",
}


def _archived(instance: EmuInstance) -> list[tuple[EmuFile, str, dict[str, Any] | None]]:
    """(file, archive recording_type, participant for individual files) in Zoom's order."""
    chosen: list[tuple[EmuFile, str, dict[str, Any] | None]] = []
    for file in instance.files:
        kind = ARCHIVED_TYPES.get((file.file_type, file.recording_type or ""))
        if kind is not None and file.id is not None:
            chosen.append((file, kind, None))
    for file in instance.participant_audio:
        person = next((p for p in instance.participants if p["name"] == file.file_name), None)
        if file.id is not None:
            chosen.append((file, "audio_only", person or {}))
    return chosen


def archive_file_json(
    world: World, file: EmuFile, kind: str, person: dict[str, Any] | None
) -> dict[str, Any]:
    done = file.status == "completed"
    data: dict[str, Any] = {
        "id": file.id,
        "file_type": file.file_type,
        "file_extension": file.file_extension,
        "file_size": file.size if done else 0,
        "download_url": f"{world.web_base}/rec/archive/download/{file.token}",
        "individual": person is not None,
    }
    if person is not None:
        data |= {
            "participant_email": person.get("user_email", ""),
            "participant_join_time": iso(person.get("join_time") or file.recording_start),
            "participant_leave_time": iso(person.get("leave_time") or file.recording_end),
        }
    else:  # the archiving gateway's own join and leave
        data |= {
            "participant_join_time": iso(file.recording_start),
            "participant_leave_time": iso(file.recording_end),
        }
    data |= {
        "recording_type": kind,
        "status": file.status,
        "encryption_fingerprint": file.sha256() if done else "",
    }
    if done and file.file_extension.upper() in ("TXT", "JSON"):
        text = file.body()
        lines = text.decode("utf-8", "replace").splitlines() if isinstance(text, bytes) else []
        data["number_of_messages"] = sum(1 for line in lines if line.strip())
    return data


def _complete_time(instance: EmuInstance, files: list[EmuFile]) -> datetime | None:
    if any(f.status != "completed" for f in files):
        return None
    ready = [f.ready_at for f in files if f.ready_at is not None]
    return max([instance.end_time + ARCHIVE_DELAY, *ready])


def _account_name(world: World) -> str:
    """The emulated account has no name of its own: its owner's e-mail domain stands in."""
    owner = world.users.get(world.owner_id)
    return owner.email.rpartition("@")[2] if owner else world.account_id


def archive_meeting_json(world: World, instance: EmuInstance) -> dict[str, Any]:
    archived = _archived(instance)
    files = [f for f, _, _ in archived]
    complete = _complete_time(instance, files)
    meeting = world.meetings.get(instance.meeting_id)
    items = [archive_file_json(world, f, kind, person) for f, kind, person in archived]
    return {
        "account_name": _account_name(world),
        "uuid": instance.uuid,
        "id": instance.meeting_id,
        "host_id": instance.host_id,
        "topic": instance.topic,
        "type": instance.type,
        "start_time": iso(instance.start_time),
        "timezone": instance.timezone,
        "duration": meeting.duration if meeting is not None else instance.duration_minutes,
        "duration_in_second": int((instance.end_time - instance.start_time).total_seconds()),
        "total_size": sum(int(item["file_size"]) for item in items),
        "recording_count": len(items),
        "meeting_type": "internal",
        "is_breakout_room": False,
        "status": "completed" if complete is not None else "processing",
        "complete_time": iso(complete),
        "archive_files": items,
    }


async def archive_files(call: Call) -> Response:
    world = call.world
    complete_late_files(world)
    by = call.query.get("query_date_type") or "meeting_start_time"
    if by not in ("meeting_start_time", "archive_complete_time"):
        raise ApiError(400, 300, "Invalid field: query_date_type.")
    window = date_window(call, default=ARCHIVE_WINDOW, six_months=False, max_span=ARCHIVE_WINDOW)
    selected = []
    for instance in sorted(world.instances.values(), key=lambda i: (i.start_time, i.uuid)):
        archived = _archived(instance)
        if not archived or not instance.ended(world.now()):
            continue
        if by == "archive_complete_time":
            moment = _complete_time(instance, [f for f, _, _ in archived])
        else:
            moment = instance.start_time
        if moment is not None and moment in window:
            selected.append(instance)
    # sizes and fingerprints are worked out only for the page being sent
    page = call.page([{"uuid": i.uuid} for i in selected], "meetings", with_page_count=False)
    page["meetings"] = [
        archive_meeting_json(world, world.instances[m["uuid"]]) for m in page["meetings"]
    ]
    return zoom_json({"from": iso(window.start), "to": iso(window.end), **page})


ROUTES = [ApiRoute("GET", "/archive_files", "MEDIUM", ARCHIVE_FILES, archive_files)]
