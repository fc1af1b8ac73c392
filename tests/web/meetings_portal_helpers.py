"""A portal whose Zoom is an emulated account with a pool of hosts, for the meetings API,
CLI-free pages and browser tests: one clock for the portal and Zoom, hosts host0..host{n-1}
@example.edu (licensed unless in `basic`), a Manager who synced them and saved pool "P"."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from portal_helpers import Portal, closing, csrf_of

from zoombridge.accounts import Role
from zoombridge.accounts.sessions import create_api_token
from zoombridge.accounts.users import create_user
from zoombridge.app import ZoomBridge
from zoombridge.archive.catalog import ensure_connection
from zoombridge.clock import ManualClock
from zoombridge.db import open_catalog
from zoombridge.emulator import DEFAULT_CREDENTIALS, build_world, create_app
from zoombridge.emulator.served import serve_asgi
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.emulator.world import EmuUser, World
from zoombridge.settings import Settings
from zoombridge.web.auth import PortalContext
from zoombridge.web.service import service_app

__all__ = [
    "MONDAY_10",
    "NOW",
    "files_holding",
    "host",
    "meetings_portal",
    "pooled",
    "served_with_hosts",
    "token_client",
    "zoom_settings",
]

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
MONDAY_10 = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # a week later, when the tests book


def host(index: int) -> str:
    return f"host{index}@example.edu"


def pool_account(hosts: int, basic: tuple[int, ...] = ()) -> World:
    world = build_world("empty", seed=7, clock=ManualClock(NOW))
    for index in range(hosts):
        user = EmuUser(
            id=world.new_user_id(),
            email=host(index),
            first_name="Host",
            last_name=str(index),
            type=1 if index in basic else 2,
            created_at=NOW - timedelta(days=30),
        )
        world.users[user.id] = user
    return world


def zoom_settings(world: World) -> dict[str, str]:
    c = DEFAULT_CREDENTIALS
    return {k: c[k] for k in ("account_id", "client_id", "client_secret")} | {"plan": world.plan}


def open_meetings_portal(tmp_path: Path, world: World) -> Portal:
    clock = world.clock
    assert isinstance(clock, ManualClock)
    catalog = open_catalog(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    ensure_connection(catalog, "default", DEFAULT_CREDENTIALS["account_id"], clock.now())
    settings = Settings(home=tmp_path / "home", zoom=zoom_settings(world))  # type: ignore[arg-type]
    bridge = ZoomBridge(settings, clock=clock, transport=EmulatorTransport(create_app(world)))
    context = PortalContext(catalog=catalog, clock=clock, statuses=list, bridge=bridge)
    return Portal(service_app({}, "default", portal=context), catalog, clock, bridge)


def files_holding(folder: Path, secret: bytes) -> list[Path]:
    """Every file under `folder` (the catalog, its WAL, the keys) that contains `secret`."""
    return [f for f in folder.rglob("*") if f.is_file() and secret in f.read_bytes()]


@contextmanager
def served_with_hosts(
    tmp_path: Path, hosts: int
) -> Iterator[tuple[Portal, World, str, httpx.Client]]:
    """For browser tests: a portal on a real socket with Manager ops@example.edu, and an API
    client on a Manager's token that has synced the `hosts` licensed hosts."""
    world = pool_account(hosts)
    portal = open_meetings_portal(tmp_path, world)
    portal.add_user(Role.MANAGER, "ops@example.edu")
    _, token = create_api_token(portal.catalog, 1, "setup", portal.clock.now())
    try:
        with serve_asgi(portal.app) as base:  # type: ignore[arg-type]
            auth = {"authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base, headers=auth, timeout=30) as api:
                assert api.post("/api/meetings/hosts/sync").status_code == 200
                yield portal, world, base, api
    finally:
        portal.catalog.dispose()


async def meetings_portal(
    tmp_path: Path, hosts: int = 3, basic: tuple[int, ...] = ()
) -> AsyncIterator[tuple[Portal, World]]:
    world = pool_account(hosts, basic)
    async for portal in closing(open_meetings_portal(tmp_path, world)):
        yield portal, world


async def pooled(portal: Portal, members: list[str]) -> httpx.AsyncClient:
    """A Manager, signed in, who synced the hosts from Zoom and saved pool "P"."""
    manager = await portal.signed_in(Role.MANAGER, "manager@example.edu")
    manager.headers["x-csrf-token"] = await csrf_of(manager)
    synced = await manager.post("/api/meetings/hosts/sync")
    assert synced.status_code == 200, synced.text
    saved = await manager.put("/api/meetings/pools/P", json={"hosts": members})
    assert saved.status_code == 200, saved.text
    return manager


def token_client(portal: Portal, role: Role, email: str) -> httpx.AsyncClient:
    """A machine client (an LMS) with an API token of a user with `role`."""
    made = create_user(portal.catalog, email, role, portal.clock.now())
    _, token = create_api_token(portal.catalog, made.id, "lms", portal.clock.now())
    client = portal.client()
    client.headers["authorization"] = f"Bearer {token}"
    return client
