"""Meetings and webinars on the emulator, over HTTP: create, recurrence, schedule_for, caps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from emulator_http import authorize, connect, error

from zoombridge.clock import ManualClock
from zoombridge.emulator.scenarios import build_world
from zoombridge.emulator.world import EmuUser, World

pytestmark = pytest.mark.anyio

# Zoom's texts, written out here (not imported) so the emulator is checked against them.
HOST_CAP_MESSAGE = (
    "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests "
    "permitted for this particular user. You may resume these requests at GMT 00:00:00."
)
SUMMARY_KEYS = {
    "uuid",
    "id",
    "host_id",
    "topic",
    "type",
    "start_time",
    "duration",
    "timezone",
    "agenda",
    "created_at",
    "join_url",
}


def person(world: World, handle: str) -> EmuUser:
    found = world.find_user(f"{handle}@example.edu")
    assert found is not None, handle
    return found


async def create(
    api: httpx.AsyncClient, user: str = "me", kind: str = "meetings", **body: Any
) -> dict[str, Any]:
    answer = await api.post(f"/v2/users/{user}/{kind}", json=body)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def starts(meeting: dict[str, Any]) -> list[str]:
    return [o["start_time"] for o in meeting["occurrences"]]


def epoch_ms(stamp: str) -> str:
    moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return str(int(moment.timestamp() * 1000))


def validation_field(response: httpx.Response) -> str:
    assert error(response) == (400, 300)
    field: str = response.json()["errors"][0]["field"]
    return field


# create with a timezone --------------------------------------------------------------------------
async def test_local_start_time_is_read_in_the_timezone_and_echoed_in_utc(
    api: httpx.AsyncClient, world: World
) -> None:
    owner = world.users[world.owner_id]
    summer = await create(
        api,
        topic="Budget review",
        type=2,
        start_time="2026-03-10T09:30:00",  # New York is on EDT (UTC-4) from 2026-03-08
        timezone="America/New_York",
        duration=45,
    )
    assert summer["start_time"] == "2026-03-10T13:30:00Z"
    assert summer["timezone"] == "America/New_York"
    assert (summer["type"], summer["duration"], summer["topic"]) == (2, 45, "Budget review")
    assert (summer["host_id"], summer["host_email"]) == (owner.id, owner.email)
    assert isinstance(summer["id"], int)
    assert summer["status"] == "waiting"
    assert summer["created_at"] == "2026-01-15T12:00:00Z"
    assert summer["join_url"].startswith(f"{world.web_base}/j/{summer['id']}?pwd=")
    assert "occurrences" not in summer
    winter = await create(
        api, start_time="2026-01-20T09:30:00", timezone="America/New_York", duration=30
    )
    assert winter["start_time"] == "2026-01-20T14:30:00Z"  # EST, UTC-5
    fetched = (await api.get(f"/v2/meetings/{summer['id']}")).json()
    assert (fetched["start_time"], fetched["timezone"]) == (
        "2026-03-10T13:30:00Z",
        "America/New_York",
    )


async def test_utc_start_time_is_kept_whatever_the_timezone(api: httpx.AsyncClient) -> None:
    tokyo = await create(api, start_time="2026-02-01T01:00:00Z", timezone="Asia/Tokyo")
    assert (tokyo["start_time"], tokyo["timezone"]) == ("2026-02-01T01:00:00Z", "Asia/Tokyo")


async def test_patch_reads_a_local_start_time_in_the_meeting_s_timezone(
    api: httpx.AsyncClient,
) -> None:
    meeting = await create(api, start_time="2026-02-01T15:00:00Z", timezone="Europe/Berlin")
    answer = await api.patch(
        f"/v2/meetings/{meeting['id']}", json={"start_time": "2026-07-01T08:00:00"}
    )
    assert answer.status_code == 204
    assert answer.content == b""
    fetched = (await api.get(f"/v2/meetings/{meeting['id']}")).json()
    assert fetched["start_time"] == "2026-07-01T06:00:00Z"  # CEST, UTC+2


async def test_invalid_create_fields_are_refused_and_nothing_is_created(
    api: httpx.AsyncClient, world: World
) -> None:
    before = len(world.meetings)
    refusals = {
        "timezone": {"timezone": "Mars/Olympus_Mons"},
        "start_time": {"start_time": "next tuesday"},
        "duration": {"duration": 1441},
        "type": {"type": 5},  # a webinar type on the meetings endpoint
        "password": {"password": "far-too-long-passcode"},
    }
    for field, body in refusals.items():
        assert validation_field(await api.post("/v2/users/me/meetings", json=body)) == field
    not_json = await api.post("/v2/users/me/meetings", content=b"[1, 2]")
    assert error(not_json) == (400, 300)
    assert len(world.meetings) == before


# recurrence --------------------------------------------------------------------------------------
async def test_daily_recurrence_every_other_day(api: httpx.AsyncClient) -> None:
    recurrence = {"type": 1, "repeat_interval": 2, "end_times": 4}
    meeting = await create(
        api,
        type=8,
        start_time="2026-02-02T10:00:00Z",
        timezone="UTC",
        duration=30,
        recurrence=recurrence,
    )
    assert meeting["type"] == 8
    assert meeting["recurrence"] == recurrence
    assert starts(meeting) == [
        "2026-02-02T10:00:00Z",
        "2026-02-04T10:00:00Z",
        "2026-02-06T10:00:00Z",
        "2026-02-08T10:00:00Z",
    ]
    for occurrence in meeting["occurrences"]:
        assert occurrence["occurrence_id"] == epoch_ms(occurrence["start_time"])
        assert occurrence["duration"] == 30
        assert occurrence["status"] == "available"
    fetched = (await api.get(f"/v2/meetings/{meeting['id']}")).json()
    assert fetched["occurrences"] == meeting["occurrences"]


async def test_daily_recurrence_until_an_end_date(api: httpx.AsyncClient) -> None:
    meeting = await create(
        api,
        type=8,
        start_time="2026-02-02T10:00:00Z",
        timezone="UTC",
        recurrence={"type": 1, "end_date_time": "2026-02-05T23:59:00Z"},
    )
    assert starts(meeting) == [f"2026-02-0{day}T10:00:00Z" for day in (2, 3, 4, 5)]


async def test_weekly_recurrence_on_chosen_days(api: httpx.AsyncClient) -> None:
    # 2026-02-02 is a Monday; Zoom numbers days 1 (Sunday) .. 7 (Saturday)
    every_week = await create(
        api,
        type=8,
        start_time="2026-02-02T10:00:00Z",
        timezone="UTC",
        recurrence={"type": 2, "weekly_days": "2,4", "end_times": 5},
    )
    assert starts(every_week) == [
        "2026-02-02T10:00:00Z",
        "2026-02-04T10:00:00Z",
        "2026-02-09T10:00:00Z",
        "2026-02-11T10:00:00Z",
        "2026-02-16T10:00:00Z",
    ]
    fortnightly = await create(
        api,
        type=8,
        start_time="2026-02-02T10:00:00Z",
        timezone="UTC",
        recurrence={"type": 2, "weekly_days": "2,4", "repeat_interval": 2, "end_times": 5},
    )
    assert starts(fortnightly) == [
        "2026-02-02T10:00:00Z",
        "2026-02-04T10:00:00Z",
        "2026-02-16T10:00:00Z",
        "2026-02-18T10:00:00Z",
        "2026-03-02T10:00:00Z",
    ]
    sundays = await create(
        api,
        type=8,
        start_time="2026-02-02T10:00:00Z",  # a Monday, but the series runs on Sundays
        timezone="UTC",
        recurrence={"type": 2, "weekly_days": "1", "end_times": 3},
    )
    assert starts(sundays) == [
        "2026-02-08T10:00:00Z",
        "2026-02-15T10:00:00Z",
        "2026-02-22T10:00:00Z",
    ]


async def test_monthly_recurrence_on_a_day_of_the_month(api: httpx.AsyncClient) -> None:
    monthly = await create(
        api,
        type=8,
        start_time="2026-01-15T16:00:00Z",
        timezone="UTC",
        recurrence={"type": 3, "monthly_day": 15, "end_times": 3},
    )
    assert starts(monthly) == [
        "2026-01-15T16:00:00Z",
        "2026-02-15T16:00:00Z",
        "2026-03-15T16:00:00Z",
    ]
    every_other = await create(
        api,
        type=8,
        start_time="2026-01-15T16:00:00Z",
        timezone="UTC",
        recurrence={"type": 3, "monthly_day": 15, "repeat_interval": 2, "end_times": 3},
    )
    assert starts(every_other) == [
        "2026-01-15T16:00:00Z",
        "2026-03-15T16:00:00Z",
        "2026-05-15T16:00:00Z",
    ]


async def test_bad_recurrences_are_refused(api: httpx.AsyncClient, world: World) -> None:
    before = len(world.meetings)
    start = {"type": 8, "start_time": "2026-02-02T10:00:00Z"}
    bodies: list[dict[str, Any]] = [
        start,  # type 8 needs a recurrence
        {**start, "recurrence": {"type": 4}},
        {**start, "recurrence": {"type": 1, "repeat_interval": 100}},  # daily: at most 99
        {**start, "recurrence": {"type": 2, "repeat_interval": 51}},  # weekly: at most 50
        {**start, "recurrence": {"type": 3, "repeat_interval": 11}},  # monthly: at most 10
        {**start, "recurrence": {"type": 1, "end_times": 61}},
        {
            **start,
            "recurrence": {"type": 1, "end_times": 3, "end_date_time": "2026-03-01T00:00:00Z"},
        },
    ]
    for body in bodies:
        answer = await api.post("/v2/users/me/meetings", json=body)
        assert validation_field(answer) == "recurrence", body
    assert len(world.meetings) == before


async def test_weekly_days_are_days_in_the_meeting_s_timezone(api: httpx.AsyncClient) -> None:
    # Mondays 20:00 in Los Angeles are Tuesdays 04:00 UTC.
    meeting = await create(
        api,
        type=8,
        start_time="2026-02-02T20:00:00",
        timezone="America/Los_Angeles",
        recurrence={"type": 2, "weekly_days": "2", "end_times": 3},
    )
    assert meeting["start_time"] == "2026-02-03T04:00:00Z"
    assert starts(meeting) == [
        "2026-02-03T04:00:00Z",
        "2026-02-10T04:00:00Z",
        "2026-02-17T04:00:00Z",
    ]


async def test_a_daily_series_keeps_its_local_time_across_daylight_saving(
    api: httpx.AsyncClient,
) -> None:
    # 09:00 New York: EST (14:00Z) until 2026-03-08, EDT (13:00Z) from then on.
    meeting = await create(
        api,
        type=8,
        start_time="2026-03-06T09:00:00",
        timezone="America/New_York",
        recurrence={"type": 1, "end_times": 4},
    )
    assert starts(meeting) == [
        "2026-03-06T14:00:00Z",
        "2026-03-07T14:00:00Z",
        "2026-03-08T13:00:00Z",
        "2026-03-09T13:00:00Z",
    ]


async def test_monthly_recurrence_on_the_last_thursday(api: httpx.AsyncClient) -> None:
    meeting = await create(
        api,
        type=8,
        start_time="2026-01-29T16:00:00Z",  # the last Thursday of January 2026
        timezone="UTC",
        recurrence={"type": 3, "monthly_week": -1, "monthly_week_day": 5, "end_times": 3},
    )
    assert starts(meeting) == [
        "2026-01-29T16:00:00Z",
        "2026-02-26T16:00:00Z",
        "2026-03-26T16:00:00Z",
    ]


async def test_recurring_meeting_with_no_fixed_time(
    api: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    meeting = await create(api, type=3, topic="Office hours, any time")
    assert meeting["type"] == 3
    assert "occurrences" not in meeting
    assert "recurrence" not in meeting
    fetched = (await api.get(f"/v2/meetings/{meeting['id']}")).json()
    assert fetched["type"] == 3
    assert "occurrences" not in fetched
    clock.advance(400 * 86400)  # no end: still upcoming a year later
    await authorize(api)
    upcoming = await api.get("/v2/users/me/meetings", params={"type": "upcoming", "page_size": 300})
    assert meeting["id"] in {m["id"] for m in upcoming.json()["meetings"]}
    previous = await api.get(
        "/v2/users/me/meetings", params={"type": "previous_meetings", "page_size": 300}
    )
    assert meeting["id"] not in {m["id"] for m in previous.json()["meetings"]}


# webinars ----------------------------------------------------------------------------------------
async def test_webinar_needs_the_webinar_add_on(api: httpx.AsyncClient, world: World) -> None:
    alan = person(world, "alan")
    assert not alan.webinar
    before = len(world.meetings)
    refused = await api.post(f"/v2/users/{alan.id}/webinars", json={"topic": "Launch"})
    assert error(refused) == (400, 200)
    assert refused.json()["message"] == (
        "Webinar plan is missing. You must subscribe to the webinar plan and enable webinar "
        f"for this user: {alan.id}."
    )
    by_email = await api.post(f"/v2/users/{alan.email}/webinars", json={"topic": "Launch"})
    assert error(by_email) == (400, 200)
    assert len(world.meetings) == before

    owner = world.users[world.owner_id]
    assert owner.webinar
    webinar = await create(
        api, kind="webinars", topic="Launch", start_time="2026-02-10T17:00:00Z", duration=90
    )
    assert webinar["type"] == 5
    assert webinar["host_id"] == owner.id
    assert webinar["join_url"].startswith(f"{world.web_base}/w/{webinar['id']}?pwd=")
    assert "status" not in webinar  # meetings only
    assert webinar["settings"]["panelists_video"] is True
    got = await api.get(f"/v2/webinars/{webinar['id']}")
    assert got.status_code == 200
    assert got.json()["topic"] == "Launch"
    as_meeting = await api.get(f"/v2/meetings/{webinar['id']}")
    assert error(as_meeting) == (404, 3001)


async def test_webinar_scheduled_for_someone_needs_their_add_on(
    api: httpx.AsyncClient, world: World
) -> None:
    alan, grace = person(world, "alan"), person(world, "grace")
    refused = await api.post("/v2/users/me/webinars", json={"schedule_for": alan.email})
    assert error(refused) == (400, 200)
    assert alan.id in refused.json()["message"]
    webinar = await create(api, kind="webinars", schedule_for=grace.email)
    assert webinar["host_id"] == grace.id


# schedule_for ------------------------------------------------------------------------------------
async def test_an_admin_schedules_for_another_user(api: httpx.AsyncClient, world: World) -> None:
    katherine = person(world, "katherine")
    meeting = await create(api, topic="For Katherine", schedule_for=katherine.email)
    assert (meeting["host_id"], meeting["host_email"]) == (katherine.id, katherine.email)
    hers = await api.get(f"/v2/users/{katherine.id}/meetings", params={"page_size": 300})
    assert meeting["id"] in {m["id"] for m in hers.json()["meetings"]}
    mine = await api.get("/v2/users/me/meetings", params={"page_size": 300})
    assert meeting["id"] not in {m["id"] for m in mine.json()["meetings"]}
    by_id = await create(api, schedule_for=katherine.id)
    assert by_id["host_id"] == katherine.id


async def test_a_member_schedules_for_another_only_as_their_assistant(
    api: httpx.AsyncClient, world: World
) -> None:
    alan, katherine = person(world, "alan"), person(world, "katherine")
    assert alan.role_id == "2"
    path = f"/v2/users/{alan.id}/meetings"
    refused = await api.post(path, json={"schedule_for": katherine.email})
    assert error(refused) == (400, 3000)
    assert refused.json()["message"] == f"You cannot schedule a meeting for {katherine.email}"
    granted = await api.post(
        f"/v2/users/{katherine.id}/assistants", json={"assistants": [{"email": alan.email}]}
    )
    assert granted.status_code == 201
    meeting = await create(api, user=alan.id, schedule_for=katherine.email)
    assert meeting["host_id"] == katherine.id
    own = await create(api, user=alan.id, schedule_for=alan.email)  # oneself is always fine
    assert own["host_id"] == alan.id


async def test_schedule_for_an_unknown_or_inactive_user(
    api: httpx.AsyncClient, world: World
) -> None:
    unknown = await api.post("/v2/users/me/meetings", json={"schedule_for": "nobody@example.edu"})
    assert error(unknown) == (400, 300)
    assert unknown.json()["message"] == (
        "The value that you entered in the schedule_for field is invalid."
    )
    donald = person(world, "donald")
    assert donald.status == "inactive"
    inactive = await api.post("/v2/users/me/meetings", json={"schedule_for": donald.email})
    assert error(inactive) == (400, 3161)


async def test_instant_meetings_refuse_schedule_for(api: httpx.AsyncClient, world: World) -> None:
    katherine = person(world, "katherine")
    answer = await api.post(
        "/v2/users/me/meetings", json={"type": 1, "schedule_for": katherine.email}
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == 3000
    assert "Instant meetings" in answer.json()["message"]


async def test_patch_schedule_for_transfers_the_host_and_keeps_id_and_join_url(
    api: httpx.AsyncClient, world: World
) -> None:
    katherine = person(world, "katherine")
    meeting = await create(api, topic="Hand-over", start_time="2026-02-03T15:00:00Z")
    answer = await api.patch(
        f"/v2/meetings/{meeting['id']}",
        json={"schedule_for": katherine.email, "topic": "Handed over"},
    )
    assert answer.status_code == 204
    after = (await api.get(f"/v2/meetings/{meeting['id']}")).json()
    assert (after["id"], after["uuid"]) == (meeting["id"], meeting["uuid"])
    assert after["join_url"] == meeting["join_url"]
    assert after["password"] == meeting["password"]
    assert (after["host_id"], after["host_email"]) == (katherine.id, katherine.email)
    assert after["topic"] == "Handed over"
    assert after["start_time"] == meeting["start_time"]
    hers = await api.get(f"/v2/users/{katherine.id}/meetings", params={"page_size": 300})
    assert meeting["id"] in {m["id"] for m in hers.json()["meetings"]}
    event, body = world.events[-1]
    assert event == "meeting.updated"
    assert body["payload"]["object"]["id"] == meeting["id"]


async def test_patch_schedule_for_an_inactive_user_is_refused(
    api: httpx.AsyncClient, world: World
) -> None:
    meeting = await create(api)
    donald = person(world, "donald")
    answer = await api.patch(f"/v2/meetings/{meeting['id']}", json={"schedule_for": donald.id})
    assert error(answer) == (400, 3161)
    assert world.meetings[meeting["id"]].host_id == world.owner_id


async def test_a_refused_patch_changes_nothing(api: httpx.AsyncClient, world: World) -> None:
    katherine = person(world, "katherine")
    meeting = await create(api, duration=30)
    answer = await api.patch(
        f"/v2/meetings/{meeting['id']}",
        json={"schedule_for": katherine.email, "duration": 5000},
    )
    assert validation_field(answer) == "duration"
    after = (await api.get(f"/v2/meetings/{meeting['id']}")).json()
    assert (after["host_id"], after["duration"]) == (world.owner_id, 30)


# unknown meetings --------------------------------------------------------------------------------
async def test_unknown_meeting_is_404_3001_for_every_method(api: httpx.AsyncClient) -> None:
    path = "/v2/meetings/12345678901"
    answers = [
        await api.get(path),
        await api.patch(path, json={"topic": "x"}),
        await api.delete(path),
        await api.put(f"{path}/status", json={"action": "end"}),
    ]
    for answer in answers:
        assert error(answer) == (404, 3001)
        assert answer.json()["message"] == "Meeting does not exist: 12345678901."
    words = await api.get("/v2/meetings/not-a-number")
    assert error(words) == (404, 3001)
    assert words.json()["message"] == "Meeting does not exist: not-a-number."
    webinar = await api.get("/v2/webinars/12345678901")
    assert error(webinar) == (404, 3001)
    assert webinar.json()["message"] == "Webinar does not exist: 12345678901."


async def test_a_deleted_meeting_is_gone(api: httpx.AsyncClient, world: World) -> None:
    meeting = await create(api)
    path = f"/v2/meetings/{meeting['id']}"
    deleted = await api.delete(path)
    assert deleted.status_code == 204
    assert world.events[-1][0] == "meeting.deleted"
    assert error(await api.get(path)) == (404, 3001)
    assert error(await api.patch(path, json={"topic": "x"})) == (404, 3001)
    assert error(await api.delete(path)) == (404, 3001)
    listed = await api.get("/v2/users/me/meetings", params={"page_size": 300})
    assert meeting["id"] not in {m["id"] for m in listed.json()["meetings"]}


# the per-host daily create/update cap ------------------------------------------------------------
async def test_meeting_writes_count_against_the_host_and_reads_do_not(
    api: httpx.AsyncClient, world: World
) -> None:
    owner = world.owner_id
    assert world.limiter.host_count(owner) == 0
    first = await create(api)
    await create(api, kind="webinars")
    assert world.limiter.host_count(owner) == 2
    assert (await api.patch(f"/v2/meetings/{first['id']}", json={"topic": "t"})).status_code == 204
    assert world.limiter.host_count(owner) == 3
    await api.get(f"/v2/meetings/{first['id']}")
    await api.get("/v2/users/me/meetings")
    await api.delete(f"/v2/meetings/{first['id']}")
    assert world.limiter.host_count(owner) == 3


async def test_the_101st_create_of_a_host_in_a_day_is_429(
    api: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    owner = world.users[world.owner_id]
    kept = await create(api)
    world.limiter.record_host_writes(owner.id, 99)
    hundredth = await api.post("/v2/users/me/meetings", json={"topic": "100th"})
    assert hundredth.status_code == 201
    count = len(world.meetings)

    refused = await api.post("/v2/users/me/meetings", json={"topic": "101st"})
    assert refused.status_code == 429
    assert refused.json() == {"code": 429, "message": HOST_CAP_MESSAGE}
    assert refused.headers["X-RateLimit-Category"] == "Light"
    assert "Retry-After" not in refused.headers  # as observed on Zoom
    assert "X-RateLimit-Type" not in refused.headers
    assert len(world.meetings) == count

    by_email = await api.post(f"/v2/users/{owner.email}/meetings", json={})
    assert by_email.status_code == 429
    update = await api.patch(f"/v2/meetings/{kept['id']}", json={"topic": "late edit"})
    assert update.status_code == 429
    assert update.json()["message"] == HOST_CAP_MESSAGE
    assert world.meetings[kept["id"]].topic != "late edit"
    webinar = await api.post("/v2/users/me/webinars", json={})
    assert webinar.status_code == 429  # webinars share the host's 100
    assert (await api.get(f"/v2/meetings/{kept['id']}")).status_code == 200

    other = await api.post(f"/v2/users/{person(world, 'katherine').id}/meetings", json={})
    assert other.status_code == 201

    midnight = datetime(2026, 1, 16, tzinfo=UTC)
    clock.advance((midnight - clock.now()).total_seconds() + 1)  # 00:00:01 UTC: a new day
    await authorize(api)
    assert (await api.post("/v2/users/me/meetings", json={})).status_code == 201


# listing -----------------------------------------------------------------------------------------
async def test_list_upcoming_previous_and_scheduled(clock: ManualClock) -> None:
    world = build_world("empty", seed=1, clock=clock)
    owner = world.users[world.owner_id]
    seeded = {m.id for m in world.meetings.values() if m.host_id == owner.id}
    assert len(seeded) == 1  # the scenario's one upcoming meeting
    now = clock.now()

    def at(delta: timedelta) -> str:
        return (now + delta).strftime("%Y-%m-%dT%H:%M:%SZ")

    async with connect(world) as api:
        soon = await create(api, start_time=at(timedelta(hours=1)), duration=30)
        later = await create(api, start_time=at(timedelta(days=3)), duration=30)
        no_time = await create(api, type=3)
        series = await create(
            api,
            type=8,
            start_time=at(timedelta(minutes=30)),
            duration=30,
            recurrence={"type": 1, "end_times": 3},
        )
        gone = await create(api, start_time=at(timedelta(days=2)))
        assert (await api.delete(f"/v2/meetings/{gone['id']}")).status_code == 204
        await create(api, kind="webinars", start_time=at(timedelta(days=4)))

        clock.advance(2 * 3600)  # `soon` is over; the series' first occurrence too, not the rest
        await authorize(api)
        upcoming = await api.get("/v2/users/me/meetings", params={"type": "upcoming"})
        assert upcoming.status_code == 200
        body = upcoming.json()
        expected = seeded | {later["id"], no_time["id"], series["id"]}
        assert {m["id"] for m in body["meetings"]} == expected
        assert body["total_records"] == len(expected)
        assert (body["page_number"], body["page_size"], body["next_page_token"]) == (1, 30, "")
        assert all(set(m) == SUMMARY_KEYS for m in body["meetings"])
        stamps = [m["start_time"] for m in body["meetings"]]
        assert stamps == sorted(stamps)
        alias = await api.get("/v2/users/me/meetings", params={"type": "upcoming_meetings"})
        assert {m["id"] for m in alias.json()["meetings"]} == expected

        previous = await api.get("/v2/users/me/meetings", params={"type": "previous_meetings"})
        assert [m["id"] for m in previous.json()["meetings"]] == [soon["id"]]
        everything = await api.get("/v2/users/me/meetings")
        assert {m["id"] for m in everything.json()["meetings"]} == expected | {soon["id"]}
        webinars = await api.get("/v2/users/me/webinars")
        assert len(webinars.json()["webinars"]) == 1
        assert "meetings" not in webinars.json()
        bad = await api.get("/v2/users/me/meetings", params={"type": "tomorrow"})
        assert error(bad) == (400, 300)
        nobody = await api.get("/v2/users/nobody@example.edu/meetings")
        assert error(nobody) == (404, 1001)


# status ------------------------------------------------------------------------------------------
async def test_ending_a_live_meeting(api: httpx.AsyncClient, world: World) -> None:
    meeting = await create(api)
    path = f"/v2/meetings/{meeting['id']}"
    world.meetings[meeting["id"]].status = "started"  # the host started it in the client
    assert (await api.get(path)).json()["status"] == "started"
    live = await api.get("/v2/users/me/meetings", params={"type": "live"})
    assert [m["id"] for m in live.json()["meetings"]] == [meeting["id"]]

    ended = await api.put(f"{path}/status", json={"action": "end"})
    assert ended.status_code == 204
    assert ended.content == b""
    assert (await api.get(path)).json()["status"] == "waiting"
    live = await api.get("/v2/users/me/meetings", params={"type": "live"})
    assert live.json()["meetings"] == []
    bad = await api.put(f"{path}/status", json={"action": "pause"})
    assert error(bad) == (400, 300)
    empty = await api.put(f"{path}/status", json={})
    assert error(empty) == (400, 300)


async def test_recovering_a_deleted_meeting(api: httpx.AsyncClient) -> None:
    meeting = await create(api, topic="Oops")
    path = f"/v2/meetings/{meeting['id']}"
    assert (await api.delete(path)).status_code == 204
    assert error(await api.get(path)) == (404, 3001)
    recovered = await api.put(f"{path}/status", json={"action": "recover"})
    assert recovered.status_code == 204
    back = await api.get(path)
    assert back.status_code == 200
    assert (back.json()["id"], back.json()["topic"]) == (meeting["id"], "Oops")
