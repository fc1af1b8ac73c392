"""A portal over a real archive: a small emulated account synced once per test module, and
a fresh copy of it (catalog and stored files) for each test, which may change it."""

from __future__ import annotations

import asyncio
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from portal_helpers import Portal
from sqlalchemy import func, select

from shared_helpers import archive_settings
from zoombridge.accounts import Role
from zoombridge.app import ZoomBridge
from zoombridge.archive.library import make_ref, parse_ref
from zoombridge.archive.service import read_status, sync_once
from zoombridge.clock import ManualClock
from zoombridge.db import open_catalog
from zoombridge.db.models import LibraryEntry, MediaAsset, SearchDocument
from zoombridge.emulator import DEMO_EPOCH, build_world, create_app
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.emulator.world import World
from zoombridge.web.auth import PortalContext
from zoombridge.web.service import service_app

__all__ = ["archive_once", "authored_draft", "library_portal", "spoken", "with_joined_video"]


def archive_once(folder: Path) -> tuple[Path, World]:
    """The `small` account archived into `folder`/home."""
    home = folder / "home"
    clock = ManualClock(DEMO_EPOCH)
    world = build_world("small", seed=3, clock=clock)
    bridge = ZoomBridge(
        archive_settings(home, world), transport=EmulatorTransport(create_app(world)), clock=clock
    )

    async def sync() -> None:
        async with bridge.archive() as runtime:
            assert (await sync_once(runtime)).verified > 0

    with ThreadPoolExecutor(1) as thread:  # a loop of its own, even beside Playwright's
        thread.submit(asyncio.run, sync()).result()
    return home, world


def library_portal(archived: tuple[Path, World], folder: Path) -> Portal:
    """A portal on a copy of the archive in `folder`."""
    home = folder / "home"
    shutil.copytree(archived[0], home)
    settings = archive_settings(home, archived[1])
    catalog = open_catalog(settings.effective_database_url())
    clock = ManualClock(DEMO_EPOCH)
    bridge = ZoomBridge(settings, clock=clock)
    context = PortalContext(
        catalog=catalog,
        clock=clock,
        statuses=lambda: [read_status(catalog, 1, "default")],
        bridge=bridge,
    )
    return Portal(service_app({}, "default", portal=context), catalog, clock, bridge)


def with_joined_video(portal: Portal) -> str:
    """The reference of an instance with a joined video recording and a transcript."""
    with portal.catalog.session() as session:
        uuids = session.scalars(
            select(MediaAsset.meeting_uuid)
            .where(MediaAsset.kind == "joined", MediaAsset.storage_key.like("%.mp4"))
            .where(
                MediaAsset.meeting_uuid.in_(
                    select(SearchDocument.meeting_uuid).where(SearchDocument.kind == "transcript")
                )
            )
            .order_by(MediaAsset.meeting_uuid)
        ).all()
    assert uuids, "the small scenario has a joined video with a transcript"
    return make_ref(1, uuids[0])


def spoken(portal: Portal, ref_uuid: str) -> tuple[str, float]:
    """A transcript cue said once in the instance, well inside its joined recording: its
    text and its place on the joined recording's timeline."""
    with portal.catalog.session() as session:
        said_once = (
            select(SearchDocument.body)
            .where(SearchDocument.meeting_uuid == ref_uuid, SearchDocument.kind == "transcript")
            .group_by(SearchDocument.body)
            .having(func.count() == 1)
        )
        found = session.execute(
            select(SearchDocument.body, SearchDocument.joined_s)
            .where(
                SearchDocument.meeting_uuid == ref_uuid,
                SearchDocument.kind == "transcript",
                SearchDocument.joined_s.between(5, 60),
                SearchDocument.body.in_(said_once),
            )
            .order_by(SearchDocument.start_s)
        ).first()
    assert found is not None, "the instance has a cue said once, within its first minute"
    return str(found[0]), float(found[1])


async def authored_draft(portal: Portal, visibility: str) -> tuple[httpx.AsyncClient, str]:
    """A Contributor (author@example.edu) signed in, and a draft recording they authored."""
    author = await portal.signed_in(Role.CONTRIBUTOR, "author@example.edu")
    ref = with_joined_video(portal)
    connection_id, uuid = parse_ref(ref)
    user_id = (await author.get("/api/me")).json()["id"]
    with portal.catalog.session() as session, session.begin():
        session.add(
            LibraryEntry(
                connection_id=connection_id,
                meeting_uuid=uuid,
                author_id=user_id,
                status="draft",
                visibility=visibility,
                updated_at=portal.clock.now(),
            )
        )
    return author, ref
