"""The emulator on a real loopback socket (uvicorn in a thread of the test process), for
tests that run zoombridge as a separate process: the world outlives every process killed."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn

from zoombridge.emulator import create_app
from zoombridge.emulator.world import World

STARTUP_SECONDS = 10.0


@contextlib.contextmanager
def serve(world: World) -> Iterator[str]:
    """Serve `world` on 127.0.0.1 (a port the OS picked, bound before the thread starts);
    yields the base URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    world.web_base = world.api_url = base
    config = uvicorn.Config(
        create_app(world, on_network=True),
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
