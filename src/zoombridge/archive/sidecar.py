"""`meeting.json` next to each instance's files: Zoom's metadata and what was archived.

The sidecar makes the archive readable without zoombridge: a folder copied elsewhere still
says which meeting it holds, who hosted it, and each file's type, size and SHA-256. It is
rewritten only when its content changes (its hash is kept in the catalog), and only the
instances a sync touched are looked at.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from zoombridge.db import Catalog
from zoombridge.db.models import MEETING_FILES, Meeting, RecordingFileRow
from zoombridge.storage import InstanceKeys, Store

__all__ = ["sidecar_document", "write_sidecars"]

FORMAT = "zoombridge.meeting/1"


def sidecar_document(meeting: Meeting, files: list[RecordingFileRow]) -> dict[str, Any]:
    prefix = meeting.folder + "/"
    return {
        "format": FORMAT,
        "meeting": _meeting_metadata(meeting),
        "files": [
            {
                "id": row.file_id,
                "file_type": row.file_type,
                "file_extension": row.file_extension,
                "recording_type": row.recording_type,
                "recording_start": _iso(row.recording_start),
                "recording_end": _iso(row.recording_end),
                "participant": row.participant,
                "file_size": row.file_size,
                "state": row.state,
                "name": row.storage_key.removeprefix(prefix),
                "sha256": row.sha256,
                "stored_size": row.stored_size,
            }
            for row in sorted(files, key=lambda r: (_iso(r.recording_start) or "", r.file_id))
        ],
    }


def _meeting_metadata(meeting: Meeting) -> dict[str, Any]:
    """Zoom's listing of the instance, with the participant count from the usage report."""
    if meeting.participants_count is None:
        return meeting.metadata_json
    return {**meeting.metadata_json, "participants_count": meeting.participants_count}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def write_sidecars(
    catalog: Catalog, store: Store, connection_id: int, changed_since: datetime
) -> int:
    """Write the sidecars of instances listed or transferred since `changed_since` whose
    content changed; returns how many were written. Untouched instances are not even read."""
    with catalog.session() as session:
        touched = (
            select(RecordingFileRow.meeting_uuid)
            .where(
                RecordingFileRow.connection_id == connection_id,
                RecordingFileRow.updated_at >= changed_since,
            )
            .distinct()
        )
        chosen = (Meeting.connection_id == connection_id) & (
            (Meeting.updated_at >= changed_since) | Meeting.uuid.in_(touched)
        )
        meetings = session.scalars(select(Meeting).where(chosen)).all()
        files: dict[str, list[RecordingFileRow]] = {}
        for row in session.scalars(
            select(RecordingFileRow).join(Meeting, MEETING_FILES).where(chosen)
        ):
            files.setdefault(row.meeting_uuid, []).append(row)
    written = 0
    for meeting in meetings:
        document = sidecar_document(meeting, files.get(meeting.uuid, []))
        data = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False).encode()
        digest = hashlib.sha256(data).hexdigest()
        if digest == meeting.sidecar_sha256:
            continue
        await store.put_bytes(InstanceKeys(meeting.folder).sidecar, data)
        with catalog.session() as session, session.begin():
            stored = session.get(Meeting, (connection_id, meeting.uuid))
            if stored is not None:
                stored.sidecar_sha256 = digest
        written += 1
    return written
