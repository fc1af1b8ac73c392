"""The emulator's `/_emulator` admin controls: bad input changes nothing, good input works."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from emulator_http import S2S, error, get_me, plain_client, s2s_token, user_where

from zoombridge.clock import ManualClock, SystemClock
from zoombridge.emulator.app import create_app
from zoombridge.emulator.scenarios import build_world
from zoombridge.emulator.world import World

pytestmark = pytest.mark.anyio


# /_emulator admin: bad input changes nothing -------------------------------------------------
async def snapshot(http: httpx.AsyncClient, world: World) -> dict[str, Any]:
    state = await http.get("/_emulator/state")
    assert state.status_code == 200
    return {
        "state": state.json(),
        "faults": world.faults.as_dict(),
        "now": world.now(),
        "events": list(world.events),
        "deleted": sorted(u.id for u in world.users.values() if u.deleted),
        "meetings": sorted(world.meetings),
        "instances": sorted(world.instances),
        "phone": sorted(world.phone_recordings),
        "calls": len(world.calls),
        "tokens": sorted((t.expires_at, t.revoked) for t in world.tokens.access.values()),
    }


NOT_AN_OBJECT = "the body must be a JSON object"
BAD_SECONDS = "seconds must be a number between 0 and 1e8"


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/_emulator/faults", b"{server_errors: 1}", NOT_AN_OBJECT),
        ("/_emulator/faults", b'{"server_errors": 1', NOT_AN_OBJECT),
        ("/_emulator/faults", b"[1, 2]", NOT_AN_OBJECT),
        ("/_emulator/faults", b'"server_errors"', NOT_AN_OBJECT),
        ("/_emulator/faults", b"\xff\xfe", NOT_AN_OBJECT),
        ("/_emulator/faults", b'{"no_such_fault": 1}', "unknown fault knobs: no_such_fault"),
        (
            "/_emulator/faults",
            b'{"server_errors": 2, "zz": 1, "aa": 1}',
            "unknown fault knobs: aa, zz",
        ),
        ("/_emulator/faults", b'{"server_errors": "3"}', "fault knob server_errors must be int"),
        ("/_emulator/faults", b'{"server_errors": 1.5}', "fault knob server_errors must be int"),
        ("/_emulator/faults", b'{"server_errors": true}', "fault knob server_errors must be int"),
        ("/_emulator/faults", b'{"server_errors": null}', "fault knob server_errors must be int"),
        (
            "/_emulator/faults",
            b'{"daily_limit_exhausted": 1}',
            "fault knob daily_limit_exhausted must be bool",
        ),
        (
            "/_emulator/faults",
            b'{"server_error_rate": "0.5"}',
            "fault knob server_error_rate must be a finite number",
        ),
        ("/_emulator/faults", b'{"server_errors": -1}', "server_errors must not be negative"),
        (
            "/_emulator/faults",
            b'{"server_errors": 2, "rate_limit_rate": -0.5}',  # refused as a whole
            "rate_limit_rate must not be negative",
        ),
        (
            "/_emulator/faults",
            b'{"slow_api_seconds": -Infinity}',
            "slow_api_seconds must be a finite",
        ),
        ("/_emulator/clock/advance", b"{seconds: 1}", NOT_AN_OBJECT),
        ("/_emulator/clock/advance", b"[60]", NOT_AN_OBJECT),
        ("/_emulator/clock/advance", b"60", NOT_AN_OBJECT),
        ("/_emulator/clock/advance", b"{}", BAD_SECONDS),
        ("/_emulator/clock/advance", b"", BAD_SECONDS),
        ("/_emulator/clock/advance", b'{"seconds": "60"}', BAD_SECONDS),
        ("/_emulator/clock/advance", b'{"seconds": true}', BAD_SECONDS),
        ("/_emulator/clock/advance", b'{"seconds": null}', BAD_SECONDS),
        ("/_emulator/clock/advance", b'{"seconds": -1}', BAD_SECONDS),
        ("/_emulator/clock/advance", b'{"seconds": -0.001}', BAD_SECONDS),
        ("/_emulator/clock/advance", b'{"seconds": 100000001}', BAD_SECONDS),
        ("/_emulator/clock/advance", b'{"seconds": NaN}', BAD_SECONDS),
        ("/_emulator/clock/advance", b'{"seconds": Infinity}', BAD_SECONDS),
        ("/_emulator/meetings/record", b"{host", NOT_AN_OBJECT),
        ("/_emulator/meetings/record", b'["me"]', NOT_AN_OBJECT),
        (
            "/_emulator/meetings/record",
            b'{"host": "nobody@example.edu"}',
            "no licensed user 'nobody@example.edu' on the emulated account",
        ),
        ("/_emulator/meetings/record", b'{"host": 42}', "no licensed user '42'"),
        ("/_emulator/phone/record", b"{user", NOT_AN_OBJECT),
        ("/_emulator/phone/record", b"[]", NOT_AN_OBJECT),
        (
            "/_emulator/phone/record",
            b'{"user": "nobody@example.edu"}',
            "no Zoom Phone user 'nobody@example.edu' on the emulated account",
        ),
        ("/_emulator/webhooks/deliver", b"", "no webhook URL is configured"),
    ],
)
async def test_admin_bad_input_is_400_and_changes_nothing(
    http: httpx.AsyncClient, world: World, path: str, body: bytes, message: str
) -> None:
    await s2s_token(http)  # a live token, so a wrongly run expiry would show
    world.faults.server_errors = 1  # a non-default knob that must survive untouched
    before = await snapshot(http, world)
    answer = await http.post(path, content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert answer.json() == {"error": answer.json()["error"]}
    assert message in answer.json()["error"]
    assert await snapshot(http, world) == before


async def test_admin_record_for_users_without_the_license_or_phone(
    http: httpx.AsyncClient, world: World
) -> None:
    basic = user_where(world, lambda u: u.type == 1)
    no_phone = user_where(world, lambda u: u.phone_extension is None and u.status == "active")
    before = await snapshot(http, world)
    meeting = await http.post("/_emulator/meetings/record", json={"host": basic.email})
    assert meeting.status_code == 400
    assert meeting.json()["error"] == f"no licensed user {basic.email!r} on the emulated account"
    call = await http.post("/_emulator/phone/record", json={"user": no_phone.id})
    assert call.status_code == 400
    assert call.json()["error"] == f"no Zoom Phone user {no_phone.id!r} on the emulated account"
    assert await snapshot(http, world) == before


async def test_admin_delete_unknown_or_deleted_user_is_404(
    http: httpx.AsyncClient, world: World
) -> None:
    before = await snapshot(http, world)
    answer = await http.post("/_emulator/users/nobody@example.edu/delete")
    assert (answer.status_code, answer.json()) == (404, {"error": "no such user"})
    assert await snapshot(http, world) == before
    victim = user_where(world, lambda u: u.email == "alan@example.edu")
    assert (await http.post(f"/_emulator/users/{victim.id}/delete")).status_code == 200
    again = await http.post(f"/_emulator/users/{victim.email}/delete")
    assert (again.status_code, again.json()) == (404, {"error": "no such user"})


@pytest.mark.parametrize("value", ["no", "false", 0.5, [], {"x": 1}])
async def test_admin_record_meeting_refuses_a_non_boolean_late_transcript(
    http: httpx.AsyncClient, world: World, value: Any
) -> None:
    before = await snapshot(http, world)
    answer = await http.post("/_emulator/meetings/record", json={"late_transcript": value})
    assert answer.status_code == 400, answer.text
    assert await snapshot(http, world) == before


@pytest.mark.parametrize("body", [b'{"server_error_rate": NaN}', b'{"slow_api_seconds": Infinity}'])
async def test_admin_faults_refuse_non_finite_numbers(
    http: httpx.AsyncClient, world: World, body: bytes
) -> None:
    before = world.faults.as_dict()
    try:
        answer = await http.post("/_emulator/faults", content=body)
        assert answer.status_code == 400, answer.text
    finally:
        assert world.faults.as_dict() == before
    assert (await http.get("/_emulator/state")).status_code == 200


# /_emulator admin: good input takes effect ---------------------------------------------------
async def test_state_reports_the_world(http: httpx.AsyncClient, world: World) -> None:
    state = (await http.get("/_emulator/state")).json()
    assert state["account_id"] == "emulator-account"
    assert state["now"] == world.now().isoformat()
    assert state["users"] == len(world.users)
    assert state["faults"] == world.faults.as_dict()
    assert state["webhooks_pending"] == 0
    assert state["phone_recordings"] == len(world.phone_recordings) > 0
    assert "client_secret" not in state["credentials"]
    assert "user_client_secret" not in state["credentials"]
    assert state["credentials"]["client_id"] == S2S[0]


async def test_fault_server_errors_fails_the_next_list_calls(
    api: httpx.AsyncClient, world: World
) -> None:
    knob = await api.post("/_emulator/faults", json={"server_errors": 2})
    assert knob.status_code == 200
    assert knob.json() == {**world.faults.as_dict(), "server_errors": 2}
    for _ in range(2):
        failed = await api.get("/v2/users")
        assert failed.status_code in (500, 502, 503, 504)
    assert (await api.get("/v2/users")).status_code == 200
    assert (await api.get("/_emulator/state")).json()["faults"]["server_errors"] == 0


async def test_fault_rate_limit_storm_and_rate(api: httpx.AsyncClient) -> None:
    await api.post("/_emulator/faults", json={"rate_limit_storm": 1})
    storm = await api.get("/v2/users")
    assert error(storm) == (429, 429)
    assert (await api.get("/v2/users")).status_code == 200
    await api.post("/_emulator/faults", json={"rate_limit_rate": 1.0})
    for _ in range(3):
        assert error(await api.get("/v2/users")) == (429, 429)
    await api.post("/_emulator/faults", json={"rate_limit_rate": 0})
    assert (await api.get("/v2/users")).status_code == 200


async def test_fault_update_keeps_other_knobs(api: httpx.AsyncClient, world: World) -> None:
    await api.post("/_emulator/faults", json={"server_errors": 3, "html_downloads": 1})
    answer = await api.post("/_emulator/faults", json={"server_error_rate": 0.25})
    assert answer.json()["server_errors"] == 3
    assert answer.json()["html_downloads"] == 1
    assert answer.json()["server_error_rate"] == 0.25
    assert world.faults.server_error_rate == 0.25


async def test_fault_html_downloads(api: httpx.AsyncClient, world: World) -> None:
    token = next(t for t, (_, f) in world.files_by_token.items() if f.status == "completed")
    url = f"https://zoom.us/rec/download/{token}"
    assert (await api.get(url)).status_code == 302
    await api.post("/_emulator/faults", json={"html_downloads": 1})
    html = await api.get(url)
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert (await api.get(url)).status_code == 302


async def test_advance_moves_the_clock_and_completes_late_files(
    http: httpx.AsyncClient, world: World, clock: ManualClock
) -> None:
    start = world.now()
    answer = await http.post("/_emulator/clock/advance", json={"seconds": 90.5})
    assert answer.status_code == 200
    assert world.now() == start + timedelta(seconds=90.5)
    assert clock.now() == world.now()
    assert answer.json() == {"now": world.now().isoformat()}
    assert (await http.get("/_emulator/state")).json()["now"] == world.now().isoformat()
    assert (await http.post("/_emulator/clock/advance", json={"seconds": 0})).status_code == 200
    assert world.now() == start + timedelta(seconds=90.5)
    # the demo's newest transcript finishes 10 minutes after the world was built
    assert not any(e == "recording.transcript_completed" for e, _ in world.events)
    await http.post("/_emulator/clock/advance", json={"seconds": 600})
    assert [e for e, _ in world.events] == ["recording.transcript_completed"]


async def test_advance_past_the_token_lifetime_expires_it(http: httpx.AsyncClient) -> None:
    token = await s2s_token(http)
    await http.post("/_emulator/clock/advance", json={"seconds": 3599})
    assert (await get_me(http, token)).status_code == 200
    await http.post("/_emulator/clock/advance", json={"seconds": 1})
    assert error(await get_me(http, token)) == (401, 124)


async def test_advance_refused_on_a_real_clock() -> None:
    world = build_world("empty", seed=1, clock=SystemClock())
    async with plain_client(create_app(world)) as http:
        answer = await http.post("/_emulator/clock/advance", json={"seconds": 60})
    assert answer.status_code == 400
    assert "real time" in answer.json()["error"]


async def test_expire_tokens_makes_the_current_token_fail(
    api: httpx.AsyncClient, world: World
) -> None:
    assert (await api.get("/v2/users/me")).status_code == 200
    answer = await api.post("/_emulator/tokens/expire")
    assert (answer.status_code, answer.json()) == (200, {"expired": len(world.tokens.access)})
    assert answer.json()["expired"] == 1
    refused = await api.get("/v2/users/me")
    assert error(refused) == (401, 124)
    assert refused.json()["message"] == "Access token has expired."
    fresh = await s2s_token(api)
    assert (await get_me(api, fresh)).status_code == 200


async def test_delete_user_removes_the_user(api: httpx.AsyncClient, world: World) -> None:
    alan = user_where(world, lambda u: u.email == "alan@example.edu")
    assert (await api.get(f"/v2/users/{alan.id}")).status_code == 200
    answer = await api.post("/_emulator/users/ALAN@example.edu/delete")
    assert (answer.status_code, answer.json()) == (200, {"deleted": alan.id})
    gone = await api.get(f"/v2/users/{alan.id}")
    assert error(gone) == (404, 1001)
    listed = (await api.get("/v2/users", params={"page_size": 300})).json()["users"]
    assert alan.email not in {u["email"] for u in listed}
    assert listed  # the others are still there


async def test_record_meeting_appears_in_the_users_recordings(
    api: httpx.AsyncClient, world: World
) -> None:
    grace = user_where(world, lambda u: u.email == "grace@example.edu")
    before = (await api.get("/_emulator/state")).json()
    answer = await api.post("/_emulator/meetings/record", json={"host": grace.email})
    assert answer.status_code == 201
    created = answer.json()
    assert set(created) == {"uuid", "meeting_id"}
    listed = await api.get(f"/v2/users/{grace.id}/recordings")
    assert listed.status_code == 200
    meetings = {m["uuid"]: m for m in listed.json()["meetings"]}
    assert created["uuid"] in meetings
    meeting = meetings[created["uuid"]]
    assert meeting["id"] == created["meeting_id"]
    assert meeting["host_id"] == grace.id
    transcript = [f for f in meeting["recording_files"] if f.get("file_type") == "TRANSCRIPT"]
    assert [f["status"] for f in transcript] == ["processing"]  # late by default
    after = (await api.get("/_emulator/state")).json()
    assert after["recorded_instances"] == before["recorded_instances"] + 1
    assert after["meetings"] == before["meetings"] + 1
    event, body = world.events[-1]
    assert event == "recording.completed"
    assert body["payload"]["object"]["uuid"] == created["uuid"]
    assert body["download_token"]


async def test_record_meeting_without_late_transcript(api: httpx.AsyncClient, world: World) -> None:
    answer = await api.post("/_emulator/meetings/record", json={"late_transcript": False})
    uuid = answer.json()["uuid"]
    assert all(f.status == "completed" for f in world.instances[uuid].files)
    listed = (await api.get("/v2/users/me/recordings")).json()["meetings"]
    assert uuid in {m["uuid"] for m in listed}


async def test_record_call_adds_a_phone_recording(api: httpx.AsyncClient, world: World) -> None:
    before = (await api.get("/_emulator/state")).json()["phone_recordings"]
    answer = await api.post("/_emulator/phone/record", json={})
    assert answer.status_code == 201
    recording_id = answer.json()["id"]
    assert recording_id in world.phone_recordings
    assert (await api.get("/_emulator/state")).json()["phone_recordings"] == before + 1
    listed = await api.get("/v2/phone/users/me/recordings")
    assert listed.status_code == 200
    assert recording_id in {r["id"] for r in listed.json()["recordings"]}
    event, body = world.events[-1]
    assert event == "phone.recording_completed"
    assert body["payload"]["object"]["recordings"][0]["id"] == recording_id
