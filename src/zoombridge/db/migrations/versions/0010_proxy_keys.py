"""the privacy proxy's API keys: SHA-256 at rest, an optional IP allow-list, revocation

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 23:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zoombridge.db.models

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proxy_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_sha256", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("allow_ips", sa.JSON(), nullable=False),
        sa.Column("created_at", zoombridge.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", zoombridge.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", zoombridge.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_sha256"),
    )
    with op.batch_alter_table("proxy_keys", schema=None) as batch_op:
        batch_op.create_index("ix_proxy_keys_name", ["name"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("proxy_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_proxy_keys_name")
    op.drop_table("proxy_keys")
