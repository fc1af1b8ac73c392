"""What `enter_library` tells the transfers that call it after each archived file: whether it
added the instance, found it entered, found the connection's publishing unsaved, or found
nothing archived. The transfers stop asking for an instance on any answer but the last."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from shared_helpers import archive_settings
from zoombridge.accounts import Role
from zoombridge.accounts.users import create_user
from zoombridge.app import ZoomBridge
from zoombridge.archive.publishing import Entry, enter_library, save_publishing
from zoombridge.archive.service import sync_once
from zoombridge.clock import ManualClock
from zoombridge.db import FileState
from zoombridge.db.models import LibraryEntry, RecordingFileRow
from zoombridge.emulator import DEMO_EPOCH, build_world, create_app
from zoombridge.emulator.transport import EmulatorTransport


def test_each_answer_of_enter_library(tmp_path: Path) -> None:
    clock = ManualClock(DEMO_EPOCH)
    world = build_world("small", seed=3, users=2, meetings_per_user=1, phone=False, clock=clock)
    bridge = ZoomBridge(
        archive_settings(tmp_path / "home", world),
        transport=EmulatorTransport(create_app(world)),
        clock=clock,
    )

    async def sync() -> int:
        async with bridge.archive() as runtime:
            assert (await sync_once(runtime)).verified > 0
            return runtime.connection_id

    connection_id = asyncio.run(sync())
    catalog = bridge.catalog()
    try:
        with catalog.session() as session:
            uuid = session.scalar(
                select(RecordingFileRow.meeting_uuid).where(
                    RecordingFileRow.state == FileState.ARCHIVED
                )
            )
            # publishing was never saved: the sync entered nothing
            assert session.scalar(select(func.count()).select_from(LibraryEntry)) == 0
        assert uuid is not None

        def enter(meeting_uuid: str) -> Entry:
            return asyncio.run(
                enter_library(catalog, connection_id, meeting_uuid, None, clock.now())
            )

        assert enter(uuid) == Entry.UNPUBLISHED
        admin = create_user(catalog, "it@example.edu", Role.ADMIN, clock.now())
        save_publishing(catalog, connection_id, "me", "published", admin.id, clock.now())
        assert enter("no-such-instance") == Entry.UNARCHIVED
        assert enter(uuid) == Entry.ADDED
        assert enter(uuid) == Entry.PRESENT
        with catalog.session() as session:
            entries = session.scalars(select(LibraryEntry)).all()
        assert [(e.meeting_uuid, e.author_id, e.status) for e in entries] == [
            (uuid, admin.id, "published")
        ]
    finally:
        catalog.dispose()
