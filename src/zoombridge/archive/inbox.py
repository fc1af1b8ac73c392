"""The webhook inbox: accepted events are stored before Zoom gets its answer, applied later.

Storing first means an event survives a crash between "200 OK" and applying it; the dedupe
key (same for Zoom's retries of one delivery) means a retried delivery is stored once. Events
are applied in arrival order by whichever process serves the connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from zoombridge.db import Catalog
from zoombridge.db.models import WebhookEvent as InboxRow
from zoombridge.zoom.webhooks import WebhookEvent

__all__ = ["InboxItem", "accept", "mark_done", "waiting"]

NEW, APPLIED, FAILED = "new", "applied", "failed"


@dataclass(frozen=True)
class InboxItem:
    id: int
    event: WebhookEvent


def accept(catalog: Catalog, connection_id: int, event: WebhookEvent, now: datetime) -> bool:
    """Store a verified event; False when it is a repeat of one already stored."""
    # The download token is a bearer credential; the archive downloads with its own token.
    body: dict[str, Any] = event.model_dump(
        mode="json", exclude_none=True, exclude={"download_token"}
    )
    row = InboxRow(
        connection_id=connection_id,
        dedupe_key=event.dedupe_key(),
        event=event.event[:100],
        event_ts=event.event_ts,
        received_at=now,
        payload=body,
        state=NEW,
    )
    try:
        with catalog.session() as session, session.begin():
            session.add(row)
    except IntegrityError:
        return False
    return True


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
