"""Catalogs with instances to index, on SQLite or PostgreSQL, for the search tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from zoombridge.archive.catalog import ensure_connection
from zoombridge.db import Catalog, open_catalog
from zoombridge.db.models import Meeting, SearchDocument

EPOCH = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


ENGINES = ["sqlite", "postgresql"]


def opened_catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    """For a fixture parametrized over ENGINES: a migrated catalog, disposed afterwards."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    else:
        url = str(request.getfixturevalue("postgres_url"))
    opened = open_catalog(url)
    try:
        yield opened
    finally:
        opened.dispose()


def connection(catalog: Catalog, name: str = "main") -> int:
    return ensure_connection(catalog, name, f"account-{name}", EPOCH)


def meeting(
    catalog: Catalog,
    connection_id: int,
    uuid: str,
    *,
    topic: str = "Weekly meeting",
    host: str = "ada@example.edu",
    start: datetime = EPOCH,
) -> str:
    with catalog.session() as session, session.begin():
        session.add(
            Meeting(
                connection_id=connection_id,
                uuid=uuid,
                host_email=host,
                topic=topic,
                start_time=start,
                folder=uuid,
                metadata_json={},
                updated_at=start,
            )
        )
    return uuid


def document_count(catalog: Catalog) -> int:
    with catalog.session() as session:
        return session.scalar(select(func.count()).select_from(SearchDocument)) or 0
