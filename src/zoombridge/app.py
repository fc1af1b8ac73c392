"""The composition root: settings in, ready-to-use parts out. Wiring only, no logic.

Later parts (database, storage, durable workers) join here; the CLI and the portal build a
`ZoomBridge` and ask it for what they need.
"""

from __future__ import annotations

import httpx

from zoombridge.clock import Clock, SystemClock
from zoombridge.errors import ConfigurationError
from zoombridge.settings import Settings, load_settings
from zoombridge.zoom import ZoomClient

__all__ = ["ZoomBridge"]


class ZoomBridge:
    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self._transport = transport

    @classmethod
    def from_env(cls, **kw: object) -> ZoomBridge:
        return cls(load_settings(), **kw)  # type: ignore[arg-type]

    def zoom_client(self) -> ZoomClient:
        """A client for the configured Zoom connection; fails clearly if credentials are missing."""
        zoom = self.settings.zoom
        missing = zoom.missing_credentials()
        if missing:
            raise ConfigurationError(
                "Zoom credentials are not configured: set " + ", ".join(missing)
            )
        return ZoomClient(
            account_id=zoom.account_id,
            client_id=zoom.client_id,
            client_secret=zoom.client_secret.get_secret_value(),
            api_url=str(zoom.api_url),
            oauth_url=str(zoom.oauth_url),
            plan=zoom.plan,
            proxy=str(zoom.proxy) if zoom.proxy else None,
            timeout=zoom.timeout_seconds,
            transport=self._transport,
            clock=self.clock,
        )
