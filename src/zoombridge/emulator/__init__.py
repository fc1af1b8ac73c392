"""A faithful HTTP-level Zoom: OAuth, the REST API, the download host and webhooks.

Zoom has no sandbox for cloud recordings, so this is how users (and our tests and demo) try
zoombridge against "Zoom" without a Zoom account:

    world = build_world("demo", seed=1)
    app = create_app(world)
    zoom = ZoomClient(account_id="emulator-account", client_id="emulator-client",
                      client_secret="emulator-secret", transport=EmulatorTransport(app))

or from a shell: `zoombridge emulator --port 9000 --scenario demo`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zoombridge.lazy import lazy_names

if TYPE_CHECKING:
    from zoombridge.emulator.app import create_app
    from zoombridge.emulator.faults import Faults
    from zoombridge.emulator.scenarios import (
        DEFAULT_CREDENTIALS,
        DEMO_EPOCH,
        SCENARIOS,
        ScenarioOptions,
        build_world,
    )
    from zoombridge.emulator.sender import WebhookSender
    from zoombridge.emulator.transport import EmulatorTransport
    from zoombridge.emulator.world import World

# Each name is imported on first use: every `zoombridge` command loads the CLI module that
# serves the emulator, and only `zoombridge emulator` and the demo need its web app.
_WHERE = {
    "create_app": "zoombridge.emulator.app",
    "Faults": "zoombridge.emulator.faults",
    "DEFAULT_CREDENTIALS": "zoombridge.emulator.scenarios",
    "DEMO_EPOCH": "zoombridge.emulator.scenarios",
    "SCENARIOS": "zoombridge.emulator.scenarios",
    "ScenarioOptions": "zoombridge.emulator.scenarios",
    "build_world": "zoombridge.emulator.scenarios",
    "WebhookSender": "zoombridge.emulator.sender",
    "EmulatorTransport": "zoombridge.emulator.transport",
    "World": "zoombridge.emulator.world",
}

__getattr__ = lazy_names(__name__, _WHERE)

__all__ = [
    "DEFAULT_CREDENTIALS",
    "DEMO_EPOCH",
    "SCENARIOS",
    "EmulatorTransport",
    "Faults",
    "ScenarioOptions",
    "WebhookSender",
    "World",
    "build_world",
    "create_app",
]
