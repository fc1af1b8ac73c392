"""The composition root: settings in, ready-to-use parts out. Wiring only, no logic.

The CLI and the portal build a `ZoomBridge` and ask it for what they need: a Zoom client, the
catalog, the store, the connection registry, or a running archive (all of them plus the
durable workers) for one or several Zoom connections.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy.engine import make_url

from zoombridge.accounts.hosts import HostAccounts
from zoombridge.accounts.invitations import Outbox
from zoombridge.archive.catalog import ensure_connection
from zoombridge.archive.connections import (
    DEFAULT_CONNECTION,
    ConnectionConfig,
    check_access,
    connection_names,
    describe_refusal,
    env_configured,
    get_info,
    list_connections,
    load_connection,
)
from zoombridge.archive.durable import start_durable, stop_durable
from zoombridge.archive.grants import DatabaseGrantStore
from zoombridge.archive.runtime import ArchiveRuntime, Progress, bind, unbind
from zoombridge.archive.service import SyncStatus, read_status
from zoombridge.clock import Clock, SystemClock
from zoombridge.db import Catalog, open_catalog
from zoombridge.db.engine import check_database_url
from zoombridge.db.pacing import DatabasePacer
from zoombridge.db.secrets import KeyRing
from zoombridge.errors import AuthenticationError, ConfigurationError, ZoomBridgeError
from zoombridge.mail import Mailer
from zoombridge.meetings.notices import ignore_notices
from zoombridge.meetings.notifications import MailNotifier, mail_notifier
from zoombridge.meetings.service import MeetingService
from zoombridge.meetings.sync import SyncContext
from zoombridge.privacy import pseudonymizer_from_settings
from zoombridge.privacy.endpoints import CompiledRules
from zoombridge.privacy.proxy import PrivacyProxy
from zoombridge.privacy.proxy_keys import KeyChecker
from zoombridge.settings import Settings, ZoomSettings, load_settings
from zoombridge.storage import Store, check_template, open_store
from zoombridge.zoom import RateBudget, ZoomClient
from zoombridge.zoom.oauth import AuthorizationCodeFlow, GrantStore, UserTokens

__all__ = ["DEFAULT_CONNECTION", "ZoomBridge"]

log = logging.getLogger("zoombridge.app")


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

    def zoom_client(self, zoom: ZoomSettings | None = None) -> ZoomClient:
        """A client for one connection (the environment's by default), with its own
        credentials, rate budget and proxy; fails clearly if credentials are missing."""
        zoom = zoom or self.settings.zoom
        missing = zoom.missing_credentials()
        if missing:
            raise ConfigurationError(
                "Zoom credentials are not configured: set "
                + ", ".join(missing)
                + " (or register a connection: zoombridge connection add --help)"
            )
        return self._new_client(zoom)

    def _new_client(self, zoom: ZoomSettings) -> ZoomClient:
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

    def user_client(self, zoom: ZoomSettings, grants: GrantStore) -> ZoomClient:
        """A client acting through a user's OAuth grant (a General app, "Connect with Zoom"):
        the access token is refreshed, and the refresh token rotated, in `grants`."""
        client = self._new_client(zoom)
        # The token calls go through the client's own HTTP client (its transport, proxy and
        # timeouts), which exists only once the client does.
        client.tokens = UserTokens(self.authorization_flow(zoom, client.http), grants, self.clock)
        return client

    def authorization_flow(
        self, zoom: ZoomSettings, http: httpx.AsyncClient
    ) -> AuthorizationCodeFlow:
        """The authorization-code flow (PKCE, rotating refresh tokens) of a General app."""
        return AuthorizationCodeFlow(
            http,
            client_id=zoom.client_id,
            client_secret=zoom.client_secret.get_secret_value(),
            oauth_url=str(zoom.oauth_url),
            clock=self.clock,
        )

    def connection_client(self, config: ConnectionConfig, catalog: Catalog | None) -> ZoomClient:
        """The client a connection syncs with: its Server-to-Server app, or the user grant
        stored in the catalog for a connection made with "Connect with Zoom"."""
        if config.auth != "oauth":
            return self.zoom_client(config.zoom)
        if catalog is None:
            raise ConfigurationError(f"connection {config.name!r} needs the catalog")
        grants = DatabaseGrantStore(catalog, self.keyring(), config.name, self.clock)
        return self.user_client(config.zoom, grants)

    @asynccontextmanager
    async def privacy_proxy(
        self,
        rules: CompiledRules,
        connection: str = DEFAULT_CONNECTION,
        *,
        key_cache_seconds: float = 10.0,
    ) -> AsyncIterator[PrivacyProxy]:
        """The privacy proxy (an ASGI app) over one connection's client, its callers' API
        keys in the catalog, pseudonyms keyed by the privacy settings."""
        pseudonymizer = pseudonymizer_from_settings(self.settings.privacy)
        catalog = self.catalog()
        try:
            client = self.connection_client(self.connection(catalog, connection), catalog)
            try:
                keys = KeyChecker(catalog, self.clock, key_cache_seconds)
                yield PrivacyProxy(client, rules, pseudonymizer, keys)
            finally:
                await client.aclose()
        finally:
            catalog.dispose()

    @asynccontextmanager
    async def meetings(
        self,
        catalog: Catalog,
        connection: str = DEFAULT_CONNECTION,
        *,
        offline: bool = False,
        wait_for_mail: bool = True,
    ) -> AsyncIterator[MeetingService]:
        """The meetings service of one connection, its Zoom client closed afterwards.
        `offline`: only the local copy is read, so missing credentials are no reason to
        refuse (a Zoom call would then fail as unauthorized). `wait_for_mail`: the notices'
        letters are sent before leaving (a command); a server's loop sends them meanwhile."""
        config = self.connection(catalog, connection)
        if offline and config.auth != "oauth":
            client = self._new_client(config.zoom)
        else:
            client = self.connection_client(config, catalog)
        keyring = self.keyring()
        notify = (
            ignore_notices
            if offline
            else mail_notifier(self.settings, catalog, keyring, self.clock)
        )
        try:
            yield MeetingService(
                catalog=catalog,
                zoom=client,
                keyring=keyring,
                clock=self.clock,
                connection_id=self.connection_id(catalog, connection),
                plan=config.zoom.plan,
                settings=self.settings.meetings,
                notify=notify,
            )
        finally:
            await client.aclose()
            if wait_for_mail and isinstance(notify, MailNotifier):
                await notify.drain()

    def meetings_sync(self, connection_id: int, zoom: ZoomClient, catalog: Catalog) -> SyncContext:
        """The meetings sync (webhooks, reconcile) of one connection, notices mailed when a
        mail server is configured."""
        keyring = self.keyring()
        notify = mail_notifier(self.settings, catalog, keyring, self.clock)
        return SyncContext(connection_id, zoom, catalog, keyring, self.clock, notify)

    def _shared_pacer(self) -> DatabasePacer | None:
        """On PostgreSQL several workers share the account's rate budget through the catalog."""
        url = self.settings.effective_database_url()
        if not url.startswith(("postgresql", "postgres:")):
            return None
        if self._pacer is None:
            self._pacer = DatabasePacer(url)
        return self._pacer

    def _dispose_pacer(self) -> None:
        if self._pacer is not None:
            self._pacer.dispose()
            self._pacer = None

    def catalog(self) -> Catalog:
        return open_catalog(self.settings.effective_database_url())

    def keyring(self) -> KeyRing:
        return KeyRing.from_settings(self.settings)

    def outbox(self, catalog: Catalog) -> Outbox:
        """What sends the portal's letters: its mail server, links under its public URL."""
        public = self.settings.public_url
        mailer = Mailer(self.settings.mail, self.clock)
        return Outbox(catalog, mailer, self.clock, str(public) if public is not None else None)

    def storage_url(self, connection: str = DEFAULT_CONNECTION) -> str:
        """The default connection archives at the storage URL; every other one in a folder
        (or key prefix) named after it, so two accounts' files never mix."""
        base = self.settings.effective_storage_url()
        if connection == DEFAULT_CONNECTION:
            return base
        parts = urlsplit(base)
        return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/" + connection))

    def store(self, connection: str = DEFAULT_CONNECTION) -> Store:
        return open_store(self.storage_url(connection))

    def connection(self, catalog: Catalog, name: str) -> ConnectionConfig:
        """One connection, credentials opened (ConfigurationError if it is unknown)."""
        return load_connection(catalog, self.keyring(), self.settings, name)

    def connection_id(self, catalog: Catalog, name: str = DEFAULT_CONNECTION) -> int:
        """The connection's id in the catalog (the default one's row is created on first use)."""
        account = self.settings.zoom.account_id
        if name != DEFAULT_CONNECTION:
            account = self.connection(catalog, name).zoom.account_id
        return ensure_connection(catalog, name, account, self.clock.now())

    def statuses(self, catalog: Catalog, name: str | None = None) -> list[SyncStatus]:
        """The sync status of one connection, or of every one."""
        infos = list_connections(catalog, self.settings)
        if name is not None:
            infos = [get_info(catalog, self.settings, name)]
        elif not infos:  # nothing configured yet: no connection (none is made by reading)
            return []
        return [self._status(catalog, info.name, info.account_id) for info in infos]

    def _status(self, catalog: Catalog, name: str, account_id: str) -> SyncStatus:
        connection_id = ensure_connection(catalog, name, account_id, self.clock.now())
        return read_status(catalog, connection_id, name)

    async def check_connection(self, zoom: ZoomSettings) -> None:
        """Ask Zoom whether these credentials work: a token and two cheap calls."""
        async with self.zoom_client(zoom) as client:
            await check_access(client, self.clock.now().date())

    def catalog_exists(self) -> bool:
        """Whether there is a catalog to read connections from (without creating one)."""
        url = self.settings.effective_database_url()
        if not url.startswith("sqlite"):
            return True
        database = make_url(url).database
        return bool(database) and Path(database or "").exists()

    def _resolve(
        self, names: list[str] | None, catalog: Catalog | None, *, allow_none: bool = False
    ) -> list[ConnectionConfig]:
        """The connections to serve: those named, or every enabled one (`catalog` is None on
        a fresh installation, where only the environment's connection exists). Without
        names, the environment's connection is left out when none of its credentials is set
        and a connection of the catalog is there instead (one made in the portal); with
        `allow_none` (the service, whose portal is where connections are made) there may be
        none at all."""
        unset = not env_configured(self.settings)
        if catalog is None:
            unknown = [name for name in names or [] if name != DEFAULT_CONNECTION]
            if unknown:
                raise ConfigurationError(
                    f"no connection named {unknown[0]!r}; add one with: zoombridge connection add"
                )
            if allow_none and names is None and unset:
                return []
            default = self.settings
            return [ConnectionConfig(DEFAULT_CONNECTION, True, default.zoom, default.archive)]
        wanted = names if names is not None else connection_names(catalog, self.settings)
        if names is None and unset:
            others = [name for name in wanted if name != DEFAULT_CONNECTION]
            if others or allow_none:
                wanted = others
        configs = [self.connection(catalog, name) for name in wanted]
        for config in configs:
            if not config.enabled and names is not None:
                raise ConfigurationError(
                    f"connection {config.name!r} is disabled; "
                    f"enable it with: zoombridge connection enable {config.name}"
                )
        if not configs and not allow_none:
            raise ConfigurationError(
                "every connection is disabled; enable one with: zoombridge connection enable NAME"
            )
        return configs

    @asynccontextmanager
    async def archive(
        self, progress: Progress | None = None, *, connection: str = DEFAULT_CONNECTION
    ) -> AsyncIterator[ArchiveRuntime]:
        """Everything a sync of one connection needs, with the durable workers running."""
        async with self.archives([connection], progress=progress) as runtimes:
            yield runtimes[0]

    @asynccontextmanager
    async def archives(
        self, names: list[str] | None = None, *, progress: Progress | None = None
    ) -> AsyncIterator[list[ArchiveRuntime]]:
        """Runtimes for the named connections (default: every enabled one), each with its
        own client, store, cursors and status, and the durable workers; all checked first."""
        async with self.serving(names, progress=progress) as served:
            yield [runtime for _, runtime in served]

    @asynccontextmanager
    async def serving(
        self,
        names: list[str] | None = None,
        *,
        progress: Progress | None = None,
        allow_none: bool = False,
    ) -> AsyncIterator[list[tuple[ConnectionConfig, ArchiveRuntime]]]:
        """As `archives`, each runtime beside its connection's configuration (the service
        needs the webhook secret), so credentials are opened once. `allow_none`: an
        installation with no connection to serve yet (or every one switched off) yields an
        empty list instead of refusing; the durable workers run for those added later."""
        check_template(self.settings.archive.key_template)
        check_database_url(self.settings.effective_database_url())
        async with AsyncExitStack() as stack:
            # One catalog for the whole run; on a fresh installation it is created only
            # after the clients, the first contact and the stores: a bad setting raises
            # before anything is written.
            installed = self.catalog() if self.catalog_exists() else None
            if installed is not None:
                stack.callback(installed.dispose)
            configs = self._resolve(names, installed, allow_none=allow_none)
            clients = self._clients(configs, installed)
            for client in clients:
                stack.push_async_callback(client.aclose)
            if installed is None:
                await self._first_contact(configs, clients)
            stores = [self.store(config.name) for config in configs]
            catalog = installed or self.catalog()
            if installed is None:
                stack.callback(catalog.dispose)
            served = []
            for config, zoom, store in zip(configs, clients, stores, strict=True):
                rt = self._runtime(config, zoom, store, catalog, progress or Progress())
                bind(rt)
                stack.callback(unbind, rt.connection_id)
                served.append((config, rt))
            await self._bind_others(stack, catalog, configs)
            await self._start_durable(stack, configs)
            yield served

    def serve_also(
        self, stack: AsyncExitStack, catalog: Catalog, name: str
    ) -> tuple[ConnectionConfig, ArchiveRuntime] | None:
        """One more connection for a service already `serving` (added or switched on since
        it started): its runtime, bound for the durable steps until `stack` closes; None
        while it is switched off. ConfigurationError if it cannot be served (the reason)."""
        config = self.connection(catalog, name)
        if not config.enabled:
            return None
        (zoom,) = self._clients([config], catalog)
        stack.push_async_callback(zoom.aclose)
        rt = self._runtime(config, zoom, self.store(name), catalog, Progress())
        bind(rt)
        stack.callback(unbind, rt.connection_id)
        return config, rt

    async def _start_durable(self, stack: AsyncExitStack, configs: list[ConnectionConfig]) -> None:
        await start_durable(
            self.settings.effective_database_url(),
            concurrency=max(
                (config.archive.concurrency for config in configs),
                default=self.settings.archive.concurrency,
            ),
            worker_id=self.settings.worker_id,
            log_level=self.settings.dbos_log_level,
        )
        stack.callback(stop_durable)
        stack.callback(self._dispose_pacer)

    async def _first_contact(
        self, configs: list[ConnectionConfig], clients: list[ZoomClient]
    ) -> None:
        """On a fresh installation, credentials and scopes are checked before the catalog and
        the archive folder exist, so a bad setting leaves nothing behind. Later runs record
        the authorization in the sync status instead."""
        for config, client in zip(configs, clients, strict=True):
            try:
                await check_access(client, self.clock.now().date())
            except AuthenticationError as exc:
                raise ConfigurationError(
                    f"Zoom connection {config.name!r}: {describe_refusal(exc)}"
                ) from None
            except ZoomBridgeError as exc:  # Zoom busy or unreachable: the sync will say so
                log.info("could not check %s before the first sync: %s", config.name, exc)

    def _clients(
        self, configs: list[ConnectionConfig], catalog: Catalog | None
    ) -> list[ZoomClient]:
        for config in configs:
            check_template(config.archive.key_template)
            if config.zoom.missing_credentials():
                self.zoom_client(config.zoom)  # raises, naming what to set
        return [self.connection_client(config, catalog) for config in configs]

    def _runtime(
        self,
        config: ConnectionConfig,
        zoom: ZoomClient,
        store: Store,
        catalog: Catalog,
        progress: Progress,
    ) -> ArchiveRuntime:
        now = self.clock.now()
        return ArchiveRuntime(
            connection_id=ensure_connection(catalog, config.name, config.zoom.account_id, now),
            name=config.name,
            zoom=zoom,
            catalog=catalog,
            store=store,
            settings=config.archive,
            clock=self.clock,
            progress=progress,
            authors=HostAccounts(self.outbox(catalog)),
        )

    async def _bind_others(
        self, stack: AsyncExitStack, catalog: Catalog, serving: list[ConnectionConfig]
    ) -> None:
        """Bind the other enabled connections too: DBOS resumes any connection's unfinished
        workflows at launch, and their steps need a runtime. Best effort: one that cannot be
        loaded is skipped here (its own sync reports why)."""
        taken = {config.name for config in serving}
        for name in connection_names(catalog, self.settings, placeholder=False):
            if name in taken:
                continue
            try:
                config = self.connection(catalog, name)
                store = self.store(name)
                zoom = self.connection_client(config, catalog)
            except ZoomBridgeError as exc:
                log.info("connection %s not served by this process: %s", name, exc)
                continue
            stack.push_async_callback(zoom.aclose)
            rt = self._runtime(config, zoom, store, catalog, Progress())
            bind(rt)
            stack.callback(unbind, rt.connection_id)
