"""The client against the emulator: errors, retries, pacing, paging, UUIDs, downloads."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from zoombridge.clock import ManualClock
from zoombridge.emulator import EmulatorTransport, World
from zoombridge.errors import (
    DailyLimitReached,
    HostDailyLimitReached,
    InvalidInput,
    NotMediaError,
    RateLimited,
    TransportError,
    ZoomNotFound,
    ZoomRequestError,
    ZoomServerError,
)
from zoombridge.testing import make_zoom_client
from zoombridge.zoom import RecordingFile, ZoomClient, meetings, recordings, reports, users
from zoombridge.zoom.ratelimit import Category

pytestmark = pytest.mark.anyio


async def _first_recorded(zoom: ZoomClient, world: World) -> recordings.RecordingMeeting:
    today = world.now().date()
    for user in world.users.values():
        async for meeting in recordings.iter_user_recordings(
            zoom, user.id, today - timedelta(days=95), today
        ):
            return meeting
    raise AssertionError("the scenario has no recordings")


async def _first_file(zoom: ZoomClient, world: World, file_type: str) -> RecordingFile:
    meeting = await _first_recorded(zoom, world)
    return next(f for f in meeting.recording_files if f.file_type == file_type)


async def test_every_user_status_is_listed(zoom_client: ZoomClient, zoom_world: World) -> None:
    listed = [u async for u in users.iter_all_users(zoom_client)]
    assert {u.status for u in listed} == {"active", "inactive", "pending"}
    assert len(listed) == len([u for u in zoom_world.users.values() if not u.deleted])


async def test_a_deleted_user_is_not_found_and_skippable(
    zoom_client: ZoomClient, zoom_world: World
) -> None:
    victim = next(
        u for u in zoom_world.users.values() if u.status == "active" and u.id != zoom_world.owner_id
    )
    victim.deleted = True
    with pytest.raises(ZoomNotFound) as caught:
        await users.get_user(zoom_client, victim.id)
    assert caught.value.code == 1001
    assert "not on this Zoom account" in str(caught.value)


async def test_server_errors_are_retried(zoom_client: ZoomClient, zoom_world: World) -> None:
    zoom_world.faults.server_errors = 3  # 500 JSON and 502/503/504 HTML pages
    assert (await users.get_user(zoom_client, "me")).id == zoom_world.owner_id
    assert zoom_world.faults.server_errors == 0


async def test_server_errors_give_up_after_the_attempt_budget(
    zoom_client: ZoomClient, zoom_world: World
) -> None:
    zoom_world.faults.server_errors = 50
    with pytest.raises(ZoomServerError):
        await users.get_user(zoom_client, "me")


async def test_a_create_is_not_repeated_after_a_5xx(
    zoom_client: ZoomClient, zoom_world: World
) -> None:
    zoom_world.faults.server_errors = 1
    with pytest.raises(ZoomServerError):
        await meetings.create_meeting(zoom_client, "me", {"topic": "Once only"})
    assert not [m for m in zoom_world.meetings.values() if m.topic == "Once only"]


async def test_a_429_storm_is_waited_out(zoom_client: ZoomClient, zoom_world: World) -> None:
    zoom_world.faults.rate_limit_storm = 3
    assert (await users.get_user(zoom_client, "me")).id == zoom_world.owner_id


async def test_an_endless_429_storm_surfaces_as_rate_limited(
    zoom_client: ZoomClient, zoom_world: World
) -> None:
    zoom_world.faults.rate_limit_storm = 100
    with pytest.raises(RateLimited):
        await users.get_user(zoom_client, "me")


async def test_pacing_keeps_a_burst_of_medium_calls_free_of_429s(
    zoom_world: World, zoom_transport: EmulatorTransport, zoom_clock: ManualClock
) -> None:
    zoom_world.plan = "pro"
    async with make_zoom_client(zoom_world, zoom_transport, plan="pro", max_attempts=1) as zoom:
        start = zoom_clock.monotonic()
        for _ in range(120):
            await users.get_user_settings(zoom, "me")  # MEDIUM: Pro allows 20/s
        elapsed = zoom_clock.monotonic() - start
    assert 119 / elapsed >= 18  # at least 90% of Zoom's rate, and (max_attempts=1) no 429


async def test_daily_quota_429_pauses_heavy_calls_until_midnight(
    zoom_client: ZoomClient, zoom_world: World
) -> None:
    zoom_world.faults.daily_limit_exhausted = True
    today = zoom_world.now().date()
    with pytest.raises(DailyLimitReached) as caught:
        async for _ in reports.iter_report_meetings(
            zoom_client, "me", today - timedelta(days=5), today
        ):
            pass
    midnight = datetime.combine(today + timedelta(days=1), datetime.min.time(), UTC)
    assert caught.value.resume_at == midnight
    calls_before = len(zoom_world.events)
    with pytest.raises(DailyLimitReached, match="pauses them until"):
        async for _ in reports.iter_report_meetings(
            zoom_client, "me", today - timedelta(days=5), today
        ):
            pass
    assert zoom_client.budget.paused_until(Category.RESOURCE_INTENSIVE) == midnight
    assert len(zoom_world.events) == calls_before


async def test_host_cap_is_enforced_by_zoom_and_foreseen_by_the_client(
    zoom_world: World, zoom_transport: EmulatorTransport
) -> None:
    host = zoom_world.users[zoom_world.owner_id]
    zoom_world.limiter.record_host_writes(host.id, 100)
    async with make_zoom_client(zoom_world, zoom_transport) as zoom:
        with pytest.raises(HostDailyLimitReached, match="00:00"):
            await meetings.create_meeting(zoom, host.id, {"topic": "One too many"})
        with pytest.raises(HostDailyLimitReached):  # now known locally: not even sent
            await meetings.create_meeting(zoom, host.id, {"topic": "Still too many"})


async def test_a_bad_meeting_body_is_refused_before_it_is_sent(
    zoom_client: ZoomClient, zoom_world: World
) -> None:
    before = len(zoom_world.meetings)
    with pytest.raises(InvalidInput, match="topic"):
        await meetings.create_meeting(zoom_client, "me", {"topic": "x" * 201})
    assert len(zoom_world.meetings) == before


async def test_zoom_validation_errors_name_the_field(zoom_client: ZoomClient) -> None:
    with pytest.raises(ZoomRequestError, match="password"):
        await meetings.create_meeting(
            zoom_client, "me", {"topic": "ok", "settings": {}, "password": "has space!"}
        )


async def test_listing_pages_past_300_with_expiring_tokens(
    zoom_world: World, zoom_transport: EmulatorTransport
) -> None:
    many = zoom_world  # the small scenario, enlarged with 650 extra users
    from zoombridge.emulator.world import EmuUser

    for number in range(650):
        user = EmuUser(many.new_user_id(), f"bulk{number:03d}@example.edu", "Bulk", str(number))
        many.users[user.id] = user
    many.faults.expire_page_tokens = 1
    async with make_zoom_client(many, zoom_transport) as zoom:
        listed = [u.email async for u in users.list_users(zoom, "active")]
    active = [u.email for u in many.users.values() if u.status == "active"]
    assert sorted(listed) == sorted(active)
    assert len(listed) == len(set(listed))


async def test_double_encoded_uuids_reach_the_right_instance(
    zoom_client: ZoomClient, zoom_world: World
) -> None:
    awkward = [i for i in zoom_world.instances.values() if i.uuid.startswith("/") or "//" in i.uuid]
    assert awkward, "the scenario must contain UUIDs that need double encoding"
    for instance in awkward:
        meeting = await recordings.get_meeting_recordings(zoom_client, instance.uuid)
        assert meeting.uuid == instance.uuid


async def test_single_encoding_a_slashed_uuid_fails_like_zoom(
    zoom_world: World, zoom_client: ZoomClient
) -> None:
    instance = next(i for i in zoom_world.instances.values() if i.uuid.startswith("/"))
    once = instance.uuid.replace("/", "%2F").replace("=", "%3D").replace("+", "%2B")
    with pytest.raises(ZoomNotFound):
        await zoom_client.request("GET", f"/meetings/{once}/recordings", category=Category.LIGHT)


async def test_download_follows_the_redirect_and_matches_the_announced_size(
    zoom_client: ZoomClient, zoom_world: World
) -> None:
    video = await _first_file(zoom_client, zoom_world, "MP4")
    digest = hashlib.sha256()
    async with zoom_client.download(video.download_url or "", expected_extension="MP4") as stream:
        async for chunk in stream.iter_bytes():
            digest.update(chunk)
    assert stream.received == video.file_size
    _, emu_file = zoom_world.files_by_token[(video.download_url or "").rsplit("/", 1)[1]]
    assert digest.hexdigest() == hashlib.sha256(b"".join(emu_file.body().iter_range())).hexdigest()


async def test_an_html_page_instead_of_media_is_refused(
    zoom_client: ZoomClient, zoom_world: World
) -> None:
    video = await _first_file(zoom_client, zoom_world, "MP4")
    zoom_world.faults.html_downloads = 2  # the token refresh-and-retry gets HTML again
    with pytest.raises(NotMediaError, match="HTML page"):
        async with zoom_client.download(video.download_url or "", expected_extension="MP4"):
            pytest.fail("no bytes may be handed out")


async def test_an_expired_token_on_download_is_refreshed_once(
    zoom_client: ZoomClient, zoom_world: World
) -> None:
    video = await _first_file(zoom_client, zoom_world, "M4A")
    zoom_world.tokens.expire_all_access()
    async with zoom_client.download(video.download_url or "", expected_extension="M4A") as stream:
        data = b"".join([c async for c in stream.iter_bytes()])
    assert len(data) == video.file_size


async def test_a_download_token_from_recording_get_works_alone(
    zoom_client: ZoomClient, zoom_world: World
) -> None:
    listed = await _first_recorded(zoom_client, zoom_world)
    meeting = await recordings.get_meeting_recordings(
        zoom_client, listed.uuid, with_download_token=True, ttl_seconds=600
    )
    assert meeting.download_access_token
    file = meeting.recording_files[0]
    async with zoom_client.download(
        file.download_url or "",
        bearer=meeting.download_access_token,
        expected_extension=file.file_extension,
    ) as stream:
        assert len(b"".join([c async for c in stream.iter_bytes()])) == file.file_size


async def test_a_truncated_download_is_detected_and_resumed_with_range(
    zoom_client: ZoomClient, zoom_world: World
) -> None:
    video = await _first_file(zoom_client, zoom_world, "MP4")
    zoom_world.faults.truncate_downloads = 1
    received = bytearray()

    async def read_until_broken() -> None:
        async with zoom_client.download(
            video.download_url or "", expected_extension="MP4"
        ) as stream:
            async for chunk in stream.iter_bytes():
                received.extend(chunk)

    with pytest.raises(TransportError, match="can be resumed"):
        await read_until_broken()
    assert 0 < len(received) < (video.file_size or 0)
    async with zoom_client.download(
        video.download_url or "", offset=len(received), expected_extension="MP4"
    ) as rest:
        assert rest.resumed
        assert rest.start == len(received)
        assert rest.total_size == video.file_size
        received.extend(b"".join([c async for c in rest.iter_bytes()]))
    assert len(received) == video.file_size


async def test_processing_files_are_marked_and_complete_later(
    zoom_client: ZoomClient, zoom_world: World, zoom_clock: ManualClock
) -> None:
    instance = None
    for candidate in zoom_world.instances.values():
        if any(f.status == "processing" for f in candidate.files):
            instance = candidate
    assert instance is not None, "the scenario must have a late file"
    meeting = await recordings.get_meeting_recordings(zoom_client, instance.uuid)
    late = [f for f in meeting.recording_files if not f.completed]
    assert late
    assert all(f.file_size == 0 for f in late)
    zoom_clock.advance(15 * 60)
    meeting = await recordings.get_meeting_recordings(zoom_client, instance.uuid)
    assert all(f.completed for f in meeting.recording_files)
    assert any(name == "recording.transcript_completed" for name, _ in zoom_world.events)


async def test_trash_then_recover(zoom_client: ZoomClient, zoom_world: World) -> None:
    meeting = await _first_recorded(zoom_client, zoom_world)
    await recordings.delete_meeting_recordings(zoom_client, meeting.uuid)
    with pytest.raises(ZoomNotFound) as caught:
        await recordings.get_meeting_recordings(zoom_client, meeting.uuid)
    assert caught.value.code == 3301
    trashed = [m.uuid async for m in recordings.list_trash(zoom_client, meeting.host_id or "me")]
    assert meeting.uuid in trashed
    await recordings.recover_meeting_recordings(zoom_client, meeting.uuid)
    assert (await recordings.get_meeting_recordings(zoom_client, meeting.uuid)).uuid == meeting.uuid


async def test_trash_is_emptied_after_30_days(
    zoom_client: ZoomClient, zoom_world: World, zoom_clock: ManualClock
) -> None:
    meeting = await _first_recorded(zoom_client, zoom_world)
    await recordings.delete_meeting_recordings(zoom_client, meeting.uuid)
    zoom_clock.advance(31 * 86400)
    with pytest.raises(ZoomNotFound):
        await recordings.recover_meeting_recordings(zoom_client, meeting.uuid)


async def test_windows_longer_than_a_month_are_refused_by_zoom(zoom_client: ZoomClient) -> None:
    with pytest.raises(ZoomRequestError, match="one month"):
        async for _ in recordings.list_user_recordings(
            zoom_client, "me", date(2026, 1, 1), date(2026, 3, 1)
        ):
            pass


async def test_timeouts_are_always_set(zoom_client: ZoomClient) -> None:
    timeout = zoom_client.http.timeout
    assert None not in (timeout.connect, timeout.read, timeout.write, timeout.pool)


async def test_tokens_never_travel_in_urls(zoom_world: World, zoom_app: object) -> None:
    urls: list[httpx.URL] = []

    class Spy(EmulatorTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            urls.append(request.url)
            return await super().handle_async_request(request)

    async with make_zoom_client(zoom_world, Spy(zoom_app)) as zoom:  # type: ignore[arg-type]
        meeting = await _first_recorded(zoom, zoom_world)
        async with zoom.download(meeting.recording_files[0].download_url or "") as stream:
            async for _ in stream.iter_bytes():
                pass
    tokens = [t.value for t in zoom_world.tokens.access.values()]
    assert tokens
    assert not any(token in str(url) for url in urls for token in tokens)


async def test_past_instances_come_with_their_start_times(
    zoom_client: ZoomClient, zoom_world: World
) -> None:
    now = zoom_world.now()
    ended = max(
        (i for i in zoom_world.instances.values() if i.ended(now)), key=lambda i: i.start_time
    )
    listed = dict(await reports.list_past_instances(zoom_client, ended.meeting_id))
    assert listed[ended.uuid] == ended.start_time
    assert all(start is None or start.tzinfo is not None for start in listed.values())
