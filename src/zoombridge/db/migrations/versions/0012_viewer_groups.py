"""groups of viewers a recording's "chosen" visibility can name, and each connection's
default visibility for the library entries it makes

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zoombridge.db.models

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

When = zoombridge.db.models.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "viewer_groups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("created_at", When(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["portal_users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "viewer_group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_at", When(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["viewer_groups.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["portal_users.id"]),
        sa.PrimaryKeyConstraint("group_id", "user_id"),
    )
    op.create_index("ix_viewer_group_member_user", "viewer_group_members", ["user_id"])
    op.create_table(
        "library_viewer_groups",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("meeting_uuid", sa.String(length=64), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["viewer_groups.id"]),
        sa.PrimaryKeyConstraint("connection_id", "meeting_uuid", "group_id"),
    )
    op.create_index("ix_library_viewer_group", "library_viewer_groups", ["group_id"])
    with op.batch_alter_table("library_publishing") as batch_op:
        batch_op.add_column(
            sa.Column(
                "default_visibility",
                sa.String(length=20),
                server_default="signed_in",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("library_publishing") as batch_op:
        batch_op.drop_column("default_visibility")
    op.drop_index("ix_library_viewer_group", table_name="library_viewer_groups")
    op.drop_table("library_viewer_groups")
    op.drop_index("ix_viewer_group_member_user", table_name="viewer_group_members")
    op.drop_table("viewer_group_members")
    op.drop_table("viewer_groups")
