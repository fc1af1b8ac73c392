"""A running `zoombridge serve` serves a connection added after it started, without a restart:
one an admin adds through the portal's API (the portal tells the service at once), and one
another process adds to the catalog (`zoombridge connection add`; the service finds it on its
periodic look). Each syncs to Finished, receives its signed webhooks and shows in /metrics."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared_helpers import archive_settings, serving
from zoombridge.accounts import Role
from zoombridge.accounts.sessions import create_api_token
from zoombridge.accounts.users import create_user
from zoombridge.app import ZoomBridge
from zoombridge.archive.connections import add_connection, validate_connection
from zoombridge.cli import serving_set
from zoombridge.clock import Clock, ShiftedClock
from zoombridge.emulator import DEFAULT_CREDENTIALS, DEMO_EPOCH, build_world, create_app
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.zoom.webhooks import sign

PASSWORD = "a long enough passphrase"


def _credentials(bridge: ZoomBridge, webhook_secret: str) -> dict[str, str]:
    zoom = bridge.settings.zoom
    fields = {key: DEFAULT_CREDENTIALS[key] for key in ("account_id", "client_id", "client_secret")}
    return fields | {
        "webhook_secret": webhook_secret,
        "plan": zoom.plan,
        "api_url": str(zoom.api_url),
        "oauth_url": str(zoom.oauth_url),
    }


def _webhook(client: httpx.Client, name: str, secret: str, clock: Clock) -> httpx.Response:
    payload = {"account_id": DEFAULT_CREDENTIALS["account_id"], "object": {"id": 42}}
    body = json.dumps({"event": "meeting.started", "event_ts": 1, "payload": payload}).encode()
    stamp = str(int(clock.now().timestamp()))
    headers = {"x-zm-request-timestamp": stamp, "x-zm-signature": sign(secret, stamp, body)}
    return client.post(f"/webhooks/zoom/{name}", content=body, headers=headers)


def _finished(client: httpx.Client, name: str, seconds: float) -> dict[str, Any]:
    """The connection's status once a sync of it has finished."""
    deadline = time.monotonic() + seconds
    while True:
        found = {s["connection"]: s for s in client.get("/api/status").json()}
        status = found.get(name, {})
        if status.get("process") == "finished" and status.get("last_finished_at"):
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.3)


def _samples(client: httpx.Client) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    scraped = client.get("/metrics")
    assert scraped.status_code == 200
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(scraped.text)
        for s in family.samples
    }


def test_connections_added_while_serving_are_synced_and_receive_webhooks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serving_set, "LOOK_SECONDS", 0.5)
    clock = ShiftedClock(DEMO_EPOCH)
    world = build_world("small", seed=3, users=2, meetings_per_user=2, phone=False, clock=clock)
    settings = archive_settings(tmp_path / "home", world, poll_seconds=3600)
    bridge = ZoomBridge(settings, transport=EmulatorTransport(create_app(world)), clock=clock)
    catalog = bridge.catalog()
    admin = create_user(catalog, "it@example.edu", Role.ADMIN, clock.now(), password=PASSWORD)
    _, token = create_api_token(catalog, admin.id, "test", clock.now())
    try:
        with (
            serving(bridge) as base,
            httpx.Client(base_url=base, headers={"authorization": f"Bearer {token}"}) as client,
        ):
            _finished(client, "default", 60)  # the round serve runs when it starts
            assert _webhook(client, "faculty", "faculty-hook", clock).status_code == 404

            # an admin adds a connection in the portal: the service is told at once
            added = client.post(
                "/api/connections", json={"name": "faculty"} | _credentials(bridge, "faculty-hook")
            )
            assert added.status_code == 201, added.text
            status = _finished(client, "faculty", 60)
            assert status["files"].get("archived", 0) > 0, status
            accepted = _webhook(client, "faculty", "faculty-hook", clock)
            assert (accepted.status_code, accepted.json()) == (200, {"status": "accepted"})
            assert _webhook(client, "faculty", "wrong-secret", clock).status_code == 401

            # "Sync now" reaches its loop: a new round finishes after the first
            asked = client.post("/api/connections/faculty/sync")
            assert asked.status_code == 202
            before = status["last_finished_at"]
            deadline = time.monotonic() + 60
            while _finished(client, "faculty", 60)["last_finished_at"] == before:
                assert time.monotonic() < deadline, "Sync now did not start a round"
                time.sleep(0.3)

            # another process adds one to the catalog: the periodic look finds it
            zoom, _, stored = validate_connection(
                "staff", _credentials(bridge, "staff-hook"), {}, settings.archive
            )
            add_connection(catalog, bridge.keyring(), "staff", zoom, stored, clock.now())
            _finished(client, "staff", 60)
            assert _webhook(client, "staff", "staff-hook", clock).status_code == 200

            samples = _samples(client)
            for name in ("faculty", "staff"):
                calls = ("zoombridge_zoom_api_calls_total", frozenset({("connection", name)}))
                assert samples[calls] > 0
                rounds = {("connection", name), ("outcome", "finished")}
                assert samples["zoombridge_sync_rounds_total", frozenset(rounds)] >= 1
    finally:
        catalog.dispose()
