"""Safe deletion from Zoom: only what is archived, re-verified from storage, and old enough.

An instance is removed from Zoom (moved to its trash by default) only when every file the
catalog knows of it is archived (`gone` files aside), the newest was archived more than the
grace period ago, we never removed it before, and Zoom has not removed it either. Then every
file is read back from storage and must match the catalog's size and SHA-256, and Zoom's own
current file list must hold nothing we have not archived. Anything else: not deleted, reported.

Crash safety. Before calling Zoom a "<action>-requested" audit entry is written; after Zoom
answers, the outcome (audit entry, `trashed_by_us_at`, `bytes_freed`) is written in one
transaction that only succeeds while `trashed_by_us_at` is empty. A run interrupted after Zoom
acted sees a 404 next time; an open request of ours tells that 404 apart from someone else's
deletion, so the bytes are counted exactly once and nothing is deleted twice.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update

from zoombridge.archive.catalog import file_identity, record_instance
from zoombridge.archive.media_catalog import MEDIA_EXTENSIONS
from zoombridge.archive.runtime import ArchiveRuntime
from zoombridge.archive.verify import StoredObject, archived_objects, check_object, mark_verified
from zoombridge.db import Catalog, FileState
from zoombridge.db.models import MEETING_FILES, AuditEntry, Meeting, RecordingFileRow, SyncState
from zoombridge.errors import StorageError, ZoomBridgeError, ZoomNotFound, ZoomRequestError
from zoombridge.storage import InstanceKeys
from zoombridge.zoom.recordings import (
    DeleteAction,
    delete_meeting_recordings,
    get_meeting_recordings,
)

__all__ = ["DeletionResult", "delete_archived_instances", "eligible_instances", "request_deletion"]

log = logging.getLogger("zoombridge.archive")

REQUESTED = "-requested"
ALREADY_GONE = "already-gone"


@dataclass
class DeletionResult:
    deleted: int = 0
    bytes_freed: int = 0
    already_gone: int = 0
    deferred: int = 0  # Zoom holds files not archived yet; the next sync fetches them first
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Blocked(Exception):
    """This instance must not be deleted now; the message says why."""


def eligible_instances(catalog: Catalog, connection_id: int, cutoff: datetime) -> list[str]:
    """Instances whose files are all settled, some archived, the newest before `cutoff`, and
    whose audio and video files all probed clean: a stored file that does not decode, or is
    shorter than Zoom says, keeps Zoom's copy until someone has looked."""
    unsettled = func.sum(case((RecordingFileRow.state.in_(FileState.SETTLED), 0), else_=1))
    archived = func.sum(case((RecordingFileRow.state == FileState.ARCHIVED, 1), else_=0))
    unproven_media = and_(
        RecordingFileRow.state == FileState.ARCHIVED,
        func.upper(RecordingFileRow.file_extension).in_(sorted(MEDIA_EXTENSIONS)),
        or_(RecordingFileRow.probed_at.is_(None), RecordingFileRow.media_problem.is_not(None)),
    )
    unproven = func.sum(case((unproven_media, 1), else_=0))
    query = (
        select(Meeting.uuid)
        .join(RecordingFileRow, MEETING_FILES)
        .where(
            Meeting.connection_id == connection_id,
            Meeting.trashed_by_us_at.is_(None),
            Meeting.deleted_in_zoom_at.is_(None),
        )
        .group_by(Meeting.uuid, Meeting.start_time)
        .having(
            unsettled == 0,
            archived > 0,
            unproven == 0,
            func.max(RecordingFileRow.archived_at) <= cutoff,
        )
        .order_by(Meeting.start_time, Meeting.uuid)
    )
    with catalog.session() as session:
        return list(session.scalars(query))


async def delete_archived_instances(rt: ArchiveRuntime) -> DeletionResult:
    """Remove from Zoom every eligible instance of the connection, if deletion is enabled."""
    result = DeletionResult()
    if not rt.settings.delete_from_zoom:
        return result
    cutoff = rt.clock.now() - timedelta(days=rt.settings.delete_grace_days)
    for uuid in eligible_instances(rt.catalog, rt.connection_id, cutoff):
        try:
            outcome = await _delete_instance(rt, uuid)
        except StorageError as exc:
            result.errors.append(
                f"nothing more deleted from Zoom: storage could not be read to re-verify "
                f"instance {uuid} ({exc}); check the storage, then sync again"
            )
            break
        except (Blocked, ZoomBridgeError) as exc:
            result.errors.append(f"instance {uuid} not deleted from Zoom: {exc}")
            continue
        _count(result, outcome)
    return result


def _count(result: DeletionResult, outcome: tuple[str, int]) -> None:
    kind, size = outcome
    if kind == "deleted":
        result.deleted += 1
        result.bytes_freed += size
    elif kind == ALREADY_GONE:
        result.already_gone += 1
    else:
        result.deferred += 1


async def _delete_instance(rt: ArchiveRuntime, uuid: str) -> tuple[str, int]:
    """Verify, ask Zoom, record: ("deleted", bytes), (ALREADY_GONE, 0) or ("deferred", 0)."""
    files = [o for o in archived_objects(rt.catalog, rt.connection_id, uuid) if o.file_id]
    problems = [p for p in [await check_object(rt.store, item) for item in files] if p]
    if problems:
        raise Blocked("; ".join(f"{p.key} is {p.kind} ({p.detail})" for p in problems))
    verified_at = rt.clock.now()
    mark_verified(rt.catalog, rt.connection_id, [o.file_id or "" for o in files], verified_at)
    detail = _detail(rt.catalog, rt.connection_id, uuid, files, verified_at)
    earlier = _open_request(rt.catalog, rt.connection_id, uuid)
    action = rt.settings.delete_action
    try:
        if await _zoom_has_more(rt, uuid, files):
            return "deferred", 0
        if earlier is None:
            request_deletion(
                rt.catalog, rt.connection_id, uuid, _actor(rt), action, detail, rt.clock.now()
            )
        await _ask_zoom(rt, uuid, action)
        detail["zoom"] = "accepted"
    except ZoomNotFound as exc:
        if earlier is None:  # not ours: someone else (or Zoom's retention) removed it
            _record_gone(rt, uuid, str(exc))
            return ALREADY_GONE, 0
        detail["zoom"] = f"not found after our request (audit entry {earlier}): {exc}"
    recorded = _record_deletion(rt, uuid, action, detail)
    return ("deleted", detail["bytes"]) if recorded else (ALREADY_GONE, 0)


async def _zoom_has_more(rt: ArchiveRuntime, uuid: str, files: list[StoredObject]) -> bool:
    """True when Zoom now lists files of the instance that are not archived (added late, or
    brought back from the trash): they are recorded for the next sync and nothing is deleted."""
    current = await get_meeting_recordings(rt.zoom, uuid)
    archived = {item.file_id for item in files}
    unarchived = [f for f in current.all_files() if file_identity(uuid, f) not in archived]
    if not unarchived:
        return False
    with rt.catalog.session() as session:
        folder = session.scalar(
            select(Meeting.folder).where(
                Meeting.connection_id == rt.connection_id, Meeting.uuid == uuid
            )
        )
    record_instance(
        rt.catalog, rt.connection_id, current, InstanceKeys(folder or ""), rt.clock.now()
    )
    log.info("instance %s has %d files not archived yet; not deleted", uuid, len(unarchived))
    return True


async def _ask_zoom(rt: ArchiveRuntime, uuid: str, action: DeleteAction) -> None:
    """Zoom's refusal (say, a file still processing) closes our request in the audit log;
    a lost answer leaves it open, so a later 404 is known to be ours."""
    try:
        await delete_meeting_recordings(rt.zoom, uuid, action)
    except ZoomRequestError as exc:
        _audit(rt, uuid, f"{action}-refused", {"error": str(exc)})
        raise


def _actor(rt: ArchiveRuntime) -> str:
    return f"zoombridge sync (connection {rt.name})"


def _detail(
    catalog: Catalog,
    connection_id: int,
    uuid: str,
    files: list[StoredObject],
    verified_at: datetime,
) -> dict[str, Any]:
    """What the audit log keeps about a deletion: the instance and the checksums verified."""
    with catalog.session() as session:
        meeting = session.get(Meeting, (connection_id, uuid))
    return {
        "topic": meeting.topic if meeting else None,
        "host_email": meeting.host_email if meeting else None,
        "start_time": meeting.start_time.isoformat() if meeting and meeting.start_time else None,
        "verified_at": verified_at.isoformat(),
        "bytes": sum(item.size or 0 for item in files),
        "files": [
            {"id": item.file_id, "key": item.key, "size": item.size, "sha256": item.sha256}
            for item in files
        ],
    }


def request_deletion(
    catalog: Catalog,
    connection_id: int,
    uuid: str,
    actor: str,
    action: str,
    detail: dict[str, Any],
    now: datetime,
) -> int:
    """Write the "we are about to ask Zoom" entry; returns its id."""
    with catalog.session() as session, session.begin():
        entry = AuditEntry(
            connection_id=connection_id,
            at=now,
            actor=actor,
            action=action + REQUESTED,
            meeting_uuid=uuid,
            detail=detail,
        )
        session.add(entry)
        session.flush()
        return entry.id


def _open_request(catalog: Catalog, connection_id: int, uuid: str) -> int | None:
    """The id of our deletion request for this instance that has no outcome yet, if any."""
    with catalog.session() as session:
        latest = session.execute(
            select(AuditEntry.id, AuditEntry.action)
            .where(AuditEntry.connection_id == connection_id, AuditEntry.meeting_uuid == uuid)
            .order_by(AuditEntry.id.desc())
            .limit(1)
        ).first()
    if latest is None or not latest.action.endswith(REQUESTED):
        return None
    return int(latest.id)


def _audit(rt: ArchiveRuntime, uuid: str, action: str, detail: dict[str, Any]) -> None:
    with rt.catalog.session() as session, session.begin():
        session.add(_entry(rt, uuid, action, detail))


def _entry(rt: ArchiveRuntime, uuid: str, action: str, detail: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        connection_id=rt.connection_id,
        at=rt.clock.now(),
        actor=_actor(rt),
        action=action,
        meeting_uuid=uuid,
        detail=detail,
    )


def _record_deletion(rt: ArchiveRuntime, uuid: str, action: str, detail: dict[str, Any]) -> bool:
    """Audit entry, mark and bytes freed, all or nothing; False if it was recorded already."""
    now = rt.clock.now()
    with rt.catalog.session() as session, session.begin():
        marked = session.execute(
            update(Meeting)
            .where(
                Meeting.connection_id == rt.connection_id,
                Meeting.uuid == uuid,
                Meeting.trashed_by_us_at.is_(None),
            )
            .values(trashed_by_us_at=now)
        )
        if int(marked.rowcount) != 1:  # type: ignore[attr-defined]
            return False
        session.add(_entry(rt, uuid, action, detail))
        session.execute(
            update(SyncState)
            .where(SyncState.connection_id == rt.connection_id)
            .values(bytes_freed=SyncState.bytes_freed + int(detail["bytes"]))
        )
    log.info("instance %s: %s in Zoom, %d bytes freed", uuid, action, detail["bytes"])
    return True


def _record_gone(rt: ArchiveRuntime, uuid: str, answer: str) -> None:
    """Zoom no longer has the instance and we never asked: note it, count nothing."""
    with rt.catalog.session() as session, session.begin():
        session.execute(
            update(Meeting)
            .where(Meeting.connection_id == rt.connection_id, Meeting.uuid == uuid)
            .values(deleted_in_zoom_at=rt.clock.now())
        )
        session.add(_entry(rt, uuid, ALREADY_GONE, {"zoom": answer}))
