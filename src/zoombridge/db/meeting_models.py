"""The meetings part's tables: the host pool, the meetings zoombridge scheduled, every host's
busy time, the links from other applications' objects, and the per-host write budget.

`host_bookings` is what conflict checks read: one row per occurrence of a meeting that keeps
a host busy, whether zoombridge created it (`scheduled_meeting_id` set) or found it in the
host's real Zoom schedule (`source` "zoom"). A booking is written in the same transaction
that checked the host was free, before Zoom is called ("reserved"), so two requests can never
both see the same free slot.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from zoombridge.db.models import Base

__all__ = [
    "HostBooking",
    "HostPool",
    "HostPoolMember",
    "HostWriteCount",
    "MeetingLink",
    "MeetingPendingChange",
    "PoolHost",
    "ScheduledMeeting",
]


class PoolHost(Base):
    """A Zoom user who may host meetings zoombridge schedules, as last synced from Zoom."""

    __tablename__ = "pool_hosts"
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    user_type: Mapped[int] = mapped_column(Integer)  # 1 Basic, 2 Licensed, 99 None
    webinar: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20))  # active | inactive | pending | gone
    timezone: Mapped[str | None] = mapped_column(String(64))
    synced_at: Mapped[datetime]
    # When the host's real Zoom schedule was last read into host_bookings.
    calendar_read_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_pool_hosts_email", "connection_id", "email"),)


class HostPool(Base):
    """A named set of hosts ("any free host from pool P")."""

    __tablename__ = "host_pools"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id"))
    name: Mapped[str] = mapped_column(String(100))

    __table_args__ = (UniqueConstraint("connection_id", "name", name="uq_host_pools_name"),)


class HostPoolMember(Base):
    __tablename__ = "host_pool_members"
    pool_id: Mapped[int] = mapped_column(ForeignKey("host_pools.id"), primary_key=True)
    connection_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)

    __table_args__ = (
        ForeignKeyConstraint(
            ["connection_id", "user_id"], ["pool_hosts.connection_id", "pool_hosts.user_id"]
        ),
    )


class ScheduledMeeting(Base):
    """A meeting or webinar zoombridge created in Zoom, with the local copy of its fields.

    state: reserved (host booked, Zoom not called yet) | active | missing (not found in Zoom
    by a reconcile or a deletion webhook we did not cause) | cancelled (deleted by us) |
    failed (Zoom refused the create; the reservation is released)."""

    __tablename__ = "scheduled_meetings"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id"))
    zoom_id: Mapped[int | None] = mapped_column(BigInteger)
    uuid: Mapped[str | None] = mapped_column(String(64))
    webinar: Mapped[bool] = mapped_column(Boolean, default=False)
    type: Mapped[int] = mapped_column(Integer)
    host_user_id: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(Text)
    agenda: Mapped[str | None] = mapped_column(Text)
    timezone: Mapped[str | None] = mapped_column(String(64))
    start_time: Mapped[datetime | None]
    duration: Mapped[int | None] = mapped_column(Integer)
    recurrence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    settings_json: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    join_url_sealed: Mapped[str | None] = mapped_column(Text)  # carries the passcode: sealed
    passcode_sealed: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))
    last_error: Mapped[str | None] = mapped_column(Text)
    # A digest of the fields of our last write: its webhook echo is recognised and skipped.
    echo_digest: Mapped[str | None] = mapped_column(String(64))
    zoom_read_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_scheduled_zoom_id", "connection_id", "zoom_id"),
        Index("ix_scheduled_host", "connection_id", "host_user_id", "state"),
    )


class HostBooking(Base):
    """One stretch of time a host is busy: an occurrence of a meeting or webinar."""

    __tablename__ = "host_bookings"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(Integer)
    host_user_id: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    webinar: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(10))  # ours | zoom
    scheduled_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("scheduled_meetings.id"))
    zoom_id: Mapped[int | None] = mapped_column(BigInteger)
    topic: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_bookings_host_time", "connection_id", "host_user_id", "starts_at"),
        Index("ix_bookings_meeting", "scheduled_meeting_id"),
    )


class MeetingLink(Base):
    """An external object (an event, a session, a course section) that uses a meeting, and
    who may see the join link and passcode through it."""

    __tablename__ = "meeting_links"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("scheduled_meetings.id"))
    app: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str] = mapped_column(String(200))
    visibility: Mapped[str] = mapped_column(String(20))  # everyone|signed_in|registered|no_one
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("meeting_id", "app", "external_id", name="uq_meeting_links_object"),
        Index("ix_meeting_links_object", "app", "external_id"),
    )


class HostWriteCount(Base):
    """Create/update calls counted per host per UTC day (Zoom allows 100)."""

    __tablename__ = "host_write_counts"
    connection_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host_user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD, UTC
    count: Mapped[int] = mapped_column(Integer, default=0)


class MeetingPendingChange(Base):
    """A non-urgent update queued because its host reached the daily write limit."""

    __tablename__ = "meeting_pending_changes"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("scheduled_meetings.id"))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    queued_at: Mapped[datetime]
    not_before: Mapped[datetime]
    applied_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_pending_changes_due", "applied_at", "not_before"),)
