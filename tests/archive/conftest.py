"""Fixtures for archive tests: an emulated Zoom account and a ZoomBridge pointed at it.

Each test gets its own ZOOMBRIDGE_HOME (SQLite catalog, DBOS database, local archive) under
tmp_path; Zoom is the emulator mounted as an httpx transport, with a manual clock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from archive_helpers import MakeBridge, archive_settings

from zoombridge.app import ZoomBridge
from zoombridge.clock import ManualClock
from zoombridge.emulator import DEMO_EPOCH, build_world, create_app
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.emulator.world import World


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(DEMO_EPOCH)


@pytest.fixture
def world(clock: ManualClock) -> World:
    return build_world("small", seed=3, clock=clock)


@pytest.fixture
def make_bridge(tmp_path: Path, world: World, clock: ManualClock) -> MakeBridge:
    def make(**archive: Any) -> ZoomBridge:
        settings = archive_settings(tmp_path / "home", world, **archive)
        return ZoomBridge(settings, transport=EmulatorTransport(create_app(world)), clock=clock)

    return make
