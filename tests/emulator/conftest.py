"""Shared fixtures for the emulator tests: a demo world on a manual clock, and clients of it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from emulator_http import connect, plain_client

from zoombridge.clock import ManualClock
from zoombridge.emulator.app import create_app
from zoombridge.emulator.scenarios import build_world
from zoombridge.emulator.world import World


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()  # 2026-01-15 12:00 UTC, a Thursday


@pytest.fixture
def world(clock: ManualClock) -> World:
    return build_world("demo", seed=1, clock=clock)


@pytest.fixture
async def api(world: World) -> AsyncIterator[httpx.AsyncClient]:
    """A client with a Server-to-Server token as its Authorization."""
    async with connect(world) as client:
        yield client


@pytest.fixture
async def http(world: World) -> AsyncIterator[httpx.AsyncClient]:
    """No credentials: OAuth calls pass their own, admin calls need none."""
    async with plain_client(create_app(world)) as client:
        yield client
