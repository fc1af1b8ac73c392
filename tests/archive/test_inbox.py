"""The webhook inbox on SQLite and PostgreSQL: each event stored once, events arriving
together committed together, and a caller told "stored" only once its event is."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from search_helpers import ENGINES, connection, opened_catalog
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from shared_helpers import EPOCH
from zoombridge.archive import inbox
from zoombridge.clock import ManualClock
from zoombridge.db import Catalog
from zoombridge.db.models import WebhookEvent as InboxRow
from zoombridge.zoom.webhooks import WebhookEvent

pytestmark = pytest.mark.anyio


@pytest.fixture(params=ENGINES)
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    yield from opened_catalog(request, tmp_path)


def event(ts: int, uuid: str = "abc==") -> WebhookEvent:
    return WebhookEvent.model_validate(
        {
            "event": "recording.completed",
            "event_ts": ts,
            "payload": {"account_id": "acct", "object": {"uuid": uuid, "recording_files": []}},
            "download_token": "secret-bearer",
        }
    )


def stored_ts(catalog: Catalog) -> list[int | None]:
    with catalog.session() as session:
        return sorted(session.scalars(select(InboxRow.event_ts)), key=lambda ts: ts or 0)


def inbox_size(catalog: Catalog) -> int:
    with catalog.session() as session:
        return session.scalar(select(func.count()).select_from(InboxRow)) or 0


def test_a_batch_stores_each_event_once_and_says_which_were_new(catalog: Catalog) -> None:
    owner = connection(catalog)
    assert inbox.accept(catalog, owner, event(1), EPOCH)
    # A repeat of a stored event, then one new event twice in the same batch.
    new = inbox.accept_many(catalog, owner, [event(1), event(2), event(2), event(3)], EPOCH)
    assert new == [False, True, False, True]
    assert stored_ts(catalog) == [1, 2, 3]
    with catalog.session() as session:
        payloads = session.scalars(select(InboxRow.payload)).all()
    assert all("download_token" not in payload for payload in payloads)


def test_a_refused_event_raises_instead_of_passing_for_a_repeat(catalog: Catalog) -> None:
    unknown_connection = connection(catalog) + 1000
    with pytest.raises(IntegrityError):
        inbox.accept(catalog, unknown_connection, event(1), EPOCH)
    assert inbox_size(catalog) == 0


class Batches:
    """Counts the transactions the writer opens, and how many events each held."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sizes: list[int] = []
        store = inbox._store

        def counted(catalog: Catalog, rows: Sequence[inbox.Row]) -> list[bool]:
            self.sizes.append(len(rows))
            return store(catalog, rows)

        monkeypatch.setattr(inbox, "_store", counted)


async def test_events_arriving_together_are_committed_together_and_answered_after(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches = Batches(monkeypatch)
    writer = inbox.InboxWriter(catalog, connection(catalog), ManualClock(EPOCH))

    async def deliver(e: WebhookEvent) -> bool:
        new = await writer.accept(e)
        assert e.event_ts in stored_ts(catalog)  # committed before the caller hears of it
        return new

    events = [event(ts) for ts in range(30)] + [event(7)]  # Zoom's retry among them
    answers = await asyncio.gather(*(deliver(e) for e in events))
    assert answers == [True] * 30 + [False]
    assert stored_ts(catalog) == list(range(30))
    assert sum(batches.sizes) == 31
    assert len(batches.sizes) <= 2  # not one transaction per event


async def test_an_event_the_database_refuses_fails_alone(catalog: Catalog) -> None:
    writer = inbox.InboxWriter(catalog, connection(catalog), ManualClock(EPOCH))
    too_big = event(2**70)  # no BIGINT holds it; signed and well-formed all the same
    answers = await asyncio.gather(
        *(writer.accept(e) for e in (event(1), too_big, event(2))), return_exceptions=True
    )
    assert [answers[0], answers[2]] == [True, True]
    assert isinstance(answers[1], Exception)
    assert stored_ts(catalog) == [1, 2]


async def test_an_unreachable_database_fails_the_batch_without_trying_each_event(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[int] = []

    def locked(catalog: Catalog, rows: Sequence[inbox.Row]) -> list[bool]:
        attempts.append(len(rows))
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(inbox, "_store", locked)
    writer = inbox.InboxWriter(catalog, connection(catalog), ManualClock(EPOCH))
    answers = await asyncio.gather(
        *(writer.accept(event(ts)) for ts in range(5)), return_exceptions=True
    )
    assert all(isinstance(a, OperationalError) for a in answers)
    assert attempts == [5]
