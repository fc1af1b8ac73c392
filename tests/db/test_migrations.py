"""The Alembic migrations build exactly the schema the models describe, on both engines.

The full-text index is left out of the comparison on purpose (`modelled`): SQLite's FTS5
virtual table with its shadow tables and PostgreSQL's generated tsvector column with its
GIN index are engine-specific DDL from migration 0003 that SQLAlchemy models cannot
express; the search tests exercise them instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from zoombridge.db import open_catalog
from zoombridge.db.models import FULL_TEXT_OBJECTS, Base, modelled


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    catalog = open_catalog(database_url)
    try:
        with catalog.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_name": modelled})
            differences = compare_metadata(context, Base.metadata)
            tables = set(inspect(connection).get_table_names())
            columns = {c["name"] for c in inspect(connection).get_columns("search_documents")}
    finally:
        catalog.dispose()
    assert differences == []
    # What the comparison leaves out exists, and it is only the full-text machinery.
    modelled_columns = {c.name for c in Base.metadata.tables["search_documents"].columns}
    unmodelled = (tables - set(Base.metadata.tables) - {"alembic_version"}) | (
        columns - modelled_columns
    )
    assert unmodelled
    assert unmodelled <= FULL_TEXT_OBJECTS
