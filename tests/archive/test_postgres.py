"""The catalog and DBOS on PostgreSQL: the same backfill as on SQLite, on a real server.

The test creates its own database on 127.0.0.1:5432 and drops it afterwards. Without a
server it is skipped on a developer's machine, and fails in CI (CI=true), where a missing
service must never pass silently.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import psycopg
import pytest
from archive_helpers import MakeBridge, served_files, sync
from sqlalchemy import select

from zoombridge.db import FileState
from zoombridge.db.models import RecordingFileRow
from zoombridge.emulator.world import World

pytestmark = pytest.mark.anyio

SERVER = "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    name = f"zb_test_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and is not reachable: {exc}")
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432 ({exc})")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{SERVER}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
    catalog = bridge.catalog()
    with catalog.session() as session:
        archived = set(
            session.scalars(
                select(RecordingFileRow.file_id).where(RecordingFileRow.state == FileState.ARCHIVED)
            )
        )
    catalog.dispose()
    assert archived == set(expected)
