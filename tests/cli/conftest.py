"""What the CLI tests share."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from shared_helpers import archive_settings
from zoombridge.app import ZoomBridge
from zoombridge.archive.service import sync_once
from zoombridge.clock import ManualClock
from zoombridge.emulator import DEMO_EPOCH, build_world, create_app
from zoombridge.emulator.transport import EmulatorTransport


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh ZOOMBRIDGE_HOME, and none of the caller's ZOOMBRIDGE_* settings."""
    for name in list(os.environ):
        if name.startswith("ZOOMBRIDGE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ZOOMBRIDGE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture(scope="module")
def archive_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small account archived once into a fresh ZOOMBRIDGE_HOME, one per test module
    (a module may damage its copy)."""
    home = tmp_path_factory.mktemp("archived") / "home"
    clock = ManualClock(DEMO_EPOCH)
    world = build_world("small", seed=3, clock=clock)
    settings = archive_settings(home, world)
    bridge = ZoomBridge(settings, transport=EmulatorTransport(create_app(world)), clock=clock)

    async def archive_once() -> None:
        async with bridge.archive() as runtime:
            assert (await sync_once(runtime)).verified > 0

    asyncio.run(archive_once())
    return home
