"""Database engines and schema migrations for the catalog.

SQLite (WAL, one file in ZOOMBRIDGE_HOME) is the embedded default; PostgreSQL serves several
workers on several machines. `open_catalog` brings the schema up to date with Alembic before
anything else touches it, so an upgraded zoombridge migrates an old catalog by itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from zoombridge.errors import ConfigurationError

__all__ = ["Catalog", "check_database_url", "open_catalog", "sqlalchemy_url"]

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x7A62_0001  # PostgreSQL advisory lock id held while migrating


def sqlalchemy_url(url: str) -> str:
    """Our URLs name the database; SQLAlchemy also wants the driver (psycopg 3)."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Catalog:
    """The catalog database: an engine and a session factory."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    def session(self) -> Session:
        return self.sessions()

    def dispose(self) -> None:
        self.engine.dispose()


def check_database_url(url: str) -> URL:
    """The parsed URL, or ConfigurationError naming what to write instead."""
    try:
        parsed = make_url(sqlalchemy_url(url))
    except ArgumentError:
        raise ConfigurationError(
            f"ZOOMBRIDGE_DATABASE_URL is not a database URL: {url!r}; "
            "use sqlite:///path/file.sqlite or postgresql://user@host/db"
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"ZOOMBRIDGE_DATABASE_URL: {parsed.get_backend_name()} is not supported; "
            "use SQLite or PostgreSQL"
        )
    return parsed


def open_catalog(url: str, *, migrate: bool = True) -> Catalog:
    """Connect, check the database answers, and migrate it to the current schema."""
    parsed = check_database_url(url)
    engine = _engine(parsed.render_as_string(hide_password=False))
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        engine.dispose()
        where = parsed.render_as_string(hide_password=True)
        raise ConfigurationError(f"cannot open the database {where}: {exc.orig}") from None
    if migrate:
        upgrade(engine)
    return Catalog(engine)


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Workers starting together: one migrates, the others wait, then find it done.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
