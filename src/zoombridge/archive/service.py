"""Running a sync and reading its status: what the CLI and the portal call.

`sync_once` joins the connection's unfinished sync if there is one (a crashed one DBOS
recovered at launch, or one another worker runs), or starts a new one, waits for it, and turns
its result into a summary; the worker's loop (`archive.loop`) calls it once per time slot. The sync
status (VIDIZMO's: process, last attempt, fetched till, authorization, counts, bytes) lives in
the catalog so any process can show it.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from dbos import DBOS, SetWorkflowID, WorkflowHandleAsync
from sqlalchemy import func, select

from zoombridge.archive.catalog import state_counts
from zoombridge.archive.media_catalog import media_problem_count
from zoombridge.archive.runtime import ArchiveRuntime
from zoombridge.archive.workflows import sync_connection
from zoombridge.db import Catalog, FileState
from zoombridge.db.models import MEETING_FILES, Meeting, RecordingFileRow, SyncState

__all__ = [
    "SyncStatus",
    "SyncSummary",
    "never_synced",
    "read_status",
    "record_failure",
    "start_or_join",
    "sync_once",
    "sync_workflow_id",
]

UNFINISHED = ["PENDING", "ENQUEUED"]
SYNC_PREFIX = "zb-sync:"
SyncHandle = WorkflowHandleAsync[dict[str, Any]]


@dataclass
class SyncSummary:
    meetings: int = 0
    files: int = 0
    bytes: int = 0
    verified: int = 0
    failed: int = 0
    skipped: int = 0
    gone: int = 0
    waiting: int = 0
    api_calls: int = 0
    rate_limited: int = 0
    deleted: int = 0  # instances removed from Zoom (trashed or deleted) after verification
    bytes_freed: int = 0
    duration_s: float = 0.0
    error: str | None = None
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sync_workflow_id(connection_id: int, tag: str) -> str:
    return f"{SYNC_PREFIX}{connection_id}:{tag}"


async def start_or_join(rt: ArchiveRuntime, workflow_id: str) -> SyncHandle:
    """The connection's sync to wait for: one already unfinished (a crashed one DBOS recovered
    at launch, or one another worker runs), else `workflow_id`, started here unless another
    worker started that id first, in which case DBOS hands back that one instead of a copy."""
    prefix = sync_workflow_id(rt.connection_id, "")
    unfinished = await DBOS.list_workflows_async(workflow_id_prefix=prefix, status=UNFINISHED)
    if unfinished:
        return await DBOS.retrieve_workflow_async(unfinished[0].workflow_id)
    with SetWorkflowID(workflow_id):
        return await DBOS.start_workflow_async(sync_connection, rt.connection_id)


async def sync_once(rt: ArchiveRuntime, workflow_id: str | None = None) -> SyncSummary:
    """One complete sync of the connection (started, or joined: see `start_or_join`); returns
    what it did. Without `workflow_id` a new sync is named after the time it starts."""
    started = time.monotonic()
    calls_before, limited_before = rt.zoom.stats.api_calls, rt.zoom.stats.rate_limited
    _set_state(rt.catalog, rt.connection_id, process="running", last_attempt_at=rt.clock.now())
    wanted = workflow_id or sync_workflow_id(rt.connection_id, rt.clock.now().isoformat())
    handle = await start_or_join(rt, wanted)
    try:
        result: dict[str, Any] = await handle.get_result()
    except Exception as exc:
        record_failure(rt, exc)
        raise
    summary = _summary(result, rt.catalog, rt.connection_id)
    summary.api_calls = rt.zoom.stats.api_calls - calls_before
    summary.rate_limited = rt.zoom.stats.rate_limited - limited_before
    summary.duration_s = round(time.monotonic() - started, 3)
    problem = summary.error
    if summary.failed and not problem:
        problem = f"{summary.failed} files could not be archived; first: {summary.errors[0]}"
    _set_state(
        rt.catalog,
        rt.connection_id,
        process="failed" if problem else "finished",
        error=problem,
        last_finished_at=rt.clock.now(),
        fetched_till=_fetched_till(rt.catalog, rt.connection_id),
        auth_status=result.get("auth", "unknown"),
        auth_detail=result.get("auth_detail"),
    )
    return summary


def record_failure(rt: ArchiveRuntime, exc: BaseException) -> None:
    """A sync that ended in an exception: the status says so, with the error."""
    _set_state(rt.catalog, rt.connection_id, process="failed", error=str(exc) or repr(exc))


def _summary(result: dict[str, Any], catalog: Catalog, connection_id: int) -> SyncSummary:
    outcomes = result.get("results", [])
    counts = state_counts(catalog, connection_id)
    summary = SyncSummary(
        meetings=int(result.get("instances", 0)),
        files=len(outcomes),
        bytes=sum(int(item["size"]) for item in outcomes),
        verified=sum(1 for item in outcomes if item["state"] == FileState.ARCHIVED),
        failed=sum(1 for item in outcomes if item["state"] == FileState.FAILED),
        gone=sum(1 for item in outcomes if item["state"] == FileState.GONE),
        waiting=counts[FileState.PROCESSING],
        deleted=int(result.get("deleted", 0)),
        bytes_freed=int(result.get("bytes_freed", 0)),
        error=result.get("error"),
        errors=[str(item["error"]) for item in outcomes if item.get("error")][:20],
    )
    summary.skipped = max(0, counts[FileState.ARCHIVED] - summary.verified)
    return summary


def _set_state(catalog: Catalog, connection_id: int, **values: Any) -> None:
    with catalog.session() as session, session.begin():
        state = session.get(SyncState, connection_id)
        if state is None:
            state = SyncState(connection_id=connection_id, unknown_users=[])
            session.add(state)
        for name, value in values.items():
            setattr(state, name, value)


def _fetched_till(catalog: Catalog, connection_id: int) -> datetime | None:
    with catalog.session() as session:
        return session.scalar(
            select(func.max(Meeting.start_time))
            .join(RecordingFileRow, MEETING_FILES)
            .where(
                Meeting.connection_id == connection_id,
                RecordingFileRow.state == FileState.ARCHIVED,
            )
        )


@dataclass
class SyncStatus:
    connection: str
    process: str
    error: str | None
    last_attempt_at: str | None
    last_finished_at: str | None
    fetched_till: str | None
    authorization: str
    authorization_detail: str | None
    unknown_users: list[str]
    files: dict[str, int]
    bytes_archived: int
    bytes_freed: int
    # Archived audio/video files whose probe found a problem (they block deletion from Zoom).
    media_flagged: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_status(catalog: Catalog, connection_id: int, name: str) -> SyncStatus:
    with catalog.session() as session:
        state = session.get(SyncState, connection_id) or SyncState(
            connection_id=connection_id, process="idle", auth_status="unknown", bytes_freed=0
        )
        archived_bytes = session.scalar(
            select(func.coalesce(func.sum(RecordingFileRow.stored_size), 0)).where(
                RecordingFileRow.connection_id == connection_id,
                RecordingFileRow.state == FileState.ARCHIVED,
            )
        )
    return SyncStatus(
        connection=name,
        process=state.process or "idle",
        error=state.error,
        last_attempt_at=_iso(state.last_attempt_at),
        last_finished_at=_iso(state.last_finished_at),
        fetched_till=_iso(state.fetched_till),
        authorization=state.auth_status or "unknown",
        authorization_detail=state.auth_detail,
        unknown_users=list(state.unknown_users or []),
        files=state_counts(catalog, connection_id),
        bytes_archived=int(archived_bytes or 0),
        bytes_freed=int(state.bytes_freed or 0),
        media_flagged=media_problem_count(catalog, connection_id),
    )


def never_synced(name: str) -> SyncStatus:
    """The status of a connection on an installation that has no catalog yet."""
    return SyncStatus(
        connection=name,
        process="idle",
        error=None,
        last_attempt_at=None,
        last_finished_at=None,
        fetched_till=None,
        authorization="unknown",
        authorization_detail=None,
        unknown_users=[],
        files=dict.fromkeys(FileState.ALL, 0),
        bytes_archived=0,
        bytes_freed=0,
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
