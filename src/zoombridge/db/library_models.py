"""The library's settings: how each connection publishes what it archives (VIDIZMO's
"publish as" and "publish status"), and whether the installation moderates publication.

Typed rows rather than keys in a connection's `settings_json`: that JSON is rewritten by
compare-and-swap with the connection's credentials, and the library's choices are the
portal's, not Zoom's (the `default` connection, configured by ZOOMBRIDGE_* variables, has
them too).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from zoombridge.db.models import Base

__all__ = [
    "LibraryPublishing",
    "LibrarySettings",
    "LibraryViewerGroup",
    "ViewerGroup",
    "ViewerGroupMember",
]


class LibraryPublishing(Base):
    """How one connection's newly archived recordings enter the library. A connection
    without a row adds nothing: its recordings stay drafts without an author, seen by
    Managers only, as before publishing was configured."""

    __tablename__ = "library_publishing"
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id"), primary_key=True)
    publish_as: Mapped[str] = mapped_column(String(20))  # me | zoom_user
    publish_status: Mapped[str] = mapped_column(String(20))  # draft | published
    # "Me": the admin who last saved these settings, author of what is archived from then on.
    publisher_id: Mapped[int | None] = mapped_column(ForeignKey("portal_users.id"))
    updated_at: Mapped[datetime]
    # Who sees a new entry once published: "signed_in" (everyone signed in, as before this
    # was a setting) or "author" (its author and Managers, until someone shares it).
    default_visibility: Mapped[str] = mapped_column(String(20), server_default="signed_in")


class LibrarySettings(Base):
    """The installation's library settings: one row (id 1), absent until first saved."""

    __tablename__ = "library_settings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    moderation: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("portal_users.id"))


class ViewerGroup(Base):
    """A named set of portal users, kept by Admins, that a recording's "chosen" visibility
    can name at once: a new member sees what was shared with the group, a removed one no
    longer does (membership is read at every access, never copied to the recordings)."""

    __tablename__ = "viewer_groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("portal_users.id"))


class ViewerGroupMember(Base):
    __tablename__ = "viewer_group_members"
    group_id: Mapped[int] = mapped_column(ForeignKey("viewer_groups.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_users.id"), primary_key=True)
    added_at: Mapped[datetime]

    # The visibility rule asks "is this reader in a group chosen for it?" by user.
    __table_args__ = (Index("ix_viewer_group_member_user", "user_id"),)


class LibraryViewerGroup(Base):
    """A group chosen to see one recording whose visibility is "chosen"."""

    __tablename__ = "library_viewer_groups"
    connection_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_uuid: Mapped[str] = mapped_column(String(64), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("viewer_groups.id"), primary_key=True)

    # Deleting a group removes its grants: they are found by group.
    __table_args__ = (Index("ix_library_viewer_group", "group_id"),)
