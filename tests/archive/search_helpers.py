"""Catalogs with instances to index, on SQLite or PostgreSQL, for the search tests."""

from __future__ import annotations

from sqlalchemy import func, select

from shared_helpers import ENGINES, EPOCH, opened_catalog
from zoombridge.archive.catalog import ensure_connection
from zoombridge.db import Catalog
from zoombridge.db.models import SearchDocument

__all__ = ["ENGINES", "connection", "document_count", "opened_catalog"]


def connection(catalog: Catalog, name: str = "main") -> int:
    return ensure_connection(catalog, name, f"account-{name}", EPOCH)


def document_count(catalog: Catalog) -> int:
    with catalog.session() as session:
        return session.scalar(select(func.count()).select_from(SearchDocument)) or 0
