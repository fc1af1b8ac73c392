"""An admin configures a connection (VIDIZMO's "Zoom app"): good settings are saved, bad ones
are refused with the reason and change nothing; the environment's connection is on/off only."""

from __future__ import annotations

import pytest
from portal_helpers import Portal, csrf_of

from zoombridge.accounts import Role
from zoombridge.archive.connections import add_connection
from zoombridge.settings import ZoomSettings

pytestmark = pytest.mark.anyio

FORM = {
    "enabled": "true",
    "users": "ada@example.edu\nGrace@Example.edu",
    "join_segments": "true",
    "delete_from_zoom": "true",
    "delete_grace_days": "14",
    "delete_action": "trash",
}


def _register(portal: Portal, name: str = "faculty") -> None:
    zoom = ZoomSettings(account_id="acc", client_id="cid", client_secret="secret-value")
    add_connection(portal.catalog, portal.bridge.keyring(), name, zoom, {}, portal.clock.now())


async def _settings(client: object, name: str = "faculty") -> dict[str, object]:
    response = await client.get(f"/api/connections/{name}/settings")  # type: ignore[attr-defined]
    assert response.status_code == 200
    found: dict[str, object] = response.json()
    return found


async def test_an_admin_saves_the_settings_of_a_connection(portal: Portal) -> None:
    _register(portal)
    client = await portal.signed_in(Role.ADMIN)
    page = await client.get("/connections/faculty")
    assert "Sync this connection" in page.text
    saved = await client.post(
        "/connections/faculty", data=FORM | {"csrf_token": await csrf_of(client)}
    )
    assert (saved.status_code, saved.headers["location"]) == (303, "/connections/faculty?saved=1")
    assert await _settings(client) == {
        "name": "faculty",
        "enabled": True,
        "from_environment": False,
        "users": ["ada@example.edu", "grace@example.edu"],
        "join_segments": True,
        "delete_from_zoom": True,
        "delete_grace_days": 14,
        "delete_action": "trash",
        "auth": "s2s",  # a Server-to-Server app (test_connect_with_zoom.py: "oauth")
        "reauthorization": None,
        "publish_as": "me",  # publishing was not sent: never saved (test_publishing_settings.py)
        "publish_status": "draft",
        "publisher": None,
        "default_visibility": "signed_in",
    }
    unticked = {k: v for k, v in FORM.items() if k not in ("enabled", "join_segments")}
    await client.post("/connections/faculty", data=unticked | {"csrf_token": await csrf_of(client)})
    after = await _settings(client)
    assert (after["enabled"], after["join_segments"]) == (False, False)
    listed = (await client.get("/api/connections")).json()
    assert [c["name"] for c in listed] == ["default", "faculty"]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("users", "ada@example.edu, not an address", "not e-mail addresses"),
        ("delete_grace_days", "-1", "delete_grace_days"),
        ("delete_grace_days", "400", "delete_grace_days"),
        ("delete_grace_days", "a week", "delete_grace_days"),
        ("delete_action", "shred", "delete_action"),
    ],
)
async def test_bad_settings_are_refused_with_the_reason_and_nothing_is_saved(
    portal: Portal, field: str, value: str, reason: str
) -> None:
    _register(portal)
    client = await portal.signed_in(Role.ADMIN)
    before = await _settings(client)
    form = FORM | {field: value, "csrf_token": await csrf_of(client)}
    refused = await client.post("/connections/faculty", data=form)
    assert refused.status_code == 422
    assert reason in refused.text
    assert await _settings(client) == before
    api = await client.put(
        "/api/connections/faculty/settings",
        json={"enabled": False, field: value},
        headers={"x-csrf-token": await csrf_of(client)},
    )
    assert api.status_code == 422
    assert await _settings(client) == before


async def test_the_environments_connection_is_only_switched_on_or_off(portal: Portal) -> None:
    client = await portal.signed_in(Role.ADMIN)
    csrf = {"x-csrf-token": await csrf_of(client)}
    off = await client.put(
        "/api/connections/default/settings", json={"enabled": False}, headers=csrf
    )
    assert off.json()["enabled"] is False
    changed = await client.put(
        "/api/connections/default/settings",
        json={"enabled": True, "delete_from_zoom": True},
        headers=csrf,
    )
    assert changed.status_code == 422
    assert "ZOOMBRIDGE_* variables" in changed.json()["detail"]
    assert (await _settings(client, "default"))["enabled"] is False
    page = await client.get("/connections/default")
    assert "comes from the ZOOMBRIDGE_* variables" in page.text
    assert (await client.get("/api/connections/nowhere/settings")).status_code == 404
