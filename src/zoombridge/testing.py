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

`serve_emulator(world)` runs the emulator on a real loopback socket (uvicorn in a thread) for
tests that cross TCP or start other processes.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import uvicorn
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
from zoombridge.zoom import ZoomClient

__all__ = ["make_zoom_client", "serve_emulator"]

EMULATOR_START = DEMO_EPOCH
STARTUP_SECONDS = 10.0


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


@contextlib.contextmanager
def serve_emulator(world: World, wrap: Callable[[ASGIApp], ASGIApp] | None = None) -> Iterator[str]:
    """The emulator over `world` on 127.0.0.1 (a port the OS picked, bound before the server
    thread starts); yields its base URL. `wrap` may put middleware (a request log) around it."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    world.web_base = world.api_url = base
    app = create_app(world, on_network=True)
    config = uvicorn.Config(
        wrap(app) if wrap else app,
        log_config=None,
        log_level="critical",
        access_log=False,
        ws="none",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not server.started:
            assert thread.is_alive(), "the emulator stopped while starting"
            assert time.monotonic() < deadline, "the emulator did not start in time"
            time.sleep(0.01)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_SECONDS)
        listener.close()
    assert not thread.is_alive(), "the emulator did not stop"


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
