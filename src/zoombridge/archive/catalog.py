"""Reading and writing the catalog: what Zoom listed, and what the archive made of it.

Listing is idempotent: the same instance listed twice updates Zoom's side of the rows
(status, URL, size) and never resets what the archive did (an archived file stays archived).
A file's `attempt` names its current transfer; a failed file gets a new attempt when the next
sync starts, so its durable transfer runs again under a new id, while a transfer interrupted
by a crash keeps its attempt and is resumed, not duplicated.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from zoombridge.db import Catalog
from zoombridge.db.models import Connection, FileState, Meeting, RecordingFileRow, SyncState
from zoombridge.storage import InstanceKeys
from zoombridge.zoom.models import RecordingFile, RecordingMeeting

__all__ = [
    "FileTask",
    "archived_size",
    "ensure_connection",
    "file_identity",
    "files_needing_work",
    "mark_file",
    "mark_recovered_in_zoom",
    "mark_removed_in_zoom",
    "record_instance",
    "retry_failed",
    "state_counts",
]


@dataclass(frozen=True)
class FileTask:
    """One file to transfer: everything the transfer needs, nothing it must look up."""

    file_id: str
    attempt: int
    meeting_uuid: str
    download_url: str
    storage_key: str
    file_size: int | None
    file_extension: str | None

    @property
    def workflow_id(self) -> str:
        return f"{self.file_id}#{self.attempt}"


def file_identity(meeting_uuid: str, file: RecordingFile) -> str:
    """Zoom's file id; CC and TIMELINE files have none, so derive a stable one."""
    if file.id:
        return file.id
    parts = [
        meeting_uuid,
        file.file_type or "",
        file.recording_type or "",
        file.recording_start.isoformat() if file.recording_start else "",
    ]
    return "derived-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def ensure_connection(catalog: Catalog, name: str, account_id: str, now: datetime) -> int:
    """The connection's id, creating its row and sync state on first use."""
    try:
        return _ensure_connection(catalog, name, account_id, now)
    except IntegrityError:  # another worker, starting at the same moment, created it first
        return _ensure_connection(catalog, name, account_id, now)


def _ensure_connection(catalog: Catalog, name: str, account_id: str, now: datetime) -> int:
    with catalog.session() as session, session.begin():
        found = session.scalar(select(Connection).where(Connection.name == name))
        if found is None:
            found = Connection(name=name, account_id=account_id, created_at=now)
            session.add(found)
            session.flush()
            session.add(SyncState(connection_id=found.id, unknown_users=[]))
        elif account_id and found.account_id != account_id:  # "" (unset) keeps the one seen
            found.account_id = account_id
        return found.id


def record_instance(
    catalog: Catalog,
    connection_id: int,
    meeting: RecordingMeeting,
    keys: InstanceKeys,
    now: datetime,
) -> None:
    """Store one listed instance and its files.

    An instance keeps the folder it was first given: a later change of topic or of the key
    template must not separate new files and the sidecar from the files already archived."""
    files = [*meeting.recording_files, *meeting.participant_audio_files]
    with catalog.session() as session, session.begin():
        row = session.get(Meeting, (connection_id, meeting.uuid))
        if row is None:
            row = Meeting(connection_id=connection_id, uuid=meeting.uuid, folder=keys.folder)
            session.add(row)
        keys = InstanceKeys(row.folder)
        _refresh_meeting(row, meeting, now)
        known = {
            file.file_id: file
            for file in session.scalars(
                select(RecordingFileRow).where(
                    RecordingFileRow.connection_id == connection_id,
                    RecordingFileRow.meeting_uuid == meeting.uuid,
                )
            )
        }
        for file in files:
            file_id = file_identity(meeting.uuid, file)
            file_row = known.get(file_id)
            if file_row is None:
                file_row = RecordingFileRow(
                    connection_id=connection_id,
                    file_id=file_id,
                    meeting_uuid=meeting.uuid,
                    storage_key=keys.file(file_id, file.recording_type, file.file_extension),
                    # per-participant audio names the speaker in file_name
                    participant=file.file_name or None,
                    attempt=0,
                    state=FileState.PENDING,
                )
                session.add(file_row)
            _refresh_from_zoom(file_row, file, now)


def _refresh_meeting(row: Meeting, meeting: RecordingMeeting, now: datetime) -> None:
    metadata = meeting.model_dump(
        mode="json",
        exclude={"recording_files", "participant_audio_files", "download_access_token"},
        exclude_none=True,
    )
    # Passcodes are Zoom's to keep; the archive has the files themselves.
    for secret in ("password", "recording_play_passcode"):
        metadata.pop(secret, None)
    row.meeting_id = meeting.id
    row.host_id = meeting.host_id
    row.host_email = meeting.host_email
    row.topic = meeting.topic
    row.type = meeting.type
    row.start_time = meeting.start_time
    row.duration = meeting.duration
    row.total_size = meeting.total_size
    row.recording_count = meeting.recording_count
    row.metadata_json = metadata
    row.updated_at = now


def _refresh_from_zoom(row: RecordingFileRow, file: RecordingFile, now: datetime) -> None:
    row.file_type = file.file_type
    row.file_extension = file.file_extension
    row.recording_type = file.recording_type
    row.recording_start = file.recording_start
    row.recording_end = file.recording_end
    row.zoom_status = file.status
    row.download_url = file.download_url
    row.updated_at = now
    if row.state == FileState.ARCHIVED:
        return
    row.file_size = file.file_size or None
    processing = (file.status or "completed").lower() != "completed" or not file.download_url
    if row.state in (FileState.PENDING, FileState.PROCESSING, FileState.GONE):
        row.state = FileState.PROCESSING if processing else FileState.PENDING


def retry_failed(
    catalog: Catalog, connection_id: int, now: datetime, file_id: str | None = None
) -> int:
    """Give every failed file (or the one named) a new attempt; returns how many."""
    with catalog.session() as session, session.begin():
        failed = [
            RecordingFileRow.connection_id == connection_id,
            RecordingFileRow.state == FileState.FAILED,
        ]
        if file_id is not None:
            failed.append(RecordingFileRow.file_id == file_id)
        result = session.execute(
            update(RecordingFileRow)
            .where(*failed)
            .values(state=FileState.PENDING, attempt=RecordingFileRow.attempt + 1, updated_at=now)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def files_needing_work(
    catalog: Catalog, connection_id: int, meeting_uuid: str | None = None
) -> list[FileTask]:
    """Pending files with a download URL (of one instance, if given), oldest first."""
    query = select(RecordingFileRow).where(
        RecordingFileRow.connection_id == connection_id,
        RecordingFileRow.state == FileState.PENDING,
        RecordingFileRow.download_url.is_not(None),
    )
    if meeting_uuid is not None:
        query = query.where(RecordingFileRow.meeting_uuid == meeting_uuid)
    with catalog.session() as session:
        rows = session.scalars(
            query.order_by(RecordingFileRow.recording_start, RecordingFileRow.file_id)
        ).all()
        return [
            FileTask(
                file_id=row.file_id,
                attempt=row.attempt,
                meeting_uuid=row.meeting_uuid,
                download_url=row.download_url or "",
                storage_key=row.storage_key,
                file_size=row.file_size,
                file_extension=row.file_extension,
            )
            for row in rows
        ]


def archived_size(catalog: Catalog, connection_id: int, task: FileTask) -> int | None:
    """The stored size if this very attempt already archived the file, else None: a process
    killed after recording a transfer but before its checkpoint must not fetch it again."""
    with catalog.session() as session:
        row = session.get(RecordingFileRow, (connection_id, task.file_id))
    if row is None or row.attempt != task.attempt or row.state != FileState.ARCHIVED:
        return None
    return row.stored_size


def state_counts(catalog: Catalog, connection_id: int) -> dict[str, int]:
    with catalog.session() as session:
        rows = session.execute(
            select(RecordingFileRow.state, func.count())
            .where(RecordingFileRow.connection_id == connection_id)
            .group_by(RecordingFileRow.state)
        ).all()
    counts = dict.fromkeys(FileState.ALL, 0)
    counts.update({state: int(n) for state, n in rows})
    return counts


def mark_file(
    catalog: Catalog,
    connection_id: int,
    task: FileTask,
    state: str,
    now: datetime,
    *,
    size: int | None = None,
    sha256: str | None = None,
    error: str | None = None,
) -> None:
    """Record a transfer's outcome, unless a newer attempt already owns the file."""
    values: dict[str, Any] = {"state": state, "last_error": error, "updated_at": now}
    if state == FileState.ARCHIVED:
        if size is None or sha256 is None:
            raise ValueError("an archived file needs its stored size and SHA-256")
        values.update(stored_size=size, sha256=sha256, archived_at=now, verified_at=now)
    with catalog.session() as session, session.begin():
        session.execute(
            update(RecordingFileRow)
            .where(
                RecordingFileRow.connection_id == connection_id,
                RecordingFileRow.file_id == task.file_id,
                RecordingFileRow.attempt == task.attempt,
            )
            .values(**values)
        )


def mark_removed_in_zoom(
    catalog: Catalog,
    connection_id: int,
    meeting_uuid: str,
    file_ids: list[str],
    now: datetime,
    *,
    reason: str,
) -> int:
    """Zoom trashed or deleted these files: the ones not archived yet become `gone` (recorded,
    not retried); returns how many. A whole instance removed gets `deleted_in_zoom_at`."""
    with catalog.session() as session, session.begin():
        rows = session.scalars(
            select(RecordingFileRow).where(
                RecordingFileRow.connection_id == connection_id,
                RecordingFileRow.meeting_uuid == meeting_uuid,
            )
        ).all()
        removed = [row for row in rows if row.file_id in file_ids]
        lost = [row for row in removed if row.state != FileState.ARCHIVED]
        for row in lost:
            row.state, row.last_error, row.updated_at = FileState.GONE, reason, now
        meeting = session.get(Meeting, (connection_id, meeting_uuid))
        if meeting is not None and rows and len(removed) == len(rows):
            meeting.deleted_in_zoom_at = now
        return len(lost)


def mark_recovered_in_zoom(catalog: Catalog, connection_id: int, meeting_uuid: str) -> None:
    """Zoom restored the instance from its trash; relisting it makes its files pending again."""
    with catalog.session() as session, session.begin():
        meeting = session.get(Meeting, (connection_id, meeting_uuid))
        if meeting is not None:
            meeting.deleted_in_zoom_at = None
