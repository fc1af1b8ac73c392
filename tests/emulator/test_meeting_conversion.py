"""Converting a meeting into a webinar and back (Zoom's web portal action, an admin control
here), and recovering a deleted meeting: the object and the events Zoom's documents show."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from emulator_http import error

from zoombridge.emulator.world import World

pytestmark = pytest.mark.anyio

# The object keys of Zoom's examples for the two events (webhooks-meetings.json).
CONVERSION_KEYS = {"uuid", "id", "host_id", "topic", "type", "start_time", "duration", "timezone"}


def last_event(world: World, name: str) -> dict[str, Any]:
    bodies = [body for event, body in world.events if event == name]
    assert bodies, f"no {name} event"
    return bodies[-1]


async def test_a_meeting_becomes_a_webinar_and_back_keeping_its_id(
    api: httpx.AsyncClient, http: httpx.AsyncClient, world: World
) -> None:
    made = await api.post(
        "/v2/users/me/meetings",
        json={"topic": "Town hall", "start_time": "2026-02-10T17:00:00Z", "duration": 45},
    )
    meeting = made.json()
    converted = await http.post(f"/_emulator/meetings/{meeting['id']}/convert")
    assert converted.status_code == 200, converted.text
    assert converted.json() == {"id": meeting["id"], "type": 5, "webinar": True}

    assert error(await api.get(f"/v2/meetings/{meeting['id']}")) == (404, 3001)
    webinar = (await api.get(f"/v2/webinars/{meeting['id']}")).json()
    assert (webinar["type"], webinar["uuid"], webinar["topic"]) == (5, meeting["uuid"], "Town hall")
    assert webinar["start_time"] == meeting["start_time"]
    assert webinar["join_url"].startswith(f"{world.web_base}/w/{meeting['id']}")

    body = last_event(world, "meeting.converted_to_webinar")
    assert set(body["payload"]["object"]) == CONVERSION_KEYS
    assert body["payload"]["object"]["type"] == 5
    assert body["payload"]["operator_id"] == world.owner_id
    assert "operation" not in body["payload"]

    back = await http.post(f"/_emulator/meetings/{meeting['id']}/convert")
    assert back.json() == {"id": meeting["id"], "type": 2, "webinar": False}
    again = (await api.get(f"/v2/meetings/{meeting['id']}")).json()
    assert again["type"] == 2
    assert last_event(world, "webinar.converted_to_meeting")["payload"]["object"]["type"] == 2


async def test_conversion_refusals_change_nothing(
    api: httpx.AsyncClient, http: httpx.AsyncClient, world: World
) -> None:
    alan = next(u for u in world.users.values() if u.email.startswith("alan"))
    assert not alan.webinar
    assert alan.status == "active"
    made = await api.post(f"/v2/users/{alan.id}/meetings", json={"topic": "No add-on"})
    meeting_id = made.json()["id"]
    instant = await api.post("/v2/users/me/meetings", json={"topic": "Now", "type": 1})
    events = len(world.events)
    for target, message in (
        (meeting_id, f"host {alan.id} has no webinar add-on"),
        (instant.json()["id"], "a meeting of type 1 cannot be converted"),
        (12345, "no meeting or webinar 12345"),
        ("abc", "no meeting or webinar -1"),
    ):
        refused = await http.post(f"/_emulator/meetings/{target}/convert")
        assert refused.status_code == 400
        assert refused.json() == {"error": message}
    assert len(world.events) == events
    assert world.meetings[meeting_id].type == 2
    assert not world.meetings[meeting_id].webinar


async def test_recovering_a_deleted_meeting_sends_meeting_recovered(
    api: httpx.AsyncClient, world: World
) -> None:
    made = (await api.post("/v2/users/me/meetings", json={"topic": "Oops"})).json()
    await api.delete(f"/v2/meetings/{made['id']}")
    await api.put(f"/v2/meetings/{made['id']}/status", json={"action": "recover"})
    body = last_event(world, "meeting.recovered")
    assert body["payload"]["object"]["id"] == made["id"]
    assert body["payload"]["operation"] == "single"
    json.dumps(body)  # what the sender posts
