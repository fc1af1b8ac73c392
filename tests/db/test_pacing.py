"""The rate budget shared through the database: one slot per call across every process.

Each test runs on SQLite and on PostgreSQL (its own database from the `postgres_url` fixture).
Two `DatabasePacer`s on one database stand for two worker processes.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from zoombridge.db import open_catalog
from zoombridge.db.models import RatePacing
from zoombridge.db.pacing import DatabasePacer
from zoombridge.zoom.ratelimit import Category, RateBudget

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    open_catalog(url).dispose()  # the rate_pacing table, migrated
    return url


@pytest.fixture
def pacers(database_url: str) -> Iterator[tuple[DatabasePacer, DatabasePacer]]:
    first, second = DatabasePacer(database_url), DatabasePacer(database_url)
    yield first, second
    first.dispose()
    second.dispose()


def next_at(url: str, key: str) -> float:
    catalog = open_catalog(url, migrate=False)
    try:
        with catalog.session() as session:
            value = session.scalar(select(RatePacing.next_at).where(RatePacing.key == key))
    finally:
        catalog.dispose()
    assert value is not None
    return value


async def test_concurrent_reservations_get_distinct_evenly_spaced_slots(
    pacers: tuple[DatabasePacer, DatabasePacer], database_url: str
) -> None:
    interval = 0.25  # long against the statements' own run time

    async def slot(pacer: DatabasePacer) -> float:
        wait = await pacer.reserve("acct:meetings:Medium", interval)
        return time.time() + wait  # when this caller may send

    began = time.time()
    slots = sorted(await asyncio.gather(*(slot(pacer) for pacer in pacers * 6)))
    assert len(slots) == 12
    # Twelve reservations, no two on one slot, one interval after another (measured here,
    # with this machine's scheduling noise on each).
    gaps = [later - earlier for earlier, later in itertools.pairwise(slots)]
    assert min(gaps) > interval / 2, gaps
    assert slots[-1] - slots[0] == pytest.approx(11 * interval, abs=0.1)
    assert next_at(database_url, "acct:meetings:Medium") == pytest.approx(
        slots[-1] + interval, abs=0.1
    )
    assert slots[0] - began < 1.0


async def test_keys_are_independent_and_past_slots_are_not_owed(
    pacers: tuple[DatabasePacer, DatabasePacer],
) -> None:
    first, second = pacers
    for _ in range(4):
        await first.reserve("acct:meetings:Heavy", 5.0)
    assert await second.reserve("acct:meetings:Light", 5.0) == 0.0
    assert await second.reserve("other:meetings:Heavy", 5.0) == 0.0
    assert await first.reserve("acct:phone:Light", 0.01) == 0.0
    await asyncio.sleep(0.05)
    # An idle key starts from now, not from a backlog of unused slots.
    assert await second.reserve("acct:phone:Light", 0.01) == 0.0


async def test_a_hold_delays_every_process(pacers: tuple[DatabasePacer, DatabasePacer]) -> None:
    first, second = pacers
    await first.hold("acct:meetings:Medium", 2.0)
    assert await second.reserve("acct:meetings:Medium", 0.1) == pytest.approx(2.0, abs=0.1)
    await first.hold("acct:meetings:Medium", 0.5)  # a shorter hold never shortens a longer one
    assert await second.reserve("acct:meetings:Medium", 0.1) == pytest.approx(2.1, abs=0.1)


async def test_two_budgets_on_one_account_share_its_rate(
    pacers: tuple[DatabasePacer, DatabasePacer],
) -> None:
    budgets = [RateBudget("pro", shared=pacer, account="acct") for pacer in pacers]
    sent: list[float] = []

    async def calls(budget: RateBudget) -> None:
        for _ in range(10):
            slot = await budget.acquire(Category.MEDIUM)
            sent.append(time.monotonic())
            budget.done(slot)

    await asyncio.gather(*(calls(budget) for budget in budgets))
    sent.sort()
    # Pro allows 20 Medium calls a second per account: 20 calls, two processes, one budget.
    # Alone, each budget would send its 10 in about half a second.
    interval = 1 / (20 * 0.9)
    assert sent[-1] - sent[0] >= 19 * interval - 0.05


async def test_a_429_in_one_process_holds_the_category_in_the_others(
    pacers: tuple[DatabasePacer, DatabasePacer],
) -> None:
    first, second = (RateBudget("pro", shared=pacer, account="acct") for pacer in pacers)
    held_at = time.monotonic()
    first.hold(Category.MEDIUM, 1.5)  # what the client does on a 429 with Retry-After: 1.5
    retry = asyncio.create_task(first.acquire(Category.MEDIUM))  # the retry waits the 1.5 s
    await asyncio.sleep(0.3)  # ... and has told the other processes
    await second.acquire(Category.MEDIUM)
    assert time.monotonic() - held_at >= 1.45
    await retry


def test_a_shared_budget_must_name_its_account(tmp_path: Path) -> None:
    pacer = DatabasePacer(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    with pytest.raises(ValueError, match="account id"):
        RateBudget("pro", shared=pacer)


def test_only_postgresql_and_sqlite_can_share_a_budget() -> None:
    with pytest.raises(ValueError, match="use PostgreSQL or SQLite"):
        DatabasePacer("mysql://db.example/zoombridge")
