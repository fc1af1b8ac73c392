"""Public links: a published recording shown to anyone who holds the link, until it expires
or is revoked. The token is random (256 bits) and only its SHA-256 is stored, so a copy of
the database opens nothing; unpublishing the recording closes every link to it at once."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from zoombridge.archive.library import (
    Reader,
    RecordingNotFound,
    RecordingSummary,
    make_ref,
    may_manage,
    visible_instance,
)
from zoombridge.db import Catalog
from zoombridge.db.models import LibraryEntry, PortalUser, PublicLink
from zoombridge.errors import InvalidInput

__all__ = [
    "MAX_LINK_DAYS",
    "LinkInfo",
    "create_public_link",
    "list_public_links",
    "open_public_link",
    "revoke_public_link",
]

MAX_LINK_DAYS = 365
TOKEN_PREFIX = "zbp_"  # noqa: S105 - a marker, not a secret


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class LinkInfo:
    id: int
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now

    def as_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "active": self.active(now),
        }


def _manageable(session: Any, reader: Reader, ref: str) -> RecordingSummary:
    summary = visible_instance(session, reader, ref)
    if not may_manage(session, reader, summary.connection_id, summary.uuid):
        raise RecordingNotFound(f"no recording {ref[:80]!r} you may share")
    return summary


def create_public_link(
    catalog: Catalog, reader: Reader, ref: str, days: int, now: datetime
) -> tuple[str, LinkInfo]:
    """A new link (its token, shown once) valid for `days`; only for a published recording,
    by its author or a Manager+."""
    if not 1 <= days <= MAX_LINK_DAYS:
        raise InvalidInput(f"a public link lasts 1 to {MAX_LINK_DAYS} days, not {days}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with catalog.session() as session, session.begin():
        summary = _manageable(session, reader, ref)
        if summary.status != "published":
            raise InvalidInput("publish the recording before sharing a public link to it")
        link = PublicLink(
            connection_id=summary.connection_id,
            meeting_uuid=summary.uuid,
            token_sha256=_digest(token),
            created_by=reader.user_id,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        session.add(link)
        session.flush()
        creator = session.get(PortalUser, reader.user_id)
        info = LinkInfo(link.id, creator.email if creator else "?", now, link.expires_at, None)
    return token, info


def list_public_links(catalog: Catalog, reader: Reader, ref: str) -> list[LinkInfo]:
    with catalog.session() as session:
        summary = _manageable(session, reader, ref)
        rows = session.execute(
            select(PublicLink, PortalUser.email)
            .join(PortalUser, PortalUser.id == PublicLink.created_by)
            .where(
                PublicLink.connection_id == summary.connection_id,
                PublicLink.meeting_uuid == summary.uuid,
            )
            .order_by(PublicLink.id.desc())
        ).all()
    return [
        LinkInfo(link.id, email, link.created_at, link.expires_at, link.revoked_at)
        for link, email in rows
    ]


def revoke_public_link(
    catalog: Catalog, reader: Reader, ref: str, link_id: int, now: datetime
) -> None:
    with catalog.session() as session, session.begin():
        summary = _manageable(session, reader, ref)
        link = session.get(PublicLink, link_id)
        if link is None or (link.connection_id, link.meeting_uuid) != (
            summary.connection_id,
            summary.uuid,
        ):
            raise InvalidInput(f"the recording has no public link {link_id}")
        if link.revoked_at is None:
            link.revoked_at = now


def open_public_link(catalog: Catalog, token: str, now: datetime) -> str | None:
    """The reference of the recording a token opens; None for an unknown, expired or
    revoked token, or a recording no longer published."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    with catalog.session() as session:
        row = session.execute(
            select(PublicLink.connection_id, PublicLink.meeting_uuid)
            .join(
                LibraryEntry,
                (LibraryEntry.connection_id == PublicLink.connection_id)
                & (LibraryEntry.meeting_uuid == PublicLink.meeting_uuid),
            )
            .where(
                PublicLink.token_sha256 == _digest(token),
                PublicLink.revoked_at.is_(None),
                PublicLink.expires_at > now,
                LibraryEntry.status == "published",
            )
        ).first()
    return make_ref(row[0], row[1]) if row else None
