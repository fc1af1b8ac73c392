"""Helpers for multi-connection tests: a second emulated Zoom account, a transport that routes
by host to each account's emulator, and a tiny real forward HTTP proxy."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from zoombridge.clock import Clock
from zoombridge.emulator import build_world, create_app
from zoombridge.emulator.scenarios import all_scopes
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.emulator.world import App, World

TENANT_B = {
    "account_id": "tenant-b-account",
    "client_id": "tenant-b-client",
    "client_secret": "tenant-b-secret-5f1c9a7e",
    "api_url": "https://api.tenant-b.test/v2",
    "oauth_url": "https://tenant-b.test",
}


def tenant_world(clock: Clock, *, seed: int = 11) -> World:
    """A second Zoom account with its own hosts, app and credentials."""
    world = build_world("small", seed=seed, clock=clock, users=3, phone=False)
    world.account_id = TENANT_B["account_id"]
    world.web_base = TENANT_B["oauth_url"]
    world.api_url = TENANT_B["api_url"].removesuffix("/v2")
    world.apps = {
        TENANT_B["client_id"]: App(
            TENANT_B["client_id"], TENANT_B["client_secret"], "s2s", all_scopes()
        )
    }
    return world


class HostRouter(httpx.AsyncBaseTransport):
    """Each Zoom account's hosts go to that account's emulator; any other host is an error."""

    def __init__(self, routes: dict[str, World]) -> None:
        self.apps = {host: EmulatorTransport(create_app(world)) for host, world in routes.items()}
        self.hosts: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        self.hosts.append(host)
        if host not in self.apps:
            raise httpx.ConnectError(f"no emulated Zoom at {host}", request=request)
        return await self.apps[host].handle_async_request(request)


def router_for(default: World, tenant: World) -> HostRouter:
    return HostRouter(
        {
            "zoom.us": default,
            "api.zoom.us": default,
            "tenant-b.test": tenant,
            "api.tenant-b.test": tenant,
        }
    )


@dataclass
class ForwardProxy:
    """A forward HTTP proxy on 127.0.0.1: takes absolute-form requests (`GET http://h:p/x
    HTTP/1.1`), forwards them in origin form, relays the answer. `seen` lists what passed."""

    url: str = ""
    seen: list[tuple[str, str]] = field(default_factory=list)  # method, absolute URL
    handlers: set[asyncio.Task[Any]] = field(default_factory=set)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            self.handlers.discard(task)

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        head = await reader.readuntil(b"\r\n\r\n") if not reader.at_eof() else b""
        if not head:
            return False
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, version = request_line.split(" ")
        url = httpx.URL(target)
        assert url.scheme == "http", f"the proxy got {request_line!r}, not an absolute URL"
        self.seen.append((method, target))
        headers = [h for h in header_lines if h and not h.lower().startswith("proxy-")]
        length = next(
            (int(h.split(":", 1)[1]) for h in headers if h.lower().startswith("content-length")),
            0,
        )
        body = await reader.readexactly(length) if length else b""
        kept = [h for h in headers if not h.lower().startswith("connection")]
        origin = url.raw_path.decode()
        upstream_head = "\r\n".join([f"{method} {origin} {version}", *kept, "Connection: close"])
        up_reader, up_writer = await asyncio.open_connection(url.host, url.port)
        up_writer.write(upstream_head.encode("latin-1") + b"\r\n\r\n" + body)
        await up_writer.drain()
        while chunk := await up_reader.read(65536):
            writer.write(chunk)
            await writer.drain()
        up_writer.close()
        return False  # the upstream answer said Connection: close; so do we


@contextlib.asynccontextmanager
async def forward_proxy() -> AsyncIterator[ForwardProxy]:
    proxy = ForwardProxy()
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    proxy.url = f"http://127.0.0.1:{port}"
    try:
        yield proxy
    finally:
        server.close()
        # Idle client connections leave handlers waiting for a next request: end them.
        for task in list(proxy.handlers):
            task.cancel()
        await asyncio.gather(*proxy.handlers, return_exceptions=True)
        await server.wait_closed()


def zoom_fields(**changes: Any) -> dict[str, Any]:
    """Tenant B's connection fields, with changes."""
    return {**TENANT_B, "plan": "business", **changes}
