"""Cloud Recording endpoints: list (by month window, or the trash), get, delete, recover."""

from __future__ import annotations

from datetime import date, timedelta

from starlette.responses import Response

from zoombridge.emulator.api import ApiError, ApiRoute, Call, zoom_json
from zoombridge.emulator.events import complete_late_files, recording_event
from zoombridge.emulator.serialize import instance_json, visible_files
from zoombridge.emulator.windows import one_month_after
from zoombridge.emulator.world import EmuFile, EmuInstance

__all__ = ["ROUTES"]

READ = (
    "cloud_recording:read:list_user_recordings:admin",
    "recording:read:admin",
    "cloud_recording:read:list_user_recordings",
    "recording:read",
)
GET = (
    "cloud_recording:read:list_recording_files:admin",
    "cloud_recording:read:list_recording_files",
    "recording:read",
)
DELETE_ALL = ("cloud_recording:delete:meeting_recording:admin", "recording:write:admin")
DELETE_ONE = ("cloud_recording:delete:recording_file:admin", "recording:write:admin")
RECOVER_ALL = ("cloud_recording:update:recover_meeting_recordings:admin", "recording:write:admin")
RECOVER_ONE = ("cloud_recording:update:recover_single_recording:admin", "recording:write:admin")


def _window(call: Call) -> tuple[date, date]:
    today = call.world.now().date()
    start = call.date_param("from") or today
    end = call.date_param("to") or (start + timedelta(days=1))
    if end < start:
        raise ApiError(400, 300, "The 'to' date must not be earlier than the 'from' date.")
    if end > one_month_after(start):
        raise ApiError(400, 300, "The date range cannot exceed one month.")
    return start, end


async def list_recordings(call: Call) -> Response:
    user = call.user()
    world = call.world
    world.purge_expired_trash()
    complete_late_files(world)
    trash = call.query.get("trash") == "true"
    meeting_filter = call.query.get("meeting_id")
    mine = [i for i in world.instances_by_host.get(user.id, []) if i.has_recording()]
    if meeting_filter:
        mine = [i for i in mine if str(i.meeting_id) == meeting_filter]
    if trash:
        by_file = call.query.get("trash_type") == "recording_file"
        selected = [
            i
            for i in mine
            if i.trashed_at or (by_file and visible_files(i, list(i.all_files()), True))
        ]
        body = call.page(
            [instance_json(world, i, trash=True) for i in _newest_first(selected)], "meetings"
        )
        today = world.now().date()  # the trash ignores dates; Zoom echoes its default window
        return zoom_json(
            {"from": today.isoformat(), "to": (today + timedelta(days=1)).isoformat(), **body}
        )
    start, end = _window(call)
    selected = [
        i
        for i in mine
        if not i.trashed_at
        and start <= i.start_time.date() <= end
        and visible_files(i, i.files, False)
    ]
    body = call.page([instance_json(world, i) for i in _newest_first(selected)], "meetings")
    return zoom_json({"from": start.isoformat(), "to": end.isoformat(), **body})


def _newest_first(instances: list[EmuInstance]) -> list[EmuInstance]:
    return sorted(instances, key=lambda i: (i.start_time, i.uuid), reverse=True)


def _instance(call: Call, name: str, *, trashed: bool = False) -> EmuInstance:
    instance = call.world.recorded_instance(call.ids[name])
    if instance is None or (instance.trashed_at is not None) != trashed:
        raise ApiError(404, 3301, "There is no recording for this meeting.")
    return instance


async def get_recording(call: Call) -> Response:
    complete_late_files(call.world)
    instance = _instance(call, "meetingId")
    data = instance_json(call.world, instance, detail=True)
    if call.query.get("include_fields") == "download_access_token":
        ttl_raw = call.query.get("ttl") or "86400"
        if not ttl_raw.isdigit() or not 0 <= int(ttl_raw) <= 604800:
            raise ApiError(400, 300, "Invalid field: ttl.")
        ttl = timedelta(seconds=int(ttl_raw) or 86400)
        data["download_access_token"] = call.world.tokens.issue_download(instance.uuid, ttl)
    return zoom_json(data)


def _action(call: Call) -> str:
    action = call.query.get("action") or "trash"
    if action not in ("trash", "delete"):
        raise ApiError(400, 300, "Invalid field: action.")
    return action


async def delete_recordings(call: Call) -> Response:
    action = _action(call)
    instance = _instance(call, "meetingId")
    if any(f.status == "processing" for f in instance.all_files()):
        raise ApiError(400, 3303, "You can not delete an uncompleted meeting.")
    if action == "trash":
        instance.trashed_at = call.world.now()
    else:
        instance.recording_deleted = True
    recording_event(
        call.world, f"recording.{'trashed' if action == 'trash' else 'deleted'}", instance
    )
    return Response(status_code=204)


def _file(call: Call, instance: EmuInstance) -> EmuFile:
    wanted = call.ids["recordingId"]
    for file in instance.all_files():
        if file.id == wanted and not file.deleted:
            return file
    raise ApiError(404, 3301, "There is no recording for this meeting.")


async def delete_file(call: Call) -> Response:
    action = _action(call)
    instance = _instance(call, "meetingId")
    file = _file(call, instance)
    if file.status == "processing":
        raise ApiError(400, 3303, "You can not delete an uncompleted meeting.")
    if action == "trash":
        file.trashed_at = call.world.now()
    else:
        file.deleted = True
    return Response(status_code=204)


async def recover_recordings(call: Call) -> Response:
    body = await call.json()
    if body.get("action") != "recover":
        raise ApiError(400, 300, "Invalid field: action.")
    instance = _instance(call, "meetingUUID", trashed=True)
    instance.trashed_at = None
    for file in instance.all_files():
        file.trashed_at = None
    recording_event(call.world, "recording.recovered", instance)
    return Response(status_code=200)


async def recover_file(call: Call) -> Response:
    body = await call.json()
    if body.get("action") != "recover":
        raise ApiError(400, 300, "Invalid field: action.")
    instance = _instance(call, "meetingId")
    file = _file(call, instance)
    file.trashed_at = None
    return Response(status_code=204)


ROUTES = [
    ApiRoute("GET", "/users/{userId}/recordings", "MEDIUM", READ, list_recordings),
    ApiRoute("GET", "/meetings/{meetingId}/recordings", "LIGHT", GET, get_recording),
    ApiRoute("DELETE", "/meetings/{meetingId}/recordings", "LIGHT", DELETE_ALL, delete_recordings),
    ApiRoute(
        "DELETE", "/meetings/{meetingId}/recordings/{recordingId}", "LIGHT", DELETE_ONE, delete_file
    ),
    ApiRoute(
        "PUT", "/meetings/{meetingUUID}/recordings/status", "LIGHT", RECOVER_ALL, recover_recordings
    ),
    ApiRoute(
        "PUT",
        "/meetings/{meetingId}/recordings/{recordingId}/status",
        "LIGHT",
        RECOVER_ONE,
        recover_file,
    ),
]
