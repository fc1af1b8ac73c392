"""Users and their scheduling assistants."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal

from zoombridge.zoom.client import ZoomClient
from zoombridge.zoom.endpoints import ENDPOINTS
from zoombridge.zoom.models import Assistant, User

__all__ = [
    "add_assistants",
    "delete_assistant",
    "delete_assistants",
    "get_user",
    "get_user_settings",
    "iter_all_users",
    "list_assistants",
    "list_users",
]

UserStatus = Literal["active", "inactive", "pending"]
ALL_STATUSES: tuple[UserStatus, ...] = ("active", "inactive", "pending")


async def list_users(
    zoom: ZoomClient, status: UserStatus = "active", *, role_id: str | None = None
) -> AsyncIterator[User]:
    """Users with one status (Zoom lists only active users unless asked)."""
    params = {"status": status, "role_id": role_id}
    async for item in zoom.pages(ENDPOINTS["users"], "users", params=params):
        yield User.model_validate(item)


async def iter_all_users(zoom: ZoomClient) -> AsyncIterator[User]:
    """Every user: active, deactivated and pending. Archives must not forget the first two."""
    for status in ALL_STATUSES:
        async for user in list_users(zoom, status):
            yield user


async def get_user(zoom: ZoomClient, user_id: str) -> User:
    return User.model_validate(await zoom.call(ENDPOINTS["user"], userId=user_id))


async def get_user_settings(zoom: ZoomClient, user_id: str, option: str | None = None) -> Any:
    """A user's settings (e.g. `feature.webinar` tells whether they hold the webinar add-on)."""
    params = {"option": option}
    return await zoom.call(ENDPOINTS["user_settings"], params=params, userId=user_id)


async def list_assistants(zoom: ZoomClient, user_id: str) -> list[Assistant]:
    body = await zoom.call(ENDPOINTS["assistants"], userId=user_id)
    return [Assistant.model_validate(a) for a in (body or {}).get("assistants", [])]


async def add_assistants(zoom: ZoomClient, user_id: str, emails: Sequence[str]) -> Any:
    """Give users scheduling privilege for `user_id` (both must be licensed on the account)."""
    body = {"assistants": [{"email": email} for email in emails]}
    return await zoom.call(ENDPOINTS["assistants_add"], json=body, userId=user_id)


async def delete_assistants(zoom: ZoomClient, user_id: str) -> None:
    await zoom.call(ENDPOINTS["assistants_delete"], userId=user_id)


async def delete_assistant(zoom: ZoomClient, user_id: str, assistant_id: str) -> None:
    await zoom.call(ENDPOINTS["assistant_delete"], userId=user_id, assistantId=assistant_id)
