"""Integrity check: re-read stored objects and compare them with what the catalog promises.

Every archived file is read back from storage as a stream (one chunk in memory at a time) and
its byte count and SHA-256 compared with the catalog; each instance's `meeting.json` sidecar,
joined recordings and thumbnails are compared with the SHA-256 recorded when they were written.
Audio and video files their probe flagged (stored as Zoom served them, but they do not decode
or last another length) are listed apart: their bytes are intact, their content needs a look.
Problems are reported, never "fixed": nothing here deletes or rewrites an object. The same
check guards deletion from Zoom.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from zoombridge.db import Catalog, FileState
from zoombridge.db.models import MediaAsset, Meeting, RecordingFileRow
from zoombridge.errors import StorageError
from zoombridge.storage import InstanceKeys, Store

__all__ = [
    "Problem",
    "StoredObject",
    "VerifyReport",
    "archived_objects",
    "check_object",
    "flagged_media",
    "mark_verified",
    "verify_archive",
]

MISSING, CORRUPT, UNREADABLE = "missing", "corrupt", "unreadable"


@dataclass(frozen=True)
class StoredObject:
    """One object the catalog says is in storage. `size` is None for sidecars (only hashed)."""

    key: str
    sha256: str
    size: int | None
    meeting_uuid: str
    file_id: str | None = None  # None for a sidecar


@dataclass(frozen=True)
class Problem:
    """An object that is not what the catalog says: missing, corrupt, or unreadable."""

    kind: str
    key: str
    meeting_uuid: str
    file_id: str | None
    expected_size: int | None
    found_size: int | None
    expected_sha256: str
    found_sha256: str | None
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class VerifyReport:
    checked: int = 0
    ok: int = 0
    missing: int = 0
    corrupt: int = 0
    unreadable: int = 0
    bytes: int = 0
    problems: list[Problem] = field(default_factory=list)
    flagged_media: list[dict[str, str]] = field(default_factory=list)  # {key, problem}

    def add(self, problem: Problem | None) -> None:
        self.checked += 1
        if problem is None:
            self.ok += 1
            return
        self.problems.append(problem)
        setattr(self, problem.kind, getattr(self, problem.kind) + 1)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["problems"] = [problem.as_dict() for problem in self.problems]
        return data


def archived_objects(
    catalog: Catalog, connection_id: int, meeting_uuid: str | None = None
) -> list[StoredObject]:
    """The archived files (and written sidecars, joined recordings and thumbnails) of a
    connection, or of one instance; only archived files have a `file_id`."""
    files = select(RecordingFileRow).where(
        RecordingFileRow.connection_id == connection_id,
        RecordingFileRow.state == FileState.ARCHIVED,
    )
    meetings = select(Meeting).where(
        Meeting.connection_id == connection_id, Meeting.sidecar_sha256.is_not(None)
    )
    assets = select(MediaAsset).where(MediaAsset.connection_id == connection_id)
    if meeting_uuid is not None:
        files = files.where(RecordingFileRow.meeting_uuid == meeting_uuid)
        meetings = meetings.where(Meeting.uuid == meeting_uuid)
        assets = assets.where(MediaAsset.meeting_uuid == meeting_uuid)
    with catalog.session() as session:
        found = [
            StoredObject(
                row.storage_key, row.sha256 or "", row.stored_size, row.meeting_uuid, row.file_id
            )
            for row in session.scalars(files.order_by(RecordingFileRow.storage_key))
        ]
        found += [
            StoredObject(InstanceKeys(row.folder).sidecar, row.sidecar_sha256 or "", None, row.uuid)
            for row in session.scalars(meetings.order_by(Meeting.folder))
        ]
        found += [
            StoredObject(row.storage_key, row.sha256, row.size, row.meeting_uuid)
            for row in session.scalars(assets.order_by(MediaAsset.storage_key))
        ]
    return found


def flagged_media(catalog: Catalog, connection_id: int) -> list[dict[str, str]]:
    query = (
        select(RecordingFileRow.storage_key, RecordingFileRow.media_problem)
        .where(
            RecordingFileRow.connection_id == connection_id,
            RecordingFileRow.media_problem.is_not(None),
        )
        .order_by(RecordingFileRow.storage_key)
    )
    with catalog.session() as session:
        return [{"key": key, "problem": why or ""} for key, why in session.execute(query)]


async def check_object(
    store: Store, item: StoredObject, on_bytes: Callable[[int], None] = lambda n: None
) -> Problem | None:
    """None when the stored object has the catalog's size and SHA-256; else what is wrong.

    Raises StorageError when the store itself fails (the object may well be fine)."""
    hasher = hashlib.sha256()
    size = 0
    try:
        async for chunk in store.read_stream(item.key):
            hasher.update(chunk)
            size += len(chunk)
            on_bytes(len(chunk))
    except FileNotFoundError:
        return _problem(MISSING, item, None, None, "the object is not in storage")
    found = hasher.hexdigest()
    if item.size is not None and size != item.size:
        return _problem(CORRUPT, item, size, found, f"{size} bytes stored, {item.size} archived")
    if found != item.sha256:
        return _problem(CORRUPT, item, size, found, "the stored bytes' SHA-256 differs")
    return None


def _problem(
    kind: str, item: StoredObject, size: int | None, sha256: str | None, detail: str
) -> Problem:
    return Problem(
        kind=kind,
        key=item.key,
        meeting_uuid=item.meeting_uuid,
        file_id=item.file_id,
        expected_size=item.size,
        found_size=size,
        expected_sha256=item.sha256,
        found_sha256=sha256,
        detail=detail,
    )


def mark_verified(
    catalog: Catalog, connection_id: int, file_ids: Sequence[str], now: datetime
) -> None:
    """Record that these archived files were just read back intact."""
    if not file_ids:
        return
    with catalog.session() as session, session.begin():
        session.execute(
            update(RecordingFileRow)
            .where(
                RecordingFileRow.connection_id == connection_id,
                RecordingFileRow.file_id.in_(list(file_ids)),
                RecordingFileRow.state == FileState.ARCHIVED,
            )
            .values(verified_at=now)
        )


async def verify_archive(
    catalog: Catalog,
    store: Store,
    connection_id: int,
    now: Callable[[], datetime],
    *,
    on_start: Callable[[int, int], None] = lambda objects, size: None,
    on_bytes: Callable[[int], None] = lambda n: None,
) -> VerifyReport:
    """Check every stored object of the connection; records `verified_at` of intact files.

    A store that fails on one object is reported as `unreadable` and the check goes on."""
    objects = archived_objects(catalog, connection_id)
    on_start(len(objects), sum(item.size or 0 for item in objects))
    report = VerifyReport()
    intact: list[str] = []

    def read(size: int) -> None:
        report.bytes += size
        on_bytes(size)

    for item in objects:
        try:
            problem = await check_object(store, item, read)
        except StorageError as exc:
            problem = _problem(UNREADABLE, item, None, None, str(exc))
        report.add(problem)
        if problem is None and item.file_id is not None:
            intact.append(item.file_id)
        if len(intact) >= 500:  # record progress as it goes, in bounded batches
            mark_verified(catalog, connection_id, intact, now())
            intact = []
    mark_verified(catalog, connection_id, intact, now())
    report.flagged_media = flagged_media(catalog, connection_id)
    return report
