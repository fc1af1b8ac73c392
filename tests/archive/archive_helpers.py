"""Helpers for archive tests: a bridge on the emulator, syncing, what the emulator serves,
what the catalog says (`archive_settings` comes from tests/shared_helpers.py)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from call_log import Recorder
from sqlalchemy import select

from shared_helpers import archive_settings
from zoombridge.app import DEFAULT_CONNECTION, ZoomBridge
from zoombridge.archive.catalog import file_identity
from zoombridge.archive.service import SyncStatus, SyncSummary, read_status, sync_once
from zoombridge.archive.verify import VerifyReport, verify_archive
from zoombridge.clock import Clock
from zoombridge.db import FileState
from zoombridge.db.models import RecordingFileRow
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.emulator.world import EmuFile, World
from zoombridge.zoom.models import RecordingFile

MakeBridge = Callable[..., ZoomBridge]


def recorded_bridge(
    home: Path, world: World, clock: Clock, **archive: Any
) -> tuple[ZoomBridge, Recorder]:
    """A bridge on `world` whose every request to the emulator is noted by the Recorder."""
    recorder = Recorder(world)
    settings = archive_settings(home, world, **archive)
    return ZoomBridge(settings, transport=EmulatorTransport(recorder), clock=clock), recorder


async def sync(bridge: ZoomBridge) -> SyncSummary:
    async with bridge.archive() as runtime:
        return await sync_once(runtime)


def file_bytes(file: EmuFile) -> bytes:
    body = file.body()
    if isinstance(body, bytes):
        return body
    return b"".join(body.iter_range())


def served_files(world: World) -> dict[str, EmuFile]:
    """Every file the emulator lists as completed, by the archive's file identity."""
    found = {}
    for instance in world.instances.values():
        if instance.recording_deleted or instance.trashed_at:
            continue
        for file in instance.all_files():
            if file.deleted or file.trashed_at or file.status != "completed":
                continue
            model = RecordingFile(
                id=file.id,
                file_type=file.file_type,
                recording_type=file.recording_type,
                recording_start=file.recording_start,
            )
            found[file_identity(instance.uuid, model)] = file
    return found


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def sync_status(bridge: ZoomBridge, name: str = DEFAULT_CONNECTION) -> SyncStatus:
    """What `zoombridge status` says of the connection."""
    catalog = bridge.catalog()
    try:
        return read_status(catalog, bridge.connection_id(catalog, name), name)
    finally:
        catalog.dispose()


async def run_verify(bridge: ZoomBridge) -> VerifyReport:
    """`zoombridge archive verify` on the bridge's catalog and store."""
    catalog = bridge.catalog()
    try:
        return await verify_archive(
            catalog, bridge.store(), bridge.connection_id(catalog), bridge.clock.now
        )
    finally:
        catalog.dispose()


def stored_files(root: Path) -> dict[str, bytes]:
    """Everything under a local archive folder, by key."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def assert_archive_is_faithful(bridge: ZoomBridge, world: World, home: Path) -> dict[str, str]:
    """Every row marked archived holds exactly the emulator's bytes; returns states by id."""
    expected = served_files(world)
    catalog = bridge.catalog()
    with catalog.session() as session:
        rows = session.scalars(select(RecordingFileRow)).all()
    catalog.dispose()
    for row in rows:
        if row.state == FileState.ARCHIVED:
            stored = (home / "archive" / row.storage_key).read_bytes()
            assert stored == file_bytes(expected[row.file_id]), row.storage_key
        else:
            assert not (home / "archive" / row.storage_key).exists(), row.storage_key
    return {row.file_id: row.state for row in rows}
