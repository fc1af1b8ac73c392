"""Past meetings, reports, dashboard, archive files and Zoom Phone on the emulator, over HTTP."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import av
import httpx
import pytest
from emulator_http import error

from zoombridge.clock import ManualClock
from zoombridge.emulator.routes import all_routes
from zoombridge.emulator.scenarios import record_phone_call
from zoombridge.emulator.world import EmuInstance, EmuMeeting, World

pytestmark = pytest.mark.anyio

PAST_MEETING_KEYS = {
    "id",
    "uuid",
    "duration",
    "start_time",
    "end_time",
    "host_id",
    "dept",
    "participants_count",
    "source",
    "topic",
    "total_minutes",
    "type",
    "user_email",
    "user_name",
    "has_meeting_summary",
}
ARCHIVE_FILE_TYPES = {"MP4", "M4A", "CHAT", "TRANSCRIPT"}


def path_id(uuid: str) -> str:
    """Zoom's rule: encode twice when a UUID starts with '/' or holds '//', else once."""
    once = quote(uuid, safe="")
    return quote(once, safe="") if uuid.startswith("/") or "//" in uuid else once


def recurring(world: World) -> EmuMeeting:
    return next(m for m in world.meetings.values() if len(m.instance_uuids) == 2)


def instances_of(world: World, meeting: EmuMeeting) -> list[EmuInstance]:
    return sorted((world.instances[u] for u in meeting.instance_uuids), key=lambda i: i.start_time)


def today(world: World) -> str:
    return world.now().date().isoformat()


def days_ago(world: World, days: int) -> str:
    return (world.now().date() - timedelta(days=days)).isoformat()


# routes ---------------------------------------------------------------------------------------
def test_routes_carry_zoom_labels_families_and_admin_scopes() -> None:
    """Labels and scopes as Zoom's endpoint index has them: granular admin scope first."""
    table = {(r.method, r.path): r for r in all_routes()}
    expected = {
        "/past_meetings/{meetingId}": ("LIGHT", "meetings", "meeting:read:past_meeting:admin"),
        "/past_meetings/{meetingId}/instances": (
            "MEDIUM",
            "meetings",
            "meeting:read:list_past_instances:admin",
        ),
        "/past_meetings/{meetingId}/participants": (
            "MEDIUM",
            "meetings",
            "meeting:read:list_past_participants:admin",
        ),
        "/report/users/{userId}/meetings": ("HEAVY", "meetings", "report:read:user:admin"),
        "/metrics/meetings": (
            "RESOURCE_INTENSIVE",
            "meetings",
            "dashboard:read:list_meetings:admin",
        ),
        "/archive_files": ("MEDIUM", "meetings", "archiving:read:list_archived_files:admin"),
        "/phone/recordings": ("MEDIUM", "phone", "phone:read:list_call_recordings:admin"),
        "/phone/users/{userId}/recordings": ("MEDIUM", "phone", "phone:read:list_recordings:admin"),
        "/phone/recording/download/{fileId}": (
            "MEDIUM",
            "phone",
            "phone:read:call_recording:admin",
        ),
        "/phone/call_history": ("HEAVY", "phone", "phone:read:list_call_logs:admin"),
        "/phone/users/{userId}/call_history": (
            "MEDIUM",
            "phone",
            "phone:read:list_call_logs:admin",
        ),
    }
    for path, (label, family, granular) in expected.items():
        route = table[("GET", path)]
        assert (route.label, route.family, route.scopes[0]) == (label, family, granular), path
        assert len(route.scopes) >= 2, path
        assert all(scope.endswith(":admin") for scope in route.scopes), path


# /past_meetings --------------------------------------------------------------------------------
async def test_past_meeting_by_id_is_the_latest_instance_and_by_uuid_that_one(
    api: httpx.AsyncClient, world: World
) -> None:
    meeting = recurring(world)
    older, latest = instances_of(world, meeting)
    by_id = await api.get(f"/v2/past_meetings/{meeting.id}")
    assert by_id.status_code == 200
    body = by_id.json()
    assert set(body) == PAST_MEETING_KEYS
    assert body["uuid"] == latest.uuid
    assert body["id"] == meeting.id
    assert isinstance(body["id"], int)
    assert body["type"] == 8
    assert isinstance(body["duration"], int)
    assert body["participants_count"] == len(latest.participants)
    assert body["start_time"].endswith("Z")
    assert body["end_time"] > body["start_time"]
    host = world.users[meeting.host_id]
    assert (body["user_email"], body["user_name"]) == (host.email, host.display_name)
    by_uuid = await api.get(f"/v2/past_meetings/{path_id(older.uuid)}")
    assert by_uuid.json()["uuid"] == older.uuid


async def test_past_meeting_uuid_needing_double_encoding(
    api: httpx.AsyncClient, world: World
) -> None:
    awkward = next(i for i in world.instances.values() if i.uuid.startswith("/") or "//" in i.uuid)
    twice = await api.get(f"/v2/past_meetings/{path_id(awkward.uuid)}")
    assert twice.status_code == 200
    assert twice.json()["uuid"] == awkward.uuid
    once = await api.get(f"/v2/past_meetings/{quote(awkward.uuid, safe='')}")
    assert once.status_code == 404


async def test_uuid_with_one_inner_slash_needs_single_encoding_only(
    api: httpx.AsyncClient, world: World
) -> None:
    instance = next(
        i
        for i in world.instances.values()
        if "/" in i.uuid and not i.uuid.startswith("/") and "//" not in i.uuid
    )
    answer = await api.get(f"/v2/past_meetings/{quote(instance.uuid, safe='')}")
    assert answer.status_code == 200


async def test_past_meeting_unknown_and_free_plan(api: httpx.AsyncClient, world: World) -> None:
    missing = await api.get("/v2/past_meetings/12345678901")
    assert error(missing) == (404, 3001)
    assert missing.json()["message"] == "Meeting does not exist: 12345678901."
    upcoming = next(m for m in world.meetings.values() if not m.instance_uuids)
    assert error(await api.get(f"/v2/past_meetings/{upcoming.id}")) == (404, 3001)
    world.plan = "free"
    meeting = recurring(world)
    assert error(await api.get(f"/v2/past_meetings/{meeting.id}")) == (400, 200)


async def test_past_meeting_older_than_a_year(api: httpx.AsyncClient, world: World) -> None:
    instance = instances_of(world, recurring(world))[0]
    instance.start_time -= timedelta(days=400)
    instance.end_time -= timedelta(days=400)
    answer = await api.get(f"/v2/past_meetings/{path_id(instance.uuid)}")
    assert error(answer) == (400, 12702)


async def test_past_instances(api: httpx.AsyncClient, world: World) -> None:
    meeting = recurring(world)
    answer = await api.get(f"/v2/past_meetings/{meeting.id}/instances")
    assert answer.status_code == 200
    body = answer.json()
    assert list(body) == ["meetings"]
    expected = [i.uuid for i in instances_of(world, meeting)]
    assert [m["uuid"] for m in body["meetings"]] == expected
    assert all(set(m) == {"uuid", "start_time"} for m in body["meetings"])
    latest = instances_of(world, meeting)[1].start_time.date().isoformat()
    only = await api.get(
        f"/v2/past_meetings/{meeting.id}/instances", params={"from": latest, "to": latest}
    )
    assert [m["uuid"] for m in only.json()["meetings"]] == expected[1:]
    assert error(await api.get("/v2/past_meetings/12345678901/instances")) == (404, 3001)


async def test_past_participants_are_paged(api: httpx.AsyncClient, world: World) -> None:
    instance = instances_of(world, recurring(world))[1]
    assert len(instance.participants) == 4
    path = f"/v2/past_meetings/{path_id(instance.uuid)}/participants"
    first = (await api.get(path, params={"page_size": 3})).json()
    assert first["total_records"] == 4
    assert first["page_count"] == 2
    assert first["page_size"] == 3
    assert len(first["participants"]) == 3
    assert first["next_page_token"]
    second = (
        await api.get(path, params={"page_size": 3, "next_page_token": first["next_page_token"]})
    ).json()
    assert len(second["participants"]) == 1
    assert second["next_page_token"] == ""
    people = first["participants"] + second["participants"]
    assert {p["user_email"] for p in people} == {p["user_email"] for p in instance.participants}
    person = people[0]
    assert set(person) == {
        "id",
        "name",
        "user_id",
        "user_email",
        "join_time",
        "leave_time",
        "duration",
        "failover",
        "status",
        "internal_user",
    }
    assert isinstance(person["user_id"], str)
    assert isinstance(person["duration"], int)
    assert person["status"] == "in_meeting"
    bad = await api.get(path, params={"next_page_token": "nonsense"})
    assert error(bad) == (400, 300)


async def test_past_participants_after_fifteen_months(api: httpx.AsyncClient, world: World) -> None:
    instance = instances_of(world, recurring(world))[0]
    instance.start_time -= timedelta(days=480)
    instance.end_time -= timedelta(days=480)
    answer = await api.get(f"/v2/past_meetings/{path_id(instance.uuid)}/participants")
    assert error(answer) == (400, 12702)
    assert answer.json()["message"] == "Can not access a meeting a year ago."


# /report/users/{userId}/meetings -----------------------------------------------------------------
async def test_report_meetings_past(api: httpx.AsyncClient, world: World) -> None:
    owner = world.users[world.owner_id]
    params = {"from": days_ago(world, 28), "to": today(world)}
    answer = await api.get(f"/v2/report/users/{owner.email}/meetings", params=params)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["from"], body["to"]) == (params["from"], params["to"])
    assert {"page_count", "page_size", "total_records", "next_page_token"} <= set(body)
    expected = {
        i.uuid
        for i in world.instances.values()
        if i.host_id == owner.id
        and params["from"] <= i.start_time.date().isoformat() <= params["to"]
        and len(i.participants) >= 2
    }
    assert {m["uuid"] for m in body["meetings"]} == expected
    for item in body["meetings"]:
        assert item["user_email"] == owner.email
        assert item["participants_count"] >= 2
        assert isinstance(item["id"], int)
        assert isinstance(item["type"], int)
        assert "join_time" not in item


async def test_report_meetings_types(api: httpx.AsyncClient, world: World) -> None:
    owner = world.users[world.owner_id]
    mine = sorted(
        (i for i in world.instances.values() if i.host_id == owner.id), key=lambda i: i.start_time
    )
    lonely = mine[-1]
    lonely.participants = lonely.participants[:1]
    day = lonely.start_time.date()
    params = {"from": (day - timedelta(days=1)).isoformat(), "to": day.isoformat()}
    path = f"/v2/report/users/{owner.id}/meetings"
    past = (await api.get(path, params=params)).json()["meetings"]
    one = (await api.get(path, params={**params, "type": "pastOne"})).json()["meetings"]
    assert lonely.uuid not in {m["uuid"] for m in past}
    assert [m["uuid"] for m in one] == [lonely.uuid]

    guest_instance = next(
        i
        for i in world.instances.values()
        if i.host_id != owner.id and any(p["id"] == owner.id for p in i.participants)
    )
    day = guest_instance.start_time.date()
    params = {"from": day.isoformat(), "to": day.isoformat(), "type": "pastJoined"}
    joined = (await api.get(path, params=params)).json()["meetings"]
    item = next(m for m in joined if m["uuid"] == guest_instance.uuid)
    assert item["user_email"] == world.users[guest_instance.host_id].email
    assert len(item["join_time"]) == len("01/15/2026 12:00")  # MM/dd/yyyy HH:mm, as Zoom's
    assert error(await api.get(path, params={**params, "type": "everything"})) == (400, 300)


async def test_report_meetings_windows(api: httpx.AsyncClient, world: World) -> None:
    path = f"/v2/report/users/{world.owner_id}/meetings"
    assert error(await api.get(path)) == (400, 300)
    assert error(await api.get(path, params={"from": days_ago(world, 10)})) == (400, 300)
    too_long = {"from": days_ago(world, 40), "to": today(world)}
    assert error(await api.get(path, params=too_long)) == (400, 300)
    too_old = {"from": days_ago(world, 200), "to": days_ago(world, 190)}
    assert error(await api.get(path, params=too_old)) == (400, 300)
    backwards = {"from": today(world), "to": days_ago(world, 3)}
    assert error(await api.get(path, params=backwards)) == (400, 300)
    assert error(await api.get(path, params={"from": "15/01/2026", "to": today(world)})) == (
        400,
        300,
    )
    unknown = await api.get("/v2/report/users/nobody@example.edu/meetings", params=too_long)
    assert error(unknown) == (404, 1001)
    world.plan = "free"
    assert isinstance(world.clock, ManualClock)
    world.clock.advance(2)  # Free: one Heavy call per second
    ok_window = {"from": days_ago(world, 10), "to": today(world)}
    assert error(await api.get(path, params=ok_window)) == (400, 200)


async def test_report_meetings_paging(api: httpx.AsyncClient, world: World) -> None:
    since = world.now() - timedelta(days=29)
    busiest = max(
        world.users.values(),
        key=lambda u: sum(
            1 for i in world.instances.values() if i.host_id == u.id and i.start_time >= since
        ),
    )
    params: dict[str, str | int] = {
        "from": days_ago(world, 30),
        "to": today(world),
        "page_size": 1,
    }
    path = f"/v2/report/users/{busiest.id}/meetings"
    seen: list[str] = []
    body = (await api.get(path, params=params)).json()
    total = body["total_records"]
    assert total >= 2
    while True:
        seen += [m["uuid"] for m in body["meetings"]]
        if not body["next_page_token"]:
            break
        body = (
            await api.get(path, params={**params, "next_page_token": body["next_page_token"]})
        ).json()
    assert len(seen) == len(set(seen)) == total


# /metrics/meetings --------------------------------------------------------------------------------
async def test_dashboard_meetings_past_and_live(api: httpx.AsyncClient, world: World) -> None:
    params = {"type": "past", "from": days_ago(world, 30), "to": today(world)}
    answer = await api.get("/v2/metrics/meetings", params=params)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["from"], body["to"]) == (params["from"], params["to"])
    expected = {
        i.uuid
        for i in world.instances.values()
        if not i.webinar
        and params["from"] <= i.start_time.date().isoformat() <= params["to"]
        and len(i.participants) >= 2
    }
    assert {m["uuid"] for m in body["meetings"]} == expected
    item = body["meetings"][0]
    assert isinstance(item["participants"], int)
    assert isinstance(item["id"], int)
    assert isinstance(item["duration"], str)
    assert ":" in item["duration"]
    assert item["user_type"] in ("Licensed", "Basic")
    assert "@" in item["email"]
    assert item["has_recording"] is True

    live = await api.get("/v2/metrics/meetings", params={**params, "type": "live"})
    assert live.json()["meetings"] == []
    upcoming = next(m for m in world.meetings.values() if not m.instance_uuids)
    upcoming.status = "started"
    upcoming.start_time = world.now() - timedelta(minutes=90, seconds=5)
    default = await api.get(
        "/v2/metrics/meetings", params={"from": params["from"], "to": params["to"]}
    )
    assert [(m["id"], m["duration"]) for m in default.json()["meetings"]] == [
        (upcoming.id, "01:30:05")
    ]


async def test_dashboard_meetings_errors(api: httpx.AsyncClient, world: World) -> None:
    window = {"from": days_ago(world, 30), "to": today(world)}
    assert error(await api.get("/v2/metrics/meetings", params={"type": "past"})) == (400, 300)
    too_long = {"type": "past", "from": days_ago(world, 45), "to": today(world)}
    assert error(await api.get("/v2/metrics/meetings", params=too_long)) == (400, 300)
    bad_type = {**window, "type": "future"}
    assert error(await api.get("/v2/metrics/meetings", params=bad_type)) == (400, 300)
    for plan in ("pro", "free"):
        world.plan = plan
        refused = await api.get("/v2/metrics/meetings", params=window)
        assert error(refused) == (400, 400)
        assert "Business or higher" in refused.json()["message"]


async def test_dashboard_meetings_are_resource_intensive(
    api: httpx.AsyncClient, world: World
) -> None:
    window = {"from": days_ago(world, 3), "to": today(world)}
    statuses = [
        (await api.get("/v2/metrics/meetings", params=window)).status_code for _ in range(21)
    ]
    assert statuses[:20] == [200] * 20  # Business: 20 per minute
    assert statuses[20] == 429


# /archive_files ---------------------------------------------------------------------------------
def _utc(value: Any) -> str:
    return str(value.strftime("%Y-%m-%dT%H:%M:%SZ"))


async def test_archive_files(api: httpx.AsyncClient, world: World) -> None:
    instance = instances_of(world, recurring(world))[1]
    start = instance.start_time - timedelta(days=3)
    params = {"from": _utc(start), "to": _utc(start + timedelta(days=7))}
    answer = await api.get("/v2/archive_files", params=params)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"from", "to", "next_page_token", "page_size", "total_records", "meetings"}
    assert (body["from"], body["to"]) == (params["from"], params["to"])
    item = next(m for m in body["meetings"] if m["uuid"] == instance.uuid)
    assert item["id"] == instance.meeting_id
    assert isinstance(item["type"], int)
    assert item["status"] == "completed"
    assert item["complete_time"].endswith("Z")
    assert item["recording_count"] == len(item["archive_files"])
    assert item["total_size"] == sum(f["file_size"] for f in item["archive_files"])
    kinds = {f["file_type"] for f in item["archive_files"]}
    assert kinds <= ARCHIVE_FILE_TYPES
    assert {"MP4", "M4A", "CHAT"} <= kinds
    by_id = {f.id: f for f in instance.all_files()}
    for archived in item["archive_files"]:
        source = by_id[archived["id"]]
        assert archived["download_url"] == (f"{world.web_base}/rec/archive/download/{source.token}")
        assert archived["file_size"] == source.size
        assert archived["individual"] is False
    chat = next(f for f in item["archive_files"] if f["file_type"] == "CHAT")
    chat_bytes = by_id[chat["id"]].body()
    assert chat["encryption_fingerprint"] == hashlib.sha256(chat_bytes).hexdigest()
    assert isinstance(chat["number_of_messages"], int)
    in_window = {
        i.uuid
        for i in world.instances.values()
        if start <= i.start_time <= start + timedelta(days=7)
    }
    assert {m["uuid"] for m in body["meetings"]} == in_window


async def test_archive_files_individual_audio(api: httpx.AsyncClient, world: World) -> None:
    instance = next(i for i in world.instances.values() if i.participant_audio)
    params = {
        "from": _utc(instance.start_time - timedelta(hours=1)),
        "to": _utc(instance.start_time + timedelta(hours=1)),
    }
    body = (await api.get("/v2/archive_files", params=params)).json()
    item = next(m for m in body["meetings"] if m["uuid"] == instance.uuid)
    individual = [f for f in item["archive_files"] if f["individual"]]
    assert len(individual) == len(instance.participant_audio)
    emails = {p["user_email"] for p in instance.participants}
    assert all(f["participant_email"] in emails for f in individual)
    assert all(f["file_type"] == "M4A" for f in individual)


async def test_archive_files_window(api: httpx.AsyncClient, world: World) -> None:
    now = world.now()
    eight_days = {"from": _utc(now - timedelta(days=8)), "to": _utc(now)}
    assert error(await api.get("/v2/archive_files", params=eight_days)) == (400, 300)
    only_from = {"from": _utc(now - timedelta(days=2))}
    assert error(await api.get("/v2/archive_files", params=only_from)) == (400, 300)
    by_type = {"query_date_type": "whenever"}
    assert error(await api.get("/v2/archive_files", params=by_type)) == (400, 300)
    default = await api.get("/v2/archive_files")
    assert default.status_code == 200
    assert default.json()["to"] == _utc(now)


# Zoom Phone --------------------------------------------------------------------------------------
async def test_account_phone_recordings(api: httpx.AsyncClient, world: World) -> None:
    params = {"from": days_ago(world, 30), "to": today(world)}
    answer = await api.get("/v2/phone/recordings", params=params)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"next_page_token", "page_size", "total_records", "recordings"}
    expected = {
        r.id
        for r in world.phone_recordings.values()
        if params["from"] <= r.date_time.date().isoformat() <= params["to"]
    }
    assert expected
    assert {r["id"] for r in body["recordings"]} == expected
    item = body["recordings"][0]
    assert item["download_url"] == f"{world.api_url}/v2/phone/recording/download/{item['id']}"
    assert "call_history_id" not in item
    assert isinstance(item["duration"], int)
    assert item["date_time"].endswith("Z")
    assert item["caller_number_type"] in (1, 2)
    assert item["callee_number_type"] in (1, 2, 3)
    assert isinstance(item["owner"]["extension_number"], int)
    assert item["owner"]["type"] == "user"
    assert set(item["site"]) == {"id", "name"}
    paged = await api.get("/v2/phone/recordings", params={**params, "page_size": 1})
    assert paged.json()["next_page_token"]
    assert len(paged.json()["recordings"]) == 1
    none = await api.get("/v2/phone/recordings", params={**params, "owner_type": "callQueue"})
    assert none.json()["recordings"] == []


async def test_phone_recording_windows(api: httpx.AsyncClient, world: World) -> None:
    too_long = {"from": days_ago(world, 45), "to": today(world)}
    assert error(await api.get("/v2/phone/recordings", params=too_long)) == (400, 300)
    only_from = {"from": days_ago(world, 5)}
    assert error(await api.get("/v2/phone/recordings", params=only_from)) == (400, 300)
    default = await api.get("/v2/phone/recordings")
    limit = days_ago(world, 30)
    expected = {
        r.id for r in world.phone_recordings.values() if r.date_time.date().isoformat() >= limit
    }
    assert {r["id"] for r in default.json()["recordings"]} <= expected


async def test_user_phone_recordings(api: httpx.AsyncClient, world: World) -> None:
    recording = next(iter(world.phone_recordings.values()))
    owner = world.users[recording.owner_id]
    day = recording.date_time.date()
    params = {"from": (day - timedelta(days=1)).isoformat(), "to": day.isoformat()}
    answer = await api.get(f"/v2/phone/users/{owner.email}/recordings", params=params)
    assert answer.status_code == 200
    body = answer.json()
    assert {"from", "to", "page_count", "page_size", "total_records"} <= set(body)
    item = next(r for r in body["recordings"] if r["id"] == recording.id)
    entry = next(c for c in world.calls if c.recording_id == recording.id)
    assert item["call_history_id"] == entry.id
    assert item["call_id"] == entry.call_id
    assert not {"owner", "site", "end_time", "recording_type"} & set(item)
    assert all(world.phone_recordings[r["id"]].owner_id == owner.id for r in body["recordings"])
    unknown = await api.get("/v2/phone/users/nobody@example.edu/recordings")
    assert error(unknown) == (404, 1001)
    no_phone = next(u for u in world.users.values() if u.phone_extension is None)
    assert error(await api.get(f"/v2/phone/users/{no_phone.id}/recordings")) == (404, 1001)


async def test_phone_recording_download_is_mp3(api: httpx.AsyncClient, world: World) -> None:
    recording = next(iter(world.phone_recordings.values()))
    listed = await api.get(f"/v2/phone/recording/download/{recording.id}")
    assert listed.status_code == 200
    assert listed.headers["content-type"].startswith("audio/mpeg")
    data = listed.content
    assert len(data) == int(listed.headers["content-length"]) > 0
    with av.open(io.BytesIO(data), mode="r") as container:
        assert container.format.name == "mp3"
        stream = container.streams.audio[0]
        assert stream.codec_context.name.startswith("mp3")
        frames = len(list(container.decode(stream)))
    assert frames > 0
    part = await api.get(
        f"/v2/phone/recording/download/{recording.id}", headers={"Range": "bytes=0-99"}
    )
    assert part.status_code == 206
    assert part.content == data[:100]


async def test_phone_recording_download_errors(api: httpx.AsyncClient, world: World) -> None:
    missing = await api.get("/v2/phone/recording/download/does-not-exist")
    assert error(missing) == (400, 404)
    assert missing.json()["message"] == "File does not exist."
    recording = next(iter(world.phone_recordings.values()))
    recording.deleted = True
    assert error(await api.get(f"/v2/phone/recording/download/{recording.id}")) == (400, 404)
    anonymous = await api.get(
        f"/v2/phone/recording/download/{recording.id}", headers={"Authorization": ""}
    )
    assert error(anonymous) == (401, 124)


async def test_account_call_history(api: httpx.AsyncClient, world: World) -> None:
    params = {"from": days_ago(world, 30), "to": today(world)}
    answer = await api.get("/v2/phone/call_history", params=params)
    assert answer.status_code == 200
    body = answer.json()
    assert {"from", "to", "page_count", "page_size", "total_records", "next_page_token"} <= set(
        body
    )
    logs, history = body["call_logs"], body["call_history"]
    assert len(logs) == len(history) == body["total_records"] > 0
    assert [entry["id"] for entry in logs] == [entry["call_history_uuid"] for entry in history]
    calls = {c.id: c for c in world.calls}
    for entry in history:
        call = calls[entry["call_history_uuid"]]
        status = "recorded" if call.recording_id else "non_recorded"
        assert entry["recording_status"] == status
        assert entry["call_id"] == call.call_id
        assert isinstance(entry["duration"], int)
    statuses = {entry["recording_status"] for entry in history}
    assert statuses == {"recorded", "non_recorded"}
    unrecorded = await api.get(
        "/v2/phone/call_history", params={**params, "recording_status": "non_recorded"}
    )
    assert {e["recording_status"] for e in unrecorded.json()["call_history"]} == {"non_recorded"}
    paged = (await api.get("/v2/phone/call_history", params={**params, "page_size": 2})).json()
    assert len(paged["call_logs"]) == len(paged["call_history"]) == 2
    assert paged["next_page_token"]


async def test_call_history_default_window_is_a_day(api: httpx.AsyncClient, world: World) -> None:
    recording = record_phone_call(world, user=world.owner_id)
    body = (await api.get("/v2/phone/call_history")).json()
    recent = [c for c in world.calls if c.start_time >= world.now() - timedelta(hours=24)]
    assert {e["call_history_uuid"] for e in body["call_history"]} == {c.id for c in recent}
    assert any(e["call_id"] == recording.call_id for e in body["call_history"])
    too_long = {"from": days_ago(world, 40), "to": today(world)}
    assert error(await api.get("/v2/phone/call_history", params=too_long)) == (400, 300)


async def test_user_call_history(api: httpx.AsyncClient, world: World) -> None:
    user = world.users[world.calls[0].user_id]
    params = {"from": days_ago(world, 30), "to": today(world)}
    answer = await api.get(f"/v2/phone/users/{user.id}/call_history", params=params)
    assert answer.status_code == 200
    body = answer.json()
    assert "call_history" not in body
    logs, elements = body["call_logs"], body["call_elements"]
    mine = {
        c.id
        for c in world.calls
        if c.user_id == user.id and params["from"] <= c.start_time.date().isoformat()
    }
    assert {e["id"] for e in logs} == mine
    assert [e["call_history_uuid"] for e in elements] == [e["id"] for e in logs]
    for entry in logs:
        call = next(c for c in world.calls if c.id == entry["id"])
        assert entry.get("recording_id") == call.recording_id
        assert entry["event"] == ("outgoing" if call.direction == "outbound" else "incoming")
        assert "duration" not in entry
        assert "recording_status" not in entry
    missing = await api.get("/v2/phone/users/nobody@example.edu/call_history")
    assert error(missing) == (404, 300)
