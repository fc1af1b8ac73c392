"""An admin clicks "Connect with Zoom": the authorization-code flow with PKCE and `state`
through the portal's real callback. Zoom is the emulator, an httpx transport into its app,
for the portal's own calls and for the admin's browser on Zoom's authorize page (which
approves at once, as the account owner). Every refusal shows a page saying why and stores
nothing; a connection whose grant died says so and is reconnected the same way."""

from __future__ import annotations

import dataclasses
import html
import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx
import pytest
from portal_helpers import PASSWORD, START, Portal, csrf_of, portal_fixture, sign_in
from pydantic import SecretStr

from zoombridge.accounts import Role
from zoombridge.archive.connections import get_info, list_connections
from zoombridge.archive.grants import REAUTHORIZATION_NEEDED, DatabaseGrantStore, load_grant
from zoombridge.archive.service import read_status, sync_once
from zoombridge.clock import ManualClock
from zoombridge.emulator import DEFAULT_CREDENTIALS, build_world, create_app
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.emulator.world import World
from zoombridge.errors import ReauthorizationNeeded
from zoombridge.settings import ArchiveSettings, ZoomAppSettings
from zoombridge.web.zoom_oauth import CALLBACK_PATH, FLOW_COOKIE
from zoombridge.zoom.oauth import UserGrant

pytestmark = pytest.mark.anyio

APP_ID = DEFAULT_CREDENTIALS["user_client_id"]
APP_SECRET = DEFAULT_CREDENTIALS["user_client_secret"]
CALLBACK = f"http://portal.test{CALLBACK_PATH}"


@pytest.fixture
def world() -> World:
    """Zoom, with the portal's callback registered in the General app."""
    world = build_world("small", seed=3, users=2, phone=False, clock=ManualClock(START))
    app = world.apps[APP_ID]
    world.apps[APP_ID] = dataclasses.replace(app, redirect_uris=(*app.redirect_uris, CALLBACK))
    return world


@pytest.fixture
def zoom(world: World) -> EmulatorTransport:
    return EmulatorTransport(create_app(world))


def _settings(tmp_path: Path, **extra: Any) -> dict[str, Any]:
    """The portal's catalog is the one its syncs use; they reach back 120 days."""
    start = (START - timedelta(days=120)).date()
    return {
        "database_url": f"sqlite:///{tmp_path / 'catalog.sqlite'}",
        "archive": ArchiveSettings(start_date=start),
        **extra,
    }


@pytest.fixture
async def portal(tmp_path: Path, zoom: EmulatorTransport) -> AsyncIterator[Portal]:
    async for opened in portal_fixture(tmp_path, transport=zoom, **_settings(tmp_path)):
        every_status(opened)
        yield opened


def every_status(portal: Portal) -> None:
    """The status page shows every connection, as `zoombridge serve` wires it."""
    context = portal.app.state.portal  # type: ignore[attr-defined]
    context.statuses = lambda: portal.bridge.statuses(portal.catalog)


def catalog_bytes(tmp_path: Path) -> bytes:
    """The catalog's database as it is on disk, write-ahead log included."""
    return b"".join(path.read_bytes() for path in tmp_path.glob("catalog.sqlite*"))


async def start(client: httpx.AsyncClient, **changes: str) -> httpx.Response:
    """The admin fills in "Connect with Zoom" and sends it."""
    form = {"name": "faculty", "client_id": APP_ID, "client_secret": APP_SECRET, "plan": "business"}
    form = form | changes | {"csrf_token": await csrf_of(client)}
    return await client.post("/connect/zoom", data={k: v for k, v in form.items() if v})


def to_zoom(started: httpx.Response) -> str:
    """Where the page answering a start sends the browser: Zoom's authorize page."""
    assert started.status_code == 200, started.text
    link = re.search(r'<a id="to-zoom" href="([^"]+)"', started.text)
    refresh = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', started.text)
    assert link, started.text
    assert refresh, started.text
    assert refresh.group(1) == link.group(1)
    return html.unescape(link.group(1))


async def at_zoom(zoom: EmulatorTransport, authorize_url: str) -> str:
    """The admin's browser on Zoom's authorize page: where Zoom sends it back."""
    async with httpx.AsyncClient(transport=zoom) as browser:
        answer = await browser.get(authorize_url)
    assert answer.status_code == 302, answer.text
    return str(answer.headers["location"])


async def to_callback(client: httpx.AsyncClient, zoom: EmulatorTransport, **changes: str) -> str:
    return await at_zoom(zoom, to_zoom(await start(client, **changes)))


def names(portal: Portal) -> list[str]:
    return [info.name for info in list_connections(portal.catalog, portal.bridge.settings)]


def said(response: httpx.Response) -> str:
    return " ".join(response.text.split())


def stored_grant(portal: Portal, name: str = "faculty") -> UserGrant | None:
    return load_grant(portal.catalog, portal.bridge.keyring(), name)


async def test_an_admin_connects_with_zoom_and_lands_on_the_connection_page(
    portal: Portal,
    zoom: EmulatorTransport,
    world: World,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = await portal.signed_in(Role.ADMIN)
    started = await start(client)
    authorize = urlsplit(to_zoom(started))
    query = parse_qs(authorize.query)
    assert (authorize.netloc, authorize.path) == ("zoom.us", "/oauth/authorize")
    assert query["redirect_uri"] == [CALLBACK]
    assert query["client_id"] == [APP_ID]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["state"][0]) >= 32
    cookie = started.headers["set-cookie"]
    for attribute in ("HttpOnly", f"Path={CALLBACK_PATH}", "Max-Age=600", "SameSite=lax"):
        assert attribute in cookie
    assert APP_SECRET not in cookie  # sealed
    assert query["state"][0] not in cookie
    back = await at_zoom(zoom, to_zoom(started))
    landed = await client.get(back)
    assert (landed.status_code, landed.headers["location"]) == (303, "/connections/faculty?added=1")
    assert FLOW_COOKIE not in client.cookies  # used once, then gone
    page = await client.get(landed.headers["location"])
    assert "Connected with Zoom" in page.text
    assert "Reconnect with Zoom" in page.text
    info = get_info(portal.catalog, portal.bridge.settings, "faculty")
    assert (info.auth, info.account_id, info.plan, info.client_id) == (
        "oauth",
        world.account_id,
        "business",
        APP_ID,
    )
    settings = (await client.get("/api/connections/faculty/settings")).json()
    assert (settings["auth"], settings["reauthorization"]) == ("oauth", None)
    grant = stored_grant(portal)
    assert grant is not None
    on_disk = catalog_bytes(tmp_path)
    for secret in (grant.access_token, grant.refresh_token, APP_SECRET):
        assert secret.encode() not in on_disk
        assert secret not in caplog.text
        assert secret not in landed.headers["location"]


@pytest.mark.parametrize(
    ("problem", "says"),
    [
        ("no state", "carried no state"),
        ("wrong state", "is not the one this session"),
        ("expired", "expired"),
        ("declined", "declined in Zoom (access_denied)"),
        ("code refused", "Invalid authorization code"),
        ("wrong secret", "invalid_client"),
        ("missing scopes", "lacks scopes: user:read:list_users:admin"),
        ("no cookie", "no Zoom connection was started in this browser session"),
        ("another session", "started in another session"),
    ],
)
async def test_a_refused_callback_says_why_and_stores_nothing(
    portal: Portal, zoom: EmulatorTransport, world: World, problem: str, says: str
) -> None:
    if problem == "missing scopes":
        world.apps[APP_ID].scopes -= {"user:read:list_users:admin", "user:read:admin"}
    client = await portal.signed_in(Role.ADMIN, "admin@example.edu")
    secret = "not-the-secret" if problem == "wrong secret" else APP_SECRET
    back = dict(parse_qsl(urlsplit(await to_callback(client, zoom, client_secret=secret)).query))
    if problem == "no state":
        del back["state"]
    elif problem == "wrong state":
        back["state"] = "forged" + back["state"][6:]
    elif problem == "expired":
        portal.clock.advance(601)
    elif problem == "declined":
        back = {"error": "access_denied", "state": back["state"]}
    elif problem == "code refused":
        back["code"] = "not-a-code"
    elif problem == "no cookie":
        client.cookies.delete(FLOW_COOKIE)
    elif problem == "another session":  # the same admin, signed in in another browser
        sealed = client.cookies[FLOW_COOKIE]
        client = portal.client()
        assert (await sign_in(client, "admin@example.edu", PASSWORD)).status_code == 303
        client.cookies.set(FLOW_COOKIE, sealed, domain="portal.test", path=CALLBACK_PATH)
    refused = await client.get(CALLBACK_PATH, params=back)
    assert refused.status_code == 400
    assert says in said(refused)
    assert "not-the-secret" not in refused.text
    assert names(portal) == ["default"]  # nothing stored
    assert FLOW_COOKIE not in client.cookies


async def test_a_callback_works_once(portal: Portal, zoom: EmulatorTransport) -> None:
    client = await portal.signed_in(Role.ADMIN)
    back = await to_callback(client, zoom)
    sealed = client.cookies[FLOW_COOKIE]
    assert (await client.get(back)).status_code == 303
    first = stored_grant(portal)
    client.cookies.set(FLOW_COOKIE, sealed, domain="portal.test", path=CALLBACK_PATH)
    again = await client.get(back)
    assert again.status_code == 400
    assert "already used" in said(again)
    assert stored_grant(portal) == first


async def test_the_callback_answers_only_the_signed_in_admin_and_never_bounces_the_code(
    portal: Portal, zoom: EmulatorTransport
) -> None:
    admin = await portal.signed_in(Role.ADMIN)
    back = await to_callback(admin, zoom)
    anonymous = await portal.client().get(back)
    assert anonymous.status_code == 401  # a page, not a redirect carrying the code on
    assert "location" not in anonymous.headers
    manager = await portal.signed_in(Role.MANAGER)
    assert (await manager.get(back)).status_code == 403
    assert names(portal) == ["default"]


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"name": "../etc"}, "connection name"),
        ({"name": "default"}, "is the connection configured by ZOOMBRIDGE_ZOOM__"),
        ({"client_id": ""}, "needs --client-id"),
        ({"plan": "gold"}, "--plan"),
    ],
)
async def test_a_start_with_bad_input_goes_nowhere(
    portal: Portal, changes: dict[str, str], says: str
) -> None:
    client = await portal.signed_in(Role.ADMIN)
    refused = await start(client, **changes)
    assert refused.status_code == 422
    assert says in said(refused)
    assert APP_SECRET not in refused.text
    assert "set-cookie" not in refused.headers


async def test_a_dead_grant_shows_in_the_status_and_reconnect_renews_it(
    portal: Portal, zoom: EmulatorTransport, world: World
) -> None:
    client = await portal.signed_in(Role.ADMIN)
    assert (await client.get(await to_callback(client, zoom))).status_code == 303
    world.faults.drop_responses = 1  # a refresh rotates in Zoom; its answer is lost
    config = portal.bridge.connection(portal.catalog, "faculty")
    store = DatabaseGrantStore(
        portal.catalog, portal.bridge.keyring(), "faculty", portal.bridge.clock
    )
    async with portal.bridge.user_client(config.zoom, store) as zoom_client:
        flow = portal.bridge.authorization_flow(config.zoom, zoom_client.http)
        with pytest.raises(ReauthorizationNeeded):
            await flow.refresh(store)
    status = (await client.get("/api/status")).json()
    faculty = next(s for s in status if s["connection"] == "faculty")
    assert faculty["authorization"] == REAUTHORIZATION_NEEDED
    panel = await client.get("/status")
    assert re.search(r'href="/connections/faculty#reconnect">Reconnect</a>', panel.text)
    page = await client.get("/connections/faculty")
    assert "Re-authorization needed" in page.text
    renew = await client.post(
        "/connections/faculty/reconnect", data={"csrf_token": await csrf_of(client)}
    )
    landed = await client.get(await at_zoom(zoom, to_zoom(renew)))
    assert landed.headers["location"] == "/connections/faculty?reconnected=1"
    grant = stored_grant(portal)
    assert grant is not None
    assert grant.needs_reauthorization is None
    connection_id = portal.bridge.connection_id(portal.catalog, "faculty")
    assert read_status(portal.catalog, connection_id, "faculty").authorization == "authorized"
    refused = await client.post(
        "/connections/default/reconnect", data={"csrf_token": await csrf_of(client)}
    )
    assert refused.status_code == 409
    assert "Server-to-Server" in said(refused)


async def test_with_the_installation_s_app_and_a_sync_the_account_is_archived(
    tmp_path: Path, zoom: EmulatorTransport, world: World
) -> None:
    app = ZoomAppSettings(client_id=APP_ID, client_secret=SecretStr(APP_SECRET))
    settings = _settings(tmp_path, zoom_app=app)
    async for portal in portal_fixture(tmp_path, transport=zoom, **settings):
        client = await portal.signed_in(Role.ADMIN)
        form = await client.get("/connect")
        oauth_form = form.text.split('id="connect-with-zoom"')[1].split("</form>")[0]
        assert 'name="client_secret"' not in oauth_form  # the installation provides it
        back = await to_callback(client, zoom, client_id="", client_secret="")
        assert (await client.get(back)).status_code == 303
        first = stored_grant(portal)
        assert first is not None
        for clock in (portal.clock, world.clock):  # the access token expires: refresh first
            clock.advance(3700)  # type: ignore[attr-defined]
        async with portal.bridge.archive(connection="faculty") as runtime:
            summary = await sync_once(runtime)
        assert summary.error is None
        assert summary.failed == 0
        assert summary.verified == summary.files > 0
        rotated = stored_grant(portal)
        assert rotated is not None
        assert rotated.refresh_token != first.refresh_token  # saved for the next process
