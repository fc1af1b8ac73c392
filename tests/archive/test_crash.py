"""Crash safety: `zoombridge sync --once` killed with SIGKILL at random moments, then run to
the end. The archive must come out complete and correct: every served file archived once,
byte-identical, no staged leftovers or stray objects, sidecars matching the catalog, every
file in a settled state, and no DBOS workflow left unfinished.

The emulator runs in this process over a real socket, so its world outlives the killed
processes; downloads are slowed while killing so that kills land mid-transfer as well as in
start-up and discovery, and run at full speed for the last run.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from archive_helpers import file_bytes, served_files, sha256
from sqlalchemy import select

from shared_helpers import catalog_url, child_env, zoom_originals
from zoombridge.archive.sidecar import sidecar_document
from zoombridge.db import Catalog, FileState, open_catalog
from zoombridge.db.models import AuditEntry, Meeting, RecordingFileRow
from zoombridge.emulator import build_world
from zoombridge.emulator.served import serve_in_thread
from zoombridge.emulator.world import World
from zoombridge.storage.keys import SIDECAR_NAME

SEED = 20261123
KILLS = 10
KILL_AFTER_SECONDS = (0.3, 5.0)  # from process start: spans start-up, discovery, transfer
SLOW_BYTES_PER_SECOND = 40_000
FINAL_RUN_SECONDS = 60


@pytest.fixture
def world() -> World:
    return build_world("small", seed=3)  # the real clock: the sync processes use it too


def sync_command(home: Path, base: str, world: World) -> tuple[list[str], dict[str, str]]:
    env = child_env(
        world,
        base,
        home,
        back_days=120,
        # deletion on at once: every kill may land between "verified" and "trashed"
        ZOOMBRIDGE_ARCHIVE__DELETE_FROM_ZOOM="true",
        ZOOMBRIDGE_ARCHIVE__DELETE_GRACE_DAYS="0",
    )
    return [sys.executable, "-m", "zoombridge.cli", "sync", "--once", "--json"], env


def archived_count(home: Path) -> int:
    database = home / "zoombridge.sqlite"
    if not database.exists():
        return 0
    with closing(sqlite3.connect(database, timeout=30)) as connection:
        try:
            row = connection.execute(
                "SELECT count(*) FROM recording_files WHERE state = ?", (FileState.ARCHIVED,)
            ).fetchone()
        except sqlite3.OperationalError:  # killed before the catalog was created
            return 0
    return int(row[0])


def kill_repeatedly(home: Path, base: str, world: World) -> list[tuple[int, int]]:
    """Start the sync and SIGKILL it after a seeded random delay, KILLS times; returns, for
    each kill, how many files were archived and how many staged (half-written) files the
    killed process left."""
    rng = random.Random(SEED)
    command, env = sync_command(home, base, world)
    progress = []
    while len(progress) < KILLS:
        process = subprocess.Popen(  # noqa: S603 - our own CLI, argv built above
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            process.wait(timeout=rng.uniform(*KILL_AFTER_SECONDS))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            staged = len(list((home / "archive").rglob("*#*")))
            progress.append((archived_count(home), staged))
            continue
        raise AssertionError(
            f"the sync finished (exit {process.returncode}) before kill {len(progress) + 1}; "
            "slow the downloads further so every kill interrupts work"
        )
    return progress


def test_sigkill_at_random_moments_then_a_full_run_leaves_a_complete_archive(
    tmp_path: Path, world: World
) -> None:
    home = tmp_path / "home"
    served_at_start = served_files(world)  # trashed instances drop out of what Zoom serves
    with serve_in_thread(world) as served:
        base = served.base
        world.faults.slow_download_bytes_per_second = SLOW_BYTES_PER_SECOND
        progress = kill_repeatedly(home, base, world)
        world.faults.slow_download_bytes_per_second = 0
        command, env = sync_command(home, base, world)
        final = subprocess.run(  # noqa: S603 - our own CLI, argv built above
            command, env=env, capture_output=True, text=True, timeout=FINAL_RUN_SECONDS
        )
    assert final.returncode == 0, final.stderr[-3000:]
    summary = json.loads(final.stdout)
    assert summary["failed"] == 0, summary["errors"]

    expected = {**served_at_start, **served_files(world)}
    # The kills fell at different stages: between files and in the middle of writing one.
    assert len(progress) == KILLS
    assert any(0 < archived < len(expected) for archived, _ in progress), progress
    assert any(staged for _, staged in progress), f"no kill landed mid-write: {progress}"

    catalog = open_catalog(catalog_url(home), migrate=False)
    try:
        rows = check_catalog(catalog, world, expected)
        check_storage(home / "archive", rows, expected)
        check_sidecars(catalog, home / "archive")
        check_workflows_finished(home / "zoombridge-dbos.sqlite")
        check_nothing_deleted_from_zoom_unverified(world, catalog)
    finally:
        catalog.dispose()


def check_catalog(
    catalog: Catalog, world: World, expected: dict[str, Any]
) -> dict[str, RecordingFileRow]:
    """Every served file archived once, SHA-256 as served; the rest still processing."""
    with catalog.session() as session:
        rows = {row.file_id: row for row in session.scalars(select(RecordingFileRow))}
    processing = {row.file_id for row in rows.values() if row.state == FileState.PROCESSING}
    archived = {row.file_id for row in rows.values() if row.state == FileState.ARCHIVED}
    assert archived == set(expected)
    assert set(rows) == archived | processing, "every file is archived or still processing"
    still_processing = sum(
        1 for i in world.instances.values() for f in i.all_files() if f.status != "completed"
    )
    assert len(processing) == still_processing
    for file_id, file in expected.items():
        row = rows[file_id]
        assert (row.sha256, row.stored_size) == (file.sha256(), file.size), row.storage_key
    return rows


def check_storage(
    archive: Path, rows: dict[str, RecordingFileRow], expected: dict[str, Any]
) -> None:
    """Exactly the archived files and one sidecar per instance; no staged leftovers."""
    stored = sorted(str(p.relative_to(archive)) for p in archive.rglob("*") if p.is_file())
    leftovers = [name for name in stored if "#" in name.rsplit("/", 1)[-1]]
    assert leftovers == [], "staged files of killed writes were left behind"
    media = zoom_originals(stored)
    assert media == sorted(rows[file_id].storage_key for file_id in expected)
    for file_id, file in expected.items():
        data = (archive / rows[file_id].storage_key).read_bytes()
        assert sha256(data) == sha256(file_bytes(file)), rows[file_id].storage_key


def check_sidecars(catalog: Catalog, archive: Path) -> None:
    """Each instance's sidecar says what the catalog says, after all the interruptions."""
    with catalog.session() as session:
        meetings = session.scalars(select(Meeting)).all()
        files = session.scalars(select(RecordingFileRow)).all()
    assert meetings
    for meeting in meetings:
        mine = [row for row in files if row.meeting_uuid == meeting.uuid]
        written = json.loads((archive / meeting.folder / SIDECAR_NAME).read_text())
        assert written == json.loads(json.dumps(sidecar_document(meeting, mine))), meeting.folder


def check_workflows_finished(system_database: Path) -> None:
    """DBOS recovered every interrupted workflow: none is left pending or queued."""
    with closing(sqlite3.connect(system_database, timeout=30)) as connection:
        statuses = dict(
            connection.execute(
                "SELECT status, count(*) FROM workflow_status GROUP BY status"
            ).fetchall()
        )
    assert set(statuses) == {"SUCCESS"}, statuses


def check_nothing_deleted_from_zoom_unverified(world: World, catalog: Catalog) -> None:
    """Deletion ran with no grace period through every kill: an instance left Zoom only with
    every file archived, verified and audited with its checksum, and every instance whose
    files were all archived did leave (a kill between Zoom's answer and the audit included)."""
    with catalog.session() as session:
        files = session.scalars(select(RecordingFileRow)).all()
        audits = session.scalars(select(AuditEntry).where(AuditEntry.action == "trash")).all()
        meetings = {m.uuid: m for m in session.scalars(select(Meeting))}
    audited = {entry.meeting_uuid: entry for entry in audits}
    assert len(audits) == len(audited), "one trash audit per instance"
    assert not any(i.recording_deleted for i in world.instances.values()), "trash, not delete"
    for instance in world.instances.values():
        mine = [row for row in files if row.meeting_uuid == instance.uuid]
        settled = bool(mine) and all(row.state == FileState.ARCHIVED for row in mine)
        if instance.trashed_at is None:
            assert not settled, f"{instance.uuid} was archived but not trashed"
            continue
        assert settled, f"{instance.uuid} was trashed with unarchived files"
        assert all(row.verified_at is not None for row in mine)
        assert meetings[instance.uuid].trashed_by_us_at is not None
        checksums = json.dumps(audited[instance.uuid].detail)
        assert all(row.sha256 and row.sha256 in checksums for row in mine), instance.uuid
