"""The emulator (or any ASGI app) on a real loopback socket, served by uvicorn in a thread.

For tests and benchmarks whose zoombridge side runs in other processes (workers, a killed
sync, the service) while the world must live on: the socket is bound before the thread
starts, so the address is known and nothing races for the port.

    with serve_in_thread(world, webhook_url=..., webhook_secret=...) as served:
        env = settings_for(world, served.base)
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from zoombridge.emulator.app import create_app
from zoombridge.emulator.world import World

__all__ = ["Served", "free_port", "serve_asgi", "serve_in_thread"]

STARTUP_SECONDS = 10.0


def free_port() -> int:
    """A loopback port free right now (for a server another process will bind)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Served:
    """A running emulator: its world, its address, and what reached it over the socket."""

    world: World
    base: str
    seen: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, Range

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p, _ in self.seen if (m, p) == (method, path))


@contextlib.contextmanager
def serve_asgi(app: ASGIApp) -> Iterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1, on a port the OS picked; yields its base URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    config = uvicorn.Config(
        app, log_config=None, log_level="critical", access_log=False, ws="none", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server on {base} did not start")
            time.sleep(0.01)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_SECONDS)
        listener.close()
    if thread.is_alive():
        raise RuntimeError(f"the server on {base} did not stop")


@contextlib.contextmanager
def serve_in_thread(
    world: World,
    *,
    webhook_url: str | None = None,
    webhook_secret: str = "",
    wrap: Callable[[ASGIApp], ASGIApp] | None = None,
) -> Iterator[Served]:
    """The emulator over `world` on a loopback socket; the world's URLs point at it. `wrap`
    may put a middleware (a request log, say) around the app."""
    app = create_app(world, webhook_url=webhook_url, webhook_secret=webhook_secret, on_network=True)
    served = Served(world, "")

    async def logged(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            ranged = dict(scope["headers"]).get(b"range")
            served.seen.append(
                (scope["method"], scope["path"], ranged.decode() if ranged else None)
            )
        await app(scope, receive, send)

    with serve_asgi(wrap(logged) if wrap else logged) as base:
        served.base = world.web_base = world.api_url = base
        yield served
