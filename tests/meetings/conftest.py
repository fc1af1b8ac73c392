"""The meetings sync on an emulated account, on SQLite and on PostgreSQL (the scheduling lock
is an advisory lock there), for the sync and reconcile tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from meetings_helpers import Bench, bench, sync_world

from shared_helpers import ENGINES, opened_catalog


@pytest.fixture(params=ENGINES)
async def synced(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Bench]:
    for catalog in opened_catalog(request, tmp_path):
        async with bench(sync_world(), catalog, tmp_path) as made:
            yield made
