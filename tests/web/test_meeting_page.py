"""One meeting's portal page (/meetings/{id}) and its form actions over HTTP, against an
emulated Zoom account: what a person sees, what each button changes in Zoom, and that every
refusal is drawn into the page (HTML, with why) while nothing changes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from meetings_portal_helpers import MONDAY_10, NOW, files_holding, host, meetings_portal, pooled
from portal_helpers import Portal, csrf_of

from zoombridge.accounts import Role
from zoombridge.db.meeting_models import ScheduledMeeting
from zoombridge.emulator.world import World
from zoombridge.meetings.budget import mark_spent

pytestmark = pytest.mark.anyio
LECTURE = {"topic": "Thermodynamics", "start_time": MONDAY_10.isoformat(), "duration": 60}
LECTURE["timezone"] = "Europe/Berlin"


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[tuple[Portal, World, httpx.AsyncClient]]:
    """Hosts 0 and 2 licensed, host 1 Basic; a signed-in Manager who posts forms with the
    token of the page (not the API's header)."""
    async for portal, world in meetings_portal(tmp_path, hosts=3, basic=(1,)):
        manager = await pooled(portal, [host(0), host(1), host(2)])
        yield portal, world, manager


async def made(manager: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    answer = await manager.post("/api/meetings", json={**LECTURE, "host": host(0), **fields})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def form(
    client: httpx.AsyncClient, path: str, data: dict[str, str] | None = None
) -> httpx.Response:
    """A form POST as the browser sends it: the CSRF token in the form, not a header."""
    token = client.headers.pop("x-csrf-token", None) or await csrf_of(client)
    answer = await client.post(path, data={**(data or {}), "csrf_token": token})
    client.headers["x-csrf-token"] = token
    return answer


async def test_the_page_shows_details_state_and_links_as_its_json_twin(
    site: tuple[Portal, World, httpx.AsyncClient],
) -> None:
    _, world, manager = site
    meeting = await made(manager)
    page = f"/meetings/{meeting['id']}"
    linked = await form(
        manager,
        f"{page}/links",
        {"app": "moodle", "external_id": "course-7", "visibility": "registered"},
    )
    assert linked.status_code == 303
    shown = await manager.get(linked.headers["location"])
    assert shown.status_code == 200
    assert "Linked moodle/course-7." in shown.text
    assert f'<dd id="zoom-id">{meeting["zoom_id"]}</dd>' in shown.text
    assert "scheduled in Zoom; its host&#39;s time is booked" in shown.text
    assert "<td>course-7</td>" in shown.text
    assert "registered participants" in shown.text
    assert "Mon 2026-03-09 11:00 (Europe/Berlin)" in shown.text  # the meeting's own zone
    twin = (await manager.get(f"/api/meetings/{meeting['id']}")).json()
    assert twin["links"][0]["visibility"] == "registered"
    assert (twin["zoom_id"], twin["state"]) == (meeting["zoom_id"], "active")
    zoom = world.meetings[meeting["zoom_id"]]
    for secret in (zoom.password, "pwd=", "zak="):
        assert secret not in shown.text
    refused = await form(
        manager, f"{page}/links", {"app": "moodle", "external_id": "x", "visibility": "all"}
    )
    assert refused.status_code == 422
    assert "visibility must be one of everyone, signed_in, registered, no_one" in refused.text
    assert 'value="x"' in refused.text  # what was typed is kept
    assert len((await manager.get(f"/api/meetings/{meeting['id']}/links")).json()) == 1


async def test_an_edit_sends_what_changed_and_bad_input_changes_nothing(
    site: tuple[Portal, World, httpx.AsyncClient],
) -> None:
    _, world, manager = site
    meeting = await made(manager)
    page = f"/meetings/{meeting['id']}"
    before = (await manager.get(page)).text
    values = _edit_values(before)
    assert values["start_time"] == "2026-03-09T11:00"  # in the meeting's zone
    changed = await form(manager, f"{page}/edit", values | {"topic": "Thermo I", "duration": "90"})
    assert changed.status_code == 303, changed.text
    assert "changed=duration%2C+topic" in changed.headers["location"]
    zoom = world.meetings[meeting["zoom_id"]]
    assert (zoom.topic, zoom.duration) == ("Thermo I", 90)
    assert zoom.start_time == MONDAY_10  # the untouched time field sent nothing
    same = await form(manager, f"{page}/edit", values | {"topic": "Thermo I", "duration": "90"})
    assert "unchanged=1" in same.headers["location"]
    for bad, words in [
        ({"duration": "0"}, "duration: Input should be greater than or equal to 1"),
        ({"topic": ""}, "topic: String should have at least 1 character"),
        ({"timezone": "Mars/Olympus"}, "is not an IANA time zone name"),
        ({"passcode": "a b"}, "letters, digits"),
    ]:
        refused = await form(manager, f"{page}/edit", values | {"topic": "Thermo II"} | bad)
        assert refused.status_code == 422, bad
        assert words in refused.text, (bad, refused.text)
        assert 'role="alert"' in refused.text
        assert zoom.topic == "Thermo I"  # nothing sent


def _edit_values(page: str) -> dict[str, str]:
    """The edit form's fields as a browser would send them untouched: text fields as
    filled, checkboxes only when ticked, the passcode blank."""
    edit = page[page.index('id="edit"') :]
    edit = edit[: edit.index("</form>")]
    fields = {}
    for tag in re.findall(r"<input [^>]*>", edit):
        name, value = re.search(r'name="(\w+)"', tag), re.search(r'value="([^"]*)"', tag)
        ticked = 'type="checkbox"' not in tag or " checked" in tag
        if name and value and ticked and name.group(1) not in ("csrf_token", "passcode"):
            fields[name.group(1)] = value.group(1)
    return fields


async def test_at_the_daily_limit_an_urgent_edit_is_refused_and_a_non_urgent_one_queued(
    site: tuple[Portal, World, httpx.AsyncClient],
) -> None:
    portal, world, manager = site
    meeting = await made(manager)
    page = f"/meetings/{meeting['id']}"
    zoom = world.meetings[meeting["zoom_id"]]
    with portal.catalog.session() as session, session.begin():
        mark_spent(session, 1, zoom.host_id, NOW)
    values = _edit_values((await manager.get(page)).text) | {"topic": "Thermo II"}
    urgent = await form(manager, f"{page}/edit", values)
    assert urgent.status_code == 429
    assert urgent.headers["content-type"].startswith("text/html")
    assert "daily limit" in urgent.text
    assert "The host may write again from 2026-03-03T00:00:00+00:00." in urgent.text
    queued = await form(manager, f"{page}/edit", values | {"not_urgent": "1"})
    assert queued.status_code == 303
    shown = await manager.get(queued.headers["location"])
    assert "the change is queued until 2026-03-03 00:00 UTC" in shown.text
    assert 'id="queued"' in shown.text
    assert "<li>topic: sent when the host may write again" in shown.text
    assert zoom.topic == "Thermodynamics"  # not sent yet


async def test_transfer_preflight_shows_what_is_missing_and_recreate_gives_a_new_meeting(
    site: tuple[Portal, World, httpx.AsyncClient],
) -> None:
    _, world, manager = site
    meeting = await made(manager)
    page = f"/meetings/{meeting['id']}"
    check = await form(manager, f"{page}/transfer/preflight", {"to": host(1)})
    assert check.status_code == 200
    assert "host1@example.edu is not licensed" in check.text
    assert "Recreate with a new link" in check.text
    assert "Move keeping the link" not in check.text
    assert world.meetings[meeting["zoom_id"]].deleted_at is None  # a check changes nothing
    refused = await form(manager, f"{page}/transfer", {"to": host(1)})  # without choosing
    assert refused.status_code == 409
    assert "Missing: host1@example.edu is not licensed" in refused.text
    assert world.meetings[meeting["zoom_id"]].deleted_at is None
    moved = await form(manager, f"{page}/transfer", {"to": host(1), "recreate": "1"})
    assert moved.status_code == 303
    new_page = await manager.get(moved.headers["location"])
    new = [
        m for m in world.meetings.values() if m.deleted_at is None and m.topic == LECTURE["topic"]
    ]
    assert len(new) == 1
    assert new[0].id != meeting["zoom_id"]
    assert f'<dd id="zoom-id">{new[0].id}</dd>' in new_page.text
    assert f"made to replace meeting {meeting['id']}" in new_page.text
    assert world.meetings[meeting["zoom_id"]].deleted_at is not None


async def test_a_move_in_place_keeps_the_id_once_the_privilege_is_granted(
    site: tuple[Portal, World, httpx.AsyncClient],
) -> None:
    _, world, manager = site
    meeting = await made(manager)
    page = f"/meetings/{meeting['id']}"
    check = await form(manager, f"{page}/transfer/preflight", {"to": host(2)})
    assert "add host0@example.edu as an assistant of host2@example.edu" in check.text
    h0, h2 = world.find_user(host(0)), world.find_user(host(2))
    assert h0 is not None
    assert h2 is not None
    world.assistants[h2.id] = [h0.id]
    check = await form(manager, f"{page}/transfer/preflight", {"to": host(2)})
    assert "It can move keeping its ID and join link." in check.text
    moved = await form(manager, f"{page}/transfer", {"to": host(2)})
    assert moved.headers["location"] == f"{page}?moved=host2%40example.edu"
    assert world.meetings[meeting["zoom_id"]].host_id == h2.id
    unknown = await form(manager, f"{page}/transfer/preflight", {"to": "nobody@example.edu"})
    assert unknown.status_code == 422
    assert "nobody@example.edu" in unknown.text


async def test_a_missing_meeting_says_why_and_is_recreated_from_its_page(
    site: tuple[Portal, World, httpx.AsyncClient],
) -> None:
    portal, world, manager = site
    meeting = await made(manager)
    page = f"/meetings/{meeting['id']}"
    refused = await form(manager, f"{page}/recreate")
    assert refused.status_code == 422
    assert "only missing ones are recreated" in refused.text
    world.meetings[meeting["zoom_id"]].deleted_at = NOW  # someone deleted it in Zoom
    with portal.catalog.session() as session, session.begin():
        row = session.get(ScheduledMeeting, meeting["id"])
        assert row is not None
        row.state, row.last_error = "missing", "not found in Zoom (3001)"  # as the sync says
    shown = await manager.get(page)
    assert "deleted in Zoom by someone else; recreate it" in shown.text
    assert "not found in Zoom (3001)" in shown.text
    assert 'id="recreate"' in shown.text
    assert "Start</button>" not in shown.text
    again = await form(manager, f"{page}/recreate")
    assert again.status_code == 303
    new_page = await manager.get(again.headers["location"])
    alive = [
        m for m in world.meetings.values() if m.deleted_at is None and m.topic == "Thermodynamics"
    ]
    assert len(alive) == 1
    assert f'<dd id="zoom-id">{alive[0].id}</dd>' in new_page.text


async def test_start_redirects_to_a_fresh_link_that_no_page_holds(
    site: tuple[Portal, World, httpx.AsyncClient], tmp_path: Path
) -> None:
    _, _, manager = site
    meeting = await made(manager)
    page = f"/meetings/{meeting['id']}"
    shown = await manager.get(page)
    assert "form-action 'self' https://zoom.us" in shown.headers["content-security-policy"]
    first = await form(manager, f"{page}/start")
    second = await form(manager, f"{page}/start")
    assert first.status_code == 303
    assert f"/s/{meeting['zoom_id']}?zak=" in first.headers["location"]
    assert first.headers["location"] != second.headers["location"]
    assert first.headers["cache-control"] == "no-store"
    assert "zak=" not in (await manager.get(page)).text
    for answer in (first, second):  # nor any file holds it
        assert files_holding(tmp_path, answer.headers["location"].split("zak=")[1].encode()) == []


async def test_cancel_and_the_last_unlink_from_the_page(
    site: tuple[Portal, World, httpx.AsyncClient],
) -> None:
    _, world, manager = site
    first, second = await made(manager), await made(manager, topic="Seminar", host=host(2))
    page = f"/meetings/{first['id']}"
    await form(
        manager, f"{page}/links", {"app": "lms", "external_id": "e1", "visibility": "everyone"}
    )
    gone = await form(manager, f"{page}/links/remove", {"app": "lms", "external_id": "e1"})
    assert gone.headers["location"] == f"{page}?unlinked=lms%2Fe1&cancelled=1"
    assert "Cancelled in Zoom" in (await manager.get(gone.headers["location"])).text
    assert world.meetings[first["zoom_id"]].deleted_at is not None
    not_linked = await form(manager, f"{page}/links/remove", {"app": "lms", "external_id": "e1"})
    assert not_linked.status_code == 404
    assert "lms/e1 is not linked" in not_linked.text
    cancelled = await form(manager, f"/meetings/{second['id']}/cancel")
    assert cancelled.headers["location"] == f"/meetings/{second['id']}?cancelled=1"
    assert world.meetings[second["zoom_id"]].deleted_at is not None
    edit_cancelled = await form(manager, f"/meetings/{second['id']}/edit", {"topic": "x"})
    assert edit_cancelled.status_code == 409
    assert "only active meetings change" in edit_cancelled.text


async def test_a_contributor_acts_only_on_their_own_meetings_and_forms_need_the_token(
    site: tuple[Portal, World, httpx.AsyncClient],
) -> None:
    portal, world, manager = site
    meeting = await made(manager)
    page = f"/meetings/{meeting['id']}"
    other = await portal.signed_in(Role.CONTRIBUTOR, "other@example.edu")
    assert (await other.get(page)).status_code == 404
    for action, data in [("edit", {"topic": "x"}), ("cancel", {}), ("start", {})]:
        answer = await form(other, f"{page}/{action}", data)
        assert answer.status_code == 404, action
        assert "there is no meeting" in answer.text
    token = manager.headers.pop("x-csrf-token")
    forged = await manager.post(f"{page}/edit", data={"topic": "forged", "csrf_token": "x"})
    assert forged.status_code == 403
    tokenless = await manager.post(f"{page}/cancel", data={})
    assert tokenless.status_code == 403
    manager.headers["x-csrf-token"] = token
    zoom = world.meetings[meeting["zoom_id"]]
    assert (zoom.topic, zoom.deleted_at) == ("Thermodynamics", None)
