"""An admin connects a Zoom account with a Server-to-Server app's credentials: Zoom (the
emulator, over a real socket) is asked at once; refused credentials or missing scopes are
named and nothing is saved; accepted secrets are stored encrypted only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from portal_helpers import Portal, csrf_of

from zoombridge.accounts import Role
from zoombridge.archive.connections import list_connections
from zoombridge.emulator import DEFAULT_CREDENTIALS, build_world
from zoombridge.emulator.served import Served, serve_in_thread
from zoombridge.emulator.world import World

pytestmark = pytest.mark.anyio

SECRET = DEFAULT_CREDENTIALS["client_secret"]


@pytest.fixture
def zoom() -> Iterator[Served]:
    world = build_world("small", seed=3, users=2, phone=False)
    with serve_in_thread(world) as served:
        yield served


def _form(zoom: Served, **changes: str) -> dict[str, str]:
    return {
        "name": "faculty",
        "account_id": DEFAULT_CREDENTIALS["account_id"],
        "client_id": DEFAULT_CREDENTIALS["client_id"],
        "client_secret": SECRET,
        "webhook_secret": "hook-secret-value",
        "plan": "business",
        "api_url": f"{zoom.base}/v2",
        "oauth_url": zoom.base,
    } | changes


def _names(portal: Portal) -> list[str]:
    return [info.name for info in list_connections(portal.catalog, portal.bridge.settings)]


async def test_accepted_credentials_are_saved_encrypted(
    portal: Portal, zoom: Served, tmp_path: Path
) -> None:
    client = await portal.signed_in(Role.ADMIN)
    form = _form(zoom) | {"csrf_token": await csrf_of(client)}
    added = await client.post("/connect", data=form)
    assert (added.status_code, added.headers["location"]) == (303, "/connections/faculty?added=1")
    assert _names(portal) == ["default", "faculty"]
    stored = (tmp_path / "catalog.sqlite").read_bytes()
    assert SECRET.encode() not in stored
    assert b"hook-secret-value" not in stored
    settings = (await client.get("/api/connections/faculty/settings")).json()
    assert settings["enabled"] is True


@pytest.mark.parametrize(
    ("problem", "reason"),
    [
        ("scopes", "lacks scopes: user:read:list_users:admin"),
        ("secret", "invalid_client"),
        ("account", "account_id"),
        ("name", "name"),
    ],
)
async def test_refused_credentials_are_named_and_nothing_is_saved(
    portal: Portal, zoom: Served, problem: str, reason: str
) -> None:
    world: World = zoom.world
    form = _form(zoom)
    if problem == "scopes":
        scopes = world.apps[DEFAULT_CREDENTIALS["client_id"]].scopes
        scopes -= {scope for scope in scopes if scope.startswith("user:")}
    elif problem == "secret":
        form["client_secret"] = "not-the-secret"
    elif problem == "account":
        form["account_id"] = ""
    else:
        form["name"] = "../etc"
    client = await portal.signed_in(Role.ADMIN)
    refused = await client.post("/connect", data=form | {"csrf_token": await csrf_of(client)})
    assert refused.status_code == 422
    assert reason in " ".join(refused.text.split())
    assert "not-the-secret" not in refused.text  # a secret is never echoed back
    api = await client.post(
        "/api/connections", json=form, headers={"x-csrf-token": await csrf_of(client)}
    )
    assert api.status_code == 422
    assert _names(portal) == ["default"]  # the installation's own, nothing added


async def test_a_name_is_taken_once(portal: Portal, zoom: Served) -> None:
    client = await portal.signed_in(Role.ADMIN)
    headers = {"x-csrf-token": await csrf_of(client)}
    first = await client.post("/api/connections", json=_form(zoom), headers=headers)
    assert first.status_code == 201
    assert first.json()["name"] == "faculty"
    again = await client.post("/api/connections", json=_form(zoom), headers=headers)
    assert again.status_code == 422
    assert "exists" in again.json()["detail"]
