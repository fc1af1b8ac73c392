"""one-time password links (invitations and resets), and when a user last signed in

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 09:00:00

Only a link's SHA-256 is stored, so a copy of the database sets no one's password.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zoombridge.db.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

When = zoombridge.db.models.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "password_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("created_at", When(timezone=True), nullable=False),
        sa.Column("expires_at", When(timezone=True), nullable=False),
        sa.Column("used_at", When(timezone=True), nullable=True),
        sa.Column("revoked_at", When(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["portal_users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_index("ix_password_links_user_id", "password_links", ["user_id"])
    with op.batch_alter_table("portal_users") as batch:
        batch.add_column(sa.Column("last_sign_in_at", When(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("portal_users") as batch:
        batch.drop_column("last_sign_in_at")
    op.drop_index("ix_password_links_user_id", table_name="password_links")
    op.drop_table("password_links")
