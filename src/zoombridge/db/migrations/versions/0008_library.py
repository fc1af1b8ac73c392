"""the portal's library: each recording's author, publish status and visibility, the users
chosen to see it, and its public links; indexes for listing it newest first

ix_files_meeting gains the state (as ix_files_meeting_state): the library asks of each
instance whether it has an archived file, and with only the two ids in the index SQLite
answered it from ix_files_state, reading every archived file of the connection each time.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zoombridge.db.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

When = zoombridge.db.models.UtcDateTime


def upgrade() -> None:
    with op.batch_alter_table("recording_files") as batch_op:
        batch_op.drop_index("ix_files_meeting")
        batch_op.create_index(
            "ix_files_meeting_state", ["connection_id", "meeting_uuid", "state"], unique=False
        )
    with op.batch_alter_table("meetings") as batch_op:
        batch_op.create_index("ix_meetings_newest", ["start_time", "uuid"], unique=False)
    op.create_table(
        "library_entries",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("meeting_uuid", sa.String(length=64), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("updated_at", When(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["portal_users.id"]),
        sa.ForeignKeyConstraint(
            ["connection_id", "meeting_uuid"], ["meetings.connection_id", "meetings.uuid"]
        ),
        sa.ForeignKeyConstraint(["updated_by"], ["portal_users.id"]),
        sa.PrimaryKeyConstraint("connection_id", "meeting_uuid"),
    )
    op.create_index("ix_library_author", "library_entries", ["author_id"])
    op.create_table(
        "library_viewers",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("meeting_uuid", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["portal_users.id"]),
        sa.PrimaryKeyConstraint("connection_id", "meeting_uuid", "user_id"),
    )
    op.create_index("ix_library_viewer_user", "library_viewers", ["user_id"])
    op.create_table(
        "public_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("meeting_uuid", sa.String(length=64), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", When(timezone=True), nullable=False),
        sa.Column("expires_at", When(timezone=True), nullable=False),
        sa.Column("revoked_at", When(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["portal_users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_index("ix_public_links_meeting", "public_links", ["connection_id", "meeting_uuid"])


def downgrade() -> None:
    op.drop_index("ix_public_links_meeting", table_name="public_links")
    op.drop_table("public_links")
    op.drop_index("ix_library_viewer_user", table_name="library_viewers")
    op.drop_table("library_viewers")
    op.drop_index("ix_library_author", table_name="library_entries")
    op.drop_table("library_entries")
    with op.batch_alter_table("meetings") as batch_op:
        batch_op.drop_index("ix_meetings_newest")
    with op.batch_alter_table("recording_files") as batch_op:
        batch_op.drop_index("ix_files_meeting_state")
        batch_op.create_index("ix_files_meeting", ["connection_id", "meeting_uuid"], unique=False)
