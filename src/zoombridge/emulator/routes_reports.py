"""Past meetings, usage reports, the dashboard meeting list and the compliance archive.

These read the same instances the recording endpoints serve, as Zoom's other views of them:
`/past_meetings/*` (one instance and its attendance), `/report/users/{userId}/meetings` and
`/metrics/meetings` (month windows inside the last six months; only meetings with two or
more participants unless one-person meetings are asked for) and `/archive_files` (seven-day
windows; archive files built from the instance's recording files, per-participant audio as
individual files). Every field emitted is one that Zoom's schema for the operation defines.
"""

from __future__ import annotations

import calendar
import hashlib
import weakref
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from starlette.responses import Response

from zoombridge.emulator.api import ApiError, ApiRoute, Call, iso, zoom_json
from zoombridge.emulator.events import complete_late_files
from zoombridge.emulator.world import EmuFile, EmuInstance, EmuUser, World

__all__ = ["ROUTES", "Window", "date_window", "months_before", "one_month_after"]

PAST_MEETING = ("meeting:read:past_meeting:admin", "meeting:read:admin")
PAST_INSTANCES = ("meeting:read:list_past_instances:admin", "meeting:read:admin")
PAST_PARTICIPANTS = ("meeting:read:list_past_participants:admin", "meeting:read:admin")
REPORT_MEETINGS = ("report:read:user:admin", "report:read:admin")
DASHBOARD_MEETINGS = (
    "dashboard:read:list_meetings:admin",
    "dashboard_meetings:read:admin",
    "dashboard:read:admin",
)
ARCHIVE_FILES = ("archiving:read:list_archived_files:admin", "recording:read:admin")

DETAIL_DAYS = 365  # "You cannot access a meeting that occurred more than one year ago."
KEPT_MONTHS = 15  # participants and instances: "within the last 15 months"
ARCHIVE_WINDOW = timedelta(days=7)
ARCHIVE_DELAY = timedelta(minutes=5)  # archiving completes a few minutes after the meeting
# Which cloud-recording files an archive holds, and the archive's recording_type for each.
ARCHIVED_TYPES = {
    ("MP4", "shared_screen_with_speaker_view"): "shared_screen_with_speaker_view",
    ("M4A", "audio_only"): "audio_only",
    ("CHAT", "chat_file"): "chat_file",
    ("TRANSCRIPT", "audio_transcript"): "audio_transcript",
}

_FINGERPRINTS: weakref.WeakKeyDictionary[World, dict[str, str]] = weakref.WeakKeyDictionary()


# date windows (shared with the phone routes) ------------------------------------------------
def one_month_after(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Window:
    """A from/to query as Zoom reads it: both ends inclusive."""

    start: datetime
    end: datetime

    @property
    def first(self) -> date:
        return self.start.date()

    @property
    def last(self) -> date:
        return self.end.date()

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment <= self.end


def _missing(name: str) -> ApiError:
    return ApiError(
        400, 300, "Validation Failed.", errors=[{"field": name, "message": "Required."}]
    )


def _moment(call: Call, name: str, *, end: bool = False) -> datetime | None:
    """`yyyy-MM-dd`, `yyyy-MM-dd HH:mm:ss` or `yyyy-MM-ddTHH:mm:ssZ`, in UTC. A bare date
    stands for the start of the day, or for its last second when it ends a range."""
    raw = (call.query.get(name) or "").strip()
    if not raw:
        return None
    day = call.date_param(name) if len(raw) == 10 else None
    if day is not None:
        return datetime.combine(day, time.max if end else time.min, UTC).replace(microsecond=0)
    try:
        parsed = datetime.fromisoformat(raw.replace(" ", "T").replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, 300, f"Invalid field: {name}.") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def date_window(
    call: Call,
    *,
    default: timedelta | None = None,
    six_months: bool = True,
    max_span: timedelta | None = None,
) -> Window:
    """from/to with Zoom's rules: `to` is required once `from` is given (both are, when no
    `default` span applies), at most one month apart (or `max_span`), and by default the
    range must fall within the last six months."""
    now = call.world.now().replace(microsecond=0)
    start = _moment(call, "from")
    end = _moment(call, "to", end=True)
    if start is None and end is None and default is not None:
        start, end = now - default, now
    if start is None:
        raise _missing("from")
    if end is None:
        raise _missing("to")
    if end < start:
        raise ApiError(400, 300, "The 'to' date must not be earlier than the 'from' date.")
    if max_span is not None:
        if end - start > max_span:
            days = max_span.days
            raise ApiError(
                400, 300, f"The date range between from and to cannot exceed {days} days."
            )
    elif end.date() > one_month_after(start.date()):
        raise ApiError(400, 300, "The date range cannot exceed one month.")
    if six_months and start.date() < months_before(now.date(), 6):
        raise ApiError(400, 300, "The date range must fall within the last six months.")
    return Window(start, end)


# shared pieces ----------------------------------------------------------------------------
def _require_paid(call: Call, text: str = "Only available for paid account: {}.") -> None:
    if call.world.plan == "free":
        raise ApiError(400, 200, text.format(call.world.account_id))


def _ended(world: World, instance: EmuInstance) -> bool:
    return instance.end_time <= world.now()


def _past_instance(call: Call) -> EmuInstance:
    """The instance a /past_meetings call names: a UUID, or a meeting id's latest ended one."""
    world = call.world
    key = call.ids["meetingId"]
    instance = world.instances.get(key)
    if instance is None and key.isdigit():
        candidates = [
            i for i in world.instances.values() if i.meeting_id == int(key) and _ended(world, i)
        ]
        instance = max(candidates, key=lambda i: (i.start_time, i.uuid), default=None)
    if instance is None or instance.webinar or not _ended(world, instance):
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
    ended = [i for i in mine if _ended(world, i) and i.start_time.date() >= oldest]
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
        if not _ended(world, instance):
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
            if instance.webinar or not _ended(world, instance):
                continue
            if (instance.end_time if by_end else instance.start_time) not in window:
                continue
            alone = len(instance.participants) == 1
            if alone == (kind == "pastOne"):
                rows.append(dashboard_meeting_json(world, instance, tracking))
    body = call.page(rows, "meetings")
    return zoom_json({"from": call.query.get("from"), "to": call.query.get("to"), **body})


# /archive_files -------------------------------------------------------------------------------
def _fingerprint(world: World, file: EmuFile) -> str:
    """SHA-256 of the file's bytes, computed once per world and file."""
    cache = _FINGERPRINTS.setdefault(world, {})
    if file.token not in cache:
        body = file.body()
        digest = hashlib.sha256()
        if isinstance(body, bytes):
            digest.update(body)
        else:
            for piece in body.iter_range(0, int(body.size), 1 << 20):
                digest.update(piece)
        cache[file.token] = digest.hexdigest()
    return cache[file.token]


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
        "encryption_fingerprint": _fingerprint(world, file) if done else "",
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
        if not archived or not _ended(world, instance):
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
    ApiRoute("GET", "/archive_files", "MEDIUM", ARCHIVE_FILES, archive_files),
]
