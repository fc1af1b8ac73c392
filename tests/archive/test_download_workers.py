"""Files copied in the download worker process: the same faithful archive as in the sync's
own process, and the same recovery from Zoom's faults, from a worker killed mid-copy, and
no worker outliving the process that started it.

Only a client that reaches Zoom over the network hands copies to a worker, so here the
emulator answers on a loopback socket (in this process, its world still in reach).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from archive_helpers import assert_archive_is_faithful, file_bytes, served_files, sync
from sqlalchemy import select

from shared_helpers import moto_s3
from zoombridge.app import ZoomBridge
from zoombridge.archive.catalog import FileTask
from zoombridge.archive.child_process import ChildProcess, running_children
from zoombridge.archive.download_pool import (
    WORKER_NAME,
    archive_copy,
    shutdown_download_processes,
)
from zoombridge.archive.runtime import Progress
from zoombridge.archive.service import SyncSummary, sync_once
from zoombridge.cli.emulator import emulator_settings
from zoombridge.clock import ManualClock
from zoombridge.db import FileState
from zoombridge.db.models import RecordingFileRow
from zoombridge.emulator import DEMO_EPOCH
from zoombridge.emulator.served import Served, serve_in_thread
from zoombridge.emulator.world import World

pytestmark = pytest.mark.anyio


@pytest.fixture
def served(world: World) -> Iterator[Served]:
    with serve_in_thread(world) as served:
        yield served


def on_network(
    served: Served, world: World, clock: ManualClock, home: Path, **archive: Any
) -> ZoomBridge:
    settings = emulator_settings(
        served.base,
        plan=world.plan,
        home=home,
        start_date=(DEMO_EPOCH - timedelta(days=120)).date(),
        **archive,
    )
    return ZoomBridge(settings, clock=clock)


def download_workers() -> list[ChildProcess]:
    return [child for child in running_children() if child.name == WORKER_NAME]


async def assert_the_next_sync_completes(
    bridge: ZoomBridge, world: World, home: Path, first: SyncSummary
) -> None:
    """After a faulty first sync: nothing corrupt archived, and the next one has the rest."""
    assert_archive_is_faithful(bridge, world, home)
    second = await sync(bridge)
    states = assert_archive_is_faithful(bridge, world, home)
    assert set(states.values()) - {FileState.PROCESSING} == {FileState.ARCHIVED}
    assert first.verified + second.verified == len(served_files(world))


class CountingProgress(Progress):
    def __init__(self) -> None:
        self.written = 0

    def advance(self, size: int) -> None:
        self.written += size


async def test_a_backfill_copied_by_the_worker_is_faithful_and_shows_its_progress(
    served: Served, world: World, clock: ManualClock, tmp_path: Path
) -> None:
    bridge = on_network(served, world, clock, tmp_path / "home")
    progress = CountingProgress()
    async with bridge.archive() as runtime:
        runtime.progress = progress
        summary = await sync_once(runtime)
    expected = served_files(world)
    assert summary.verified == len(expected), summary.errors
    assert download_workers(), "the copies did not go to a download worker"
    states = assert_archive_is_faithful(bridge, world, tmp_path / "home")
    assert {fid for fid, state in states.items() if state == FileState.ARCHIVED} == set(expected)
    assert progress.written == summary.bytes == sum(f.size for f in expected.values())
    downloads = [path for method, path, _ in served.seen if "/rec/download" in path]
    assert len(downloads) == len(expected)  # each file fetched once, by the worker


@pytest.mark.parametrize(
    ("knob", "value"),
    [("server_errors", 3), ("truncate_downloads", 6), ("html_downloads", 4)],
)
async def test_zoom_faults_never_corrupt_a_worker_copy_and_are_recovered(
    served: Served, world: World, clock: ManualClock, tmp_path: Path, knob: str, value: int
) -> None:
    bridge = on_network(served, world, clock, tmp_path / "home")
    setattr(world.faults, knob, value)
    first = await sync(bridge)
    assert getattr(world.faults, knob) == 0, f"{knob} never fired"
    await assert_the_next_sync_completes(bridge, world, tmp_path / "home", first)


async def test_a_token_zoom_refuses_is_replaced_once_and_the_worker_copies_with_the_new_one(
    served: Served, world: World, clock: ManualClock, tmp_path: Path
) -> None:
    bridge = on_network(served, world, clock, tmp_path / "home")
    async with bridge.archive() as runtime:
        await sync_once(runtime)
        with runtime.catalog.session() as session:
            row = session.scalars(
                select(RecordingFileRow).where(RecordingFileRow.file_extension == "MP4")
            ).first()
        assert row is not None
        task = FileTask(
            row.file_id,
            99,
            row.meeting_uuid,
            row.download_url or "",
            "again/" + row.file_id,
            row.file_size,
            row.file_extension,
        )
        world.tokens.expire_all_access()  # the runtime's cached token is refused from now on
        seen_before = len(served.seen)
        copied = await archive_copy(runtime, task)
    assert (copied.size, copied.sha256) == (row.stored_size, row.sha256)
    fetched = [path for _, path, _ in served.seen[seen_before:] if "/rec/download" in path]
    assert len(fetched) == 2  # refused with an HTML page, then copied with a fresh token
    stored = (tmp_path / "home" / "archive" / "again" / row.file_id).read_bytes()
    assert stored == file_bytes(served_files(world)[row.file_id])


async def test_a_worker_killed_mid_copy_fails_its_files_cleanly_and_the_next_sync_has_them(
    served: Served, world: World, clock: ManualClock, tmp_path: Path
) -> None:
    world.faults.slow_download_bytes_per_second = 20_000  # each copy takes seconds
    bridge = on_network(served, world, clock, tmp_path / "home")
    progress = CountingProgress()
    async with bridge.archive() as runtime:
        runtime.progress = progress
        syncing = asyncio.ensure_future(sync_once(runtime))
        deadline = time.monotonic() + 30
        while progress.written == 0:  # a copy is under way in the worker
            assert time.monotonic() < deadline
            assert not syncing.done()
            await asyncio.sleep(0.05)
        (worker,) = download_workers()
        os.kill(worker.pid, signal.SIGKILL)
        world.faults.slow_download_bytes_per_second = 0
        first = await syncing
    assert first.failed > 0
    assert any("download worker process ended" in error for error in first.errors)
    # a fresh worker copies what the killed one had
    await assert_the_next_sync_completes(bridge, world, tmp_path / "home", first)


async def test_copying_in_this_process_when_switched_off(
    served: Served, world: World, clock: ManualClock, tmp_path: Path
) -> None:
    shutdown_download_processes()
    bridge = on_network(served, world, clock, tmp_path / "home", download_processes=0)
    summary = await sync(bridge)
    assert summary.verified == len(served_files(world))
    assert download_workers() == []


async def test_the_worker_writes_to_a_real_s3_endpoint(
    served: Served, world: World, clock: ManualClock, tmp_path: Path
) -> None:
    with moto_s3() as endpoint:
        shutdown_download_processes()  # a fresh worker, started with the test credentials
        bridge = on_network(served, world, clock, tmp_path / "home")
        bridge.settings.storage_url = f"s3://archive/zb?endpoint={endpoint}"
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(
            Bucket="archive"
        )
        summary = await sync(bridge)
        assert summary.failed == 0, summary.errors
        assert download_workers()
        catalog = bridge.catalog()
        with catalog.session() as session:
            rows = session.scalars(select(RecordingFileRow)).all()
        catalog.dispose()
        expected = served_files(world)
        assert {row.file_id for row in rows if row.state == FileState.ARCHIVED} == set(expected)
        store = bridge.store()
        for row in rows:
            if row.state == FileState.ARCHIVED:
                stored = b"".join([piece async for piece in store.read_stream(row.storage_key)])
                assert stored == file_bytes(expected[row.file_id]), row.storage_key
    shutdown_download_processes()  # its credentials are gone with the endpoint


def test_a_worker_does_not_outlive_a_killed_archive_process(tmp_path: Path) -> None:
    script = (
        "import sys, time\n"
        "from zoombridge.archive.download_pool import DownloadPool\n"
        "if __name__ == '__main__':\n"
        "    pool = DownloadPool(1)\n"
        "    worker = pool._worker()\n"
        "    print(worker.pid, flush=True)\n"
        "    time.sleep(60)\n"
    )
    (tmp_path / "archive_process.py").write_text(script)
    command = [sys.executable, str(tmp_path / "archive_process.py")]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as parent:  # noqa: S603 - our own interpreter, fixed code
        try:
            assert parent.stdout is not None
            worker_pid = int(parent.stdout.readline())
            assert _alive(worker_pid)
            parent.send_signal(signal.SIGKILL)
            parent.wait(10)
            deadline = time.monotonic() + 5
            while _alive(worker_pid):
                assert time.monotonic() < deadline, "the download worker outlived its archive"
                time.sleep(0.05)
        finally:
            parent.kill()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"  # a zombie has ended, only not reaped
    except FileNotFoundError:
        return False
