"""An archive synced after its publishing was configured: the library entries the archive
made itself, with a portal over them (and a real SMTP server for the letters, if given)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from portal_helpers import Portal
from sqlalchemy import select

from shared_helpers import archive_settings
from smtp_helpers import PUBLIC_URL, Inbox
from zoombridge.app import ZoomBridge
from zoombridge.archive.service import read_status, sync_once
from zoombridge.clock import ManualClock
from zoombridge.db import Catalog
from zoombridge.db.models import LibraryEntry, Meeting
from zoombridge.emulator import DEMO_EPOCH, build_world, create_app
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.emulator.world import World
from zoombridge.settings import Settings
from zoombridge.web.auth import PortalContext
from zoombridge.web.service import service_app

__all__ = ["entries", "small_world", "synced_portal"]

Prepare = Callable[[Catalog, int, ManualClock], None]


def small_world() -> World:
    """Three Zoom users of whom two host recordings (ada and grace, three instances each):
    a sync takes a few seconds."""
    return build_world(
        "small", seed=3, users=3, meetings_per_user=2, phone=False, clock=ManualClock(DEMO_EPOCH)
    )


def _settings(home: Path, world: World, inbox: Inbox | None) -> Settings:
    base = archive_settings(home, world)
    if inbox is None:
        return base
    values: dict[str, Any] = {**base.model_dump(), "public_url": PUBLIC_URL}
    values["mail"] = inbox.settings().model_dump()
    return Settings.model_validate(values)


def synced_portal(
    folder: Path, world: World, prepare: Prepare, *, inbox: Inbox | None = None
) -> Portal:
    """`prepare` (users, publishing, moderation) on a fresh catalog, then one sync of
    `world`, then a portal on the result. The caller disposes of the portal's catalog."""
    clock = ManualClock(DEMO_EPOCH)
    settings = _settings(folder / "home", world, inbox)
    bridge = ZoomBridge(settings, transport=EmulatorTransport(create_app(world)), clock=clock)
    catalog = bridge.catalog()
    connection_id = bridge.connection_id(catalog)
    prepare(catalog, connection_id, clock)

    async def sync() -> None:
        async with bridge.archive() as runtime:
            assert (await sync_once(runtime)).verified > 0

    with ThreadPoolExecutor(1) as thread:  # a loop of its own, even beside Playwright's
        thread.submit(asyncio.run, sync()).result()
    context = PortalContext(
        catalog=catalog,
        clock=clock,
        statuses=lambda: [read_status(catalog, connection_id, "default")],
        bridge=bridge,
    )
    return Portal(service_app({}, "default", portal=context), catalog, clock, bridge)


def entries(catalog: Catalog) -> list[tuple[LibraryEntry, str | None]]:
    """Every library entry with its instance's host address, by host then UUID."""
    with catalog.session() as session:
        rows = session.execute(
            select(LibraryEntry, Meeting.host_email)
            .join(
                Meeting,
                (Meeting.connection_id == LibraryEntry.connection_id)
                & (Meeting.uuid == LibraryEntry.meeting_uuid),
            )
            .order_by(Meeting.host_email, Meeting.uuid)
        ).all()
        session.expunge_all()
    return [(entry, host) for entry, host in rows]
