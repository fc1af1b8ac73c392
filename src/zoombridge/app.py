"""The composition root: settings in, ready-to-use parts out. Wiring only, no logic.

The CLI and the portal build a `ZoomBridge` and ask it for what they need: a Zoom client, the
catalog, the store, or a running archive (all of them plus the durable workers).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from zoombridge.archive.catalog import ensure_connection
from zoombridge.archive.durable import start_durable, stop_durable
from zoombridge.archive.runtime import ArchiveRuntime, Progress, bind, unbind
from zoombridge.clock import Clock, SystemClock
from zoombridge.db import Catalog, open_catalog
from zoombridge.db.engine import check_database_url
from zoombridge.db.pacing import DatabasePacer
from zoombridge.errors import ConfigurationError
from zoombridge.settings import Settings, load_settings
from zoombridge.storage import Store, check_template, open_store
from zoombridge.zoom import RateBudget, ZoomClient

__all__ = ["DEFAULT_CONNECTION", "ZoomBridge"]

DEFAULT_CONNECTION = "default"


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
        self._pacer: DatabasePacer | None = None

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
        budget = RateBudget(
            zoom.plan, clock=self.clock, shared=self._shared_pacer(), account=zoom.account_id
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
            budget=budget,
        )

    def _shared_pacer(self) -> DatabasePacer | None:
        """On PostgreSQL several workers share the account's rate budget through the catalog."""
        url = self.settings.effective_database_url()
        if not url.startswith(("postgresql", "postgres:")):
            return None
        if self._pacer is None:
            self._pacer = DatabasePacer(url)
        return self._pacer

    def catalog(self) -> Catalog:
        return open_catalog(self.settings.effective_database_url())

    def store(self) -> Store:
        return open_store(self.settings.effective_storage_url())

    def connection_id(self, catalog: Catalog) -> int:
        """The configured connection's id in the catalog (created on first use)."""
        return ensure_connection(
            catalog, DEFAULT_CONNECTION, self.settings.zoom.account_id, self.clock.now()
        )

    @asynccontextmanager
    async def archive(self, progress: Progress | None = None) -> AsyncIterator[ArchiveRuntime]:
        """Everything a sync needs, with the durable workers running; all checked first."""
        check_template(self.settings.archive.key_template)
        check_database_url(self.settings.effective_database_url())
        zoom = self.zoom_client()  # raises before anything is created if credentials are missing
        try:
            store = self.store()
            catalog = self.catalog()
        except BaseException:
            await zoom.aclose()
            raise
        connection_id = self.connection_id(catalog)
        runtime = ArchiveRuntime(
            connection_id=connection_id,
            name=DEFAULT_CONNECTION,
            zoom=zoom,
            catalog=catalog,
            store=store,
            settings=self.settings.archive,
            clock=self.clock,
            progress=progress or Progress(),
        )
        bind(runtime)
        try:
            await start_durable(
                self.settings.effective_database_url(),
                concurrency=self.settings.archive.concurrency,
            )
            try:
                yield runtime
            finally:
                stop_durable()
        finally:
            unbind(connection_id)
            await zoom.aclose()
            catalog.dispose()
            if self._pacer is not None:
                self._pacer.dispose()
