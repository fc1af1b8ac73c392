"""`zoombridge serve` on an installation with no Zoom connection yet (no ZOOMBRIDGE_ZOOM__*
variables, nothing registered) serves the portal, where an admin connects the first account;
it used to refuse to start ("Zoom credentials are not configured"), so the portal's "Connect
with Zoom" could not be reached on a fresh installation. Its status panel shows no `default`
(it used to record and show an empty one), before or after a connection is added there, nor
after a restart. A sync with nothing configured still refuses, naming the variables to set."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared_helpers import serving
from zoombridge.accounts import Role
from zoombridge.accounts.sessions import create_api_token
from zoombridge.accounts.users import create_user
from zoombridge.app import ZoomBridge
from zoombridge.clock import ShiftedClock
from zoombridge.emulator import DEFAULT_CREDENTIALS, DEMO_EPOCH, build_world, create_app
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.errors import ConfigurationError
from zoombridge.settings import Settings

PASSWORD = "a long enough passphrase"


def _finished(client: httpx.Client, name: str, after: str, seconds: float) -> dict[str, Any]:
    """The connection's status once a sync of it that started after `after` has finished."""
    deadline = time.monotonic() + seconds
    while True:
        found = {s["connection"]: s for s in client.get("/api/status").json()}
        status: dict[str, Any] = found.get(name, {})
        attempt = status.get("last_attempt_at") or ""
        if status.get("process") == "finished" and attempt > after:
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.3)


def test_serve_without_a_connection_serves_the_portal_and_the_one_added_there(
    tmp_path: Path,
) -> None:
    clock = ShiftedClock(DEMO_EPOCH)
    world = build_world("small", seed=3, users=2, meetings_per_user=1, phone=False, clock=clock)
    settings = Settings.model_validate(
        {"home": tmp_path / "home", "archive": {"poll_seconds": 3600}}
    )
    assert len(settings.zoom.missing_credentials()) == 3  # nothing in the environment
    bridge = ZoomBridge(settings, transport=EmulatorTransport(create_app(world)), clock=clock)
    catalog = bridge.catalog()
    admin = create_user(catalog, "it@example.edu", Role.ADMIN, clock.now(), password=PASSWORD)
    _, token = create_api_token(catalog, admin.id, "test", clock.now())
    catalog.dispose()
    credentials = {key: DEFAULT_CREDENTIALS[key] for key in ("account_id", "client_id")}
    credentials["client_secret"] = DEFAULT_CREDENTIALS["client_secret"]
    headers = {"authorization": f"Bearer {token}"}
    with serving(bridge) as base, httpx.Client(base_url=base, headers=headers) as client:
        assert client.get("/api/status").json() == []  # no connection yet, no `default`
        added = client.post("/api/connections", json={"name": "faculty", **credentials})
        assert added.status_code == 201, added.text
        first = _finished(client, "faculty", "", 60)
        assert first["files"].get("archived", 0) > 0, first
    # started again: the status panel recorded no `default`, and there is none to be shown
    with serving(bridge) as base, httpx.Client(base_url=base, headers=headers) as client:
        again = _finished(client, "faculty", first["last_attempt_at"], 60)
        assert again["files"] == first["files"]
        assert [s["connection"] for s in client.get("/api/status").json()] == ["faculty"]
        assert [c["name"] for c in client.get("/api/connections").json()] == ["faculty"]


@pytest.mark.anyio
async def test_a_sync_with_nothing_configured_still_names_the_variables(tmp_path: Path) -> None:
    bridge = ZoomBridge(Settings.model_validate({"home": tmp_path / "home"}))
    with pytest.raises(ConfigurationError, match="ZOOMBRIDGE_ZOOM__ACCOUNT_ID"):
        async with bridge.archives():
            pass
