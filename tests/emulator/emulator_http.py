"""Talking to the emulator over HTTP in tests: clients, Server-to-Server tokens, Zoom's errors."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

import httpx
from starlette.types import ASGIApp

from zoombridge.emulator.app import create_app
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.emulator.world import EmuUser, World

__all__ = [
    "S2S",
    "S2S_GRANT",
    "authorize",
    "connect",
    "error",
    "get_me",
    "plain_client",
    "s2s_token",
    "user_where",
]

S2S = ("emulator-client", "emulator-secret")
S2S_GRANT = {"grant_type": "account_credentials", "account_id": "emulator-account"}


async def s2s_token(client: httpx.AsyncClient, *, in_query: bool = False) -> str:
    """A new Server-to-Server access token, the grant sent as a form body or in the query."""
    url = "https://zoom.us/oauth/token"
    if in_query:
        answer = await client.post(url, auth=S2S, params=S2S_GRANT)
    else:
        answer = await client.post(url, auth=S2S, data=S2S_GRANT)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


async def authorize(client: httpx.AsyncClient) -> None:
    """A (new) Server-to-Server token: needed again whenever a test moves the clock > 1 h.

    Zoom's documented request puts the grant in the query string."""
    client.headers["Authorization"] = f"Bearer {await s2s_token(client, in_query=True)}"


@contextlib.asynccontextmanager
async def plain_client(app: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the emulator app without credentials (OAuth calls bring their own)."""
    transport = EmulatorTransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="https://api.zoom.us") as client:
        yield client


@contextlib.asynccontextmanager
async def connect(world: World) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a new emulator app for `world`, with a Server-to-Server token."""
    async with plain_client(create_app(world)) as client:
        await authorize(client)
        yield client


async def get_me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/v2/users/me", headers={"Authorization": f"Bearer {token}"})


def error(response: httpx.Response) -> tuple[int, int]:
    """(HTTP status, Zoom's error code) of an API answer."""
    return response.status_code, response.json()["code"]


def user_where(world: World, test: Callable[[EmuUser], bool]) -> EmuUser:
    return next(u for u in world.users.values() if test(u))
