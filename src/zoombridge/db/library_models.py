"""The library's settings: how each connection publishes what it archives (VIDIZMO's
"publish as" and "publish status"), and whether the installation moderates publication.

Typed rows rather than keys in a connection's `settings_json`: that JSON is rewritten by
compare-and-swap with the connection's credentials, and the library's choices are the
portal's, not Zoom's (the `default` connection, configured by ZOOMBRIDGE_* variables, has
them too).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from zoombridge.db.models import Base

__all__ = ["LibraryPublishing", "LibrarySettings"]


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


class LibrarySettings(Base):
    """The installation's library settings: one row (id 1), absent until first saved."""

    __tablename__ = "library_settings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    moderation: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("portal_users.id"))
