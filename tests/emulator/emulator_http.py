"""Talking to the emulator over HTTP in tests: a Server-to-Server token and a client."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx

from zoombridge.emulator.app import create_app
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.emulator.world import World

__all__ = ["authorize", "connect"]


async def authorize(client: httpx.AsyncClient) -> None:
    """A (new) Server-to-Server token: needed again whenever a test moves the clock > 1 h.

    Zoom's documented request puts the grant in the query string."""
    answer = await client.post(
        "https://zoom.us/oauth/token",
        auth=("emulator-client", "emulator-secret"),
        params={"grant_type": "account_credentials", "account_id": "emulator-account"},
    )
    assert answer.status_code == 200, answer.text
    client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"


@contextlib.asynccontextmanager
async def connect(world: World) -> AsyncIterator[httpx.AsyncClient]:
    transport = EmulatorTransport(create_app(world))
    async with httpx.AsyncClient(transport=transport, base_url="https://api.zoom.us") as client:
        await authorize(client)
        yield client
