"""A Zoom account with a pool of hosts, and the meetings service on it, for the meetings tests.

Hosts: host0..host{n-1}@example.edu, licensed (type 2) unless listed in `basic`, holding the
webinar add-on when listed in `webinar`. The account is on the Business plan, so a licensed
host may run two meetings at once and a Basic one only one.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from shared_helpers import ENGINES, opened_catalog
from zoombridge.archive.catalog import ensure_connection
from zoombridge.clock import ManualClock
from zoombridge.db import Catalog
from zoombridge.db.secrets import KeyRing
from zoombridge.emulator import create_app
from zoombridge.emulator.scenarios import build_world
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.emulator.world import EmuUser, World
from zoombridge.meetings.notices import MeetingNotice
from zoombridge.meetings.pool import save_pool, sync_hosts
from zoombridge.meetings.service import MeetingService
from zoombridge.settings import MeetingSettings
from zoombridge.testing import make_zoom_client

__all__ = ["ENGINES", "opened_catalog"]  # re-exported for the meetings tests


NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
MONDAY_10 = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # a week later, when the tests book


def pool_world(
    hosts: int = 5, *, basic: tuple[int, ...] = (), webinar: tuple[int, ...] = (), seed: int = 7
) -> World:
    world = build_world("empty", seed=seed, clock=ManualClock(NOW))
    for index in range(hosts):
        user = EmuUser(
            id=world.new_user_id(),
            email=f"host{index}@example.edu",
            first_name="Host",
            last_name=str(index),
            type=1 if index in basic else 2,
            webinar=index in webinar,
            created_at=NOW - timedelta(days=30),
        )
        world.users[user.id] = user
    return world


def user_id(world: World, email: str) -> str:
    found = world.find_user(email)
    assert found is not None, email
    return found.id


@dataclass
class Scheduling:
    world: World
    catalog: Catalog
    service: MeetingService
    notices: list[MeetingNotice] = field(default_factory=list)

    def host_email(self, user: str) -> str:
        return self.world.users[user].email


@asynccontextmanager
async def scheduling(
    world: World, catalog: Catalog, *, pool: list[str] | None = None, **settings: object
) -> AsyncIterator[Scheduling]:
    """The service for `world` on `catalog`, hosts synced and (if given) pool "P" saved."""
    clock = world.clock
    assert isinstance(clock, ManualClock)
    transport = EmulatorTransport(create_app(world))
    connection_id = ensure_connection(catalog, "main", world.account_id, clock.now())
    async with make_zoom_client(world, transport) as zoom:
        await sync_hosts(zoom, catalog, connection_id, clock.now())
        if pool is not None:
            save_pool(catalog, connection_id, "P", pool)
        notices: list[MeetingNotice] = []
        service = MeetingService(
            catalog=catalog,
            zoom=zoom,
            keyring=KeyRing((secrets.token_bytes(32),), "test"),
            clock=clock,
            connection_id=connection_id,
            plan="business",
            settings=MeetingSettings.model_validate(settings),
            notify=notices.append,
        )
        yield Scheduling(world, catalog, service, notices)
