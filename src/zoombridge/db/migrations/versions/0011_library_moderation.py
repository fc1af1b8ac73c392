"""library moderation and publish-as: how each connection's new recordings enter the library
(author, draft or published), the installation's moderation switch, and each recording's
last submission and review (the moderation queue reads status and submission time)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 23:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zoombridge.db.models

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

When = zoombridge.db.models.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "library_publishing",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("publish_as", sa.String(length=20), nullable=False),
        sa.Column("publish_status", sa.String(length=20), nullable=False),
        sa.Column("publisher_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", When(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"]),
        sa.ForeignKeyConstraint(["publisher_id"], ["portal_users.id"]),
        sa.PrimaryKeyConstraint("connection_id"),
    )
    op.create_table(
        "library_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("moderation", sa.Boolean(), nullable=False),
        sa.Column("updated_at", When(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by"], ["portal_users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("library_entries") as batch_op:
        batch_op.add_column(sa.Column("submitted_at", When(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", When(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reviewed_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("review_note", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            "fk_library_entries_reviewed_by", "portal_users", ["reviewed_by"], ["id"]
        )
        batch_op.create_index("ix_library_review", ["status", "submitted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("library_entries") as batch_op:
        batch_op.drop_index("ix_library_review")
        batch_op.drop_constraint("fk_library_entries_reviewed_by", type_="foreignkey")
        batch_op.drop_column("review_note")
        batch_op.drop_column("reviewed_by")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("submitted_at")
    op.drop_table("library_settings")
    op.drop_table("library_publishing")
