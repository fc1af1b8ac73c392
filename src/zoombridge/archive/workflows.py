"""The archive's durable workflows (DBOS): one sync per connection, one transfer per file.

A sync lists hosts and their recordings (each host's listing one checkpointed step), then
enqueues one `archive_file` workflow per file that needs work, with the workflow id
`zb-file:<connection>:<file id>#<attempt>`: enqueueing the same file twice (a second sync, a
crashed sync resumed, another worker) finds the existing workflow instead of starting a copy.
Host listings and transfers run from DBOS queues, so several worker processes on PostgreSQL
share them (each listing as its own workflow, `zb-host:<sync id>:<user id>`).

Steps return plain dicts: they are checkpointed, and errors travel as messages (zoombridge's
exceptions carry keyword state that does not survive serialization).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict
from datetime import date, datetime
from typing import Any, TypeVar

from dbos import DBOS, Queue, SetWorkflowID

from zoombridge.archive import catalog as cat
from zoombridge.archive.deletion import delete_archived_instances
from zoombridge.archive.discover import (
    HostPlan,
    advance_cursors,
    count_participants,
    discover_host,
    plan_hosts,
)
from zoombridge.archive.download_pool import archive_copy
from zoombridge.archive.grants import REAUTHORIZATION_NEEDED
from zoombridge.archive.media_catalog import ready_for_processing
from zoombridge.archive.media_workflows import enqueue_instance, enqueue_media_work
from zoombridge.archive.publishing import Entry, enter_library
from zoombridge.archive.runtime import ArchiveRuntime, runtime
from zoombridge.archive.sidecar import write_sidecars
from zoombridge.clock import Clock
from zoombridge.db import FileState
from zoombridge.errors import (
    AuthenticationError,
    MissingScopes,
    ReauthorizationNeeded,
    RetriableError,
    StorageError,
    ZoomBridgeError,
    ZoomNotFound,
)

__all__ = [
    "FILE_QUEUE",
    "HOST_QUEUE",
    "archive_file",
    "discover_host_workflow",
    "enqueue_transfers",
    "file_workflow_id",
    "sync_connection",
    "transfer_results",
]

log = logging.getLogger("zoombridge.archive")

FILE_QUEUE = "zoombridge-files"
HOST_QUEUE = "zoombridge-hosts"
LISTING_ATTEMPTS = 6
WAIT_POLL_SECONDS = 0.2
WAIT_QUERY_IDS = 100
# Workflow statuses that will not change any more.
ENDED = ["SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"]
T = TypeVar("T")


def file_workflow_id(connection_id: int, task: cat.FileTask) -> str:
    return f"zb-file:{connection_id}:{task.workflow_id}"


async def _patiently(clock: Clock, work: Callable[[], Awaitable[T]]) -> T:
    """Run `work`, again after a pause when Zoom is overloaded or unreachable: a 429 storm
    or a flaky network delays a sync, it does not fail it."""
    for attempt in range(1, LISTING_ATTEMPTS):
        try:
            return await work()
        except RetriableError as exc:
            pause = min(60.0, 2.0**attempt)
            log.info("listing interrupted (%s); trying again in %.0fs", exc, pause)
            await clock.sleep(pause)
    return await work()


@DBOS.step()
async def plan_step(connection_id: int) -> dict[str, Any]:
    rt = runtime(connection_id)
    now = rt.clock.now()
    try:
        plans = await _patiently(
            rt.clock,
            lambda: plan_hosts(
                rt.zoom,
                rt.catalog,
                connection_id,
                wanted=rt.settings.users,
                start_date=rt.settings.start_date,
                lag_days=rt.settings.lag_days,
                now=now,
            ),
        )
    except ZoomBridgeError as exc:
        auth, detail = _authorization(exc)
        return {"plans": [], "error": str(exc), "auth": auth, "auth_detail": detail}
    return {
        "plans": [_plan_json(plan) for plan in plans],
        "started": now.isoformat(),
        "error": None,
        "auth": "authorized",
        "auth_detail": None,
    }


def _authorization(exc: ZoomBridgeError) -> tuple[str, str | None]:
    """The sync status's authorization line for an error from the first calls."""
    if isinstance(exc, MissingScopes):
        return "missing scopes", ", ".join(exc.scopes)
    if isinstance(exc, ReauthorizationNeeded):  # a "Connect with Zoom" grant: reconnect
        return REAUTHORIZATION_NEEDED, str(exc)
    if isinstance(exc, AuthenticationError):
        return "invalid credentials", str(exc)
    return "unknown", None


def _plan_json(plan: HostPlan) -> dict[str, str]:
    return {**asdict(plan), "since": plan.since.isoformat(), "till": plan.till.isoformat()}


def _plan(data: dict[str, str]) -> HostPlan:
    return HostPlan(
        data["user_id"],
        data["email"],
        date.fromisoformat(data["since"]),
        date.fromisoformat(data["till"]),
    )


@DBOS.step()
async def discover_step(connection_id: int, plan: dict[str, str]) -> dict[str, Any]:
    rt = runtime(connection_id)
    try:
        instances = await _patiently(
            rt.clock,
            lambda: discover_host(
                rt.zoom,
                rt.catalog,
                connection_id,
                _plan(plan),
                key_template=rt.settings.key_template,
                now=rt.clock.now(),
            ),
        )
    except ZoomNotFound as exc:  # the user was deleted while we listed: nothing to list
        log.info("host %s is gone: %s", plan["email"], exc)
        return {"instances": 0, "error": None}
    except ZoomBridgeError as exc:
        return {"instances": 0, "error": str(exc)}
    note = None
    if instances and rt.settings.participants_count:
        note = await count_participants(
            rt.zoom, rt.catalog, connection_id, _plan(plan), rt.clock.now()
        )
    return {"instances": instances, "error": None, "note": note}


@DBOS.step()
async def tasks_step(connection_id: int) -> list[dict[str, Any]]:
    rt = runtime(connection_id)
    cat.retry_failed(rt.catalog, connection_id, rt.clock.now())
    tasks = cat.files_needing_work(rt.catalog, connection_id)
    return [asdict(task) for task in tasks]


async def _transfer(connection_id: int, task_data: dict[str, Any]) -> dict[str, Any]:
    """Download, store verified and record one file; idempotent, so a replay after a crash
    finds the file archived instead of fetching it again."""
    rt = runtime(connection_id)
    task = cat.FileTask(**task_data)
    already = await asyncio.to_thread(cat.archived_size, rt.catalog, connection_id, task)
    if already is not None:
        await _enter_library(rt, task)  # a replay after a crash may not have done it
        rt.progress.finished(task.file_id, FileState.ARCHIVED)
        return {"state": FileState.ARCHIVED, "error": None, "size": already}
    size, sha256, error = 0, None, None
    try:
        async with rt.transfer_slots:
            done = await archive_copy(rt, task)
        state, size, sha256 = FileState.ARCHIVED, done.size, done.sha256
    except ZoomNotFound as exc:  # deleted in Zoom before we got it: recorded, not retried
        state, error = FileState.GONE, str(exc)
    except ZoomBridgeError as exc:
        state, error = FileState.FAILED, str(exc)
    except Exception as exc:  # a file must never stay stuck on a bug: fail it, retry later
        log.exception("unexpected failure archiving %s", task.storage_key)
        state, error = FileState.FAILED, f"unexpected: {exc!r}"
    if state == FileState.FAILED:
        log.warning("%s not archived: %s", task.storage_key, error)
    outcome = {"state": state, "error": error, "size": size}
    ready = await asyncio.to_thread(_record, rt, task, outcome, sha256)
    if state == FileState.ARCHIVED:
        await _enter_library(rt, task)
    rt.progress.finished(task.file_id, state)
    return {**outcome, "instance_ready": ready}


def _record(
    rt: ArchiveRuntime, task: cat.FileTask, outcome: dict[str, Any], sha256: str | None
) -> str | None:
    """The transfer's outcome in the catalog (in a worker thread: the event loop carries the
    other downloads' bytes); then when the instance is ready for processing, if it is."""
    cat.mark_file(
        rt.catalog,
        rt.connection_id,
        task,
        outcome["state"],
        rt.clock.now(),
        size=outcome["size"],
        sha256=sha256,
        error=outcome["error"],
    )
    newest = ready_for_processing(rt.catalog, rt.connection_id, task.meeting_uuid)
    return newest.isoformat() if newest else None


# Instances whose library entry this process has settled, per live runtime (dropped with
# it): entered, found entered, or archived while the connection's publishing was unsaved
# (an instance enters as its first file finds it, never later). A library entry is never
# deleted, so the instance's later files skip the reads in a thread; another process, or
# this one after a restart, checks once and finds the same.
_IN_LIBRARY: dict[int, set[str]] = {}
_IN_LIBRARY_MAX = 10_000


def _in_library(rt: ArchiveRuntime) -> set[str]:
    key = id(rt)
    known = _IN_LIBRARY.get(key)
    if known is None:
        known = _IN_LIBRARY[key] = set()
        weakref.finalize(rt, _IN_LIBRARY.pop, key, None)  # before the id can be reused
    return known


async def _enter_library(rt: ArchiveRuntime, task: cat.FileTask) -> None:
    """The instance's first archived file puts it in the library, as its connection
    publishes; a failure here is logged and never fails the file, which is archived."""
    known = _in_library(rt)
    if task.meeting_uuid in known:
        return
    try:
        entry = await enter_library(
            rt.catalog, rt.connection_id, task.meeting_uuid, rt.authors, rt.clock.now()
        )
    except Exception:
        log.exception("%s archived, but not entered in the library", task.storage_key)
        return
    if entry != Entry.UNARCHIVED:  # unarchived: this attempt lost to a newer one
        if len(known) >= _IN_LIBRARY_MAX:
            known.clear()
        known.add(task.meeting_uuid)


@DBOS.workflow()
async def archive_file(connection_id: int, task_data: dict[str, Any]) -> dict[str, Any]:
    """One file: download, store verified, record. Durable and idempotent by workflow id.
    The instance's last transfer queues its media processing.

    The transfer runs in the workflow itself, not in a step: a step would checkpoint the
    same outcome the workflow records when it ends, two more system-database transactions
    per file, and a replay of the transfer is safe (it finds the file archived)."""
    outcome = await _transfer(connection_id, task_data)
    ready = outcome.pop("instance_ready", None)
    if ready:
        await enqueue_instance(connection_id, task_data["meeting_uuid"], ready)
    return outcome


@DBOS.step()
async def finish_step(connection_id: int, plans: list[dict[str, str]], started: str) -> str | None:
    """Settle cursors and sidecars; returns why the sidecars could not be written, if so."""
    rt = runtime(connection_id)
    advance_cursors(rt.catalog, connection_id, [_plan(plan) for plan in plans])
    try:
        await write_sidecars(rt.catalog, rt.store, connection_id, datetime.fromisoformat(started))
    except StorageError as exc:
        return f"sidecars not written: {exc}"
    return None


@DBOS.workflow()
async def sync_connection(connection_id: int) -> dict[str, Any]:
    """Discover, transfer every file that needs it, settle cursors and sidecars."""
    planned = await plan_step(connection_id)
    auth = {"auth": planned["auth"], "auth_detail": planned["auth_detail"]}
    if planned["error"]:
        return {"error": planned["error"], "instances": 0, "results": [], **auth}
    instances, errors, notes = await _run_discovery(connection_id, planned["plans"])
    if notes:  # said once in the sync status, however many hosts ran into it
        auth["auth_detail"] = "; ".join([*filter(None, [auth["auth_detail"]]), *notes])
    tasks = await tasks_step(connection_id)
    runtime(connection_id).progress.discovered(
        len(tasks), sum(task["file_size"] or 0 for task in tasks)
    )
    results = await _run_transfers(connection_id, tasks)
    errors.extend(await _run_media(connection_id))
    sidecar_error = await finish_step(connection_id, planned["plans"], planned["started"])
    if sidecar_error:
        errors.append(sidecar_error)
    removed = await delete_step(connection_id)
    errors.extend(removed.pop("errors"))
    error = "; ".join(errors) or None
    return {"error": error, "instances": instances, "results": results, **auth, **removed}


@DBOS.step()
async def delete_step(connection_id: int) -> dict[str, Any]:
    """Remove from Zoom what is archived, re-verified and past the grace period (if enabled)."""
    return (await delete_archived_instances(runtime(connection_id))).as_dict()


@DBOS.workflow()
async def discover_host_workflow(connection_id: int, plan: dict[str, str]) -> dict[str, Any]:
    """One host's listing, from the host queue: with several workers, hosts are listed on all
    of them at once, within the account's shared rate budget."""
    return await discover_step(connection_id, plan)


async def _run_discovery(
    connection_id: int, plans: list[dict[str, str]]
) -> tuple[int, list[str], list[str]]:
    """List every host through the host queue: the instances found, each host's error, and
    the notes (such as why participant counts are missing), each said once."""
    queue = await _queue(HOST_QUEUE)
    workflow_ids = []
    for plan in plans:
        # Derived from the sync's id: a resumed sync finds its hosts' listings, not new ones.
        # (Not under the sync's "zb-sync:" prefix, where unfinished syncs are looked for.)
        workflow_id = f"zb-host:{DBOS.workflow_id}:{plan['user_id']}"
        await _enqueue_by_id(queue, workflow_id, discover_host_workflow, connection_id, plan)
        workflow_ids.append(workflow_id)
    outcomes = await wait_workflows_step(workflow_ids)
    instances, errors, notes = 0, [], set()
    for plan, outcome in zip(plans, outcomes, strict=True):
        if "failure" in outcome:
            outcome = {"instances": 0, "error": f"listing workflow failed: {outcome['failure']}"}
        instances += outcome["instances"]
        if outcome["error"]:
            errors.append(f"{plan['email']}: {outcome['error']}")
        if outcome.get("note"):
            notes.add(outcome["note"])
    return instances, errors, sorted(notes)


async def _run_media(connection_id: int) -> list[str]:
    """Process every instance whose files are all settled (probes, joins, thumbnails, the
    search index) before deletion looks at them: only clean probes let an instance go."""
    workflow_ids = await enqueue_media_work(connection_id)
    outcomes = await wait_workflows_step(workflow_ids)
    return [
        f"media processing {workflow_id} failed: {outcome['failure']}"
        for workflow_id, outcome in zip(workflow_ids, outcomes, strict=True)
        if "failure" in outcome
    ]


async def _queue(name: str) -> Queue:
    queue = await DBOS.retrieve_queue_async(name)
    if queue is None:
        raise RuntimeError(f"the DBOS queue {name} is not registered in this process")
    return queue


async def _run_transfers(connection_id: int, tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    workflow_ids = await enqueue_transfers(connection_id, tasks)
    return await transfer_results(connection_id, tasks, workflow_ids)


async def enqueue_transfers(connection_id: int, tasks: list[dict[str, Any]]) -> list[str]:
    """Queue one `archive_file` workflow per task (a file already queued is found, not
    copied); returns their workflow ids."""
    queue = await _queue(FILE_QUEUE)
    workflow_ids = []
    for task_data in tasks:
        workflow_id = file_workflow_id(connection_id, cat.FileTask(**task_data))
        await _enqueue_by_id(queue, workflow_id, archive_file, connection_id, task_data)
        workflow_ids.append(workflow_id)
    return workflow_ids


async def _enqueue_by_id(
    queue: Queue, workflow_id: str, workflow: Callable[..., Coroutine[Any, Any, Any]], *args: Any
) -> None:
    """Queue `workflow` under `workflow_id` as a workflow of its own, even from inside a sync.
    The id makes it idempotent already: as the sync's child, each one also cost the sync a
    checkpoint (three statements and a write on the system database per file), replayed
    after a crash to find the same id this finds anyway."""

    async def enqueue() -> None:
        with SetWorkflowID(workflow_id):
            await queue.enqueue_async(workflow, *args)

    await asyncio.create_task(enqueue(), context=contextvars.Context())


async def transfer_results(
    connection_id: int, tasks: list[dict[str, Any]], workflow_ids: list[str]
) -> list[dict[str, Any]]:
    """Wait for the transfers; one whose workflow itself broke is failed in the catalog."""
    outcomes = await wait_workflows_step(workflow_ids)
    results: list[dict[str, Any]] = []
    for task_data, outcome in zip(tasks, outcomes, strict=True):
        if "failure" in outcome:
            # The workflow itself ended in error: fail the attempt, so the next sync gives
            # the file a new workflow id instead of finding this errored one again.
            error = f"transfer workflow failed: {outcome['failure']}"
            rt = runtime(connection_id)
            task = cat.FileTask(**task_data)
            cat.mark_file(
                rt.catalog, connection_id, task, FileState.FAILED, rt.clock.now(), error=error
            )
            outcome = {"state": FileState.FAILED, "error": error, "size": 0}
        results.append(outcome)
    return results


@DBOS.step()
async def wait_workflows_step(workflow_ids: list[str]) -> list[dict[str, Any]]:
    """The outcome of each workflow (file transfers, host listings), once all have ended;
    `{"failure": ...}` for one that raised. One bulk status query per poll: awaiting
    thousands of handles one by one polls and checkpoints each of them, which made a
    5,000-file sync spend most of its time waiting for the system database's write lock."""
    found: dict[str, dict[str, Any]] = {}
    while len(found) < len(workflow_ids):
        # Only the oldest waiting ids each time: the queue runs them roughly in order, and
        # asking for all of them every poll (a bind parameter each) cost more CPU than the
        # transfers' own checkpoints.
        waiting = [wid for wid in workflow_ids if wid not in found][:WAIT_QUERY_IDS]
        for status in await DBOS.list_workflows_async(
            workflow_ids=waiting, status=ENDED, load_input=False
        ):
            if status.status == "SUCCESS":
                found[status.workflow_id] = dict(status.output or {})
            else:
                why = repr(status.error) if status.error else status.status
                found[status.workflow_id] = {"failure": why}
        if len(found) < len(workflow_ids):
            await asyncio.sleep(WAIT_POLL_SECONDS)
    return [found[wid] for wid in workflow_ids]
