"""Zoom's recording webhooks applied to the archive: work starts when Zoom says so.

`recording.completed` carries the instance with its files, so its files are recorded and their
transfers queued at once, without a listing call. `recording.transcript_completed` carries only
the transcript, so the instance is read from Zoom (one call) rather than half-updated.
`recording.trashed`/`deleted` before we archived a file make it `gone` (recorded, not an error
storm); `recording.recovered` lists the instance again, which makes those files pending.
Everything here is idempotent: an event applied twice, or after a sync saw the same instance,
finds the same rows and the same transfer workflows.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import asdict, dataclass
from typing import Any

from zoombridge.archive import catalog as cat
from zoombridge.archive.discover import instance_keys, with_participant_audio
from zoombridge.archive.runtime import ArchiveRuntime
from zoombridge.archive.workflows import enqueue_transfers, transfer_results
from zoombridge.errors import ZoomNotFound
from zoombridge.zoom.models import RecordingMeeting
from zoombridge.zoom.recordings import get_meeting_recordings
from zoombridge.zoom.webhooks import WebhookEvent

__all__ = ["RECORDING_EVENTS", "EventOutcome", "apply_recording_event"]

log = logging.getLogger("zoombridge.archive.events")

ARRIVED = {"recording.completed", "recording.transcript_completed", "recording.recovered"}
REMOVED = {"recording.trashed", "recording.deleted"}
RECORDING_EVENTS = ARRIVED | REMOVED


@dataclass(frozen=True)
class EventOutcome:
    """What an event did: files queued for transfer, files recorded as gone, or why nothing."""

    queued: int = 0
    gone: int = 0
    ignored: str | None = None
    # The queued transfers' outcomes; awaiting it also fails a transfer whose workflow broke.
    transfers: Awaitable[list[dict[str, Any]]] | None = None


async def apply_recording_event(rt: ArchiveRuntime, event: WebhookEvent) -> EventOutcome:
    """Apply one verified recording event to the connection's archive."""
    if event.event not in RECORDING_EVENTS:
        return EventOutcome(ignored=f"{event.event} is not a recording event")
    listed = event.recording()
    if listed is None:
        return EventOutcome(ignored="the event names no recorded instance")
    if event.event in REMOVED:
        return _removed(rt, event.event, listed)
    meeting = await _complete_instance(rt, event.event, listed)
    if meeting is None:
        return EventOutcome(ignored="the instance is no longer in Zoom")
    email = (meeting.host_email or "").lower()
    wanted = rt.settings.users
    if wanted and email not in wanted:
        return EventOutcome(ignored=f"host {email or meeting.host_id} is not archived")
    keys = instance_keys(
        rt.settings.key_template, meeting, meeting.host_id or "", meeting.host_email or ""
    )
    cat.record_instance(rt.catalog, rt.connection_id, meeting, keys, rt.clock.now())
    return await _queue_instance(rt, meeting)


async def _complete_instance(
    rt: ArchiveRuntime, event: str, listed: RecordingMeeting
) -> RecordingMeeting | None:
    """The instance with every file: the event's own copy when it is whole, else Zoom's."""
    if event == "recording.completed":
        return await with_participant_audio(rt.zoom, listed)
    if event == "recording.recovered":
        cat.mark_recovered_in_zoom(rt.catalog, rt.connection_id, listed.uuid)
    try:
        whole = await get_meeting_recordings(rt.zoom, listed.uuid)
    except ZoomNotFound:
        return None
    # The instance's own listing omits the host's e-mail; the event may carry it.
    return whole.model_copy(update={"host_email": whole.host_email or listed.host_email})


async def _queue_instance(rt: ArchiveRuntime, meeting: RecordingMeeting) -> EventOutcome:
    tasks = [
        asdict(task) for task in cat.files_needing_work(rt.catalog, rt.connection_id, meeting.uuid)
    ]
    log.info("%s: %d files queued", meeting.uuid, len(tasks))
    if not tasks:
        return EventOutcome()
    rt.progress.discovered(len(tasks), sum(task["file_size"] or 0 for task in tasks))
    workflow_ids = await enqueue_transfers(rt.connection_id, tasks)
    return EventOutcome(
        queued=len(tasks), transfers=transfer_results(rt.connection_id, tasks, workflow_ids)
    )


def _removed(rt: ArchiveRuntime, event: str, listed: RecordingMeeting) -> EventOutcome:
    file_ids = [cat.file_identity(listed.uuid, file) for file in listed.all_files()]
    verb = "trashed" if event == "recording.trashed" else "deleted"
    gone = cat.mark_removed_in_zoom(
        rt.catalog,
        rt.connection_id,
        listed.uuid,
        file_ids,
        rt.clock.now(),
        reason=f"{verb} in Zoom before it was archived",
    )
    return EventOutcome(gone=gone)
