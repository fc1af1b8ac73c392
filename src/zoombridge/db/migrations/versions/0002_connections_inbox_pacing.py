"""connections with credentials and settings, participants count, webhook inbox, rate pacing

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zoombridge.db.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("credentials", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("settings_json", sa.JSON(), nullable=False, server_default="{}")
        )
        batch_op.add_column(
            sa.Column("updated_at", zoombridge.db.models.UtcDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("participants_count", sa.Integer(), nullable=True))
    op.create_table(
        "webhook_inbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("event", sa.String(length=100), nullable=False),
        sa.Column("event_ts", sa.BigInteger(), nullable=True),
        sa.Column("received_at", zoombridge.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("applied_at", zoombridge.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("connection_id", "dedupe_key", name="uq_inbox_connection_event"),
    )
    op.create_index("ix_inbox_state", "webhook_inbox", ["state", "id"])
    op.create_table(
        "rate_pacing",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("rate_pacing")
    op.drop_index("ix_inbox_state", table_name="webhook_inbox")
    op.drop_table("webhook_inbox")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("participants_count")
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("settings_json")
        batch_op.drop_column("credentials")
        batch_op.drop_column("enabled")
