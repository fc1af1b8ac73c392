"""Helpers for tests in more than one directory (tests/conftest.py puts tests/ on the path):
zoombridge's settings on the emulator, the environment of a zoombridge child process, the
archived rows of a catalog, and `zoombridge serve` run in a thread."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import select

from zoombridge.app import ZoomBridge
from zoombridge.cli.emulator import emulator_settings, settings_for
from zoombridge.cli.service import run_service
from zoombridge.db import Catalog, FileState, open_catalog
from zoombridge.db.models import Meeting, RecordingFileRow
from zoombridge.emulator import DEMO_EPOCH
from zoombridge.emulator.served import free_port
from zoombridge.emulator.world import World
from zoombridge.settings import Settings
from zoombridge.storage.keys import JOINED_FOLDER, SIDECAR_NAME, THUMBNAIL_FOLDER


def archive_settings(home: Path, world: World, **archive: Any) -> Settings:
    """zoombridge in `home` on the emulated `world` (through a transport into its app),
    archiving from well before the demo epoch."""
    options = {"start_date": (DEMO_EPOCH - timedelta(days=120)).date(), **archive}
    return emulator_settings(None, plan=world.plan, home=home, **options)


def child_env(
    world: World,
    base: str,
    home: Path,
    *,
    back_days: int,
    webhook_secret: str = "",
    **variables: str,
) -> dict[str, str]:
    """The environment of a `zoombridge` process on the emulator served at `base`: the
    caller's without its ZOOMBRIDGE_* variables (a developer's own must not leak in), the
    emulator's connection, ZOOMBRIDGE_HOME, a start date `back_days` before the world's now,
    and `variables` (ZOOMBRIDGE_* names)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("ZOOMBRIDGE_")}
    start = (world.now() - timedelta(days=back_days)).date()
    return {
        **inherited,
        **settings_for(world, base, webhook_secret),
        "ZOOMBRIDGE_HOME": str(home),
        "ZOOMBRIDGE_ARCHIVE__START_DATE": start.isoformat(),
        **variables,
    }


def catalog_url(home: Path) -> str:
    """The default SQLite catalog of a ZOOMBRIDGE_HOME."""
    return f"sqlite:///{home / 'zoombridge.sqlite'}"


def archived_rows(database_url: str, **where: Any) -> dict[str, RecordingFileRow]:
    """The archived files' rows by file id, in storage-key order; `where` narrows them by
    column (meeting_uuid=..., connection_id=...). The catalog is read, never migrated."""
    catalog = open_catalog(database_url, migrate=False)
    try:
        with catalog.session() as session:
            query = (
                select(RecordingFileRow)
                .filter_by(state=FileState.ARCHIVED, **where)
                .order_by(RecordingFileRow.storage_key)
            )
            return {row.file_id: row for row in session.scalars(query)}
    finally:
        catalog.dispose()


def zoom_originals(keys: Iterable[str]) -> list[str]:
    """The stored keys that are copies of Zoom's files: not the instances' sidecars, not what
    zoombridge made from the files (joined recordings, thumbnails)."""
    made = {JOINED_FOLDER, THUMBNAIL_FOLDER}
    return sorted(
        key
        for key in keys
        if not key.endswith("/" + SIDECAR_NAME)
        and key.split("/")[-2:-1] != []
        and key.split("/")[-2] not in made
    )


EPOCH = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def meeting(
    catalog: Catalog,
    connection_id: int,
    uuid: str,
    *,
    topic: str = "Weekly meeting",
    host: str = "ada@example.edu",
    start: datetime = EPOCH,
) -> str:
    """Record an instance in the catalog, as a sync would, for tests of what reads it."""
    with catalog.session() as session, session.begin():
        session.add(
            Meeting(
                connection_id=connection_id,
                uuid=uuid,
                host_email=host,
                topic=topic,
                start_time=start,
                folder=uuid,
                metadata_json={},
                updated_at=start,
            )
        )
    return uuid


ENGINES = ["sqlite", "postgresql"]


def opened_catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    """For a fixture parametrized over ENGINES: a migrated catalog, disposed afterwards."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    else:
        url = str(request.getfixturevalue("postgres_url"))
    opened = open_catalog(url)
    try:
        yield opened
    finally:
        opened.dispose()


@contextlib.contextmanager
def moto_s3() -> Iterator[str]:
    """A real S3 endpoint (moto's server on a loopback port) with test credentials in the
    environment, restored afterwards; yields its URL."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def serving(bridge: ZoomBridge) -> Iterator[str]:
    """`zoombridge serve` (portal, workers, the sync loops) in a thread of its own; yields its
    base URL once /health answers, and stops it (and checks it stopped) on the way out."""
    port, started = free_port(), threading.Event()
    handles: dict[str, Any] = {}

    async def main() -> None:
        stop = asyncio.Event()
        handles["loop"], handles["stop"] = asyncio.get_running_loop(), stop
        started.set()
        await run_service(bridge, "127.0.0.1", port, stop)

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        assert started.wait(30)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                # a service that refused to start has ended its thread: say so at once (its
                # exception is reported by pytest as the thread's)
                assert thread.is_alive(), "the service ended before it answered"
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.1)
        yield base
    finally:
        with contextlib.suppress(RuntimeError):  # its loop is closed if it ended already
            handles["loop"].call_soon_threadsafe(handles["stop"].set)
        thread.join(60)
    assert not thread.is_alive(), "the service did not stop"


def modules_loaded_by(imports: str, prefixes: Iterable[str]) -> list[str]:
    """The modules named by (or under) `prefixes` that a fresh interpreter has loaded after
    `import <imports>`, sorted: what a process that starts that way carries."""
    script = (
        "import json, sys\n"
        f"import {imports}\n"
        f"prefixes = {tuple(prefixes)!r}\n"
        "print(json.dumps(sorted(m for m in sys.modules "
        "if any(m == p or m.startswith(p + '.') for p in prefixes))))\n"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(out.stdout)
    return loaded
