"""The webhook inbox: accepted events are stored before Zoom gets its answer, applied later.

Storing first means an event survives a crash between "200 OK" and applying it; the dedupe
key (same for Zoom's retries of one delivery) means a retried delivery is stored once. Events
are applied in arrival order by whichever process serves the connection.

The receiver stores through an `InboxWriter`: the events that arrive while one transaction
is being written go into the next, so a burst costs one commit (and one thread hop) per
batch instead of per event, and each caller still returns only once its event is committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Insert, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.dml import ReturningInsert

from zoombridge.clock import Clock
from zoombridge.db import Catalog
from zoombridge.db.models import WebhookEvent as InboxRow
from zoombridge.zoom.webhooks import WebhookEvent

__all__ = ["InboxItem", "InboxWriter", "accept", "accept_many", "mark_done", "waiting"]

NEW, APPLIED, FAILED = "new", "applied", "failed"
MAX_BATCH = 200  # events per transaction; a burst beyond it waits for the next one
Row = dict[str, Any]  # the inbox table's columns


@dataclass(frozen=True)
class InboxItem:
    id: int
    event: WebhookEvent


def accept(catalog: Catalog, connection_id: int, event: WebhookEvent, now: datetime) -> bool:
    """Store a verified event; False when it is a repeat of one already stored."""
    return accept_many(catalog, connection_id, [event], now)[0]


def accept_many(
    catalog: Catalog, connection_id: int, events: Sequence[WebhookEvent], now: datetime
) -> list[bool]:
    """Store verified events in one transaction; for each, False when it repeats one stored
    before or earlier in `events`. Any other failure (no such connection, a value the
    database cannot hold) raises and stores none of them."""
    return _store(catalog, [_row(connection_id, event, now) for event in events])


def _store(catalog: Catalog, rows: Sequence[Row]) -> list[bool]:
    first: dict[str, int] = {}
    for i, row in enumerate(rows):
        first.setdefault(row["dedupe_key"], i)
    fresh = [rows[i] for i in sorted(first.values())]
    with catalog.session() as session, session.begin():
        stored = set(session.scalars(_insert_new(catalog), fresh))
    return [
        i == first[row["dedupe_key"]] and row["dedupe_key"] in stored for i, row in enumerate(rows)
    ]


def _insert_new(catalog: Catalog) -> ReturningInsert[tuple[str]]:
    """An INSERT that skips repeats and returns the dedupe keys it stored. ON CONFLICT names
    the dedupe constraint, so nothing else is skipped: other errors raise."""
    keys = ["connection_id", "dedupe_key"]
    table = cast(Table, InboxRow.__table__)  # Core, not the ORM's per-object bookkeeping
    statement: Insert
    if catalog.engine.dialect.name == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=keys)
    else:
        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=keys)
    return statement.returning(InboxRow.dedupe_key)


def _row(connection_id: int, event: WebhookEvent, now: datetime) -> Row:
    # The download token is a bearer credential; the archive downloads with its own token.
    body: dict[str, Any] = event.model_dump(
        mode="json", exclude_none=True, exclude={"download_token"}
    )
    return {
        "connection_id": connection_id,
        "dedupe_key": event.dedupe_key(),
        "event": event.event[:100],
        "event_ts": event.event_ts,
        "received_at": now,
        "payload": body,
        "state": NEW,
    }


class InboxWriter:
    """Stores one connection's events, those waiting together in one transaction.

    An event's row (dedupe key, payload) is made as it arrives, so `received_at` is its
    arrival and a row that cannot be made fails that event alone. One transaction is written
    at a time: SQLite takes one writer at a time anyway, and on PostgreSQL several smaller
    ones measured slower (more commits, each waiting for the disk)."""

    def __init__(self, catalog: Catalog, connection_id: int, clock: Clock) -> None:
        self.catalog = catalog
        self.connection_id = connection_id
        self.clock = clock
        self._waiting: list[tuple[Row, asyncio.Future[bool]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def accept(self, event: WebhookEvent) -> bool:
        """Once the event is committed: False when it repeats one already stored."""
        stored: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((_row(self.connection_id, event, self.clock.now()), stored))
        # A writer not done yet looks at the waiting events again before it ends.
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_waiting())
        return await stored

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch = self._waiting[:MAX_BATCH]
            del self._waiting[:MAX_BATCH]
            await self._write(batch)

    async def _write(self, batch: list[tuple[Row, asyncio.Future[bool]]]) -> None:
        try:
            stored = await asyncio.to_thread(_store, self.catalog, [row for row, _ in batch])
        except OperationalError as exc:  # the database, not an event: each caller is told
            for _, future in batch:
                _settle(future, exc)
        except Exception as exc:  # noqa: BLE001 - raised to its caller, who answers 500
            if len(batch) == 1:
                _settle(batch[0][1], exc)
                return
            for item in batch:  # one event the database refuses must not fail the others
                await self._write([item])
        else:
            for (_, future), new in zip(batch, stored, strict=True):
                _settle(future, new)


def _settle(future: asyncio.Future[bool], outcome: bool | Exception) -> None:
    if future.done():  # its caller went away; the event is stored all the same
        return
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def waiting(catalog: Catalog, connection_id: int, limit: int = 100) -> list[InboxItem]:
    """Events not applied yet, oldest first."""
    with catalog.session() as session:
        rows = session.scalars(
            select(InboxRow)
            .where(InboxRow.connection_id == connection_id, InboxRow.state == NEW)
            .order_by(InboxRow.id)
            .limit(limit)
        ).all()
        return [InboxItem(row.id, WebhookEvent.model_validate(row.payload)) for row in rows]


def mark_done(catalog: Catalog, item_id: int, now: datetime, error: str | None = None) -> None:
    with catalog.session() as session, session.begin():
        session.execute(
            update(InboxRow)
            .where(InboxRow.id == item_id)
            .values(state=FAILED if error else APPLIED, applied_at=now, error=error)
        )
