"""The emulator app wrapped to note the path of every request that reaches it."""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from zoombridge.emulator import create_app
from zoombridge.emulator.world import World


class Recorder:
    def __init__(self, world: World) -> None:
        self.app = create_app(world)
        self.paths: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.paths.append(scope["path"])
        await self.app(scope, receive, send)

    def count(self, prefix: str, suffix: str = "") -> int:
        return sum(1 for p in self.paths if p.startswith(prefix) and p.endswith(suffix))

    def reports(self) -> int:
        return self.count("/v2/report/")

    def api_calls(self) -> int:
        return self.count("/v2/")
