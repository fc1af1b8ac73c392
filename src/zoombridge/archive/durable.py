"""Starting and stopping DBOS, the durable-execution engine the archive's workflows run on.

DBOS keeps its own tables (the "system database"): next to the catalog as a second SQLite
file by default, or in a `dbos` schema of the same PostgreSQL database, where every worker
process sees the same queues. DBOS is one per process.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
from contextlib import closing
from pathlib import Path

from dbos import DBOS, DBOSConfig
from sqlalchemy.engine import make_url

from zoombridge.archive.workflows import FILE_QUEUE

__all__ = ["start_durable", "stop_durable", "system_database_url"]

QUEUE_POLL_SECONDS = 0.05


def system_database_url(catalog_url: str) -> str:
    """DBOS's database: `<catalog>-dbos.sqlite` beside a SQLite catalog, else the same URL."""
    if not catalog_url.startswith("sqlite"):
        return catalog_url
    database = make_url(catalog_url).database or "zoombridge.sqlite"
    path = Path(database)
    return f"sqlite:///{path.with_name(path.stem + '-dbos.sqlite')}"


async def start_durable(
    catalog_url: str, *, concurrency: int, executor_id: str | None = None
) -> None:
    """Launch DBOS on this process's event loop and listen to the file-transfer queue."""
    log_level = os.environ.get("ZOOMBRIDGE_DBOS_LOG_LEVEL", "WARNING")
    config: DBOSConfig = {
        "name": "zoombridge",
        "system_database_url": system_database_url(catalog_url),
        "log_level": log_level,
        "executor_id": executor_id or _default_executor_id(catalog_url),
    }
    logging.getLogger("dbos").setLevel(log_level)
    _use_write_ahead_log(config["system_database_url"])
    DBOS(config=config)
    DBOS.launch()
    await DBOS.register_queue_async(
        FILE_QUEUE, worker_concurrency=concurrency, polling_interval_sec=QUEUE_POLL_SECONDS
    )


def _use_write_ahead_log(url: str | None) -> None:
    """Put a SQLite system database in WAL mode (it stays so; DBOS leaves SQLite in rollback
    mode, where every checkpoint pays several fsyncs and readers block writers: a sync of
    5,000 small files spent most of its time waiting on that lock)."""
    if not url or not url.startswith("sqlite"):
        return
    database = make_url(url).database
    if not database or database == ":memory:":
        return
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(database, timeout=30)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")


def _default_executor_id(catalog_url: str) -> str:
    # On SQLite one process owns the data, and a restart must recover its own workflows.
    if catalog_url.startswith("sqlite"):
        return "local"
    return os.environ.get("ZOOMBRIDGE_WORKER_ID") or socket.gethostname()


def stop_durable() -> None:
    DBOS.destroy(workflow_completion_timeout_sec=0)
    # DBOS attaches a handler to the stream of the moment; the next DBOS in this process
    # would flush it after that stream is gone (a test runner's captured stderr, say).
    dbos_log = logging.getLogger("dbos")
    for handler in list(dbos_log.handlers):
        dbos_log.removeHandler(handler)
