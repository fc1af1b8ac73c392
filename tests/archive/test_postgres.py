"""The catalog and DBOS on PostgreSQL: the same backfill as on SQLite, on a real server.

The test gets its own database from the `postgres_url` fixture (tests/conftest.py): skipped
without a server on a developer's machine, failed in CI (CI=true).
"""

from __future__ import annotations

import pytest
from archive_helpers import MakeBridge, served_files, sync

from shared_helpers import archived_rows
from zoombridge.emulator.world import World

pytestmark = pytest.mark.anyio


async def test_backfill_on_postgresql(
    make_bridge: MakeBridge, world: World, postgres_url: str
) -> None:
    bridge = make_bridge()
    bridge.settings.database_url = postgres_url
    first = await sync(bridge)
    expected = served_files(world)
    assert first.failed == 0, first.errors
    assert first.verified == len(expected)
    second = await sync(bridge)
    assert (second.verified, second.files) == (0, 0)
    assert set(archived_rows(postgres_url)) == set(expected)
