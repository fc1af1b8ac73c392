"""media probes, joined recordings and thumbnails, when instances were processed, search digests

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zoombridge.db.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recording_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("media_json", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("media_problem", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("probed_at", zoombridge.db.models.UtcDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "processed_at", zoombridge.db.models.UtcDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("search_digest", sa.String(length=64), nullable=True))
    op.create_table(
        "media_assets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("meeting_uuid", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("recording_type", sa.String(length=80), nullable=True),
        sa.Column("source_key", sa.Text(), nullable=True),
        sa.Column("storage_key", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("segments", sa.JSON(), nullable=False),
        sa.Column("created_at", zoombridge.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("connection_id", "storage_key", name="uq_asset_key"),
    )
    op.create_index(
        "ix_assets_meeting", "media_assets", ["connection_id", "meeting_uuid"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_assets_meeting", table_name="media_assets")
    op.drop_table("media_assets")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("search_digest")
        batch_op.drop_column("processed_at")
    with op.batch_alter_table("recording_files", schema=None) as batch_op:
        batch_op.drop_column("probed_at")
        batch_op.drop_column("media_problem")
        batch_op.drop_column("media_json")
