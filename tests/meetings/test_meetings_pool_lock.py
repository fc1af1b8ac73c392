"""Fifty "any free host" requests at once on a pool of five never double-book a host: the
check and the booking are one locked step, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from scheduling_helpers import ENGINES, MONDAY_10, opened_catalog, pool_world, scheduling

from zoombridge.db import Catalog
from zoombridge.errors import NoFreeHost
from zoombridge.meetings.drafts import MeetingDraft

pytestmark = pytest.mark.anyio
POOL = [f"host{i}@example.edu" for i in range(5)]


@pytest.fixture(params=ENGINES)
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    yield from opened_catalog(request, tmp_path)


async def test_fifty_concurrent_requests_on_five_hosts_never_double_book(catalog: Catalog) -> None:
    # Hosts 3 and 4 are Basic: one meeting at a time; 0..2 licensed: two. Two slots that
    # overlap by half an hour, so a host's capacity is shared between them.
    world = pool_world(5, basic=(3, 4))
    slots = [MONDAY_10, MONDAY_10 + timedelta(minutes=30)]
    async with scheduling(world, catalog, pool=POOL, calendar_max_age_seconds=3600) as s:

        async def ask(index: int) -> int | None:
            draft = MeetingDraft(topic=f"Class {index}", start_time=slots[index % 2], pool="P")
            try:
                return (await s.service.create(draft)).zoom_id
            except NoFreeHost:
                return None

        made = [m for m in await asyncio.gather(*(ask(i) for i in range(50))) if m]

    # Capacity: 3 licensed x 2 + 2 basic x 1 = 8 at the busiest moment.
    assert len(made) == 8
    per_host = Counter(world.meetings[m].host_id for m in made)
    licence = {u.id: u.type for u in world.users.values()}
    for host, count in per_host.items():
        assert count <= (2 if licence[host] == 2 else 1), (host, count)
    assert len(per_host) == 5  # every host was used: the least-loaded is picked
