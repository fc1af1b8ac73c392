"""The scheduling form (/meetings/new) with recurrence and "no fixed time", its refusals
drawn into the page, Cancel from the meetings list, and the host calendar in the viewer's
chosen time zone, over HTTP against an emulated Zoom account."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from meetings_portal_helpers import MONDAY_10, NOW, host, meetings_portal, pooled
from portal_helpers import Portal, csrf_of

from zoombridge.accounts import Role
from zoombridge.emulator.world import EmuMeeting, World
from zoombridge.meetings.budget import mark_spent

pytestmark = pytest.mark.anyio
FORM = {"topic": "Thermodynamics", "start_time": "2026-03-09T11:00", "duration": "60"}
FORM |= {"timezone": "Europe/Berlin", "host": host(0), "repeat": "once"}


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[tuple[Portal, World, httpx.AsyncClient]]:
    """Hosts 0 and 2 licensed, host 1 Basic; pool P = all three; a signed-in Manager."""
    async for portal, world in meetings_portal(tmp_path, hosts=3, basic=(1,)):
        manager = await pooled(portal, [host(0), host(1), host(2)])
        yield portal, world, manager


async def post_form(
    client: httpx.AsyncClient, path: str, data: dict[str, str | list[str]]
) -> httpx.Response:
    """A form POST as the browser sends it: the CSRF token in the form, not a header."""
    token = client.headers.pop("x-csrf-token", None) or await csrf_of(client)
    answer = await client.post(path, data={**data, "csrf_token": token})
    client.headers["x-csrf-token"] = token
    return answer


async def schedule(client: httpx.AsyncClient, **fields: str | list[str]) -> httpx.Response:
    return await post_form(client, "/meetings/new", {**FORM, **fields})


def alive(world: World) -> list[EmuMeeting]:
    ours = {u.id for u in world.users.values() if u.email.startswith("host")}
    return [m for m in world.meetings.values() if m.deleted_at is None and m.host_id in ours]


async def test_a_weekly_series_on_chosen_days_is_made_and_booked(
    site: tuple[Portal, World, httpx.AsyncClient],
) -> None:
    _, world, manager = site
    made = await schedule(
        manager,
        repeat="weekly",
        interval="1",
        weekly_days=["2", "5"],
        end_by="times",
        end_times="4",
    )
    assert made.status_code == 303, made.text
    [zoom] = alive(world)
    assert zoom.type == 8
    assert zoom.recurrence is not None
    assert {k: zoom.recurrence[k] for k in ("type", "weekly_days", "end_times")} == {
        "type": 2,
        "weekly_days": "2,5",
        "end_times": 4,
    }
    week = await manager.get(made.headers["location"] + "&tz=Europe/Berlin")
    rows = [line for line in week.text.splitlines() if "–" in line and "<td>" in line]
    assert rows == [
        "      <td>Mon 2026-03-09 11:00–12:00</td>",
        "      <td>Thu 2026-03-12 11:00–12:00</td>",
    ]


async def test_monthly_on_the_last_friday_until_a_date_in_the_meetings_zone(
    site: tuple[Portal, World, httpx.AsyncClient],
) -> None:
    _, world, manager = site
    made = await schedule(
        manager,
        start_time="2026-03-27T11:00",
        repeat="monthly",
        interval="1",
        monthly_by="week",
        monthly_week="-1",
        monthly_week_day="6",
        end_by="date",
        end_date="2026-06-30",
    )
    assert made.status_code == 303, made.text
    [zoom] = alive(world)
    assert zoom.recurrence is not None
    assert zoom.recurrence["monthly_week"] == -1
    assert zoom.recurrence["monthly_week_day"] == 6
    assert zoom.recurrence["end_date_time"] == "2026-06-30T21:59:00Z"  # 23:59 in Berlin


async def test_no_fixed_time_needs_no_start_and_opens_the_meetings_page(
    site: tuple[Portal, World, httpx.AsyncClient],
) -> None:
    _, world, manager = site
    made = await schedule(manager, repeat="no_fixed_time", start_time="", duration="")
    assert made.status_code == 303, made.text
    [zoom] = alive(world)
    assert zoom.type == 3
    assert made.headers["location"].endswith(f"?created={zoom.id}")
    page = await manager.get(made.headers["location"])
    assert f"Scheduled in Zoom as meeting {zoom.id}." in page.text
    assert "no fixed time: the link works any time" in page.text
    assert 'name="start_time"' not in page.text  # nothing to move in time


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"repeat": "weekly", "interval": "x"}, "interval must be a whole number, not &#39;x&#39;"),
        ({"repeat": "weekly", "interval": "1", "weekly_days": ["9"]}, "weekday &#39;9&#39;"),
        (
            {"repeat": "daily", "interval": "1", "end_by": "date", "end_date": "soon"},
            "end date &#39;soon&#39; is not a date",
        ),
        (
            {"repeat": "monthly", "interval": "1", "monthly_day": "40", "end_times": "2"},
            "recurrence.monthly_day must be 1..31",
        ),
        ({"repeat": "daily", "interval": "100", "end_times": "2"}, "repeat_interval must be 1..99"),
        ({"start_time": ""}, "a meeting with a fixed time needs a start_time"),
        ({"repeat": "fortnightly"}, "repeat must be one of"),
    ],
)
async def test_bad_input_is_shown_in_the_form_and_nothing_is_made(
    site: tuple[Portal, World, httpx.AsyncClient], fields: dict[str, str], words: str
) -> None:
    _, world, manager = site
    refused = await schedule(manager, **fields)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("text/html")
    assert words in refused.text
    assert 'value="Thermodynamics"' in refused.text  # what was typed is kept
    assert alive(world) == []


async def test_refusals_from_scheduling_are_shown_in_the_form(
    site: tuple[Portal, World, httpx.AsyncClient],
) -> None:
    portal, world, manager = site
    assert (await schedule(manager, host=host(1))).status_code == 303
    busy = await schedule(manager, topic="Seminar", host=host(1), start_time="2026-03-09T11:30")
    assert busy.status_code == 409
    assert "host1@example.edu is not free at 2026-03-09 10:30 UTC" in busy.text
    assert "In the way: Thermodynamics" in busy.text
    saved = await manager.put("/api/meetings/pools/P", json={"hosts": [host(1)]})
    assert saved.status_code == 200
    none = await schedule(manager, topic="Seminar", host="", pool="P")
    assert none.status_code == 409
    assert "host1@example.edu" in none.text
    with portal.catalog.session() as session, session.begin():
        mark_spent(session, 1, world.find_user(host(2)).id, NOW)  # type: ignore[union-attr]
    spent = await schedule(manager, topic="Seminar", host=host(2))
    assert spent.status_code == 429
    assert "The host may write again from 2026-03-03T00:00:00+00:00." in spent.text
    assert [m.topic for m in alive(world)] == ["Thermodynamics"]


async def test_cancel_from_the_list_and_a_refusal_shown_on_it(
    site: tuple[Portal, World, httpx.AsyncClient],
) -> None:
    portal, world, manager = site
    assert (await schedule(manager)).status_code == 303
    [zoom] = alive(world)
    meeting_id = (await manager.get("/api/meetings")).json()[0]["id"]
    listed = await manager.get("/meetings")
    assert f'href="/meetings/{meeting_id}?connection=default"' in listed.text
    other = await portal.signed_in(Role.CONTRIBUTOR, "other@example.edu")
    refused = await post_form(other, f"/meetings/{meeting_id}/cancel", {"back": "list"})
    assert refused.status_code == 404
    assert "<h1>Meetings</h1>" in refused.text
    assert f"there is no meeting {meeting_id} scheduled by you" in refused.text
    assert zoom.deleted_at is None
    cancelled = await post_form(manager, f"/meetings/{meeting_id}/cancel", {"back": "list"})
    assert cancelled.headers["location"] == f"/meetings?cancelled={meeting_id}"
    assert zoom.deleted_at is not None


async def test_the_calendar_shows_the_week_in_the_viewers_time_zone(
    site: tuple[Portal, World, httpx.AsyncClient],
) -> None:
    _, _, manager = site
    assert (await schedule(manager, start_time="2026-03-09T11:00")).status_code == 303
    late = (MONDAY_10 + timedelta(days=6, hours=10)).strftime("%Y-%m-%dT%H:%M")  # Sun 20:00 UTC
    late_made = await schedule(manager, topic="Late", start_time=late, timezone="UTC")
    assert late_made.status_code == 303
    ask = {"host": host(0), "from": "2026-03-09"}
    own = await manager.get("/meetings/calendar", params=ask)
    assert '<option value="America/New_York" selected>' in own.text  # the host's, in Zoom
    assert "<td>Mon 2026-03-09 06:00–07:00</td>" in own.text
    assert "<td>Sun 2026-03-15 16:00–17:00</td>" in own.text
    tokyo = await manager.get("/meetings/calendar", params=ask | {"tz": "Asia/Tokyo"})
    assert "<td>Mon 2026-03-09 19:00–20:00</td>" in tokyo.text
    assert "Late" not in tokyo.text  # Monday 05:00 in Tokyo: next week there
    assert 'aria-label="bookings of host0@example.edu"' in tokyo.text
    assert "(19:00–20:00 Asia/Tokyo)" in tokyo.text  # the chart's bar, in the same zone
    nowhere = await manager.get("/meetings/calendar", params=ask | {"tz": "Mars/Olympus"})
    assert nowhere.status_code == 422
    assert "is not an IANA time zone name; the week is shown in UTC" in nowhere.text
    assert "<td>Mon 2026-03-09 10:00–11:00</td>" in nowhere.text
