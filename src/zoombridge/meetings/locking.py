"""The scheduling lock: check-then-book is one critical section per connection.

Two requests for the same free slot must not both see it free. On PostgreSQL a transaction
advisory lock serialises them across every worker and machine; on SQLite `BEGIN IMMEDIATE`
takes the database's write lock before the first read. The lock is held only while the
bookings are read and the reservation written; Zoom is called after it is released.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

from zoombridge.db import Catalog

__all__ = ["scheduling_lock"]

LOCK_SPACE = 0x7A62_0100  # zoombridge's advisory-lock ids for meetings start here


@contextmanager
def scheduling_lock(catalog: Catalog, connection_id: int) -> Iterator[Session]:
    """A session inside a transaction holding the connection's scheduling lock; commits on
    leaving, rolls back on an error."""
    with catalog.session() as session:
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            key = LOCK_SPACE + zlib.crc32(f"meetings:{connection_id}".encode()) % 1_000_000
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()
