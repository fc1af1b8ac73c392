"""An installation whose Zoom connections are all made in the portal (no ZOOMBRIDGE_ZOOM__*
variables) never shows a `default` connection: opening the status panel used to record an
empty `default` row, which /status, /connections and their JSON twins then listed as an idle
card with no credentials, and which `serve` tried (and logged as not served) on every run.
With the environment's credentials, `default` is listed as before; a `default` row that
recorded a Zoom account (configured by the environment once) is kept in sight too."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from portal_helpers import START, Portal, closing
from sqlalchemy import select

from zoombridge.accounts import Role
from zoombridge.app import ZoomBridge
from zoombridge.archive.catalog import ensure_connection
from zoombridge.archive.connections import add_connection, connection_names
from zoombridge.cli.serving_set import ServingSet
from zoombridge.clock import ManualClock
from zoombridge.db.models import Connection
from zoombridge.settings import Settings, ZoomSettings
from zoombridge.web.auth import PortalContext
from zoombridge.web.service import service_app

pytestmark = pytest.mark.anyio

ENVIRONMENT = {"account_id": "env-account", "client_id": "env-client", "client_secret": "s" * 16}


def _open(tmp_path: Path, **settings: Any) -> Portal:
    """A portal as `serve` makes it: its status panel reads the real connections."""
    clock = ManualClock(START)
    bridge = ZoomBridge(Settings(home=tmp_path / "home", **settings), clock=clock)
    catalog = bridge.catalog()
    context = PortalContext(catalog, clock, lambda: bridge.statuses(catalog), bridge)
    return Portal(service_app({}, "default", portal=context), catalog, clock, bridge)


@pytest.fixture
async def bare(tmp_path: Path) -> AsyncIterator[Portal]:
    """No Zoom credentials in the environment."""
    async for portal in closing(_open(tmp_path)):
        yield portal


@pytest.fixture
async def configured(tmp_path: Path) -> AsyncIterator[Portal]:
    """The environment's Server-to-Server app configured."""
    async for portal in closing(_open(tmp_path, zoom=ENVIRONMENT)):
        yield portal


def _add_in_portal(portal: Portal, name: str = "faculty") -> None:
    zoom = ZoomSettings(account_id="acc", client_id="cid", client_secret="secret-value")
    add_connection(portal.catalog, portal.bridge.keyring(), name, zoom, {}, portal.clock.now())


def _rows(portal: Portal) -> list[str]:
    with portal.catalog.session() as session:
        return list(session.scalars(select(Connection.name).order_by(Connection.name)))


async def _shown(portal: Portal) -> dict[str, Any]:
    """What the status panel and the connections list show, as HTML and as JSON."""
    client = await portal.signed_in(Role.ADMIN, f"admin{len(portal.opened)}@example.edu")
    status_page = await client.get("/status")
    connections_page = await client.get("/connections")
    status_api = await client.get("/api/status")
    connections_api = await client.get("/api/connections")
    for response in (status_page, connections_page, status_api, connections_api):
        assert response.status_code == 200, (response.request.url, response.text)
    return {
        "status": [s["connection"] for s in status_api.json()],
        "connections": [c["name"] for c in connections_api.json()],
        "status_page": status_page.text,
        "connections_page": connections_page.text,
    }


def _cards(page: str) -> list[str]:
    return [name for name in ("default", "faculty") if f'id="{name}"' in page]


def _links(page: str) -> list[str]:
    return [name for name in ("default", "faculty") if f'href="/connections/{name}"' in page]


async def test_a_fresh_installation_shows_no_default_and_records_none(bare: Portal) -> None:
    shown = await _shown(bare)
    assert (shown["status"], shown["connections"]) == ([], [])
    assert _cards(shown["status_page"]) == []
    assert 'href="/connect"' in shown["status_page"]  # where the first one is made
    assert _rows(bare) == []  # reading made no `default`


async def test_the_connection_made_in_the_portal_is_the_only_one_shown(bare: Portal) -> None:
    await _shown(bare)  # the status panel opened before the first connection
    _add_in_portal(bare)
    shown = await _shown(bare)
    assert (shown["status"], shown["connections"]) == (["faculty"], ["faculty"])
    assert _cards(shown["status_page"]) == ["faculty"]
    assert _links(shown["connections_page"]) == ["faculty"]
    assert _rows(bare) == ["faculty"]
    assert connection_names(bare.catalog, bare.bridge.settings) == ["faculty"]


async def test_the_empty_default_an_earlier_version_recorded_is_hidden(bare: Portal) -> None:
    ensure_connection(bare.catalog, "default", "", START)  # what /status used to record
    _add_in_portal(bare)
    shown = await _shown(bare)
    assert (shown["status"], shown["connections"]) == (["faculty"], ["faculty"])
    assert _cards(shown["status_page"]) == ["faculty"]
    assert _links(shown["connections_page"]) == ["faculty"]
    client = await bare.signed_in(Role.ADMIN, "another@example.edu")
    assert (await client.get("/api/connections/default/settings")).status_code == 404


async def test_serve_does_not_try_the_empty_default(bare: Portal) -> None:
    ensure_connection(bare.catalog, "default", "", START)
    context = PortalContext(bare.catalog, bare.clock, list, bare.bridge)
    stop = asyncio.Event()
    serving = ServingSet(bare.bridge, context, stop)
    tried: list[str] = []

    async def add(name: str) -> bool:
        tried.append(name)
        return False

    serving.add = add  # type: ignore[method-assign]
    watching = asyncio.create_task(serving.watch(look_seconds=0.01))
    await asyncio.sleep(0.1)
    _add_in_portal(bare)
    await asyncio.sleep(0.1)
    stop.set()
    await watching
    assert set(tried) == {"faculty"}


async def test_with_environment_credentials_default_is_listed(configured: Portal) -> None:
    _add_in_portal(configured)
    shown = await _shown(configured)
    assert shown["status"] == ["default", "faculty"]
    assert shown["connections"] == ["default", "faculty"]
    assert _cards(shown["status_page"]) == ["default", "faculty"]
    assert _links(shown["connections_page"]) == ["default", "faculty"]
    assert connection_names(configured.catalog, configured.bridge.settings) == [
        "default",
        "faculty",
    ]


async def test_a_default_that_recorded_an_account_stays_in_sight(bare: Portal) -> None:
    """Configured by the environment once (its archive is under it), unset since."""
    ensure_connection(bare.catalog, "default", "env-account", START)
    _add_in_portal(bare)
    shown = await _shown(bare)
    assert (shown["status"], shown["connections"]) == (["default", "faculty"],) * 2
    shown = await _shown(bare)  # reading it again does not forget its account
    assert (shown["status"], shown["connections"]) == (["default", "faculty"],) * 2
    with bare.catalog.session() as session:
        row = session.scalar(select(Connection).where(Connection.name == "default"))
        assert row is not None
        assert row.account_id == "env-account"
