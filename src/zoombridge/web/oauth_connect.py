""" "Connect with Zoom": an admin connects a Zoom account by the authorization-code flow (PKCE,
`state`), through the portal's own callback; no code is ever pasted by hand.

    start     POST /connect/zoom (a new connection) or /connections/NAME/reconnect: the
              state, the PKCE verifier and what is being connected go into a sealed
              `PendingAuthorization` (an HttpOnly cookie, bound to the admin's session,
              10 minutes), and the browser goes on to Zoom's authorize page
    finish    GET /oauth/zoom/callback?code&state: the state is checked in constant time,
              the code exchanged with the verifier, the account checked as a sync would
              (scopes the archive needs, named when missing), and only then is anything
              stored: the grant, sealed, with the connection (archive.grants)

Every refusal is an InvalidInput saying what happened and what to do; nothing is saved.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from zoombridge.accounts import Principal
from zoombridge.app import ZoomBridge
from zoombridge.archive.connections import (
    check_access,
    describe_refusal,
    list_connections,
    load_connection,
    validate_connection,
)
from zoombridge.archive.grants import add_oauth_connection, renew_grant
from zoombridge.db import Catalog
from zoombridge.errors import ConfigurationError, InvalidInput, ZoomBridgeError
from zoombridge.settings import ZoomSettings
from zoombridge.web.security import same_token
from zoombridge.zoom import ZoomClient
from zoombridge.zoom.endpoints import ENDPOINTS
from zoombridge.zoom.oauth import (
    AuthorizationCodeFlow,
    AuthorizationRequest,
    MemoryGrantStore,
    UserGrant,
)

__all__ = [
    "APP_FIELDS",
    "LIFETIME",
    "PendingAuthorization",
    "UsedStates",
    "finish",
    "open_pending",
    "seal_pending",
    "start_connect",
    "start_reconnect",
]

log = logging.getLogger("zoombridge.web.oauth")

LIFETIME = timedelta(minutes=10)
APP_FIELDS = ("client_id", "client_secret", "webhook_secret", "plan", "api_url", "oauth_url")
# Before Zoom says whose account it is, the connection is checked with a stand-in account id.
PENDING_ACCOUNT = "pending"
START_AGAIN = "start again from the Connect page"


@dataclass(frozen=True)
class PendingAuthorization:
    """What the callback needs from the start: sealed in a cookie, never shown."""

    mode: str  # "connect" (a new connection) or "reconnect"
    name: str
    state: str = field(repr=False)
    code_verifier: str = field(repr=False)
    redirect_uri: str
    expires_at: datetime
    fields: dict[str, str] = field(default_factory=dict, repr=False)  # the app, for "connect"
    authorize_url: str = ""  # where to send the browser; not sealed

    def request(self) -> AuthorizationRequest:
        return AuthorizationRequest("", self.state, self.code_verifier, self.redirect_uri)


def session_binding(principal: Principal) -> str:
    """Seals a pending authorization to the admin's session: another session (or user)
    cannot open it, so a callback only finishes in the browser that started it."""
    csrf = principal.csrf_token or ""
    return f"zoom-oauth:{principal.user_id}:{hashlib.sha256(csrf.encode()).hexdigest()}"


def seal_pending(bridge: ZoomBridge, pending: PendingAuthorization, binding: str) -> str:
    data = asdict(pending) | {"expires_at": pending.expires_at.isoformat()}
    data.pop("authorize_url")
    return bridge.keyring().seal(json.dumps(data), binding)


def open_pending(
    bridge: ZoomBridge, sealed: str | None, binding: str, now: datetime
) -> PendingAuthorization:
    if not sealed:
        raise InvalidInput(
            "no Zoom connection was started in this browser session, or it ended (it lasts "
            f"{LIFETIME.seconds // 60} minutes, once); {START_AGAIN}"
        )
    try:
        data = json.loads(bridge.keyring().open(sealed, binding))
    except (ConfigurationError, ValueError):
        raise InvalidInput(
            f"this Zoom sign-in was started in another session or browser; {START_AGAIN}"
        ) from None
    pending = PendingAuthorization(
        **(data | {"expires_at": datetime.fromisoformat(data["expires_at"])})
    )
    if now >= pending.expires_at:
        raise InvalidInput(f"the Zoom sign-in took more than 10 minutes and expired; {START_AGAIN}")
    return pending


class UsedStates:
    """The states of the callbacks this process has taken, until they expire: a state works
    once, even when a copy of its cookie is sent again."""

    def __init__(self) -> None:
        self._seen: dict[str, datetime] = {}

    def take(self, state: str, expires_at: datetime, now: datetime) -> bool:
        """True the first time `state` is taken."""
        self._seen = {key: until for key, until in self._seen.items() if until > now}
        digest = hashlib.sha256(state.encode()).hexdigest()
        if digest in self._seen:
            return False
        self._seen[digest] = expires_at
        return True


def _validated(
    bridge: ZoomBridge, name: str, fields: dict[str, str], account_id: str
) -> ZoomSettings:
    """The app's fields as a connection's Zoom settings (InvalidInput naming what is bad)."""
    given = {key: value for key, value in fields.items() if value}
    try:
        zoom, _, _ = validate_connection(
            name, given | {"account_id": account_id}, {}, bridge.settings.archive
        )
    except ConfigurationError as exc:
        raise InvalidInput(str(exc)) from None
    return zoom


def _app_fields(bridge: ZoomBridge, given: dict[str, str]) -> dict[str, str]:
    """The form's fields, with the installation's app (ZOOMBRIDGE_ZOOM_APP__*) when it has one."""
    unknown = sorted(set(given) - set(APP_FIELDS))
    if unknown:
        raise InvalidInput(f"not fields of a Zoom app: {', '.join(unknown)}")
    app = bridge.settings.zoom_app
    if not app.configured():
        return dict(given)
    return given | {
        "client_id": app.client_id,
        "client_secret": app.client_secret.get_secret_value(),
    }


@asynccontextmanager
async def _flow(
    bridge: ZoomBridge, zoom: ZoomSettings, store: MemoryGrantStore
) -> AsyncIterator[tuple[ZoomClient, AuthorizationCodeFlow]]:
    async with bridge.user_client(zoom, store) as client:
        yield client, bridge.authorization_flow(zoom, client.http)


async def _pending(
    bridge: ZoomBridge,
    mode: str,
    name: str,
    zoom: ZoomSettings,
    fields: dict[str, str],
    redirect_uri: str,
    now: datetime,
) -> PendingAuthorization:
    async with _flow(bridge, zoom, MemoryGrantStore()) as (_, flow):
        asked = flow.authorization_request(redirect_uri)
    return PendingAuthorization(
        mode,
        name,
        asked.state,
        asked.code_verifier,
        redirect_uri,
        now + LIFETIME,
        fields,
        asked.url,
    )


async def start_connect(
    bridge: ZoomBridge,
    catalog: Catalog,
    name: str,
    given: dict[str, str],
    redirect_uri: str,
    now: datetime,
) -> PendingAuthorization:
    """A new connection: everything that can be refused before Zoom is refused here."""
    fields = _app_fields(bridge, given)
    zoom = _validated(bridge, name, fields, PENDING_ACCOUNT)
    if name in {info.name for info in list_connections(catalog, bridge.settings)}:
        raise InvalidInput(f"a connection named {name!r} exists; choose another name")
    return await _pending(bridge, "connect", name, zoom, fields, redirect_uri, now)


def _oauth_connection(bridge: ZoomBridge, catalog: Catalog, name: str) -> ZoomSettings:
    try:
        config = load_connection(catalog, bridge.keyring(), bridge.settings, name)
    except ConfigurationError as exc:
        raise InvalidInput(str(exc)) from None
    if config.auth != "oauth":
        raise InvalidInput(
            f"connection {name!r} uses a Server-to-Server app: it has no Zoom sign-in to renew"
        )
    return config.zoom


async def start_reconnect(
    bridge: ZoomBridge, catalog: Catalog, name: str, redirect_uri: str, now: datetime
) -> PendingAuthorization:
    """Renew the grant of a connection made with "Connect with Zoom"."""
    zoom = _oauth_connection(bridge, catalog, name)
    return await _pending(bridge, "reconnect", name, zoom, {}, redirect_uri, now)


def _check_answer(pending: PendingAuthorization, *, code: str, state: str, error: str) -> None:
    """Zoom's redirect, before anything is sent anywhere."""
    if error == "access_denied":
        raise InvalidInput(
            "the authorization was declined in Zoom (access_denied), so nothing was saved; "
            "to connect, start again and allow zoombridge's access"
        )
    if error:
        raise InvalidInput(
            f"Zoom answered {error[:80]!r} instead of an authorization code; nothing was saved"
        )
    if not state:
        raise InvalidInput(f"Zoom's answer carried no state; nothing was saved; {START_AGAIN}")
    if not same_token(state, pending.state):
        raise InvalidInput(
            "the answer's state is not the one this session's Zoom sign-in started with (an old "
            f"or forged link?); nothing was saved; {START_AGAIN}"
        )
    if not code:
        raise InvalidInput(f"Zoom's answer carried no authorization code; {START_AGAIN}")


async def _checked_account(client: ZoomClient, today: date, expected: str | None) -> str:
    """The account the grant acts in, once it can do what a sync does first."""
    me = await client.call(ENDPOINTS["user"], userId="me")
    account_id = str((me or {}).get("account_id") or "")
    if expected is not None and account_id != expected:
        raise InvalidInput(
            f"the Zoom user who signed in belongs to account {account_id!r}, and this "
            f"connection archives account {expected!r}; sign in to Zoom as a user of that account"
        )
    await check_access(client, today)
    return account_id


async def _authorize(
    bridge: ZoomBridge,
    zoom: ZoomSettings,
    pending: PendingAuthorization,
    code: str,
    today: date,
    expected_account: str | None,
) -> tuple[UserGrant, str]:
    """Exchange the code (with the PKCE verifier) and check the grant: (grant, account id)."""
    store = MemoryGrantStore()
    async with _flow(bridge, zoom, store) as (client, flow):
        try:
            grant = await flow.exchange(pending.request(), code=code, state=pending.state)
        except ZoomBridgeError as exc:
            raise InvalidInput(f"{exc} Nothing was saved; {START_AGAIN}") from None
        await store.replace(None, grant)
        try:
            account_id = await _checked_account(client, today, expected_account)
        except ZoomBridgeError as exc:
            await _revoke_quietly(flow, store)
            raise InvalidInput(
                f"Zoom refused: {describe_refusal(exc)}; nothing was saved"
            ) from None
        return (await store.load()) or grant, account_id


async def _revoke_quietly(flow: AuthorizationCodeFlow, store: MemoryGrantStore) -> None:
    """A grant refused here is given back to Zoom, so none lingers unused."""
    grant = await store.load()
    if grant is None:
        return
    try:
        await flow.revoke(grant.refresh_token)
    except ZoomBridgeError as exc:
        log.info("could not revoke a refused grant: %s", type(exc).__name__)


def _store(
    bridge: ZoomBridge,
    catalog: Catalog,
    pending: PendingAuthorization,
    grant: UserGrant,
    account_id: str,
    now: datetime,
) -> None:
    try:
        if pending.mode == "reconnect":
            renew_grant(catalog, bridge.keyring(), pending.name, grant, now)
            return
        zoom = _validated(bridge, pending.name, pending.fields, account_id)
        add_oauth_connection(catalog, bridge.keyring(), pending.name, zoom, grant, now)
    except ConfigurationError as exc:
        raise InvalidInput(f"{exc}; nothing was saved") from None


async def finish(
    bridge: ZoomBridge,
    catalog: Catalog,
    pending: PendingAuthorization,
    *,
    code: str,
    state: str,
    error: str,
    now: datetime,
) -> None:
    """Zoom sent the admin back: check, exchange, check the account, then store."""
    _check_answer(pending, code=code, state=state, error=error)
    if pending.mode == "reconnect":
        zoom = await asyncio.to_thread(_oauth_connection, bridge, catalog, pending.name)
        expected: str | None = zoom.account_id
    else:
        zoom, expected = _validated(bridge, pending.name, pending.fields, PENDING_ACCOUNT), None
    grant, account_id = await _authorize(bridge, zoom, pending, code, now.date(), expected)
    await asyncio.to_thread(_store, bridge, catalog, pending, grant, account_id, now)
