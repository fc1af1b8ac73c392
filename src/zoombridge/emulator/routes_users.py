"""Users endpoints: list (by status), get, settings, assistants."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from zoombridge.emulator.api import ApiError, ApiRoute, Call, iso, zoom_json
from zoombridge.emulator.world import EmuUser, World

__all__ = ["ROUTES", "user_list_json"]

STATUSES = ("active", "inactive", "pending")


def user_list_json(user: EmuUser) -> dict[str, Any]:
    """A user as `GET /users` lists them; pending users (invited, never signed in) have no id
    yet, as Zoom documents."""
    data: dict[str, Any] = {} if user.status == "pending" else {"id": user.id}
    data |= {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": user.display_name,
        "email": user.email,
        "type": user.type,
        "pmi": user.pmi,
        "timezone": user.timezone,
        "verified": 1,
        "dept": user.dept,
        "created_at": iso(user.created_at),
        "user_created_at": iso(user.created_at),
        "last_client_version": "6.4.6.53970(mac)",
        "status": user.status,
        "role_id": user.role_id,
    }
    if user.last_login_time:
        data["last_login_time"] = iso(user.last_login_time)
    return data


def user_detail_json(world: World, user: EmuUser) -> dict[str, Any]:
    data = {"id": user.id, **user_list_json(user)}
    del data["verified"]
    data |= {
        "account_id": world.account_id,
        "role_name": {"0": "Owner", "1": "Admin"}.get(user.role_id, "Member"),
        "use_pmi": False,
        "personal_meeting_url": f"{world.web_base}/j/{user.pmi}",
        "language": "en-US",
        "verified": 1,
    }
    return data


async def list_users(call: Call) -> Response:
    status = call.query.get("status") or "active"
    if status not in STATUSES:
        raise ApiError(400, 300, "Invalid field: status.")
    role = call.query.get("role_id")
    users = [
        u
        for u in call.world.users.values()
        if not u.deleted and u.status == status and (role is None or u.role_id == role)
    ]
    users.sort(key=lambda u: u.email)
    body = call.page([user_list_json(u) for u in users], "users")
    return zoom_json({"page_number": 1, **body})


async def get_user(call: Call) -> Response:
    return zoom_json(user_detail_json(call.world, call.user()))


async def user_settings(call: Call) -> Response:
    user = call.user()
    if call.query.get("option") == "meeting_security":
        rule = dict(call.world.passcode_requirement)
        return zoom_json({"meeting_security": {"meeting_password_requirement": rule}})
    return zoom_json(
        {
            "feature": {
                "meeting_capacity": 300 if user.type == 2 else 100,
                "large_meeting": False,
                "webinar": user.webinar,
                "webinar_capacity": 500 if user.webinar else 0,
                "cn_meeting": False,
                "in_meeting": False,
                "zoom_phone": user.phone_extension is not None,
            },
            "recording": {"cloud_recording": user.type == 2, "auto_recording": "none"},
        }
    )


def _assistants(world: World, user: EmuUser) -> list[EmuUser]:
    return [world.users[a] for a in world.assistants.get(user.id, []) if a in world.users]


async def list_assistants(call: Call) -> Response:
    user = call.user()
    items = [
        {"id": a.id, "email": a.email, "can_manage_host_private_event": False}
        for a in _assistants(call.world, user)
    ]
    return zoom_json({"assistants": items})


async def add_assistants(call: Call) -> Response:
    user = call.user()
    body = await call.json()
    entries = body.get("assistants")
    if not isinstance(entries, list) or not entries:
        raise ApiError(
            400,
            300,
            "Validation Failed.",
            errors=[{"field": "assistants", "message": "Invalid field."}],
        )
    added = []
    for entry in entries:
        key = (
            (entry or {}).get("id") or (entry or {}).get("email")
            if isinstance(entry, dict)
            else None
        )
        assistant = call.world.find_user(str(key)) if key else None
        if assistant is None:
            raise ApiError(404, 1001, f"User does not exist: {key}.")
        if assistant.id == user.id:
            raise ApiError(400, 200, "Can't assign scheduling privilege to yourself.")
        if user.type != 2 or assistant.type != 2:
            raise ApiError(400, 200, "Both the user and the assistant must be Licensed users.")
        current = call.world.assistants.setdefault(user.id, [])
        if assistant.id not in current:
            current.append(assistant.id)
        added.append(assistant.id)
    return zoom_json({"ids": ",".join(added), "add_at": iso(call.world.now())}, 201)


async def delete_assistants(call: Call) -> Response:
    user = call.user()
    call.world.assistants.pop(user.id, None)
    return Response(status_code=204)


async def delete_assistant(call: Call) -> Response:
    user = call.user()
    current = call.world.assistants.get(user.id, [])
    if call.ids["assistantId"] not in current:
        raise ApiError(404, 1001, f"User does not exist: {call.ids['assistantId']}.")
    current.remove(call.ids["assistantId"])
    return Response(status_code=204)


ROUTES = [
    ApiRoute(
        "GET", "/users", "MEDIUM", ("user:read:list_users:admin", "user:read:admin"), list_users
    ),
    ApiRoute(
        "GET", "/users/{userId}", "LIGHT", ("user:read:user:admin", "user:read:admin"), get_user
    ),
    ApiRoute(
        "GET",
        "/users/{userId}/settings",
        "MEDIUM",
        ("user:read:settings:admin", "user:read:admin"),
        user_settings,
    ),
    ApiRoute(
        "GET",
        "/users/{userId}/assistants",
        "MEDIUM",
        ("user:read:list_assistants:admin", "user:read:admin"),
        list_assistants,
    ),
    ApiRoute(
        "POST",
        "/users/{userId}/assistants",
        "MEDIUM",
        ("user:write:assistant:admin", "user:write:admin"),
        add_assistants,
    ),
    ApiRoute(
        "DELETE",
        "/users/{userId}/assistants",
        "LIGHT",
        ("user:delete:assistant:admin", "user:write:admin"),
        delete_assistants,
    ),
    ApiRoute(
        "DELETE",
        "/users/{userId}/assistants/{assistantId}",
        "LIGHT",
        ("user:delete:assistant:admin", "user:write:admin"),
        delete_assistant,
    ),
]
