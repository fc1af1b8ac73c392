"""Secrets never reach a log or a repr: a connection add and a sync of two connections with
zoombridge's, httpx's and httpcore's loggers at DEBUG (and DBOS's, which logs to stderr), then
every record, everything printed, and the repr of every settings and connection object
searched for the client secrets, the webhook secrets and the access tokens Zoom issued."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from archive_helpers import archive_settings
from pydantic import SecretStr

from zoombridge.app import ZoomBridge
from zoombridge.archive.connections import add_connection, get_info, validate_connection
from zoombridge.archive.service import sync_once
from zoombridge.clock import ManualClock
from zoombridge.emulator import DEFAULT_CREDENTIALS, create_app
from zoombridge.emulator.scenarios import all_scopes
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.emulator.world import App, World

pytestmark = pytest.mark.anyio

CLIENT_SECRET = "cs-default-4c1f0e9a7d"
WEBHOOK_SECRET = "whsec-default-8b2d5e"
TENANT_CLIENT = "tenant-client"
TENANT_SECRET = "cs-tenant-73a9c2f6e1"
TENANT_WEBHOOK_SECRET = "whsec-tenant-0d4e6b"
LOGGERS = ("zoombridge", "httpx", "httpcore")


def bridge_with_secrets(home: Path, world: World, clock: ManualClock) -> ZoomBridge:
    world.apps[DEFAULT_CREDENTIALS["client_id"]].client_secret = CLIENT_SECRET
    world.apps[TENANT_CLIENT] = App(TENANT_CLIENT, TENANT_SECRET, "s2s", all_scopes())
    settings = archive_settings(home, world)
    zoom = settings.zoom.model_copy(
        update={
            "client_secret": SecretStr(CLIENT_SECRET),
            "webhook_secret": SecretStr(WEBHOOK_SECRET),
        }
    )
    settings = settings.model_copy(update={"zoom": zoom, "dbos_log_level": "DEBUG"})
    return ZoomBridge(settings, transport=EmulatorTransport(create_app(world)), clock=clock)


async def add_tenant(bridge: ZoomBridge) -> list[str]:
    """`zoombridge connection add tenant` as the command does it; the reprs it could show."""
    fields = {
        "account_id": DEFAULT_CREDENTIALS["account_id"],
        "client_id": TENANT_CLIENT,
        "client_secret": TENANT_SECRET,
        "webhook_secret": TENANT_WEBHOOK_SECRET,
        "plan": bridge.settings.zoom.plan,
    }
    zoom, _, stored = validate_connection("tenant", fields, {}, bridge.settings.archive)
    await bridge.check_connection(zoom)
    catalog = bridge.catalog()
    try:
        add_connection(catalog, bridge.keyring(), "tenant", zoom, stored, bridge.clock.now())
        config = bridge.connection(catalog, "tenant")
        info = get_info(catalog, bridge.settings, "tenant")
    finally:
        catalog.dispose()
    assert config.zoom.webhook_secret.get_secret_value() == TENANT_WEBHOOK_SECRET
    return [repr(zoom), repr(config), repr(config.zoom), repr(info), json.dumps(info.as_dict())]


async def test_secrets_and_tokens_never_reach_a_log_or_a_repr(
    tmp_path: Path,
    world: World,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    for name in (None, *LOGGERS):
        caplog.set_level(logging.DEBUG, logger=name)
    bridge = bridge_with_secrets(tmp_path / "home", world, clock)
    shown = await add_tenant(bridge)
    async with bridge.serving() as served:
        assert [rt.name for _, rt in served] == ["default", "tenant"]
        summaries = [await sync_once(rt) for _, rt in served]
        shown += [repr(config) + repr(config.zoom) + repr(rt) for config, rt in served]
    shown += [repr(bridge.settings), repr(bridge.settings.zoom), repr(bridge.keyring())]

    assert all((s.error, s.failed) == (None, 0) and s.verified > 0 for s in summaries)
    tokens = list(world.tokens.access)
    assert len({t.client_id for t in world.tokens.access.values()}) == 2  # both apps signed in
    logged = [record.getMessage() + repr(record.args) for record in caplog.records]
    assert any("/oauth/token" in text for text in logged)  # the token requests were logged
    printed = capfd.readouterr()
    texts = [*logged, caplog.text, printed.out, printed.err, *shown]
    secrets = {
        "client secret": CLIENT_SECRET,
        "webhook secret": WEBHOOK_SECRET,
        "tenant's client secret": TENANT_SECRET,
        "tenant's webhook secret": TENANT_WEBHOOK_SECRET,
        **{f"access token {n}": token for n, token in enumerate(tokens, 1)},
    }
    for what, secret in secrets.items():
        leaks = [text for text in texts if secret in text]
        assert leaks == [], f"the {what} is shown in: {leaks[0][:300]}"
