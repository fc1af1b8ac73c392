"""Zoom Phone: call recordings (account and per user), their download, and call history.

Zoom Phone has its own rate table (`family="phone"`). The account and the per-user endpoints
return different shapes, as Zoom's schemas do: the account recording list has no from/to and
no page_count but carries owner and site; the per-user list has from/to, page_count and the
call history id. The account call history returns every call twice, in the deprecated
`call_logs` (keyed `id`) and in `call_history` (keyed `call_history_uuid`); the per-user one
returns `call_logs` and `call_elements`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from starlette.responses import Response

from zoombridge.emulator.api import ApiError, ApiRoute, Call, Handler, iso, zoom_json
from zoombridge.emulator.downloads import stream_body
from zoombridge.emulator.limiter import Label
from zoombridge.emulator.windows import Window, date_window
from zoombridge.emulator.world import EmuCall, EmuPhoneRecording, EmuUser, World

__all__ = ["ROUTES", "call_history_json", "phone_recording_json"]

ACCOUNT_RECORDINGS = (
    "phone:read:list_call_recordings:admin",
    "phone:read:admin",
    "phone_recording:read:admin",
)
USER_RECORDINGS = (
    "phone:read:list_recordings:admin",
    "phone:read:admin",
    "phone_recording:read:admin",
)
DOWNLOAD = ("phone:read:call_recording:admin", "phone:read:admin", "phone_recording:read:admin")
ACCOUNT_HISTORY = (
    "phone:read:list_call_logs:admin",
    "phone:read:admin",
    "phone_call_log:read:admin",
)
USER_HISTORY = ("phone:read:list_call_logs:admin", "phone:read:admin")

RECORDINGS_DEFAULT = timedelta(days=30)  # "If unspecified, it returns data from the past 30 days."
HISTORY_DEFAULT = timedelta(hours=24)  # "If unspecified, returns data within the 24 hours."
SITE_NAME = "Main Site"


def _site_id(world: World) -> str:
    digest = hashlib.sha256(f"site:{world.account_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:22]


def _external(number: str) -> bool:
    return number.startswith("+")


def _number_type(number: str) -> int:
    """Recordings: 1 internal (an extension), 2 external."""
    return 2 if _external(number) else 1


def _phone_user(call: Call, code: int) -> EmuUser:
    """The path user if they have Zoom Phone; anyone else does not exist for Zoom Phone."""
    user = call.user(code=code)
    if user.phone_extension is None:
        raise ApiError(404, code, f"User does not exist: {call.ids['userId']}.")
    return user


def _list_values(call: Call, name: str) -> set[str]:
    """An array query parameter, repeated or comma-separated."""
    return {v.strip() for raw in call.query.getlist(name) for v in raw.split(",") if v.strip()}


# recordings ----------------------------------------------------------------------------------
def phone_recording_json(
    world: World, recording: EmuPhoneRecording, *, account: bool, history_id: str | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": recording.id,
        "call_id": recording.call_id,
        "call_log_id": recording.call_log_id,
    }
    if not account and history_id:
        data["call_history_id"] = history_id
    data |= {
        "caller_name": recording.caller_name,
        "caller_number": recording.caller_number,
        "caller_number_type": _number_type(recording.caller_number),
        "callee_name": recording.callee_name,
        "callee_number": recording.callee_number,
        "callee_number_type": _number_type(recording.callee_number),
        "date_time": iso(recording.date_time),
        "direction": recording.direction,
        "download_url": f"{world.api_url}/v2/phone/recording/download/{recording.id}",
        "duration": int((recording.end_time - recording.date_time).total_seconds()),
    }
    if account:
        owner = world.users.get(recording.owner_id)
        owner_json: dict[str, Any] = {
            "type": "user",
            "id": recording.owner_id,
            "name": owner.display_name if owner else "",
        }
        if owner is not None and owner.phone_extension is not None:
            owner_json["extension_number"] = owner.phone_extension
        if owner is not None and (owner.deleted or owner.status == "inactive"):
            owner_json["extension_status"] = "deleted" if owner.deleted else "inactive"
        data |= {
            "end_time": iso(recording.end_time),
            "recording_type": recording.recording_type,
            "disclaimer_status": 0,
            "owner": owner_json,
            "site": {"id": _site_id(world), "name": SITE_NAME},
        }
    return data


def _recordings_in(
    call: Call, window: Window, keep: Callable[[EmuPhoneRecording], bool]
) -> list[EmuPhoneRecording]:
    by_end = call.query.get("query_date_type") == "end_time"
    selected = [
        r
        for r in call.world.phone_recordings.values()
        if not r.deleted and (r.end_time if by_end else r.date_time) in window and keep(r)
    ]
    return sorted(selected, key=lambda r: (r.date_time, r.id), reverse=True)


async def account_recordings(call: Call) -> Response:
    owner_type = call.query.get("owner_type") or "all"
    if owner_type not in ("all", "null", "user", "callQueue", "commonArea", "sharedOffice"):
        raise ApiError(400, 300, "Invalid field: owner_type.")
    recording_type = call.query.get("recording_type") or "null"
    if recording_type not in ("null", "OnDemand", "Automatic"):
        raise ApiError(400, 300, "Invalid field: recording_type.")
    if (call.query.get("query_date_type") or "start_time") not in ("start_time", "end_time"):
        raise ApiError(400, 300, "Invalid field: query_date_type.")
    window = date_window(call, default=RECORDINGS_DEFAULT, six_months=False)
    site = call.query.get("site_id")
    if owner_type not in ("all", "null", "user") or site not in (None, "", _site_id(call.world)):
        found: list[EmuPhoneRecording] = []  # every emulated recording belongs to a user
    else:
        found = _recordings_in(
            call, window, lambda r: recording_type == "null" or r.recording_type == recording_type
        )
    items = [phone_recording_json(call.world, r, account=True) for r in found]
    return zoom_json(call.page(items, "recordings", with_page_count=False))


async def user_recordings(call: Call) -> Response:
    user = _phone_user(call, 1001)
    window = date_window(call, default=RECORDINGS_DEFAULT)
    history = {c.recording_id: c.id for c in call.world.calls if c.recording_id}
    found = _recordings_in(call, window, lambda r: r.owner_id == user.id)
    items = [
        phone_recording_json(call.world, r, account=False, history_id=history.get(r.id))
        for r in found
    ]
    body = call.page(items, "recordings")
    return zoom_json({"from": window.first.isoformat(), "to": window.last.isoformat(), **body})


async def download_recording(call: Call) -> Response:
    recording = call.world.phone_recordings.get(call.ids["fileId"])
    if recording is None or recording.deleted:
        raise ApiError(400, 404, "File does not exist.")
    return stream_body(call.world, call.request, recording.body(), "audio/mpeg")


# call history ---------------------------------------------------------------------------------
def _party(prefix: str, name: str, number: str, user: EmuUser | None) -> dict[str, Any]:
    if _external(number) or user is None:
        return {
            f"{prefix}_name": name,
            f"{prefix}_did_number": number,
            f"{prefix}_number_type": "external_pstn",
            f"{prefix}_country_iso_code": "US",
        }
    return {
        f"{prefix}_ext_id": user.id,
        f"{prefix}_name": name,
        f"{prefix}_email": user.email,
        f"{prefix}_ext_number": number,
        f"{prefix}_ext_type": "user",
        f"{prefix}_number_type": "zoom_pstn",
        f"{prefix}_country_iso_code": "US",
    }


def _connect_type(entry: EmuCall) -> str:
    external = _external(entry.caller_number) or _external(entry.callee_number)
    return "external" if external else "internal"


def _call_common(world: World, entry: EmuCall) -> dict[str, Any]:
    user = world.users.get(entry.user_id)
    return {
        "call_id": entry.call_id,
        "direction": entry.direction,
        "connect_type": _connect_type(entry),
        "call_type": "general",
        "hide_caller_id": False,
        "end_to_end": False,
        **_party("caller", entry.caller_name, entry.caller_number, user),
        **_party("callee", entry.callee_name, entry.callee_number, user),
        "start_time": iso(entry.start_time),
        "answer_time": iso(entry.start_time),
        "end_time": iso(entry.end_time),
    }


def call_history_json(world: World, entry: EmuCall) -> dict[str, Any]:
    """One call as the account call history lists it (without its id key)."""
    user = world.users.get(entry.user_id)
    return {
        **_call_common(world, entry),
        "international": False,
        "duration": int((entry.end_time - entry.start_time).total_seconds()),
        "call_result": "answered",
        "department": user.dept if user else "",
        "site_id": _site_id(world),
        "site_name": SITE_NAME,
        "recording_status": "recorded" if entry.recording_id else "non_recorded",
    }


def user_call_json(world: World, entry: EmuCall) -> dict[str, Any]:
    """One call as a user's call history lists it (without its id keys)."""
    data = _call_common(world, entry)
    user = world.users.get(entry.user_id)
    side = "caller" if "caller_ext_id" in data else "callee"
    data |= {
        f"{side}_site_id": _site_id(world),
        f"{side}_department": user.dept if user else "",
        "event": "outgoing" if entry.direction == "outbound" else "incoming",
        "result": "answered",
        "talk_time": int((entry.end_time - entry.start_time).total_seconds()),
    }
    recording = world.phone_recordings.get(entry.recording_id or "")
    if recording is not None:
        data["recording_id"] = recording.id
        data["recording_type"] = (
            "automatic" if recording.recording_type == "Automatic" else "ad-hoc"
        )
    return data


def _searchable(world: World, entry: EmuCall) -> str:
    """What `keyword` searches: names, numbers, e-mail address and call id."""
    owner = world.users.get(entry.user_id)
    parts = (entry.caller_name, entry.caller_number, entry.callee_name, entry.callee_number)
    return " ".join((*parts, entry.call_id, owner.email if owner else "")).lower()


def _calls_in(call: Call, window: Window, user: EmuUser | None) -> list[EmuCall]:
    query = call.query
    if (query.get("time_type") or "start_time") not in ("start_time", "end_time"):
        raise ApiError(400, 300, "Invalid field: time_type.")
    recorded = query.get("recording_status") or ""
    if recorded not in ("", "recorded", "non_recorded"):
        raise ApiError(400, 300, "Invalid field: recording_status.")
    by_end = query.get("time_type") == "end_time"
    directions = _list_values(call, "directions")
    connect_types = _list_values(call, "connect_types")
    call_ids = _list_values(call, "call_ids")
    keyword = (query.get("keyword") or "").lower()
    world = call.world
    chosen = []
    for entry in world.calls:
        if user is not None and entry.user_id != user.id:
            continue
        if (entry.end_time if by_end else entry.start_time) not in window:
            continue
        if recorded and (entry.recording_id is not None) != (recorded == "recorded"):
            continue
        if directions and entry.direction not in directions:
            continue
        if connect_types and _connect_type(entry) not in connect_types:
            continue
        if call_ids and entry.call_id not in call_ids:
            continue
        if keyword and keyword not in _searchable(world, entry):
            continue
        chosen.append(entry)
    return sorted(chosen, key=lambda c: (c.start_time, c.id), reverse=True)


async def account_call_history(call: Call) -> Response:
    window = date_window(call, default=HISTORY_DEFAULT)
    world = call.world
    entries = _calls_in(call, window, None)
    body = call.page(
        [{"call_history_uuid": c.id, **call_history_json(world, c)} for c in entries],
        "call_history",
    )
    body["call_logs"] = [
        {
            "id": item["call_history_uuid"],
            **{k: v for k, v in item.items() if k != "call_history_uuid"},
        }
        for item in body["call_history"]
    ]
    return zoom_json({"from": window.first.isoformat(), "to": window.last.isoformat(), **body})


async def user_call_history(call: Call) -> Response:
    user = _phone_user(call, 300)
    window = date_window(call, default=HISTORY_DEFAULT)
    world = call.world
    entries = _calls_in(call, window, user)
    body = call.page(
        [{"id": c.id, "call_path_id": c.id, **user_call_json(world, c)} for c in entries],
        "call_logs",
    )
    body["call_elements"] = [
        {
            "call_element_id": item["id"],
            "call_history_uuid": item["id"],
            **{k: v for k, v in item.items() if k not in ("id", "call_path_id")},
        }
        for item in body["call_logs"]
    ]
    return zoom_json({"from": window.first.isoformat(), "to": window.last.isoformat(), **body})


def _phone(path: str, label: Label, scopes: tuple[str, ...], handler: Handler) -> ApiRoute:
    return ApiRoute("GET", path, label, scopes, handler, family="phone")


ROUTES = [
    _phone("/phone/recordings", "MEDIUM", ACCOUNT_RECORDINGS, account_recordings),
    _phone("/phone/users/{userId}/recordings", "MEDIUM", USER_RECORDINGS, user_recordings),
    _phone("/phone/recording/download/{fileId}", "MEDIUM", DOWNLOAD, download_recording),
    _phone("/phone/call_history", "HEAVY", ACCOUNT_HISTORY, account_call_history),
    _phone("/phone/users/{userId}/call_history", "MEDIUM", USER_HISTORY, user_call_history),
]
