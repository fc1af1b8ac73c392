"""The two-way sync's test bench: an emulated Zoom account with pool hosts, a catalog, and
Zoom's webhooks travelling the real path (the emulator's signed sender -> the receiver ->
the inbox -> the applier -> the meetings sync).

Meetings "made by zoombridge" are created in the emulator through the Zoom client and copied
with `copy_from_zoom`, exactly as the service's create ends, so these tests depend on the
sync's contract (a ScheduledMeeting with its bookings) and not on how the service builds it.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from scheduling_helpers import pool_world
from sqlalchemy import select
from starlette.applications import Starlette

from zoombridge.archive.catalog import ensure_connection
from zoombridge.archive.live import InboxApplier
from zoombridge.archive.runtime import ArchiveRuntime
from zoombridge.clock import ManualClock
from zoombridge.db import Catalog, open_catalog
from zoombridge.db.meeting_models import HostBooking, MeetingLink, PoolHost, ScheduledMeeting
from zoombridge.db.secrets import KeyRing
from zoombridge.emulator import create_app
from zoombridge.emulator.sender import WebhookSender
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.emulator.world import World
from zoombridge.meetings.notices import MeetingNotice
from zoombridge.meetings.records import copy_from_zoom
from zoombridge.meetings.sync import SyncContext, apply_meeting_event
from zoombridge.settings import ArchiveSettings
from zoombridge.storage import open_store
from zoombridge.testing import make_zoom_client
from zoombridge.web.webhooks import WebhookTarget, webhook_routes
from zoombridge.zoom.client import ZoomClient
from zoombridge.zoom.meetings import create_meeting, create_webinar

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
NEXT_MONDAY_10 = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
SECRET = "meetings-webhook-secret"
RECEIVER = "http://zoombridge.test"


def sync_world(hosts: int = 3, *, webinar: tuple[int, ...] = (0,)) -> World:
    """An empty account plus host0..host{n-1}@example.edu, licensed; `webinar` hold the add-on."""
    return pool_world(hosts, webinar=webinar, seed=11)


def host_id(world: World, index: int) -> str:
    found = world.find_user(f"host{index}@example.edu")
    assert found is not None
    return found.id


@dataclass
class Bench:
    """One connection's sync on the emulator, and what it told people."""

    world: World
    catalog: Catalog
    zoom: ZoomClient
    ctx: SyncContext
    applier: InboxApplier
    sender: WebhookSender
    notices: list[MeetingNotice] = field(default_factory=list)

    @property
    def connection_id(self) -> int:
        return self.ctx.connection_id

    async def deliver(self) -> int:
        """Zoom sends what is due; the applier applies it. Returns events settled."""
        await self.sender.deliver_due()
        return await self.applier.apply_waiting()

    def drop_webhooks(self) -> None:
        """Everything Zoom has not delivered yet is lost (Zoom gave up, or never sent it)."""
        for delivery in self.sender.pending():
            delivery.outcome = "dropped"

    async def schedule(
        self, host: int = 0, *, webinar: bool = False, links: int = 1, **body: Any
    ) -> ScheduledMeeting:
        """A meeting as zoombridge makes it: created in Zoom, copied, linked to an event."""
        fields: dict[str, Any] = {
            "topic": "Physics 101",
            "start_time": NEXT_MONDAY_10.isoformat().replace("+00:00", "Z"),
            "duration": 60,
            "timezone": "Europe/Paris",
        } | body
        make = create_webinar if webinar else create_meeting
        made = await make(self.zoom, host_id(self.world, host), fields)
        now = self.world.now()
        with self.catalog.session() as session, session.begin():
            row = ScheduledMeeting(
                connection_id=self.connection_id,
                type=made.type or 2,
                host_user_id=made.host_id or "",
                topic=made.topic or "",
                state="active",
                created_at=now,
                updated_at=now,
            )
            copy_from_zoom(session, row, made, self.ctx.keyring, now)
            for index in range(links):
                session.add(
                    MeetingLink(
                        meeting_id=row.id,
                        app="lms",
                        external_id=f"course-{index}",
                        visibility="signed_in",
                        created_at=now,
                    )
                )
            session.flush()
            session.expunge(row)
        self.drop_webhooks()  # the create's own meeting.created is not what these tests watch
        return row

    def row(self, meeting_id: int) -> ScheduledMeeting:
        with self.catalog.session() as session:
            row = session.get(ScheduledMeeting, meeting_id)
            assert row is not None
            session.expunge(row)
            return row

    def bookings(self, **where: Any) -> list[HostBooking]:
        with self.catalog.session() as session:
            rows = list(
                session.scalars(
                    select(HostBooking)
                    .filter_by(connection_id=self.connection_id, **where)
                    .order_by(HostBooking.starts_at)
                )
            )
            session.expunge_all()
            return rows

    def links(self, meeting_id: int) -> int:
        with self.catalog.session() as session:
            return len(list(session.scalars(select(MeetingLink).filter_by(meeting_id=meeting_id))))


def add_pool_hosts(catalog: Catalog, connection_id: int, world: World) -> None:
    """Every user of the world as a pool host (what the host sync writes)."""
    with catalog.session() as session, session.begin():
        for user in world.users.values():
            session.add(
                PoolHost(
                    connection_id=connection_id,
                    user_id=user.id,
                    email=user.email,
                    display_name=user.display_name,
                    user_type=user.type,
                    webinar=user.webinar,
                    status=user.status,
                    timezone=user.timezone,
                    synced_at=world.now(),
                )
            )


def sqlite_catalog(tmp_path: Path) -> Catalog:
    return open_catalog(f"sqlite:///{tmp_path / 'catalog.sqlite'}")


@asynccontextmanager
async def bench(world: World, catalog: Catalog, tmp_path: Path) -> AsyncIterator[Bench]:
    """The sync of connection "main" on `world`, with webhooks flowing to it."""
    clock = world.clock
    assert isinstance(clock, ManualClock)
    connection_id = ensure_connection(catalog, "main", world.account_id, clock.now())
    add_pool_hosts(catalog, connection_id, world)
    transport = EmulatorTransport(create_app(world))
    async with make_zoom_client(world, transport) as zoom:
        notices: list[MeetingNotice] = []
        keyring = KeyRing((secrets.token_bytes(32),), "test")
        ctx = SyncContext(connection_id, zoom, catalog, keyring, clock, notices.append)
        rt = ArchiveRuntime(
            connection_id=connection_id,
            name="main",
            zoom=zoom,
            catalog=catalog,
            store=open_store("memory://"),
            settings=ArchiveSettings(),
            clock=clock,
        )
        applier = InboxApplier(rt, others=partial(apply_meeting_event, ctx))
        target = WebhookTarget(connection_id, SECRET, catalog, clock, applier.notify)
        receiver = httpx.ASGITransport(Starlette(routes=webhook_routes({"main": target}, "main")))
        sender = WebhookSender(world, f"{RECEIVER}/webhooks/zoom", SECRET, transport=receiver)
        try:
            yield Bench(world, catalog, zoom, ctx, applier, sender, notices)
        finally:
            await sender.aclose()
