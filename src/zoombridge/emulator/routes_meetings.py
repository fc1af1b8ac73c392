"""Meetings and webinars: create, get, update (PATCH, incl. host transfer), delete, list."""

from __future__ import annotations

import copy
import secrets
import string
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.responses import Response

from zoombridge.emulator.api import ApiError, ApiRoute, Call, iso, zoom_json
from zoombridge.emulator.events import conversion_event, meeting_event
from zoombridge.emulator.recurrence import occurrences, validate_recurrence, zone_named
from zoombridge.emulator.world import EmuMeeting, EmuUser, World

__all__ = ["ROUTES", "convert", "meeting_json"]

MEETING_TYPES = {1, 2, 3, 8, 10}
# A conversion keeps the id, UUID and schedule: scheduled, recurring without and with a
# fixed time map onto the webinar types of the same shape (instant meetings do not convert).
TO_WEBINAR = {2: 5, 3: 6, 8: 9}
TO_MEETING = {webinar: meeting for meeting, webinar in TO_WEBINAR.items()}
WEBINAR_TYPES = {5, 6, 9}
PASSCODE_CHARS = set(string.ascii_letters + string.digits + "@-_*")
DEFAULT_SETTINGS: dict[str, Any] = {
    "use_pmi": False,
    "jbh_time": 0,
    "host_video": False,
    "participant_video": False,
    "join_before_host": False,
    "mute_upon_entry": False,
    "waiting_room": True,
    "auto_recording": "none",
    "alternative_hosts": "",
    "approval_type": 2,
    "audio": "voip",
}
WEBINAR_SETTINGS: dict[str, Any] = {
    "host_video": False,
    "panelists_video": True,
    "practice_session": False,
    "hd_video": False,
    "approval_type": 2,
    "auto_recording": "none",
    "alternative_hosts": "",
    "audio": "voip",
    "show_share_button": True,
}


def _join_url(world: World, meeting: EmuMeeting) -> str:
    kind = "w" if meeting.webinar else "j"
    return f"{world.web_base}/{kind}/{meeting.id}?pwd={meeting.password}"


def meeting_json(world: World, meeting: EmuMeeting) -> dict[str, Any]:
    host = world.users.get(meeting.host_id)
    data: dict[str, Any] = {
        "uuid": meeting.uuid,
        "id": meeting.id,
        "host_id": meeting.host_id,
        "host_email": host.email if host else "",
        "topic": meeting.topic,
        "type": meeting.type,
        "start_time": iso(meeting.start_time),
        "duration": meeting.duration,
        "timezone": meeting.timezone,
        "agenda": meeting.agenda,
        "created_at": iso(meeting.created_at),
        "start_url": f"{world.web_base}/s/{meeting.id}?zak={secrets.token_urlsafe(16)}",
        "join_url": _join_url(world, meeting),
        "password": meeting.password,
        "settings": meeting.settings,
    }
    if not meeting.webinar:
        data |= {"status": meeting.status, "pre_schedule": False, "h323_password": meeting.password}
    if meeting.recurrence and meeting.start_time:
        data["recurrence"] = meeting.recurrence
        data["occurrences"] = occurrences(
            meeting.recurrence, meeting.start_time, meeting.duration, meeting.timezone
        )
    return data


def summary_json(world: World, meeting: EmuMeeting) -> dict[str, Any]:
    """A meeting as the list endpoints show it: no start_url, settings or occurrences."""
    return {
        "uuid": meeting.uuid,
        "id": meeting.id,
        "host_id": meeting.host_id,
        "topic": meeting.topic,
        "type": meeting.type,
        "start_time": iso(meeting.start_time),
        "duration": meeting.duration,
        "timezone": meeting.timezone,
        "agenda": meeting.agenda,
        "created_at": iso(meeting.created_at),
        "join_url": _join_url(world, meeting),
    }


def _fail(field: str) -> ApiError:
    return ApiError(
        400, 300, "Validation Failed.", errors=[{"field": field, "message": "Invalid field."}]
    )


def _apply(meeting: EmuMeeting, body: dict[str, Any], webinar: bool) -> None:
    """Validate and apply the fields of a create or PATCH body (all-or-nothing)."""
    allowed = WEBINAR_TYPES if webinar else MEETING_TYPES
    checks: dict[str, Callable[[Any], bool]] = {
        "topic": lambda v: isinstance(v, str) and len(v) <= 200,
        "type": lambda v: v in allowed,
        "duration": lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 1440,
        "agenda": lambda v: isinstance(v, str) and len(v) <= 2000,
        "password": lambda v: isinstance(v, str) and len(v) <= 10 and set(v) <= PASSCODE_CHARS,
        "settings": lambda v: isinstance(v, dict),
        "start_time": lambda v: isinstance(v, str) and _parse_time(v, "UTC") is not None,
        "timezone": lambda v: isinstance(v, str) and zone_named(v) is not None,
        "recurrence": lambda v: validate_recurrence(v) is None,
    }
    for field, ok in checks.items():
        if field in body and not ok(body[field]):
            raise _fail(field)
    for field in ("topic", "type", "duration", "timezone", "agenda", "password", "recurrence"):
        if field in body:
            setattr(meeting, field, body[field])
    if "start_time" in body:
        meeting.start_time = _parse_time(body["start_time"], meeting.timezone)
    if "settings" in body:
        meeting.settings = {**meeting.settings, **body["settings"]}


def _parse_time(value: str, timezone: str) -> datetime | None:
    """`...Z` is UTC; a time without zone is local to the meeting's `timezone`, as in Zoom."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone_named(timezone) or UTC)
    return parsed.astimezone(UTC)


def _scheduler_target(call: Call, user: EmuUser, body: dict[str, Any]) -> EmuUser:
    """The host: the path user, or `schedule_for` when the path user may schedule for them."""
    target = user
    if body.get("schedule_for"):
        if str(body.get("type", "")) == "1":
            raise ApiError(400, 3000, "Instant meetings do not support the schedule_for parameter.")
        found = call.world.find_user(str(body["schedule_for"]))
        if found is None:
            raise ApiError(
                400, 300, "The value that you entered in the schedule_for field is invalid."
            )
        may = user.role_id in ("0", "1") or user.id in call.world.assistants.get(found.id, [])
        if found.id != user.id and not may:
            raise ApiError(400, 3000, f"You cannot schedule a meeting for {found.email}")
        target = found
    if target.status != "active":
        raise ApiError(
            400,
            3161,
            "Your user account is not allowed meeting hosting and scheduling capabilities.",
        )
    return target


async def _create(call: Call, webinar: bool) -> Response:
    user = call.user()
    body = await call.json()
    host = _scheduler_target(call, user, body)
    _check_passcode(call.world, body)
    if webinar and not host.webinar:
        raise ApiError(
            400,
            200,
            "Webinar plan is missing. You must subscribe to the webinar plan and enable "
            f"webinar for this user: {host.id}.",
        )
    world = call.world
    meeting = EmuMeeting(
        id=world.new_meeting_id(),
        uuid=world.new_uuid(),
        host_id=host.id,
        topic="Zoom meeting" if not webinar else "Zoom webinar",
        type=5 if webinar else 2,
        start_time=world.now(),
        created_at=world.now(),
        password=body.get("password") or _passcode(world),
        settings=dict(WEBINAR_SETTINGS if webinar else DEFAULT_SETTINGS),
        webinar=webinar,
    )
    _apply(meeting, body, webinar)
    if meeting.type in (8, 9) and meeting.recurrence is None:
        raise _fail("recurrence")
    world.meetings[meeting.id] = meeting
    created = meeting_json(world, meeting)
    meeting_event(world, "webinar.created" if webinar else "meeting.created", created)
    return zoom_json(created, 201)


def _passcode(world: World) -> str:
    """A generated passcode that meets the account's rule, as Zoom's default passcode does."""
    rule = world.passcode_requirement
    length = max(6, int(rule.get("length") or 0))
    digits = "".join(world.rng.choice(string.digits) for _ in range(length))
    if rule.get("only_allow_numeric"):
        return digits
    extra = ""
    if rule.get("have_letter") or rule.get("have_upper_and_lower_characters"):
        extra += "aB"
    if rule.get("have_special_character"):
        extra += "@"
    return (extra + digits)[: max(length, len(extra) + 1)]


def _check_passcode(world: World, body: dict[str, Any]) -> None:
    """A passcode the caller chose must meet the account's meeting passcode rule."""
    code = body.get("password")
    if not isinstance(code, str) or not code:
        return
    rule = world.passcode_requirement
    broken = [
        len(code) < int(rule.get("length") or 0),
        bool(rule.get("only_allow_numeric")) and not code.isdigit(),
        bool(rule.get("have_letter")) and not any(c.isalpha() for c in code),
        bool(rule.get("have_number")) and not any(c.isdigit() for c in code),
        bool(rule.get("have_special_character")) and code.isalnum(),
        bool(rule.get("have_upper_and_lower_characters"))
        and (code.lower() == code or code.upper() == code),
    ]
    if any(broken):
        raise ApiError(
            400,
            300,
            "Validation Failed.",
            errors=[{"field": "password", "message": "Passcode does not meet the requirements."}],
        )


def _live(call: Call, name: str) -> EmuMeeting | None:
    """The live meeting or webinar whose number is the path id `name`, if any."""
    raw = call.ids.get(name, "")
    return call.world.live_meeting(int(raw)) if raw.isdigit() else None


def _meeting(call: Call, name: str, webinar: bool) -> EmuMeeting:
    meeting = _live(call, name)
    if meeting is None or meeting.webinar != webinar:
        noun = "Webinar" if webinar else "Meeting"
        raise ApiError(404, 3001, f"{noun} does not exist: {call.ids[name]}.")
    return meeting


def _host_of(name: str) -> Callable[[Call], str | None]:
    """For the per-host create/update cap: the host of the meeting the path names."""

    def host(call: Call) -> str | None:
        meeting = _live(call, name)
        return meeting.host_id if meeting else None

    return host


def _path_user(call: Call) -> str | None:
    user = call.world.find_user(call.ids["userId"])
    return user.id if user else None


async def _update(call: Call, name: str, webinar: bool) -> Response:
    meeting = _meeting(call, name, webinar)
    body = await call.json()
    old = meeting_json(call.world, meeting)
    # Validate everything on a copy first: a refused PATCH must change nothing.
    candidate = copy.deepcopy(meeting)
    _check_passcode(call.world, body)
    if body.get("schedule_for"):
        owner = call.world.users[meeting.host_id]
        target = _scheduler_target(call, owner, body)
        _check_transfer(owner, target, webinar)
        candidate.host_id = target.id
    _apply(candidate, body, webinar)
    vars(meeting).update(vars(candidate))
    new = meeting_json(call.world, meeting)
    meeting_event(call.world, "webinar.updated" if webinar else "meeting.updated", new, old=old)
    return Response(status_code=204)


def _check_transfer(owner: EmuUser, target: EmuUser, webinar: bool) -> None:
    """Moving a meeting to another host (PATCH schedule_for) needs both hosts licensed, and a
    webinar's new host needs the webinar add-on."""
    if target.id == owner.id:
        return
    if owner.type != 2 or target.type != 2:
        raise ApiError(400, 3000, f"You cannot schedule a meeting for {target.email}")
    if webinar and not target.webinar:
        raise ApiError(
            400,
            200,
            "Webinar plan is missing. You must subscribe to the webinar plan and enable "
            f"webinar for this user: {target.id}.",
        )


async def _delete(call: Call, name: str, webinar: bool) -> Response:
    meeting = _meeting(call, name, webinar)
    meeting.deleted_at = call.world.now()
    meeting_event(
        call.world,
        "webinar.deleted" if webinar else "meeting.deleted",
        meeting_json(call.world, meeting),
    )
    return Response(status_code=204)


async def _list(call: Call, webinar: bool) -> Response:
    user = call.user()
    kind = call.query.get("type") or "scheduled"
    if kind not in ("scheduled", "live", "upcoming", "upcoming_meetings", "previous_meetings"):
        raise ApiError(400, 300, "Invalid field: type.")
    now = call.world.now()
    mine = [
        m
        for m in call.world.meetings.values()
        if m.host_id == user.id and m.deleted_at is None and m.webinar == webinar
    ]
    if kind.startswith("upcoming"):
        mine = [m for m in mine if m.type == 3 or _last_end(m) >= now]
    elif kind == "previous_meetings":
        mine = [m for m in mine if m.type != 3 and _last_end(m) < now]
    elif kind == "live":
        mine = [m for m in mine if m.status == "started"]
    mine.sort(key=lambda m: (m.start_time or now, m.id))
    items_key = "webinars" if webinar else "meetings"
    body = call.page([summary_json(call.world, m) for m in mine], items_key)
    return zoom_json({"page_number": 1, **body})


def _last_end(meeting: EmuMeeting) -> datetime:
    start = meeting.start_time or datetime.min.replace(tzinfo=UTC)
    if meeting.recurrence and meeting.start_time:
        series = occurrences(
            meeting.recurrence, meeting.start_time, meeting.duration, meeting.timezone
        )
        last = series[-1:]
        if last:
            start = datetime.fromisoformat(last[0]["start_time"].replace("Z", "+00:00"))
    return start + timedelta(minutes=meeting.duration)


async def create_meeting(call: Call) -> Response:
    return await _create(call, webinar=False)


async def create_webinar(call: Call) -> Response:
    return await _create(call, webinar=True)


async def get_meeting(call: Call) -> Response:
    return zoom_json(meeting_json(call.world, _meeting(call, "meetingId", False)))


async def get_webinar(call: Call) -> Response:
    return zoom_json(meeting_json(call.world, _meeting(call, "webinarId", True)))


async def update_meeting(call: Call) -> Response:
    return await _update(call, "meetingId", False)


async def update_webinar(call: Call) -> Response:
    return await _update(call, "webinarId", True)


async def delete_meeting(call: Call) -> Response:
    return await _delete(call, "meetingId", False)


async def delete_webinar(call: Call) -> Response:
    return await _delete(call, "webinarId", True)


async def list_meetings(call: Call) -> Response:
    return await _list(call, webinar=False)


async def list_webinars(call: Call) -> Response:
    return await _list(call, webinar=True)


def convert(world: World, meeting_id: int) -> EmuMeeting:
    """Convert a meeting into a webinar or back, as a host does in Zoom's web portal (the
    API has no call for it), and send `meeting.converted_to_webinar` or
    `webinar.converted_to_meeting`. ValueError says why it cannot be converted."""
    meeting = world.live_meeting(meeting_id)
    if meeting is None:
        raise ValueError(f"no meeting or webinar {meeting_id}")
    table = TO_MEETING if meeting.webinar else TO_WEBINAR
    if meeting.type not in table:
        raise ValueError(f"a meeting of type {meeting.type} cannot be converted")
    host = world.users.get(meeting.host_id)
    if not meeting.webinar and (host is None or not host.webinar):
        raise ValueError(f"host {meeting.host_id} has no webinar add-on")
    defaults = DEFAULT_SETTINGS if meeting.webinar else WEBINAR_SETTINGS
    kept = {k: v for k, v in meeting.settings.items() if k in defaults}
    meeting.settings = {**defaults, **kept}
    meeting.type = table[meeting.type]
    meeting.webinar = not meeting.webinar
    event = "meeting.converted_to_webinar" if meeting.webinar else "webinar.converted_to_meeting"
    conversion_event(world, event, meeting_json(world, meeting))
    return meeting


async def meeting_status(call: Call) -> Response:
    body = await call.json()
    action = body.get("action")
    raw = call.ids["meetingId"]
    meeting = call.world.meetings.get(int(raw)) if raw.isdigit() else None
    if meeting is None or meeting.webinar:
        raise ApiError(404, 3001, f"Meeting does not exist: {raw}.")
    if action == "recover" and meeting.deleted_at is not None:
        meeting.deleted_at = None
        meeting_event(call.world, "meeting.recovered", meeting_json(call.world, meeting))
    elif action == "end" and meeting.deleted_at is None:
        meeting.status = "waiting"
    else:
        raise ApiError(400, 300, "Invalid field: action.")
    return Response(status_code=204)


MW = ("meeting:write:meeting:admin", "meeting:write:admin")
MR = ("meeting:read:meeting:admin", "meeting:read:admin")
WW = ("webinar:write:webinar:admin", "webinar:write:admin")
WR = ("webinar:read:webinar:admin", "webinar:read:admin")
ROUTES = [
    ApiRoute("POST", "/users/{userId}/meetings", "LIGHT", MW, create_meeting, host_of=_path_user),
    ApiRoute(
        "GET",
        "/users/{userId}/meetings",
        "MEDIUM",
        ("meeting:read:list_meetings:admin", "meeting:read:admin"),
        list_meetings,
    ),
    ApiRoute("GET", "/meetings/{meetingId}", "LIGHT", MR, get_meeting),
    ApiRoute(
        "PATCH",
        "/meetings/{meetingId}",
        "LIGHT",
        ("meeting:update:meeting:admin", "meeting:write:admin"),
        update_meeting,
        host_of=_host_of("meetingId"),
    ),
    ApiRoute(
        "DELETE",
        "/meetings/{meetingId}",
        "LIGHT",
        ("meeting:delete:meeting:admin", "meeting:write:admin"),
        delete_meeting,
    ),
    ApiRoute(
        "PUT",
        "/meetings/{meetingId}/status",
        "LIGHT",
        ("meeting:update:status:admin", "meeting:write:admin"),
        meeting_status,
    ),
    ApiRoute("POST", "/users/{userId}/webinars", "LIGHT", WW, create_webinar, host_of=_path_user),
    ApiRoute(
        "GET",
        "/users/{userId}/webinars",
        "MEDIUM",
        ("webinar:read:list_webinars:admin", "webinar:read:admin"),
        list_webinars,
    ),
    ApiRoute("GET", "/webinars/{webinarId}", "LIGHT", WR, get_webinar),
    ApiRoute(
        "PATCH",
        "/webinars/{webinarId}",
        "LIGHT",
        ("webinar:update:webinar:admin", "webinar:write:admin"),
        update_webinar,
        host_of=_host_of("webinarId"),
    ),
    ApiRoute(
        "DELETE",
        "/webinars/{webinarId}",
        "LIGHT",
        ("webinar:delete:webinar:admin", "webinar:write:admin"),
        delete_webinar,
    ),
]
