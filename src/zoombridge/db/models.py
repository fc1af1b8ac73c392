"""The catalog: connections, their sync state, hosts with cursors, instances, files, and the
portal's users, sessions and API tokens.

One row per recorded instance (`meetings`, keyed by Zoom's instance UUID) and one per file
(`recording_files`, keyed by Zoom's file id or a stable derived id for CC/TIMELINE files,
which Zoom lists without one). A file's `state` is the archive's promise about it:

    pending      listed, not fetched yet          processing   Zoom is still producing it
    archived     stored, size and SHA-256 match   failed       the last attempt failed (why in
    gone         Zoom deleted it before we got it               `last_error`; retried later)

Everything is scoped by `connection_id`: one installation archives several Zoom accounts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Dialect,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import DateTime, TypeDecorator

__all__ = [
    "FULL_TEXT_OBJECTS",
    "MEETING_FILES",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Connection",
    "FileState",
    "Host",
    "LibraryEntry",
    "LibraryViewer",
    "MediaAsset",
    "Meeting",
    "PasswordLink",
    "PortalSession",
    "PortalUser",
    "PublicLink",
    "RatePacing",
    "RecordingFileRow",
    "SearchDocument",
    "SignInAttempts",
    "SyncState",
    "WebhookEvent",
    "modelled",
]


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, also on SQLite (which stores them without a zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the catalog; use zoombridge.clock")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


class FileState:
    PENDING = "pending"
    PROCESSING = "processing"
    ARCHIVED = "archived"
    FAILED = "failed"
    GONE = "gone"
    ALL = (PENDING, PROCESSING, ARCHIVED, FAILED, GONE)
    SETTLED = (ARCHIVED, GONE)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        datetime: UtcDateTime(),
    }


class Connection(Base):
    """One Zoom account the installation archives."""

    __tablename__ = "connections"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    account_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Client secret, webhook secret, refresh tokens: encrypted, never stored in the clear.
    credentials: Mapped[str | None] = mapped_column(Text)
    # Per-connection choices (plan, URLs, proxy, archive settings) over the installation's.
    settings_json: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime | None]


class SyncState(Base):
    """What VIDIZMO's sync status page shows, per connection."""

    __tablename__ = "sync_state"
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id"), primary_key=True)
    process: Mapped[str] = mapped_column(String(20), default="idle")
    error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    fetched_till: Mapped[datetime | None]
    auth_status: Mapped[str] = mapped_column(String(40), default="unknown")
    auth_detail: Mapped[str | None] = mapped_column(Text)
    unknown_users: Mapped[list[str]] = mapped_column(JSON, default=list)
    bytes_freed: Mapped[int] = mapped_column(BigInteger, default=0)


class Host(Base):
    """A Zoom user whose recordings are archived, with the discovery cursor."""

    __tablename__ = "hosts"
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    status: Mapped[str | None] = mapped_column(String(20))
    cursor: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    seen_at: Mapped[datetime]


class Meeting(Base):
    """One recorded instance (a meeting or webinar occurrence) with Zoom's metadata."""

    __tablename__ = "meetings"
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id"), primary_key=True)
    uuid: Mapped[str] = mapped_column(String(64), primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(BigInteger)
    host_id: Mapped[str | None] = mapped_column(String(64))
    host_email: Mapped[str | None] = mapped_column(String(320))
    topic: Mapped[str | None] = mapped_column(Text)
    type: Mapped[int | None] = mapped_column(Integer)
    start_time: Mapped[datetime | None]
    duration: Mapped[int | None] = mapped_column(Integer)
    total_size: Mapped[int | None] = mapped_column(BigInteger)
    recording_count: Mapped[int | None] = mapped_column(Integer)
    participants_count: Mapped[int | None] = mapped_column(Integer)
    folder: Mapped[str] = mapped_column(Text)
    metadata_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    sidecar_sha256: Mapped[str | None] = mapped_column(String(64))
    deleted_in_zoom_at: Mapped[datetime | None]
    trashed_by_us_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    # When probes, joins, thumbnails and the search index last covered every archived file;
    # an instance with a file archived since then is processed again.
    processed_at: Mapped[datetime | None]
    # What the search index holds for this instance (a digest of the files and timeline it
    # was built from): re-indexing skips instances whose digest has not changed.
    search_digest: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_meetings_start", "connection_id", "start_time"),
        # The library lists every connection's instances newest first, a page at a time.
        Index("ix_meetings_newest", "start_time", "uuid"),
    )


class RecordingFileRow(Base):
    """One file of one instance, and what the archive did with it."""

    __tablename__ = "recording_files"
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id"), primary_key=True)
    file_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    meeting_uuid: Mapped[str] = mapped_column(String(64))
    file_type: Mapped[str | None] = mapped_column(String(40))
    file_extension: Mapped[str | None] = mapped_column(String(20))
    recording_type: Mapped[str | None] = mapped_column(String(80))
    recording_start: Mapped[datetime | None]
    recording_end: Mapped[datetime | None]
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    zoom_status: Mapped[str | None] = mapped_column(String(20))
    download_url: Mapped[str | None] = mapped_column(Text)
    participant: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=FileState.PENDING)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    storage_key: Mapped[str] = mapped_column(Text)
    stored_size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    archived_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    # Audio and video only: what PyAV found (container, streams, duration), and why the file
    # is flagged when it does not decode or its duration disagrees with Zoom's times.
    media_json: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    media_problem: Mapped[str | None] = mapped_column(Text)
    probed_at: Mapped[datetime | None]

    __table_args__ = (
        # With the state: "has this instance an archived file" is answered from the index
        # (with only the two ids, SQLite preferred ix_files_state and read every archived
        # file of the connection for each instance).
        Index("ix_files_meeting_state", "connection_id", "meeting_uuid", "state"),
        Index("ix_files_state", "connection_id", "state"),
    )


# How a file row belongs to its instance (for joins).
MEETING_FILES = (RecordingFileRow.connection_id == Meeting.connection_id) & (
    RecordingFileRow.meeting_uuid == Meeting.uuid
)


class AuditEntry(Base):
    """Append-only: every deletion from Zoom, who asked, and the checksums that allowed it."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id"))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    meeting_uuid: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class WebhookEvent(Base):
    """The webhook inbox: each accepted event stored (once, by dedupe key) before Zoom gets
    its 2xx, then applied asynchronously."""

    __tablename__ = "webhook_inbox"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    connection_id: Mapped[int | None] = mapped_column(ForeignKey("connections.id"))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(100))
    event_ts: Mapped[int | None] = mapped_column(BigInteger)
    received_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default="new")
    applied_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)

    # Per connection: two connections on one Zoom account each get their copy of an event.
    __table_args__ = (
        Index("ix_inbox_state", "state", "id"),
        UniqueConstraint("connection_id", "dedupe_key", name="uq_inbox_connection_event"),
    )


class RatePacing(Base):
    """A rate budget shared by every worker on one database: the next free call slot per
    (account, category), reserved atomically."""

    __tablename__ = "rate_pacing"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float)


class SearchDocument(Base):
    """One searchable piece of an instance: a transcript or caption cue, a chat message, a
    summary section, or the instance's own metadata (topic, host, participants, date).

    `id` is chosen by zoombridge.archive.search_index, not a sequence: it orders documents
    by connection and start minute, so a date range is an id range the full-text engine
    can use. `scope` holds filter tokens for SQLite's index (host, private)."""

    __tablename__ = "search_documents"
    # INTEGER on SQLite, so that the id is the rowid the FTS5 index refers to.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    connection_id: Mapped[int] = mapped_column(Integer)
    meeting_uuid: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    file_id: Mapped[str | None] = mapped_column(String(100))
    speaker: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    start_s: Mapped[float | None] = mapped_column(Float)
    end_s: Mapped[float | None] = mapped_column(Float)
    joined_s: Mapped[float | None] = mapped_column(Float)  # on the joined recording
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    recipient: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        ForeignKeyConstraint(
            ["connection_id", "meeting_uuid"], ["meetings.connection_id", "meetings.uuid"]
        ),
        Index("ix_search_meeting", "connection_id", "meeting_uuid"),
    )


# The full-text index over search_documents is each engine's own machinery, made by
# migration 0003 and not expressible as models: SQLite's FTS5 virtual table with its shadow
# tables, PostgreSQL's generated tsvector column with its GIN index. Schema comparisons and
# autogenerate leave these names alone (they would otherwise propose dropping them).
FULL_TEXT_OBJECTS = frozenset(
    {
        "search_fts",
        "search_fts_data",
        "search_fts_idx",
        "search_fts_docsize",
        "search_fts_config",
        "search_fts_content",
        "search_vector",
        "ix_search_vector",
    }
)


def modelled(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's `include_name` hook: everything but the full-text machinery."""
    return name not in FULL_TEXT_OBJECTS


class MediaAsset(Base):
    """What zoombridge made from an instance's files and stored beside them: a joined
    recording (segments back to back), a thumbnail, or a transcript, caption or chat file
    moved onto a joined recording's timeline. The originals are never changed."""

    __tablename__ = "media_assets"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id"))
    meeting_uuid: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))  # "joined" | "thumbnail" | "shifted_text"
    recording_type: Mapped[str | None] = mapped_column(String(80))
    source_key: Mapped[str | None] = mapped_column(Text)  # a thumbnail's video
    storage_key: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    method: Mapped[str | None] = mapped_column(String(20))  # a join's "copy" | "reencode"
    duration_s: Mapped[float | None] = mapped_column(Float)
    # A join's parts in order: file id, where it starts in the joined asset, its duration.
    segments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_assets_meeting", "connection_id", "meeting_uuid"),
        UniqueConstraint("connection_id", "storage_key", name="uq_asset_key"),
    )


class LibraryEntry(Base):
    """How the portal's library shows one archived instance: its author, whether it is
    published, and who may see it. An instance without a row is a draft with no author,
    seen by Managers and Admins only."""

    __tablename__ = "library_entries"
    connection_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_uuid: Mapped[str] = mapped_column(String(64), primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("portal_users.id"))
    status: Mapped[str] = mapped_column(String(20))  # draft | pending_review | published
    visibility: Mapped[str] = mapped_column(String(20))  # author | chosen | signed_in
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("portal_users.id"))
    # Moderation (archive.moderation): when it was last sent for review, and the last
    # decision; a rejection's reason stays for the author until it is sent again.
    submitted_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[int | None] = mapped_column(
        ForeignKey("portal_users.id", name="fk_library_entries_reviewed_by")
    )
    review_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        ForeignKeyConstraint(
            ["connection_id", "meeting_uuid"], ["meetings.connection_id", "meetings.uuid"]
        ),
        Index("ix_library_author", "author_id"),
        # The moderation queue: what waits, oldest first.
        Index("ix_library_review", "status", "submitted_at"),
    )


class LibraryViewer(Base):
    """A portal user chosen to see one recording whose visibility is "chosen"."""

    __tablename__ = "library_viewers"
    connection_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_uuid: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_users.id"), primary_key=True)

    __table_args__ = (Index("ix_library_viewer_user", "user_id"),)


class PublicLink(Base):
    """A link that shows one published recording to anyone holding it, until it expires or
    is revoked. Only the SHA-256 of its token is stored."""

    __tablename__ = "public_links"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(Integer)
    meeting_uuid: Mapped[str] = mapped_column(String(64))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("portal_users.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_public_links_meeting", "connection_id", "meeting_uuid"),)


class PortalUser(Base):
    """A person who signs in to the portal. `role` is viewer | contributor | manager |
    admin; a user invited but not yet set up has no password hash."""

    __tablename__ = "portal_users"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # lower-cased
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(Text)  # argon2id
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime | None]
    last_sign_in_at: Mapped[datetime | None]


class PasswordLink(Base):
    """A one-time link to set a password: `purpose` invite | reset. Only the SHA-256 of its
    token is stored; a newer link of the same purpose revokes the older ones."""

    __tablename__ = "password_links"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class PortalSession(Base):
    """A signed-in browser. Only the SHA-256 of the cookie's token is stored, so a copy of
    the database signs nobody in; the CSRF token is per session."""

    __tablename__ = "portal_sessions"
    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class ApiToken(Base):
    """A machine client's bearer token, acting as its user; stored as a SHA-256 only."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class SignInAttempts(Base):
    """Sign-in attempts in the current window, per address, client, and address+client."""

    __tablename__ = "sign_in_attempts"
    key: Mapped[str] = mapped_column(String(400), primary_key=True)  # "email:..." | "ip:..."
    attempts: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[datetime]  # when the window began
