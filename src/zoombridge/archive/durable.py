"""Starting and stopping DBOS, the durable-execution engine the archive's workflows run on.

DBOS keeps its own tables (the "system database"): next to the catalog as a second SQLite
file by default, or in a `dbos` schema of the same PostgreSQL database, where every worker
process sees the same queues. DBOS is one per process.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path
from typing import Any

from dbos import DBOS, DBOSConfig
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from zoombridge.archive.media_workflows import MEDIA_QUEUE
from zoombridge.archive.workflows import FILE_QUEUE, HOST_QUEUE

__all__ = ["drain_durable", "start_durable", "stop_durable", "system_database_url"]

QUEUE_POLL_SECONDS = 0.05
# Host listings are few and slow; polling their queue as often as the files' costs CPU a
# backfill needs for transfers.
HOST_QUEUE_POLL_SECONDS = 0.2
# Workflows dequeued per transfer slot: the next file is already started (checkpointed,
# waiting for a slot) when one finishes, instead of a queue poll later.
DEQUEUE_AHEAD = 4
# Instances processed at once per worker: a join that has to re-encode takes a core.
MEDIA_CONCURRENCY = 2
_engines: list[Engine] = []  # the SQLite engine given to DBOS, disposed when it stops


def system_database_url(catalog_url: str) -> str:
    """DBOS's database: `<catalog>-dbos.sqlite` beside a SQLite catalog, else the same URL."""
    if not catalog_url.startswith("sqlite"):
        return catalog_url
    database = make_url(catalog_url).database or "zoombridge.sqlite"
    path = Path(database)
    return f"sqlite:///{path.with_name(path.stem + '-dbos.sqlite')}"


async def start_durable(
    catalog_url: str, *, concurrency: int, worker_id: str = "", log_level: str = "WARNING"
) -> None:
    """Launch DBOS on this process's event loop and listen to the file-transfer queue.
    `worker_id` names this process to the other workers on PostgreSQL (default: the host
    name); `log_level` is DBOS's own."""
    config: DBOSConfig = {
        "name": "zoombridge",
        "system_database_url": system_database_url(catalog_url),
        "log_level": log_level,
        "executor_id": _executor_id(catalog_url, worker_id),
    }
    if catalog_url.startswith("sqlite"):
        engine = _sqlite_system_engine(system_database_url(catalog_url))
        _engines.append(engine)
        config["system_database_engine"] = engine
    logging.getLogger("dbos").setLevel(log_level)
    DBOS(config=config)
    DBOS.launch()
    await DBOS.register_queue_async(
        HOST_QUEUE, worker_concurrency=concurrency, polling_interval_sec=HOST_QUEUE_POLL_SECONDS
    )
    await DBOS.register_queue_async(
        MEDIA_QUEUE,
        worker_concurrency=MEDIA_CONCURRENCY,
        polling_interval_sec=HOST_QUEUE_POLL_SECONDS,
    )
    await DBOS.register_queue_async(
        FILE_QUEUE,
        worker_concurrency=concurrency * DEQUEUE_AHEAD,
        polling_interval_sec=QUEUE_POLL_SECONDS,
    )


def _sqlite_system_engine(url: str) -> Engine:
    """DBOS's SQLite database as DBOS opens it (IMMEDIATE transactions, a long busy timeout),
    but in WAL mode with synchronous=NORMAL, as the catalog is. DBOS's default (a rollback
    journal, fsync on every commit: ~6 ms here) made its several commits per file the
    backfill's bottleneck (~15 files/s). A power cut may lose the last checkpoints, which
    then run again; every step is idempotent."""
    engine = create_engine(url, pool_size=20, max_overflow=0, pool_timeout=30)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = "IMMEDIATE"
        for pragma in ("busy_timeout=30000", "foreign_keys=ON", "journal_mode=WAL"):
            dbapi_connection.execute(f"PRAGMA {pragma}")
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    return engine


def _executor_id(catalog_url: str, worker_id: str) -> str:
    # On SQLite one process owns the data, and a restart must recover its own workflows.
    if catalog_url.startswith("sqlite"):
        return "local"
    return worker_id or socket.gethostname()


async def drain_durable(grace_seconds: int) -> None:
    """Stop taking work from the queues, then give this process's running workflows (transfers
    under way, a listing, a sync) up to `grace_seconds` to finish. Whatever is still running
    then stays PENDING under this executor id: DBOS resumes it when a worker with the same id
    (ZOOMBRIDGE_WORKER_ID) starts again, and queued work goes on in the other workers."""
    # DBOS waits with time.sleep: in a thread, so this loop keeps running the workflows.
    await asyncio.to_thread(DBOS.destroy, workflow_completion_timeout_sec=grace_seconds)


def stop_durable() -> None:
    DBOS.destroy(workflow_completion_timeout_sec=0)
    while _engines:
        _engines.pop().dispose()
    # DBOS attaches a handler to the stream of the moment; the next DBOS in this process
    # would flush it after that stream is gone (a test runner's captured stderr, say).
    dbos_log = logging.getLogger("dbos")
    for handler in list(dbos_log.handlers):
        dbos_log.removeHandler(handler)
