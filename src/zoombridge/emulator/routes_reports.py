"""Past meetings, usage reports, the dashboard meeting list and the compliance archive.

These read the same instances the recording endpoints serve, as Zoom's other views of them:
`/past_meetings/*` (one instance and its attendance), `/report/users/{userId}/meetings` and
`/metrics/meetings` (month windows inside the last six months; only meetings with two or
more participants unless one-person meetings are asked for). The compliance archive is in
routes_archive.py. Every field emitted is one that Zoom's schema for the operation defines.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from starlette.responses import Response

from zoombridge.emulator.api import ApiError, ApiRoute, Call, iso, zoom_json
from zoombridge.emulator.windows import date_window, months_before
from zoombridge.emulator.world import EmuInstance, EmuUser, World

__all__ = ["ROUTES"]

PAST_MEETING = ("meeting:read:past_meeting:admin", "meeting:read:admin")
PAST_INSTANCES = ("meeting:read:list_past_instances:admin", "meeting:read:admin")
PAST_PARTICIPANTS = ("meeting:read:list_past_participants:admin", "meeting:read:admin")
REPORT_MEETINGS = ("report:read:user:admin", "report:read:admin")
DASHBOARD_MEETINGS = (
    "dashboard:read:list_meetings:admin",
    "dashboard_meetings:read:admin",
    "dashboard:read:admin",
)

DETAIL_DAYS = 365  # "You cannot access a meeting that occurred more than one year ago."
KEPT_MONTHS = 15  # participants and instances: "within the last 15 months"


# shared pieces ----------------------------------------------------------------------------
def _require_paid(call: Call, text: str = "Only available for paid account: {}.") -> None:
    if call.world.plan == "free":
        raise ApiError(400, 200, text.format(call.world.account_id))


def _past_instance(call: Call) -> EmuInstance:
    """The instance a /past_meetings call names: a UUID, or a meeting id's latest ended one."""
    world = call.world
    key = call.ids["meetingId"]
    instance = world.instances.get(key)
    if instance is None and key.isdigit():
        candidates = [
            i for i in world.instances.values() if i.meeting_id == int(key) and i.ended(world.now())
        ]
        instance = max(candidates, key=lambda i: (i.start_time, i.uuid), default=None)
    if instance is None or instance.webinar or not instance.ended(world.now()):
        raise ApiError(404, 3001, f"Meeting does not exist: {key}.")
    return instance


def _host(world: World, instance: EmuInstance) -> EmuUser | None:
    return world.users.get(instance.host_id)


def _total_minutes(instance: EmuInstance) -> int:
    return round(sum(int(p["duration"]) for p in instance.participants) / 60)


def _instance_types(instance: EmuInstance) -> set[str]:
    return {f.file_type for f in instance.files if not f.deleted}


# /past_meetings -----------------------------------------------------------------------------
def past_meeting_json(world: World, instance: EmuInstance) -> dict[str, Any]:
    host = _host(world, instance)
    return {
        "id": instance.meeting_id,
        "uuid": instance.uuid,
        "duration": instance.duration_minutes,
        "start_time": iso(instance.start_time),
        "end_time": iso(instance.end_time),
        "host_id": instance.host_id,
        "dept": host.dept if host else "",
        "participants_count": len(instance.participants),
        "source": "Zoom",
        "topic": instance.topic,
        "total_minutes": _total_minutes(instance),
        "type": instance.type,
        "user_email": host.email if host else "",
        "user_name": host.display_name if host else "",
        "has_meeting_summary": "SUMMARY" in _instance_types(instance),
    }


async def past_meeting(call: Call) -> Response:
    _require_paid(call)
    instance = _past_instance(call)
    if instance.start_time < call.world.now() - timedelta(days=DETAIL_DAYS):
        raise ApiError(400, 12702, "Cannot access a meeting a year ago.")
    return zoom_json(past_meeting_json(call.world, instance))


async def past_instances(call: Call) -> Response:
    world = call.world
    key = call.ids["meetingId"]
    number = int(key) if key.isdigit() else -1
    meeting = world.meetings.get(number)
    mine = [i for i in world.instances.values() if i.meeting_id == number]
    if (meeting is None and not mine) or (meeting is not None and meeting.webinar):
        raise ApiError(404, 3001, f"Meeting does not exist: {key}.")
    oldest = months_before(world.now().date(), KEPT_MONTHS)
    ended = [i for i in mine if i.ended(world.now()) and i.start_time.date() >= oldest]
    first, last = call.date_param("from"), call.date_param("to")
    if first is not None and last is not None:  # "only takes effect when used together"
        ended = [i for i in ended if first <= i.start_time.date() <= last]
    ended.sort(key=lambda i: (i.start_time, i.uuid))
    return zoom_json(
        {"meetings": [{"uuid": i.uuid, "start_time": iso(i.start_time)} for i in ended]}
    )


def participant_json(person: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": person["id"],
        "name": person["name"],
        "user_id": str(person["user_id"]),
        "user_email": person["user_email"],
        "join_time": iso(person["join_time"]),
        "leave_time": iso(person["leave_time"]),
        "duration": int(person["duration"]),
        "failover": False,
        "status": "in_meeting",
        "internal_user": True,
    }


async def past_participants(call: Call) -> Response:
    _require_paid(call, "Only available for paid account: {}")
    instance = _past_instance(call)
    if instance.start_time.date() < months_before(call.world.now().date(), KEPT_MONTHS):
        raise ApiError(400, 12702, "Can not access a meeting a year ago.")
    people = sorted(instance.participants, key=lambda p: (p["join_time"], p["id"]))
    if len(people) < 2:  # one-person meetings are left out by default
        people = []
    return zoom_json(call.page([participant_json(p) for p in people], "participants"))


# /report/users/{userId}/meetings ------------------------------------------------------------
REPORT_TYPES = ("past", "pastOne", "pastJoined")


def _report_time(moment: datetime) -> str:
    """Report attendee times come as `MM/dd/yyyy HH:mm`, not ISO (as Zoom's schema shows)."""
    return moment.strftime("%m/%d/%Y %H:%M")


def report_meeting_json(
    world: World, instance: EmuInstance, joined: dict[str, Any] | None
) -> dict[str, Any]:
    host = _host(world, instance)
    data: dict[str, Any] = {
        "uuid": instance.uuid,
        "id": instance.meeting_id,
        "type": instance.type,
        "topic": instance.topic,
        "user_name": host.display_name if host else "",
        "user_email": host.email if host else "",
        "start_time": iso(instance.start_time),
        "end_time": iso(instance.end_time),
        "duration": instance.duration_minutes,
        "total_minutes": _total_minutes(instance),
        "participants_count": len(instance.participants),
        "participants_count_my_account": sum(
            1 for p in instance.participants if world.users.get(p["id"]) is not None
        ),
        "source": "Zoom",
        "meeting_encryption_status": 2,
    }
    if joined is not None:  # attendee-level fields of the user the report is for
        data |= {
            "join_time": _report_time(joined["join_time"]),
            "leave_time": _report_time(joined["leave_time"]),
            "host_name": host.display_name if host else "",
            "has_recording": bool(instance.files),
        }
    return data


async def report_meetings(call: Call) -> Response:
    _require_paid(call, "This is only available for paid account: {}.")
    user = call.user()
    kind = call.query.get("type") or "past"
    if kind not in REPORT_TYPES:
        raise ApiError(400, 300, "Invalid field: type.")
    window = date_window(call)
    world = call.world
    rows = []
    for instance in sorted(world.instances.values(), key=lambda i: (i.start_time, i.uuid)):
        if not instance.ended(world.now()):
            continue
        if not window.first <= instance.start_time.date() <= window.last:
            continue
        count = len(instance.participants)
        me = next((p for p in instance.participants if p["id"] == user.id), None)
        if kind == "pastOne":
            wanted = instance.host_id == user.id and count == 1
        elif kind == "past":
            wanted = instance.host_id == user.id and count >= 2
        else:
            wanted = (instance.host_id == user.id or me is not None) and count >= 2
        if wanted:
            rows.append(report_meeting_json(world, instance, me if kind == "pastJoined" else None))
    body = call.page(rows, "meetings")
    return zoom_json({"from": window.first.isoformat(), "to": window.last.isoformat(), **body})


# /metrics/meetings ------------------------------------------------------------------------
DASHBOARD_TYPES = ("live", "past", "pastOne")


def _clock_text(seconds: int) -> str:
    """Dashboard durations: `mm:ss`, or `hh:mm:ss` from one hour up."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _dashboard_common(host: EmuUser | None) -> dict[str, Any]:
    return {
        "host": host.display_name if host else "",
        "email": host.email if host else "",
        "user_type": "Licensed" if host is None or host.type == 2 else "Basic",
        "dept": host.dept if host else "",
    }


def dashboard_meeting_json(world: World, instance: EmuInstance, tracking: bool) -> dict[str, Any]:
    types = _instance_types(instance)
    recorded = bool(instance.files)  # the recording feature was used, kept or not
    data: dict[str, Any] = {
        "uuid": instance.uuid,
        "id": instance.meeting_id,
        "topic": instance.topic,
        **_dashboard_common(_host(world, instance)),
        "start_time": iso(instance.start_time),
        "end_time": iso(instance.end_time),
        "duration": _clock_text(int((instance.end_time - instance.start_time).total_seconds())),
        "participants": len(instance.participants),
        "has_pstn": False,
        "has_voip": True,
        "has_3rd_party_audio": False,
        "has_video": True,
        "has_screen_share": "MP4" in types,
        "has_recording": recorded,
        "has_sip": False,
        "has_archiving": bool(types & {"MP4", "M4A", "CHAT", "TRANSCRIPT"}),
        "has_manual_captions": False,
        "has_automated_captions": "CC" in types,
        "has_poll": "CSV" in types,
        "has_qa": False,
        "has_survey": False,
        "audio_quality": "good",
        "video_quality": "good",
    }
    if "MP4" in types:
        data["screen_share_quality"] = "good"
    if tracking:
        data["tracking_fields"] = []
    return data


def _live_json(call: Call, tracking: bool) -> list[dict[str, Any]]:
    world = call.world
    now = world.now()
    rows = []
    for meeting in sorted(world.meetings.values(), key=lambda m: m.id):
        if meeting.status != "started" or meeting.webinar or meeting.deleted_at is not None:
            continue
        start = meeting.start_time or now
        row: dict[str, Any] = {
            "uuid": meeting.uuid,
            "id": meeting.id,
            "topic": meeting.topic,
            **_dashboard_common(world.users.get(meeting.host_id)),
            "start_time": iso(start),
            "duration": _clock_text(int((now - start).total_seconds())),
            "participants": 1,
            "has_voip": True,
            "has_video": True,
        }
        if tracking:
            row["tracking_fields"] = []
        rows.append(row)
    return rows


async def dashboard_meetings(call: Call) -> Response:
    world = call.world
    if world.plan != "business":
        raise ApiError(
            400,
            400,
            "This API is only available for ZMP and Business or higher accounts that have "
            "enabled the Dashboard feature.",
        )
    kind = call.query.get("type") or "live"
    if kind not in DASHBOARD_TYPES:
        raise ApiError(400, 300, "Invalid field: type.")
    by = call.query.get("query_date_type") or "start_time"
    if by not in ("start_time", "end_time"):
        raise ApiError(400, 300, "Invalid field: query_date_type.")
    window = date_window(call)
    tracking = call.query.get("include_fields") == "tracking_fields"
    if kind == "live":
        rows = _live_json(call, tracking)
    else:
        by_end = by == "end_time" and kind == "past"  # only `past` may query by end time
        rows = []
        for instance in sorted(world.instances.values(), key=lambda i: (i.start_time, i.uuid)):
            if instance.webinar or not instance.ended(world.now()):
                continue
            if (instance.end_time if by_end else instance.start_time) not in window:
                continue
            alone = len(instance.participants) == 1
            if alone == (kind == "pastOne"):
                rows.append(dashboard_meeting_json(world, instance, tracking))
    body = call.page(rows, "meetings")
    return zoom_json({"from": call.query.get("from"), "to": call.query.get("to"), **body})


ROUTES = [
    ApiRoute("GET", "/past_meetings/{meetingId}", "LIGHT", PAST_MEETING, past_meeting),
    ApiRoute(
        "GET", "/past_meetings/{meetingId}/instances", "MEDIUM", PAST_INSTANCES, past_instances
    ),
    ApiRoute(
        "GET",
        "/past_meetings/{meetingId}/participants",
        "MEDIUM",
        PAST_PARTICIPANTS,
        past_participants,
    ),
    ApiRoute("GET", "/report/users/{userId}/meetings", "HEAVY", REPORT_MEETINGS, report_meetings),
    ApiRoute(
        "GET", "/metrics/meetings", "RESOURCE_INTENSIVE", DASHBOARD_MEETINGS, dashboard_meetings
    ),
]
