"""The Zoom rate budget shared by every worker on one database: `rate_pacing`'s next slots.

One row per (account, family, category) holds the next free send time. A reservation is ONE
atomic upsert that moves it on by the interval and returns how long the caller waits; the
database's row lock orders concurrent workers, and the database's clock is the only clock, so
workers on machines whose clocks disagree still never book the same slot.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import Engine, Float, create_engine, func, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from zoombridge.db.engine import sqlalchemy_url
from zoombridge.db.models import RatePacing

__all__ = ["DatabasePacer"]

# Seconds since the epoch on the database server, fixed for the statement.
_NOW = {
    "postgresql": "extract(epoch from statement_timestamp())",
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
}


class DatabasePacer:
    """A `zoombridge.zoom.ratelimit.SharedPacer` on the catalog database (PostgreSQL or SQLite).

    It keeps its own small connection pool, opened on first use and closed by `dispose`, so a
    Zoom client can be built before the catalog is open."""

    def __init__(self, url: str) -> None:
        self.url = sqlalchemy_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        if self.dialect not in _NOW:
            raise ValueError(f"no shared pacing on {self.dialect}; use PostgreSQL or SQLite")
        self._engine: Engine | None = None

    async def reserve(self, key: str, interval_s: float) -> float:
        if interval_s <= 0:
            raise ValueError("the interval between two calls must be positive")
        return await asyncio.to_thread(self._reserve, key, interval_s)

    async def hold(self, key: str, seconds: float) -> None:
        await asyncio.to_thread(self._hold, key, max(0.0, seconds))

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _reserve(self, key: str, interval_s: float) -> float:
        now = self._now()
        start = self._greatest(RatePacing.next_at, now)
        statement = (
            self._insert()
            .values(key=key, next_at=now + interval_s)
            .on_conflict_do_update(index_elements=["key"], set_={"next_at": start + interval_s})
            .returning(RatePacing.next_at - interval_s - now)
        )
        with self._engine_now().begin() as connection:
            wait = connection.execute(statement).scalar_one()
        return max(0.0, float(wait))

    def _hold(self, key: str, seconds: float) -> None:
        until = self._now() + seconds
        statement = (
            self._insert()
            .values(key=key, next_at=until)
            .on_conflict_do_update(
                index_elements=["key"], set_={"next_at": self._greatest(RatePacing.next_at, until)}
            )
        )
        with self._engine_now().begin() as connection:
            connection.execute(statement)

    def _insert(self) -> Any:
        dialect = postgresql if self.dialect == "postgresql" else sqlite
        return dialect.insert(RatePacing)

    def _now(self) -> ColumnElement[float]:
        return literal_column(_NOW[self.dialect], Float)

    def _greatest(
        self, a: ColumnElement[float] | InstrumentedAttribute[float], b: ColumnElement[float]
    ) -> ColumnElement[float]:
        # PostgreSQL's max() is an aggregate; greatest() is its two-argument form.
        if self.dialect == "postgresql":
            return func.greatest(a, b)
        return func.max(a, b)

    def _engine_now(self) -> Engine:
        if self._engine is None:
            if self.dialect == "sqlite":  # one writer at a time: wait for the lock, briefly
                self._engine = create_engine(self.url, connect_args={"timeout": 30})
            else:
                self._engine = create_engine(self.url, pool_size=2, pool_pre_ping=True)
        return self._engine
