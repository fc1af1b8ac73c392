"""`zoombridge archive reindex`: bring the search index up to date with the archive.

Incremental by default (an instance whose index digest is unchanged is skipped); `force`
rebuilds every instance. Nothing is read from Zoom: the text files come from storage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from sqlalchemy import select

from zoombridge.archive.instance_media import JoinedRecording
from zoombridge.archive.media_catalog import instance_assets, instance_rows
from zoombridge.archive.search_indexing import StoredArchive, index_instance
from zoombridge.db import Catalog
from zoombridge.db.models import FileState, RecordingFileRow
from zoombridge.storage import Store

__all__ = ["ArchiveFiles", "ReindexReport", "reindex"]


@dataclass(frozen=True)
class ArchiveFiles:
    """One connection's catalog and storage, without a Zoom client or durable workers."""

    connection_id: int
    catalog: Catalog
    store: Store


@dataclass
class ReindexReport:
    instances: int = 0
    reindexed: int = 0
    documents: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _archived_instances(rt: StoredArchive) -> list[str]:
    query = (
        select(RecordingFileRow.meeting_uuid)
        .where(
            RecordingFileRow.connection_id == rt.connection_id,
            RecordingFileRow.state == FileState.ARCHIVED,
        )
        .distinct()
        .order_by(RecordingFileRow.meeting_uuid)
    )
    with rt.catalog.session() as session:
        return list(session.scalars(query))


async def reindex(
    rt: StoredArchive,
    *,
    force: bool = False,
    on_start: Callable[[int], None] = lambda total: None,
    on_instance: Callable[[], None] = lambda: None,
) -> ReindexReport:
    uuids = _archived_instances(rt)
    on_start(len(uuids))
    report = ReindexReport(instances=len(uuids))
    for uuid in uuids:
        meeting, files = instance_rows(rt.catalog, rt.connection_id, uuid)
        if force:
            meeting.search_digest = None
        joined = [
            JoinedRecording(asset.recording_type, asset.storage_key, tuple(asset.segments))
            for asset in instance_assets(rt.catalog, rt.connection_id, uuid)
            if asset.kind == "joined"
        ]
        written = await index_instance(rt, meeting, files, joined)
        if written:
            report.reindexed += 1
            report.documents += written
        on_instance()
    return report
