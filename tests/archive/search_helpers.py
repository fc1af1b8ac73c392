"""Catalogs with instances to index, on SQLite or PostgreSQL, for the search tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shared_helpers import EPOCH
from zoombridge.archive.catalog import ensure_connection
from zoombridge.db import Catalog, open_catalog
from zoombridge.db.models import SearchDocument

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


def document_count(catalog: Catalog) -> int:
    with catalog.session() as session:
        return session.scalar(select(func.count()).select_from(SearchDocument)) or 0
