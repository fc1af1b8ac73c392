"""The meetings JSON API over HTTP, against an emulated Zoom account: what an LMS sees when it
creates, edits, moves, links and starts meetings, and what it is told when it cannot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from meetings_portal_helpers import (
    MONDAY_10,
    NOW,
    files_holding,
    host,
    meetings_portal,
    pooled,
    token_client,
)
from portal_helpers import Portal

from zoombridge.accounts import Role
from zoombridge.emulator.world import EmuMeeting, World
from zoombridge.meetings.budget import mark_spent

pytestmark = pytest.mark.anyio
LECTURE = {"topic": "Thermodynamics", "start_time": MONDAY_10.isoformat(), "duration": 60}


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[tuple[Portal, World]]:
    """Hosts 0 and 2 licensed, host 1 Basic (one meeting at a time); pool P = all three."""
    async for opened in meetings_portal(tmp_path, hosts=3, basic=(1,)):
        await pooled(opened[0], [host(0), host(1), host(2)])
        yield opened


@pytest.fixture
def lms(site: tuple[Portal, World]) -> httpx.AsyncClient:
    return token_client(site[0], Role.CONTRIBUTOR, "lms@example.edu")


def live(world: World) -> list[EmuMeeting]:
    """The pool hosts' meetings in Zoom (the account has others of its own)."""
    ours = {u.id for u in world.users.values() if u.email.startswith("host")}
    return [m for m in world.meetings.values() if m.deleted_at is None and m.host_id in ours]


async def test_create_from_a_pool_then_list_and_show_without_any_secret_link(
    site: tuple[Portal, World], lms: httpx.AsyncClient
) -> None:
    _portal, world = site
    made = await lms.post("/api/meetings", json={**LECTURE, "pool": "P"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert made.headers["location"] == f"/api/meetings/{body['id']}"
    zoom = world.meetings[body["zoom_id"]]
    assert body["host_email"] == world.users[zoom.host_id].email
    assert body["host_email"] != host(1)  # licensed hosts first
    assert (body["state"], body["kind"], body["type"]) == ("active", "meeting", 2)
    assert body["created_by"].startswith("user:")
    listed = (await lms.get("/api/meetings")).json()
    assert [m["id"] for m in listed] == [body["id"]]
    shown = await lms.get(f"/api/meetings/{body['id']}")
    assert shown.json()["links"] == []
    for answer in (made, shown, await lms.get("/api/meetings")):
        for secret in ("start_url", "join_url", "passcode", zoom.password, "/s/", "pwd="):
            assert secret not in answer.text, (secret, answer.text)


async def test_a_busy_named_host_is_refused_409_naming_the_meeting_in_the_way(
    site: tuple[Portal, World], lms: httpx.AsyncClient
) -> None:
    _, world = site
    first = await lms.post("/api/meetings", json={**LECTURE, "host": host(1)})
    assert first.status_code == 201, first.text
    clash = {**LECTURE, "topic": "Seminar", "start_time": (MONDAY_10 + timedelta(minutes=30))}
    clash["start_time"] = clash["start_time"].isoformat()
    refused = await lms.post("/api/meetings", json={**clash, "host": host(1)})
    assert refused.status_code == 409
    said = refused.json()
    assert said["error"] == "host_busy"
    assert "Thermodynamics" in said["detail"]
    assert "Thermodynamics" in said["conflict"]["meeting"]
    assert said["conflict"]["at"].startswith("2026-03-09T10:30")
    assert [m.topic for m in live(world)] == ["Thermodynamics"]
    assert len((await lms.get("/api/meetings")).json()) == 1


async def test_no_free_host_in_the_pool_is_409_with_each_hosts_reason(
    site: tuple[Portal, World], lms: httpx.AsyncClient
) -> None:
    portal, world = site
    manager = token_client(portal, Role.MANAGER, "boss@example.edu")  # a token needs no CSRF
    assert (await manager.put("/api/meetings/pools/P", json={"hosts": [host(1)]})).is_success
    assert (await lms.post("/api/meetings", json={**LECTURE, "pool": "P"})).status_code == 201
    refused = await lms.post("/api/meetings", json={**LECTURE, "topic": "Again", "pool": "P"})
    assert refused.status_code == 409
    assert refused.json()["error"] == "no_free_host"
    assert host(1) in refused.json()["detail"]
    assert len(live(world)) == 1


@pytest.mark.parametrize(
    ("draft", "words"),
    [
        ({**LECTURE, "host": host(0), "pool": "P"}, "either a host"),
        ({**LECTURE, "host": "nobody@example.edu"}, "no Zoom user with nobody@example.edu"),
        ({**LECTURE, "pool": "Q"}, "no host pool named 'Q'"),
        ({**LECTURE, "host": host(0), "duration": 0}, "greater than or equal to 1"),
        ({**LECTURE, "host": host(0), "timezone": "Mars/Olympus"}, "not an IANA time zone"),
        ({**LECTURE, "host": host(0), "passcode": "a b"}, "letters, digits"),
    ],
)
async def test_bad_input_is_422_with_what_is_wrong_and_nothing_is_made(
    site: tuple[Portal, World], lms: httpx.AsyncClient, draft: dict[str, object], words: str
) -> None:
    _, world = site
    refused = await lms.post("/api/meetings", json=draft)
    assert refused.status_code == 422
    assert words in refused.text
    assert live(world) == []
    assert (await lms.get("/api/meetings", params={"state": ["failed", "reserved"]})).json() == []


async def test_a_non_urgent_edit_is_queued_202_when_the_host_is_at_its_daily_limit(
    site: tuple[Portal, World], lms: httpx.AsyncClient
) -> None:
    portal, world = site
    made = (await lms.post("/api/meetings", json={**LECTURE, "host": host(0)})).json()
    changed = await lms.patch(f"/api/meetings/{made['id']}", json={"topic": "Thermo I"})
    assert changed.status_code == 200
    assert changed.json()["sent"] == ["topic"]
    assert world.meetings[made["zoom_id"]].topic == "Thermo I"
    with portal.catalog.session() as session, session.begin():
        mark_spent(session, 1, world.meetings[made["zoom_id"]].host_id, NOW)
    urgent = await lms.patch(f"/api/meetings/{made['id']}", json={"topic": "Thermo II"})
    assert urgent.status_code == 429
    assert urgent.json()["error"] == "host_daily_limit"
    assert urgent.json()["resume_at"] == "2026-03-03T00:00:00+00:00"
    assert int(urgent.headers["retry-after"]) == 15 * 3600
    assert "daily limit" in urgent.json()["detail"]
    queued = await lms.patch(
        f"/api/meetings/{made['id']}", params={"urgent": "false"}, json={"topic": "Thermo II"}
    )
    assert queued.status_code == 202, queued.text
    assert queued.json()["queued_until"] == "2026-03-03T00:00:00+00:00"
    assert world.meetings[made["zoom_id"]].topic == "Thermo I"  # not sent yet


async def test_transfer_preflight_says_what_is_missing_then_the_move_keeps_the_link(
    site: tuple[Portal, World], lms: httpx.AsyncClient
) -> None:
    _, world = site
    made = (await lms.post("/api/meetings", json={**LECTURE, "host": host(0)})).json()
    url = f"/api/meetings/{made['id']}/transfer"
    to_basic = await lms.post(url, params={"dry_run": "true"}, json={"to": [host(1)]})
    assert to_basic.status_code == 200
    check = to_basic.json()
    assert check["possible_in_place"] is False
    assert any("host1@example.edu is not licensed" in m for m in check["in_place_missing"])
    assert "recreate=true" in check["advice"]
    refused = await lms.post(url, json={"to": [host(2)]})
    assert refused.status_code == 409
    assert refused.json()["error"] == "transfer_refused"
    assert any("add host0@example.edu as an assistant" in m for m in refused.json()["missing"])
    h0, h2 = world.find_user(host(0)), world.find_user(host(2))
    assert h0 is not None
    assert h2 is not None
    assert world.meetings[made["zoom_id"]].host_id == h0.id
    world.assistants[h2.id] = [h0.id]
    assert (await lms.post(url, params={"dry_run": "true"}, json={"to": [host(2)]})).json()[
        "possible_in_place"
    ]
    moved = await lms.post(url, json={"to": [host(2)]})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["id"], moved.json()["zoom_id"]) == (made["id"], made["zoom_id"])
    assert moved.json()["host_email"] == host(2)
    assert world.meetings[made["zoom_id"]].host_id == h2.id


async def test_join_details_follow_each_links_visibility(
    site: tuple[Portal, World], lms: httpx.AsyncClient
) -> None:
    _, world = site
    made = (await lms.post("/api/meetings", json={**LECTURE, "pool": "P"})).json()
    base = f"/api/meetings/{made['id']}"
    linked = await lms.post(
        f"{base}/links",
        json={"app": "moodle", "external_id": "course-7", "visibility": "signed_in"},
    )
    assert linked.status_code == 201
    assert (await lms.get(f"{base}/links")).json()[0]["visibility"] == "signed_in"
    ask = {"app": "moodle", "external_id": "course-7"}
    hidden = await lms.get(f"{base}/join", params={**ask, "audience": "anyone"})
    assert hidden.json() == {
        "visible": False,
        "join_url": None,
        "passcode": None,
        "reason": "this link shows the join details to signed_in only",
    }
    shown = await lms.get(f"{base}/join", params={**ask, "audience": "registered"})
    zoom = world.meetings[made["zoom_id"]]
    assert shown.json()["visible"] is True
    assert shown.json()["passcode"] == zoom.password
    assert f"pwd={zoom.password}" in shown.json()["join_url"]
    assert shown.headers["cache-control"] == "no-store"
    other = await lms.get(f"{base}/join", params={**ask, "external_id": "x", "audience": "anyone"})
    assert other.status_code == 404
    bad = await lms.get(f"{base}/join", params={**ask, "audience": "everybody"})
    assert bad.status_code == 422
    gone = await lms.delete(f"{base}/links", params=ask)
    assert gone.json() == {"unlinked": True, "meeting_cancelled": True}  # the last link
    assert zoom.deleted_at is not None


async def test_the_start_link_is_fetched_fresh_each_time_and_never_stored(
    site: tuple[Portal, World], lms: httpx.AsyncClient, tmp_path: Path
) -> None:
    made = (await lms.post("/api/meetings", json={**LECTURE, "pool": "P"})).json()
    first = await lms.get(f"/api/meetings/{made['id']}/start")
    second = await lms.get(f"/api/meetings/{made['id']}/start")
    assert first.status_code == 200
    assert first.headers["cache-control"] == "no-store"
    url = first.json()["start_url"]
    assert f"/s/{made['zoom_id']}?zak=" in url
    assert second.json()["start_url"] != url  # Zoom mints a new one: never a cached copy
    redirect = await lms.get(f"/api/meetings/{made['id']}/start", params={"redirect": "true"})
    assert redirect.status_code == 303
    assert "/s/" in redirect.headers["location"]
    assert files_holding(tmp_path, url.split("zak=")[1].encode()) == []


async def test_a_contributor_sees_only_their_own_meetings_and_a_manager_all(
    site: tuple[Portal, World], lms: httpx.AsyncClient
) -> None:
    portal, world = site
    made = (await lms.post("/api/meetings", json={**LECTURE, "pool": "P"})).json()
    other = token_client(portal, Role.CONTRIBUTOR, "other@example.edu")
    assert (await other.get("/api/meetings")).json() == []
    for method, path in [
        ("GET", ""),
        ("DELETE", ""),
        ("GET", "/start"),
        ("GET", "/links"),
    ]:
        answer = await other.request(method, f"/api/meetings/{made['id']}{path}")
        assert answer.status_code == 404, (method, path, answer.text)
    assert live(world) != []
    manager = token_client(portal, Role.MANAGER, "boss@example.edu")
    assert [m["id"] for m in (await manager.get("/api/meetings")).json()] == [made["id"]]
    cancelled = await manager.delete(f"/api/meetings/{made['id']}")
    assert cancelled.json()["state"] == "cancelled"
    assert live(world) == []
    again = await manager.patch(f"/api/meetings/{made['id']}", json={"topic": "x"})
    assert again.status_code == 409
    assert again.json()["error"] == "not_now"


async def test_hosts_pools_and_a_calendar_that_shows_clashes_made_in_zoom(
    site: tuple[Portal, World], lms: httpx.AsyncClient
) -> None:
    _portal, world = site
    hosts = {h["email"]: h for h in (await lms.get("/api/meetings/hosts")).json()}
    assert (hosts[host(0)]["capacity"], hosts[host(1)]["capacity"]) == (2, 1)
    assert hosts[host(1)]["pools"] == ["P"]
    assert hosts[host(1)]["licensed"] is False
    assert (await lms.get("/api/meetings/pools")).json() == [
        {"name": "P", "hosts": [host(0), host(1), host(2)]}
    ]
    assert (await lms.put("/api/meetings/pools/P", json={"hosts": []})).status_code == 403
    h1 = world.find_user(host(1))
    assert h1 is not None
    for topic, start in (("Dentist", MONDAY_10), ("Gym", MONDAY_10 + timedelta(minutes=30))):
        made_in_zoom = EmuMeeting(
            id=world.new_meeting_id(),
            uuid=world.new_uuid(),
            host_id=h1.id,
            topic=topic,
            start_time=start,
            duration=60,
            created_at=world.now(),
        )
        world.meetings[made_in_zoom.id] = made_in_zoom
    later = {**LECTURE, "start_time": (MONDAY_10 + timedelta(days=2)).isoformat()}
    ours = await lms.post("/api/meetings", json={**later, "host": host(1)})  # reads the calendar
    assert ours.status_code == 201, ours.text
    week = await lms.get("/api/meetings/calendar", params={"host": host(1), "from": "2026-03-09"})
    assert week.status_code == 200, week.text
    agenda = week.json()
    assert agenda["clashes"] == 2
    by_topic = {b["topic"]: b for b in agenda["bookings"]}
    assert set(by_topic) == {"Dentist", "Gym", "Thermodynamics"}
    assert "the host can run one meeting at a time" in by_topic["Gym"]["clash"]
    assert by_topic["Thermodynamics"] | {"clash": None} == by_topic["Thermodynamics"]
    assert by_topic["Thermodynamics"]["meeting_id"] == ours.json()["id"]
    assert by_topic["Dentist"]["source"] == "zoom"
    wrong = await lms.get("/api/meetings/calendar", params={"host": host(1), "from": "x"})
    assert wrong.status_code == 422
