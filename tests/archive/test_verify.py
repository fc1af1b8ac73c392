"""The integrity check: every stored object read back and compared; reported, never fixed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from archive_helpers import MakeBridge, run_verify, sha256, stored_files, sync
from sqlalchemy import select

from shared_helpers import archived_rows
from zoombridge.app import ZoomBridge
from zoombridge.clock import ManualClock
from zoombridge.db.models import MediaAsset, Meeting, RecordingFileRow

pytestmark = pytest.mark.anyio


def archived(bridge: ZoomBridge) -> list[RecordingFileRow]:
    return list(archived_rows(bridge.settings.effective_database_url()).values())


async def test_a_clean_archive_verifies_and_records_when(
    make_bridge: MakeBridge, clock: ManualClock
) -> None:
    bridge = make_bridge()
    await sync(bridge)
    clock.advance(3 * 86400)
    report = await run_verify(bridge)
    rows = archived(bridge)
    catalog = bridge.catalog()
    with catalog.session() as session:
        sidecars = session.scalars(select(Meeting).where(Meeting.sidecar_sha256.is_not(None)))
        sidecar_count = len(sidecars.all())
        made_count = len(session.scalars(select(MediaAsset)).all())  # what zoombridge made
    catalog.dispose()
    assert sidecar_count > 0
    assert made_count > 0
    assert report.checked == len(rows) + sidecar_count + made_count
    assert (report.ok, report.missing, report.corrupt, report.problems) == (
        report.checked,
        0,
        0,
        [],
    )
    assert report.bytes >= sum(row.stored_size or 0 for row in rows)
    assert {row.verified_at for row in rows} == {clock.now()}
    data = report.as_dict()
    assert set(data) >= {"checked", "ok", "missing", "corrupt", "bytes", "problems"}


async def test_tampered_and_removed_objects_are_reported_and_nothing_is_removed(
    make_bridge: MakeBridge, clock: ManualClock, tmp_path: Path
) -> None:
    bridge = make_bridge()
    await sync(bridge)
    archived_at: datetime | None = archived(bridge)[0].verified_at
    root = tmp_path / "home" / "archive"
    rows = archived(bridge)
    tampered, removed = rows[0], rows[1]
    path = root / tampered.storage_key
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte flipped, same size
    path.write_bytes(bytes(data))
    (root / removed.storage_key).unlink()
    sidecar = next(root.rglob("meeting.json"))
    sidecar.write_text(sidecar.read_text() + " ")
    before = stored_files(root)
    clock.advance(60)

    report = await run_verify(bridge)

    assert stored_files(root) == before  # reported, never "fixed"
    problems = {p.key: p for p in report.problems}
    assert (report.corrupt, report.missing) == (2, 1)
    assert report.ok == report.checked - 3
    corrupt = problems[tampered.storage_key]
    assert corrupt.kind == "corrupt"
    assert (corrupt.expected_size, corrupt.found_size) == (len(data), len(data))
    assert corrupt.expected_sha256 == tampered.sha256
    assert corrupt.found_sha256 == sha256(bytes(data))
    assert problems[removed.storage_key].kind == "missing"
    assert problems[str(sidecar.relative_to(root))].kind == "corrupt"
    after = {row.file_id: row.verified_at for row in archived(bridge)}
    assert after[tampered.file_id] == archived_at  # not re-verified
    assert after[removed.file_id] == archived_at
    assert sorted(set(after.values())) == sorted({archived_at, clock.now()})
