"""Moderation's rules: the installation's switch, and the status a recording gets when
someone asks for it to be published.

As VIDIZMO's portal does it: with moderation on, a recording set to Published (by a
connection's publish status, or by its author) goes to the moderation queue first, as
"pending_review", and a Draft goes there when someone publishes it; Managers approve
(published) or reject (back to draft, with a reason its author sees). Managers and Admins
are the moderators, so what they publish is published at once. A recording already
published stays published when its sharing changes: it was approved. With moderation off,
Published means published.

The queue and the decisions are in archive.review_queue; this module is what the library,
the archive's arrival of new recordings and the queue share.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from zoombridge.db import Catalog
from zoombridge.db.library_models import LibrarySettings
from zoombridge.db.models import LibraryEntry

__all__ = [
    "DRAFT",
    "PENDING",
    "PUBLISHED",
    "STATUSES",
    "moderation_on",
    "next_status",
    "read_moderation",
    "set_moderation",
    "settle",
]

DRAFT, PENDING, PUBLISHED = "draft", "pending_review", "published"
STATUSES = (DRAFT, PENDING, PUBLISHED)
SETTINGS_ROW = 1


def moderation_on(session: Session) -> bool:
    """Whether publication waits for a Manager (off until an Admin switches it on)."""
    found = session.scalar(select(LibrarySettings.moderation).where(LibrarySettings.id == 1))
    return bool(found)


def read_moderation(catalog: Catalog) -> bool:
    with catalog.session() as session:
        return moderation_on(session)


def set_moderation(catalog: Catalog, on: bool, actor_id: int, now: datetime) -> bool:
    """Switch moderation on or off. Recordings already waiting stay in the queue when it is
    switched off: a Manager still decides them (nothing is published unseen)."""
    with catalog.session() as session, session.begin():
        row = session.get(LibrarySettings, SETTINGS_ROW)
        if row is None:
            row = LibrarySettings(id=SETTINGS_ROW, moderation=on, updated_at=now)
            session.add(row)
        row.moderation, row.updated_at, row.updated_by = on, now, actor_id
    return on


def next_status(current: str | None, wanted: str, *, moderated: bool, moderator: bool) -> str:
    """The status a recording gets when `wanted` (draft, or published; pending_review asks
    for publication too) is asked for it, now `current` (None: no entry yet)."""
    if wanted == DRAFT:
        return DRAFT
    if not moderated or moderator or current == PUBLISHED:
        return PUBLISHED
    return PENDING


def settle(entry: LibraryEntry, status: str, by: int | None, now: datetime) -> None:
    """Give `entry` its new status with the moderation fields that go with it: sent for
    review (a fresh submission, the old reason cleared), or published directly by a
    moderator from the queue (an approval)."""
    before = entry.status
    entry.status = status
    if status == PENDING and before != PENDING:
        entry.submitted_at, entry.review_note = now, None
    elif status == PUBLISHED and before == PENDING:
        entry.reviewed_at, entry.reviewed_by, entry.review_note = now, by, None
    elif status == PUBLISHED:  # a rejection's reason no longer applies
        entry.review_note = None
