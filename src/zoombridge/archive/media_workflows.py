"""Durable media work: one workflow per instance and state, from its own queue.

When every file of an instance is settled, the instance is processed: audio and video files
probed, stop/start segments joined, thumbnails made, transcripts and chat indexed for search.
The workflow id names the instance and the time its newest file was archived
(`zb-media:<connection>:<uuid>:<time>`), so two syncs, or two workers, that find the same
instance waiting run its processing once, and a file archived later (a transcript that came
late) gets a new run. A run that failed (storage unreachable, say) is followed by a new
attempt (`...#2`, `...#3`) at the next enqueue, up to MEDIA_ATTEMPTS: DBOS never reruns an
id it has, and an instance never processed is never deleted from Zoom.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dbos import DBOS, SetWorkflowID

from zoombridge.archive.instance_media import process_instance
from zoombridge.archive.media_catalog import instances_to_process
from zoombridge.archive.runtime import runtime

__all__ = [
    "MEDIA_ATTEMPTS",
    "MEDIA_QUEUE",
    "enqueue_instance",
    "enqueue_media_work",
    "media_workflow_id",
    "process_instance_workflow",
]

MEDIA_QUEUE = "zoombridge-media"
MEDIA_ATTEMPTS = 5  # then the failure is reported each sync until a new file comes
FAILED = frozenset({"ERROR", "RETRIES_EXCEEDED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"})


def media_workflow_id(connection_id: int, uuid: str, newest: datetime) -> str:
    return f"zb-media:{connection_id}:{uuid}:{newest.isoformat()}"


@DBOS.workflow()
async def process_instance_workflow(connection_id: int, uuid: str) -> dict[str, Any]:
    return await process_instance_step(connection_id, uuid)


@DBOS.step()
async def process_instance_step(connection_id: int, uuid: str) -> dict[str, Any]:
    """Every part is idempotent (a probe, asset or index already done is kept), so a step
    interrupted by a crash simply runs again."""
    report = await process_instance(runtime(connection_id), uuid)
    return report.as_dict()


@DBOS.step()
async def media_plan_step(connection_id: int) -> list[tuple[str, str]]:
    """The instances waiting for processing, checkpointed: a resumed sync enqueues the same
    ones in the same order."""
    waiting = instances_to_process(runtime(connection_id).catalog, connection_id)
    return [(uuid, newest.isoformat()) for uuid, newest in waiting]


async def enqueue_instance(connection_id: int, uuid: str, newest: str) -> str:
    """Queue one instance's processing (found, not copied, when already queued)."""
    queue = await DBOS.retrieve_queue_async(MEDIA_QUEUE)
    if queue is None:
        raise RuntimeError(f"the DBOS queue {MEDIA_QUEUE} is not registered in this process")
    workflow_id = await _attempt_id(
        media_workflow_id(connection_id, uuid, datetime.fromisoformat(newest))
    )
    with SetWorkflowID(workflow_id):
        await queue.enqueue_async(process_instance_workflow, connection_id, uuid)
    return workflow_id


async def _attempt_id(first: str) -> str:
    """The first attempt's id that has not failed (the last one when all have)."""
    workflow_id = first
    for attempt in range(1, MEDIA_ATTEMPTS + 1):
        workflow_id = first if attempt == 1 else f"{first}#{attempt}"
        status = await DBOS.get_workflow_status_async(workflow_id)  # a step in a workflow
        if status is None or status.status not in FAILED:
            break
    return workflow_id


async def enqueue_media_work(connection_id: int) -> list[str]:
    """Queue the processing of every instance still waiting for it (most were queued by
    their last transfer already); returns the workflow ids."""
    return [
        await enqueue_instance(connection_id, uuid, newest)
        for uuid, newest in await media_plan_step(connection_id)
    ]
