"""`/_emulator/...`: run-time controls that are not part of Zoom (faults, clock, events).

Bind the emulator to loopback: these routes have no authentication, like any test double.
Bad input is answered with 400 and changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from zoombridge.clock import ManualClock
from zoombridge.emulator.events import complete_late_files, phone_recording_event, recording_event
from zoombridge.emulator.routes_meetings import convert
from zoombridge.emulator.scenarios import DEFAULT_CREDENTIALS, record_instance, record_phone_call
from zoombridge.emulator.world import World

__all__ = ["ADMIN_ROUTES"]


def _world(request: Request) -> World:
    world: World = request.app.state.world
    return world


async def _body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body() or b"{}")
    except ValueError:
        raise ValueError("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


async def state(request: Request) -> Response:
    world = _world(request)
    sender = getattr(request.app.state, "sender", None)
    return JSONResponse(
        {
            "account_id": world.account_id,
            "plan": world.plan,
            "now": world.now().isoformat(),
            "users": len(world.users),
            "meetings": len(world.meetings),
            "recorded_instances": sum(1 for i in world.instances.values() if i.has_recording()),
            "recording_files": len(world.files_by_token),
            "phone_recordings": len(world.phone_recordings),
            "faults": world.faults.as_dict(),
            "webhooks_pending": len(sender.pending()) if sender else 0,
            "rate_limits": world.limiter.enabled,
            "rate_limit_refusals": world.limiter.refusals,
            "credentials": {k: v for k, v in DEFAULT_CREDENTIALS.items() if "secret" not in k},
        }
    )


async def faults(request: Request) -> Response:
    try:
        _world(request).faults.update(await _body(request))
    except ValueError as exc:
        return _bad(str(exc))
    return JSONResponse(_world(request).faults.as_dict())


async def advance(request: Request) -> Response:
    world = _world(request)
    try:
        seconds = (await _body(request)).get("seconds")
    except ValueError as exc:
        return _bad(str(exc))
    if (
        not isinstance(seconds, int | float)
        or isinstance(seconds, bool)
        or not 0 <= seconds <= 10**8
    ):
        return _bad("seconds must be a number between 0 and 1e8")
    if not isinstance(world.clock, ManualClock):
        return _bad("the emulator runs on real time; start it with a manual clock to move time")
    world.clock.advance(float(seconds))
    complete_late_files(world)
    return JSONResponse({"now": world.now().isoformat()})


async def expire_tokens(request: Request) -> Response:
    return JSONResponse({"expired": _world(request).tokens.expire_all_access()})


async def delete_user(request: Request) -> Response:
    user = _world(request).find_user(request.path_params["user"])
    if user is None:
        return JSONResponse({"error": "no such user"}, status_code=404)
    user.deleted = True
    return JSONResponse({"deleted": user.id})


async def record_meeting(request: Request) -> Response:
    """A meeting just ended with a cloud recording: files appear, recording.completed fires."""
    world = _world(request)
    try:
        body = await _body(request)
        late = body.get("late_transcript", True)
        if not isinstance(late, bool):
            raise ValueError("late_transcript must be true or false")
        instance = record_instance(world, host=str(body.get("host", "me")), late_transcript=late)
    except ValueError as exc:
        return _bad(str(exc))
    recording_event(world, "recording.completed", instance)
    return JSONResponse({"uuid": instance.uuid, "meeting_id": instance.meeting_id}, status_code=201)


async def record_call(request: Request) -> Response:
    world = _world(request)
    try:
        body = await _body(request)
        recording = record_phone_call(world, user=str(body.get("user", "me")))
    except ValueError as exc:
        return _bad(str(exc))
    phone_recording_event(world, recording)
    return JSONResponse({"id": recording.id}, status_code=201)


async def convert_meeting(request: Request) -> Response:
    """A host converts a meeting into a webinar, or a webinar into a meeting, in Zoom's web
    portal (there is no API call for it): same id, new type, and Zoom's conversion event."""
    raw = request.path_params["meeting"]
    try:
        meeting = convert(_world(request), int(raw) if raw.isdigit() else -1)
    except ValueError as exc:
        return _bad(str(exc))
    return JSONResponse({"id": meeting.id, "type": meeting.type, "webinar": meeting.webinar})


async def deliver(request: Request) -> Response:
    sender = getattr(request.app.state, "sender", None)
    if sender is None:
        return _bad("no webhook URL is configured")
    sent = await sender.deliver_due()
    log = [
        {"event": d.event, "outcome": d.outcome, "attempts": d.attempts, "history": d.history}
        for d in sender.deliveries
    ]
    return JSONResponse({"sent": sent, "deliveries": log})


ADMIN_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/_emulator/state", state),
    ("POST", "/_emulator/faults", faults),
    ("POST", "/_emulator/clock/advance", advance),
    ("POST", "/_emulator/tokens/expire", expire_tokens),
    ("POST", "/_emulator/users/{user}/delete", delete_user),
    ("POST", "/_emulator/meetings/record", record_meeting),
    ("POST", "/_emulator/phone/record", record_call),
    ("POST", "/_emulator/meetings/{meeting}/convert", convert_meeting),
    ("POST", "/_emulator/webhooks/deliver", deliver),
]
