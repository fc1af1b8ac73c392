"""the meetings part: host pool and pools, scheduled meetings, every host's bookings (the
busy time conflict checks read), links from other applications, per-host daily write counts
and updates queued until a host's writes are allowed again

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 23:06:39.901352
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zoombridge.db.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "host_write_counts",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("host_user_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("connection_id", "host_user_id", "day"),
    )
    op.create_table(
        "host_pools",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("connection_id", "name", name="uq_host_pools_name"),
    )
    op.create_table(
        "pool_hosts",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("user_type", sa.Integer(), nullable=False),
        sa.Column("webinar", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("synced_at", zoombridge.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "calendar_read_at", zoombridge.db.models.UtcDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
        ),
        sa.PrimaryKeyConstraint("connection_id", "user_id"),
    )
    with op.batch_alter_table("pool_hosts", schema=None) as batch_op:
        batch_op.create_index("ix_pool_hosts_email", ["connection_id", "email"], unique=False)

    op.create_table(
        "scheduled_meetings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("zoom_id", sa.BigInteger(), nullable=True),
        sa.Column("uuid", sa.String(length=64), nullable=True),
        sa.Column("webinar", sa.Boolean(), nullable=False),
        sa.Column("type", sa.Integer(), nullable=False),
        sa.Column("host_user_id", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("start_time", zoombridge.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("duration", sa.Integer(), nullable=True),
        sa.Column("recurrence", sa.JSON(), nullable=True),
        sa.Column("settings_json", sa.JSON(), nullable=False),
        sa.Column("join_url_sealed", sa.Text(), nullable=True),
        sa.Column("passcode_sealed", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("echo_digest", sa.String(length=64), nullable=True),
        sa.Column("zoom_read_at", zoombridge.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", zoombridge.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", zoombridge.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("scheduled_meetings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scheduled_host", ["connection_id", "host_user_id", "state"], unique=False
        )
        batch_op.create_index("ix_scheduled_zoom_id", ["connection_id", "zoom_id"], unique=False)

    op.create_table(
        "host_bookings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("host_user_id", sa.String(length=64), nullable=False),
        sa.Column("starts_at", zoombridge.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", zoombridge.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("webinar", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("scheduled_meeting_id", sa.Integer(), nullable=True),
        sa.Column("zoom_id", sa.BigInteger(), nullable=True),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scheduled_meeting_id"],
            ["scheduled_meetings.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("host_bookings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bookings_host_time", ["connection_id", "host_user_id", "starts_at"], unique=False
        )
        batch_op.create_index("ix_bookings_meeting", ["scheduled_meeting_id"], unique=False)

    op.create_table(
        "host_pool_members",
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id", "user_id"],
            ["pool_hosts.connection_id", "pool_hosts.user_id"],
        ),
        sa.ForeignKeyConstraint(
            ["pool_id"],
            ["host_pools.id"],
        ),
        sa.PrimaryKeyConstraint("pool_id", "user_id"),
    )
    op.create_table(
        "meeting_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("app", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("created_at", zoombridge.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["scheduled_meetings.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "app", "external_id", name="uq_meeting_links_object"),
    )
    with op.batch_alter_table("meeting_links", schema=None) as batch_op:
        batch_op.create_index("ix_meeting_links_object", ["app", "external_id"], unique=False)

    op.create_table(
        "meeting_pending_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("queued_at", zoombridge.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("not_before", zoombridge.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("applied_at", zoombridge.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["scheduled_meetings.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("meeting_pending_changes", schema=None) as batch_op:
        batch_op.create_index("ix_pending_changes_due", ["applied_at", "not_before"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("meeting_pending_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_pending_changes_due")

    op.drop_table("meeting_pending_changes")
    with op.batch_alter_table("meeting_links", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_links_object")

    op.drop_table("meeting_links")
    op.drop_table("host_pool_members")
    with op.batch_alter_table("host_bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_meeting")
        batch_op.drop_index("ix_bookings_host_time")

    op.drop_table("host_bookings")
    with op.batch_alter_table("scheduled_meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_zoom_id")
        batch_op.drop_index("ix_scheduled_host")

    op.drop_table("scheduled_meetings")
    with op.batch_alter_table("pool_hosts", schema=None) as batch_op:
        batch_op.drop_index("ix_pool_hosts_email")

    op.drop_table("pool_hosts")
    op.drop_table("host_pools")
    op.drop_table("host_write_counts")
