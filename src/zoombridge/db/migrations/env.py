"""Alembic environment: migrations run on the connection `zoombridge.db.engine` hands over."""

from __future__ import annotations

from alembic import context

from zoombridge.db.models import Base, modelled

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through zoombridge.db.engine.upgrade()")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    include_name=modelled,  # the full-text index is engine-specific DDL, not models
)
with context.begin_transaction():
    context.run_migrations()
