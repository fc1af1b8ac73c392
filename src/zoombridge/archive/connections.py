"""The connection registry: the Zoom accounts one installation archives, each on its own terms.

A connection is a Server-to-Server OAuth app on one Zoom account (account id, client id and
secret, optional webhook secret), how to reach Zoom (plan, API and OAuth URLs, a forward
proxy), and archive settings of its own over the installation's (users, start date, key
template, concurrency, deletion). The one configured by `ZOOMBRIDGE_ZOOM__*` is "default", as
before; the others live in the catalog's `connections` table:

    account_id      column
    credentials     sealed JSON (db.secrets): client secret, webhook secret, proxy URL
                    (a proxy URL may carry a password); for "Connect with Zoom" (auth
                    "oauth", a General app) also the user's grant: access and refresh token
    settings_json   {"zoom": client id, plan, URLs, the proxy without its password, "auth",
                     "archive": only the settings this connection overrides}

The credentials of an OAuth connection change under every worker's feet (Zoom rotates the
refresh token on each refresh), so they are only ever rewritten by compare-and-swap on the
ciphertext (`swap_credentials`): whoever changes them reads, changes and writes back only if
nobody wrote in between, and otherwise starts again from what the other wrote.

Validation reuses the pydantic models of `settings.py`, so a connection accepts exactly what
the environment accepts. Removing a connection forgets its credentials and frees its name; its
catalog history (what was archived, the deletion audit log) stays, and so do the files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import ValidationError
from sqlalchemy import Connection as SqlConnection
from sqlalchemy import select, update

from zoombridge.archive.catalog import ensure_connection
from zoombridge.db import Catalog
from zoombridge.db.models import Connection
from zoombridge.db.secrets import KeyRing
from zoombridge.errors import ConfigurationError, MissingScopes
from zoombridge.settings import ArchiveSettings, Settings, ZoomSettings
from zoombridge.storage import check_template
from zoombridge.zoom import ZoomClient
from zoombridge.zoom.endpoints import ENDPOINTS

__all__ = [
    "ARCHIVE_OVERRIDES",
    "DEFAULT_CONNECTION",
    "GRANT",
    "ConnectionConfig",
    "ConnectionInfo",
    "add_connection",
    "check_access",
    "connection_names",
    "describe_refusal",
    "env_configured",
    "get_info",
    "list_connections",
    "load_connection",
    "load_sealed",
    "mask_url",
    "remove_connection",
    "reseal_all",
    "set_enabled",
    "swap_credentials",
    "update_connection",
    "validate_connection",
]

DEFAULT_CONNECTION = "default"
NAME_RULE = re.compile(r"[a-z][a-z0-9_-]{0,62}")
ARCHIVE_OVERRIDES = (
    "users",
    "start_date",
    "key_template",
    "concurrency",
    "delete_from_zoom",
    "delete_grace_days",
    "delete_action",
    "join_segments",
)
SEALED_FIELDS = ("client_secret", "webhook_secret", "proxy")
PUBLIC_FIELDS = ("client_id", "api_url", "oauth_url", "plan", "timeout_seconds")
REMOVED_MARK = "~removed-"
GRANT = "grant"  # the sealed credentials' key for an OAuth connection's user grant
SWAP_ATTEMPTS = 8


@dataclass(frozen=True, repr=False)
class ConnectionConfig:
    """A connection resolved for use: credentials opened, archive settings merged."""

    name: str
    enabled: bool
    zoom: ZoomSettings
    archive: ArchiveSettings
    auth: str = "s2s"  # "s2s" (Server-to-Server app) or "oauth" (General app, a user's grant)

    def __repr__(self) -> str:
        # ZoomSettings' own repr would show a proxy URL's password.
        proxy = mask_url(str(self.zoom.proxy) if self.zoom.proxy else None)
        return (
            f"ConnectionConfig(name={self.name!r}, enabled={self.enabled}, "
            f"account_id={self.zoom.account_id!r}, plan={self.zoom.plan!r}, proxy={proxy!r})"
        )


@dataclass(frozen=True)
class ConnectionInfo:
    """What `connection list/show` and `status` may print: never a secret."""

    name: str
    enabled: bool
    source: str  # "environment" (ZOOMBRIDGE_ZOOM__*) or "catalog"
    account_id: str
    client_id: str
    plan: str
    api_url: str
    oauth_url: str
    proxy: str | None  # with any password masked
    webhook_secret: bool
    archive: dict[str, Any]  # the archive settings this connection overrides
    auth: str = "s2s"  # "s2s" or "oauth" ("Connect with Zoom")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _context(name: str) -> str:
    return f"connection:{name}"


def _check_name(name: str) -> None:
    if not NAME_RULE.fullmatch(name):
        raise ConfigurationError(
            f"connection name {name!r}: use 1-63 lowercase letters, digits, '-' or '_', "
            "starting with a letter (e.g. 'faculty-eu')"
        )


def _option(loc: tuple[int | str, ...]) -> str:
    return "--" + str(loc[0]).replace("_", "-") if loc else "input"


def _explain(exc: ValidationError) -> str:
    return "; ".join(f"{_option(err['loc'])}: {err['msg']}" for err in exc.errors())


def mask_url(url: str | None) -> str | None:
    """The URL with any password replaced by ***, for display."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def validate_connection(
    name: str, zoom_fields: dict[str, Any], overrides: dict[str, Any], base: ArchiveSettings
) -> tuple[ZoomSettings, ArchiveSettings, dict[str, Any]]:
    """Check a connection as the environment's settings are checked; ConfigurationError naming
    each bad option. Returns the Zoom settings, the merged archive settings and the overrides
    in stored (JSON) form."""
    _check_name(name)
    _refuse_default(name, "change it through those variables")
    unknown = sorted(set(overrides) - set(ARCHIVE_OVERRIDES))
    if unknown:
        raise ConfigurationError(
            f"not per-connection settings: {', '.join(unknown)}; "
            f"a connection may override {', '.join(ARCHIVE_OVERRIDES)}"
        )
    try:
        zoom = ZoomSettings.model_validate(zoom_fields)
        archive = ArchiveSettings.model_validate({**base.model_dump(), **overrides})
    except ValidationError as exc:
        raise ConfigurationError(f"connection {name!r}: {_explain(exc)}") from None
    missing = [
        "--" + option.replace("_", "-")
        for option in ("account_id", "client_id", "client_secret")
        if not _plain(getattr(zoom, option))
    ]
    if missing:
        raise ConfigurationError(f"connection {name!r} needs {', '.join(missing)}")
    check_template(archive.key_template)
    stored = archive.model_dump(mode="json", include=set(overrides))
    return zoom, archive, stored


def _plain(value: Any) -> str:
    return str(value.get_secret_value() if hasattr(value, "get_secret_value") else value)


def _secrets(zoom: ZoomSettings) -> dict[str, Any]:
    return {
        "client_secret": zoom.client_secret.get_secret_value(),
        "webhook_secret": zoom.webhook_secret.get_secret_value(),
        "proxy": str(zoom.proxy) if zoom.proxy else None,
    }


def _public(zoom: ZoomSettings, overrides: dict[str, Any], auth: str) -> dict[str, Any]:
    """The settings_json of a connection: what may be read without the key."""
    proxy = str(zoom.proxy) if zoom.proxy else None
    public = zoom.model_dump(mode="json", include=set(PUBLIC_FIELDS))
    public["proxy_display"] = mask_url(proxy)
    public["has_webhook_secret"] = bool(zoom.webhook_secret.get_secret_value())
    public["auth"] = auth
    return {"zoom": public, "archive": overrides}


def load_sealed(catalog: Catalog, keys: KeyRing, name: str) -> dict[str, Any]:
    """A registered connection's credentials, opened (ConfigurationError if it has none)."""
    with catalog.session() as session:
        token = _registered(session, name).credentials or ""
    opened: dict[str, Any] = json.loads(keys.open(token, _context(name)))
    return opened


def swap_credentials(
    catalog: Catalog,
    keys: KeyRing,
    name: str,
    change: Callable[[dict[str, Any]], dict[str, Any]],
    *,
    then: Callable[[SqlConnection, int], None] | None = None,
    **columns: Any,
) -> None:
    """Rewrite a connection's sealed credentials as `change` makes them from the stored ones
    (and set `columns`), by compare-and-swap on the ciphertext read: when another process
    wrote in between (a worker saving a rotated refresh token), `change` runs again on what
    it wrote, so neither write is lost. `change` may raise to give up. `then(connection,
    row id)` runs in the swap's own transaction, after the swap that held: what it writes
    follows from the credentials saved, never from an attempt another process overtook."""
    for _ in range(SWAP_ATTEMPTS):
        with catalog.session() as session:
            row = _registered(session, name)
            row_id, before = row.id, row.credentials or ""
        opened: dict[str, Any] = json.loads(keys.open(before, _context(name)))
        sealed = keys.seal(json.dumps(change(opened)), _context(name))
        with catalog.engine.begin() as connection:
            swapped = connection.execute(
                update(Connection)
                .where(Connection.id == row_id, Connection.credentials == before)
                .values(credentials=sealed, **columns)
            )
            if swapped.rowcount == 1 and then is not None:
                then(connection, row_id)
        if swapped.rowcount == 1:
            return
    raise ConfigurationError(f"connection {name!r} kept changing while it was saved; try again")


def _row(session: Any, name: str) -> Connection | None:
    found: Connection | None = session.scalar(select(Connection).where(Connection.name == name))
    return found


def _registered(session: Any, name: str) -> Connection:
    row = _row(session, name)
    if row is None or row.credentials is None:
        raise ConfigurationError(
            f"no connection named {name!r}; see them with: zoombridge connection list"
        )
    return row


def _refuse_default(name: str, what: str) -> None:
    if name == DEFAULT_CONNECTION:
        raise ConfigurationError(
            f"'{DEFAULT_CONNECTION}' is the connection configured by ZOOMBRIDGE_ZOOM__*: "
            f"{what}; give the new connection another name"
        )


def add_connection(
    catalog: Catalog,
    keys: KeyRing,
    name: str,
    zoom: ZoomSettings,
    overrides: dict[str, Any],
    now: datetime,
    *,
    grant: dict[str, Any] | None = None,
) -> None:
    """Register a validated connection; refuses a name in use. With `grant` (a user's OAuth
    grant, see archive.grants) it acts through that grant instead of Server-to-Server."""
    _refuse_default(name, "change it through those variables")
    sealed = _secrets(zoom) | ({GRANT: grant} if grant is not None else {})
    with catalog.session() as session, session.begin():
        if _row(session, name) is not None:
            raise ConfigurationError(
                f"a connection named {name!r} exists; change it with "
                f"zoombridge connection update {name}, or choose another name"
            )
        row = Connection(
            name=name,
            account_id=zoom.account_id,
            created_at=now,
            enabled=True,
            credentials=keys.seal(json.dumps(sealed), _context(name)),
            settings_json=_public(zoom, overrides, "oauth" if grant is not None else "s2s"),
            updated_at=now,
        )
        session.add(row)
    ensure_connection(catalog, name, zoom.account_id, now)  # adds its sync state row


def update_connection(
    catalog: Catalog,
    keys: KeyRing,
    installation: Settings,
    name: str,
    zoom_changes: dict[str, Any],
    archive_changes: dict[str, Any],
    now: datetime,
) -> ConnectionConfig:
    """Change some of a connection's fields; the result is validated as a whole first."""
    _refuse_default(name, "change it through those variables")
    current = load_connection(catalog, keys, installation, name)
    with catalog.session() as session:
        overrides = dict(_registered(session, name).settings_json.get("archive", {}))
    fields = current.zoom.model_dump()
    fields.update(zoom_changes)
    overrides.update(archive_changes)
    zoom, archive, stored = validate_connection(name, fields, overrides, installation.archive)

    def keep_grant(sealed: dict[str, Any]) -> dict[str, Any]:
        return _secrets(zoom) | ({GRANT: sealed[GRANT]} if GRANT in sealed else {})

    public = _public(zoom, stored, current.auth)
    swap_credentials(
        catalog,
        keys,
        name,
        keep_grant,
        account_id=zoom.account_id,
        settings_json=public,
        updated_at=now,
    )
    return ConnectionConfig(name, current.enabled, zoom, archive, current.auth)


def env_configured(installation: Settings) -> bool:
    """Whether the environment sets any of the default connection's Zoom credentials."""
    return len(installation.zoom.missing_credentials()) < 3


def _default_info(installation: Settings, enabled: bool, recorded: str = "") -> ConnectionInfo:
    """The environment's connection; `recorded` is the account its row holds, shown while
    the environment names none (it was configured there once, and its archive is kept)."""
    zoom = installation.zoom
    return ConnectionInfo(
        name=DEFAULT_CONNECTION,
        enabled=enabled,
        source="environment",
        account_id=zoom.account_id if env_configured(installation) else recorded,
        client_id=zoom.client_id,
        plan=zoom.plan,
        api_url=str(zoom.api_url),
        oauth_url=str(zoom.oauth_url),
        proxy=mask_url(str(zoom.proxy) if zoom.proxy else None),
        webhook_secret=bool(zoom.webhook_secret.get_secret_value()),
        archive={},
    )


def _info(row: Connection) -> ConnectionInfo:
    public = dict(row.settings_json.get("zoom", {}))
    return ConnectionInfo(
        name=row.name,
        enabled=bool(row.enabled),
        source="catalog",
        account_id=row.account_id,
        client_id=str(public.get("client_id", "")),
        plan=str(public.get("plan", "")),
        api_url=str(public.get("api_url", "")),
        oauth_url=str(public.get("oauth_url", "")),
        proxy=public.get("proxy_display"),
        webhook_secret=bool(public.get("has_webhook_secret")),
        archive=dict(row.settings_json.get("archive", {})),
        auth=str(public.get("auth", "s2s")),
    )


def _configured_default(installation: Settings, row: Connection) -> bool:
    """Whether the environment's connection counts: its credentials are set, or its row
    recorded an account (or holds credentials), so they were set once and its archive is
    there. A row with neither was made by a mere read on an installation whose connections
    are all made in the portal (the status panel used to): that `default` is never shown,
    nor served."""
    return env_configured(installation) or bool(row.account_id) or row.credentials is not None


def list_connections(catalog: Catalog, installation: Settings) -> list[ConnectionInfo]:
    """Every connection: the environment's (when configured or used), then the catalog's."""
    with catalog.session() as session:
        rows = session.scalars(select(Connection).order_by(Connection.name)).all()
    found: list[ConnectionInfo] = []
    for row in rows:
        if row.name == DEFAULT_CONNECTION:
            if _configured_default(installation, row):
                info = _default_info(installation, bool(row.enabled), row.account_id)
                found.insert(0, info)
        elif row.credentials is not None:
            found.append(_info(row))
    if env_configured(installation) and not any(i.source == "environment" for i in found):
        found.insert(0, _default_info(installation, True))
    return found


def get_info(catalog: Catalog, installation: Settings, name: str) -> ConnectionInfo:
    for info in list_connections(catalog, installation):
        if info.name == name:
            return info
    raise ConfigurationError(
        f"no connection named {name!r}; see them with: zoombridge connection list"
    )


def connection_names(
    catalog: Catalog, installation: Settings, *, placeholder: bool = True
) -> list[str]:
    """The enabled connections a sync without --connection covers ("default" alone when
    nothing is configured, so that its error says which variables to set; not with
    `placeholder` False: the service, which serves the connections there are)."""
    infos = list_connections(catalog, installation)
    if not infos and placeholder:
        return [DEFAULT_CONNECTION]
    return [info.name for info in infos if info.enabled]


def load_connection(
    catalog: Catalog, keys: KeyRing, installation: Settings, name: str
) -> ConnectionConfig:
    """A connection with its credentials opened and its archive settings merged."""
    with catalog.session() as session:
        row = _row(session, name)
        if name == DEFAULT_CONNECTION:
            enabled = row is None or bool(row.enabled)
            return ConnectionConfig(name, enabled, installation.zoom, installation.archive)
        row = _registered(session, name)
        sealed = json.loads(keys.open(row.credentials or "", _context(name)))
        sealed.pop(GRANT, None)  # the grant is read, and rotated, by archive.grants
        stored = row.settings_json.get("zoom", {})
        public = {k: v for k, v in stored.items() if k in PUBLIC_FIELDS}
        zoom = ZoomSettings.model_validate({**public, **sealed, "account_id": row.account_id})
        merged = {**installation.archive.model_dump(), **row.settings_json.get("archive", {})}
        archive = ArchiveSettings.model_validate(merged)
        auth = str(stored.get("auth", "s2s"))
        return ConnectionConfig(name, bool(row.enabled), zoom, archive, auth)


def set_enabled(
    catalog: Catalog, installation: Settings, name: str, enabled: bool, now: datetime
) -> None:
    if name == DEFAULT_CONNECTION:
        ensure_connection(catalog, name, installation.zoom.account_id, now)
    with catalog.session() as session, session.begin():
        row = _row(session, name) if name == DEFAULT_CONNECTION else _registered(session, name)
        assert row is not None
        row.enabled = enabled
        row.updated_at = now


def remove_connection(catalog: Catalog, name: str, now: datetime) -> None:
    """Forget a connection's credentials and free its name; keep its catalog history."""
    _refuse_default(name, "unset those variables, or: zoombridge connection disable default")
    with catalog.session() as session, session.begin():
        row = _registered(session, name)
        row.name = f"{name}{REMOVED_MARK}{row.id}"
        row.credentials = None
        row.enabled = False
        row.settings_json = {**row.settings_json, "removed_at": now.isoformat()}
        row.updated_at = now


def reseal_all(catalog: Catalog, keys: KeyRing, now: datetime) -> int:
    """Seal every stored secret again with the current key (after a rotation); how many."""
    with catalog.session() as session:
        rows = session.scalars(select(Connection).where(Connection.credentials.is_not(None)))
        stale = [row.name for row in rows if keys.needs_reseal(row.credentials or "")]
    for name in stale:  # by compare-and-swap: a worker may be saving a rotated grant meanwhile
        swap_credentials(catalog, keys, name, lambda sealed: sealed, updated_at=now)
    return len(stale)


async def check_access(zoom: ZoomClient, today: date) -> None:
    """What a sync does first, at the smallest cost: a token, one user, one day of that user's
    recordings. Raises AuthenticationError (MissingScopes naming them), TransportError..."""
    body = await zoom.call(ENDPOINTS["users"], params={"status": "active", "page_size": 1})
    users = (body or {}).get("users") or []
    if users:
        day = today.isoformat()
        params: dict[str, str | int] = {"from": day, "to": day, "page_size": 1}
        await zoom.call(ENDPOINTS["recordings_list"], params=params, userId=str(users[0]["id"]))


def describe_refusal(exc: Exception) -> str:
    """A check failure in words that say what to do."""
    if isinstance(exc, MissingScopes):
        return (
            f"the Zoom app lacks scopes: {', '.join(exc.scopes)}; add them to the app in the "
            "Zoom App Marketplace (Manage > your app > Scopes), then try again"
        )
    return str(exc)
