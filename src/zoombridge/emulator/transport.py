"""The emulator as an httpx transport: how tests and the demo reach it without a socket.

    zoom = ZoomClient(..., transport=EmulatorTransport(app))

Every host (zoom.us, api.zoom.us, a regional api-eu.zoom.us) goes to the same app. A response
the emulator marks as lost (fault `drop_responses`) turns into `httpx.ReadError` here, as the
network would deliver it: the server acted, the client never heard.
"""

from __future__ import annotations

import httpx
from starlette.types import ASGIApp

from zoombridge.emulator.oauth import DROP_HEADER

__all__ = ["EmulatorTransport"]


class EmulatorTransport(httpx.AsyncBaseTransport):
    def __init__(self, app: ASGIApp) -> None:
        self._inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if response.headers.get(DROP_HEADER) == "drop":
            await response.aclose()
            raise httpx.ReadError("connection lost before the response arrived", request=request)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
