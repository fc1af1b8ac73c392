"""pytest plugin (entry point `zoombridge`): a Zoom emulator world and a client wired to it.

Available to zoombridge's tests and to anyone testing their own setup with zoombridge:

    async def test_lists_users(zoom_client):
        assert [u async for u in users.list_users(zoom_client)]

Fixtures:
- `zoom_clock`     a ManualClock shared by the emulator and the client (pacing sleeps advance it)
- `zoom_world`     the seeded "small" scenario (override `zoom_scenario` to pick another)
- `zoom_app`       the emulator ASGI app over that world
- `zoom_transport` an httpx transport into the app (no sockets)
- `zoom_client`    a ZoomClient on the default emulator credentials

and `serve_in_thread(world)` / `serve_asgi(app)`: the emulator (or any ASGI app) on a real
loopback socket, for code that must cross TCP (a forward proxy, a subprocess, the CLI).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Iterator

import psycopg
import pytest
from starlette.types import ASGIApp

from zoombridge.clock import ManualClock
from zoombridge.emulator import (
    DEFAULT_CREDENTIALS,
    DEMO_EPOCH,
    EmulatorTransport,
    World,
    build_world,
    create_app,
)
from zoombridge.emulator.served import serve_asgi, serve_in_thread
from zoombridge.zoom import ZoomClient

__all__ = ["make_zoom_client", "serve_asgi", "serve_in_thread"]

EMULATOR_START = DEMO_EPOCH


POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"


@contextlib.contextmanager
def fresh_postgres_database(prefix: str = "zb_test") -> Iterator[str]:
    """A new database on the local PostgreSQL server, dropped (connections and all) after;
    psycopg.OperationalError when no server answers (callers decide: skip, fail, or go on)."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=3)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{POSTGRES_SERVER}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_zoom_client(world: World, transport: EmulatorTransport, **kw: object) -> ZoomClient:
    """A client on the emulator's default Server-to-Server app."""
    options: dict[str, object] = {
        "account_id": DEFAULT_CREDENTIALS["account_id"],
        "client_id": DEFAULT_CREDENTIALS["client_id"],
        "client_secret": DEFAULT_CREDENTIALS["client_secret"],
        "transport": transport,
        "clock": world.clock,
        "plan": world.plan,
    }
    options.update(kw)
    return ZoomClient(**options)  # type: ignore[arg-type]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def zoom_clock() -> ManualClock:
    return ManualClock(EMULATOR_START)


@pytest.fixture
def zoom_scenario() -> str:
    return "small"


@pytest.fixture
def zoom_world(zoom_clock: ManualClock, zoom_scenario: str) -> World:
    return build_world(zoom_scenario, seed=1, clock=zoom_clock)


@pytest.fixture
def zoom_app(zoom_world: World) -> ASGIApp:
    return create_app(zoom_world)


@pytest.fixture
def zoom_transport(zoom_app: ASGIApp) -> EmulatorTransport:
    return EmulatorTransport(zoom_app)


@pytest.fixture
async def zoom_client(
    zoom_world: World, zoom_transport: EmulatorTransport
) -> AsyncIterator[ZoomClient]:
    async with make_zoom_client(zoom_world, zoom_transport) as client:
        yield client
