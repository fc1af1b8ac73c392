"""The library: which archived recordings a portal user may see, and how they are shared.

A recording is one archived instance (a meeting or webinar occurrence with at least one
archived file). Its library entry says who wrote it (the author), whether it is published,
and who may see it. Managers and Admins see everything; anyone else sees their own
recordings and the published ones whose visibility lets them in (all signed-in users, or
the users chosen for it). A recording someone may not see is "not found" to them, never
"forbidden": its existence is not told.

Recordings travel in URLs as a reference `<connection id>-<base64url of the UUID>`: Zoom's
UUIDs hold `/`, `+` and `=`, which paths mangle.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, TextClause, and_, delete, exists, func, or_, select, true
from sqlalchemy.orm import Session

from zoombridge.archive.moderation import (
    PENDING,
    STATUSES,
    moderation_on,
    next_status,
    settle,
)
from zoombridge.archive.search import SearchHit, search
from zoombridge.archive.viewer_groups import chosen_group_names, group_ids, portal_user_ids
from zoombridge.archive.visibility import visible_clause
from zoombridge.db import Catalog, FileState
from zoombridge.db.library_models import LibraryViewerGroup
from zoombridge.db.models import (
    MEETING_FILES,
    LibraryEntry,
    LibraryViewer,
    Meeting,
    PortalUser,
    RecordingFileRow,
)
from zoombridge.errors import InvalidInput, RecordingNotFound

__all__ = [
    "LIBRARY_PAGE",
    "STATUSES",
    "VISIBILITIES",
    "WEBINAR_TYPES",
    "LibraryFilter",
    "LibraryPage",
    "Reader",
    "RecordingNotFound",
    "RecordingSummary",
    "Sharing",
    "library_page",
    "make_ref",
    "may_manage",
    "parse_ref",
    "read_sharing",
    "readable_hits",
    "save_sharing",
    "visible_instance",
]

LIBRARY_PAGE = 50
VISIBILITIES = ("author", "chosen", "signed_in")
WEBINAR_TYPES = (5, 6, 9)  # Zoom's recording "type" of a webinar
MAX_CHOSEN = 500


@dataclass(frozen=True)
class Reader:
    """Who is looking: a portal user's id, and whether their role sees every recording; or,
    for a public link, nobody, allowed the one recording (connection id, UUID) in `only`."""

    user_id: int
    sees_all: bool
    only: tuple[int, str] | None = None


def make_ref(connection_id: int, uuid: str) -> str:
    encoded = base64.urlsafe_b64encode(uuid.encode()).decode().rstrip("=")
    return f"{connection_id}-{encoded}"


def parse_ref(ref: str) -> tuple[int, str]:
    """(connection id, UUID) of a reference; RecordingNotFound for anything malformed."""
    head, _, encoded = ref.partition("-")
    if not (head.isascii() and head.isdigit() and len(head) <= 9) or not encoded or len(ref) > 200:
        raise RecordingNotFound(f"no recording {ref[:80]!r}")
    try:
        uuid = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise RecordingNotFound(f"no recording {ref[:80]!r}") from None
    return int(head), uuid


def _archived() -> ColumnElement[bool]:
    return exists().where(MEETING_FILES, RecordingFileRow.state == FileState.ARCHIVED)


def _entry_join() -> ColumnElement[bool]:
    return and_(
        LibraryEntry.connection_id == Meeting.connection_id,
        LibraryEntry.meeting_uuid == Meeting.uuid,
    )


def _may_see(reader: Reader) -> ColumnElement[bool] | TextClause:
    """The SQL condition for "this reader may see the recording" on the `meetings` row:
    archive.visibility's rule, the one the search engines use too."""
    if reader.only is not None:
        return and_(Meeting.connection_id == reader.only[0], Meeting.uuid == reader.only[1])
    if reader.sees_all:
        return true()
    return visible_clause(reader.user_id)


@dataclass(frozen=True)
class LibraryFilter:
    """What the library list narrows to; empty fields mean "any"."""

    host: str = ""
    date_from: date | None = None
    date_to: date | None = None
    kind: str = ""  # "" | meeting | webinar
    status: str = ""  # "" | draft | pending_review | published
    connection_id: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("", "meeting", "webinar"):
            raise InvalidInput(f"type must be meeting or webinar, not {self.kind[:40]!r}")
        if self.status and self.status not in STATUSES:
            choices = ", ".join(STATUSES)
            raise InvalidInput(f"status must be one of {choices}, not {self.status[:40]!r}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidInput("the from date is after the to date")

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.host.strip():
            found.append(func.lower(Meeting.host_email) == self.host.strip().lower())
        if self.date_from:
            found.append(Meeting.start_time >= _midnight(self.date_from))
        if self.date_to:
            found.append(Meeting.start_time < _midnight(self.date_to + timedelta(days=1)))
        if self.kind:
            webinar = Meeting.type.in_(WEBINAR_TYPES)
            found.append(webinar if self.kind == "webinar" else ~webinar)
        if self.status in ("published", PENDING):
            found.append(LibraryEntry.status == self.status)
        elif self.status == "draft":
            found.append(or_(LibraryEntry.status.is_(None), LibraryEntry.status == "draft"))
        if self.connection_id is not None:
            found.append(Meeting.connection_id == self.connection_id)
        return found


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


@dataclass(frozen=True)
class RecordingSummary:
    ref: str
    connection_id: int
    uuid: str
    topic: str | None
    host_email: str | None
    start_time: datetime | None
    duration_min: int | None
    webinar: bool
    status: str
    visibility: str
    author: str | None

    def as_dict(self) -> dict[str, Any]:
        fields = {**self.__dict__}
        fields["start_time"] = self.start_time.isoformat() if self.start_time else None
        return fields


@dataclass(frozen=True)
class LibraryPage:
    items: list[RecordingSummary]
    page: int
    more: bool  # whether a next page exists


def library_page(
    catalog: Catalog, reader: Reader, wanted: LibraryFilter, page: int = 1
) -> LibraryPage:
    """One page of the recordings `reader` may see, newest first."""
    if not 1 <= page <= 10_000:
        raise InvalidInput("page must be between 1 and 10000")
    query = (
        select(Meeting, LibraryEntry, PortalUser.email)
        .outerjoin(LibraryEntry, _entry_join())
        .outerjoin(PortalUser, PortalUser.id == LibraryEntry.author_id)
        .where(_archived(), _may_see(reader), *wanted.conditions())
        .order_by(Meeting.start_time.desc(), Meeting.uuid)
        .offset((page - 1) * LIBRARY_PAGE)
        .limit(LIBRARY_PAGE + 1)
    )
    with catalog.session() as session:
        rows = session.execute(query).all()
    items = [_summary(meeting, entry, author) for meeting, entry, author in rows]
    return LibraryPage(items[:LIBRARY_PAGE], page, len(items) > LIBRARY_PAGE)


def _summary(meeting: Meeting, entry: LibraryEntry | None, author: str | None) -> RecordingSummary:
    return RecordingSummary(
        ref=make_ref(meeting.connection_id, meeting.uuid),
        connection_id=meeting.connection_id,
        uuid=meeting.uuid,
        topic=meeting.topic,
        host_email=meeting.host_email,
        start_time=meeting.start_time,
        duration_min=meeting.duration,
        webinar=meeting.type in WEBINAR_TYPES,
        status=entry.status if entry else "draft",
        visibility=entry.visibility if entry else "signed_in",
        author=author,
    )


def visible_instance(session: Session, reader: Reader, ref: str) -> RecordingSummary:
    """The recording behind `ref` if `reader` may see it; RecordingNotFound otherwise."""
    connection_id, uuid = parse_ref(ref)
    row = session.execute(
        select(Meeting, LibraryEntry, PortalUser.email)
        .outerjoin(LibraryEntry, _entry_join())
        .outerjoin(PortalUser, PortalUser.id == LibraryEntry.author_id)
        .where(
            Meeting.connection_id == connection_id,
            Meeting.uuid == uuid,
            _archived(),
            _may_see(reader),
        )
    ).first()
    if row is None:
        raise RecordingNotFound(f"no recording {ref[:80]!r}")
    return _summary(*row)


def may_manage(session: Session, reader: Reader, connection_id: int, uuid: str) -> bool:
    """Whether `reader` may change the recording's sharing: its author, or a Manager+."""
    if reader.only is not None:
        return False
    if reader.sees_all:
        return True
    author = session.scalar(
        select(LibraryEntry.author_id).where(
            LibraryEntry.connection_id == connection_id, LibraryEntry.meeting_uuid == uuid
        )
    )
    return author is not None and author == reader.user_id


@dataclass(frozen=True)
class Sharing:
    """A recording's sharing settings; `viewers` are e-mail addresses of portal users and
    `groups` names of viewer groups (archive.viewer_groups), both read when visibility is
    "chosen". Asking for "published" (or "pending_review") may give "pending_review": see
    archive.moderation."""

    status: str
    visibility: str
    viewers: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            choices = ", ".join(STATUSES)
            raise InvalidInput(f"status must be one of {choices}, not {self.status[:40]!r}")
        if self.visibility not in VISIBILITIES:
            choices = ", ".join(VISIBILITIES)
            raise InvalidInput(f"visibility must be one of {choices}, not {self.visibility[:40]!r}")
        if len(self.viewers) > MAX_CHOSEN:
            raise InvalidInput(f"at most {MAX_CHOSEN} chosen viewers per recording")
        if len(self.groups) > MAX_CHOSEN:
            raise InvalidInput(f"at most {MAX_CHOSEN} chosen groups per recording")

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "visibility": self.visibility,
            "viewers": list(self.viewers),
            "groups": list(self.groups),
        }


def read_sharing(catalog: Catalog, reader: Reader, ref: str) -> Sharing:
    with catalog.session() as session:
        summary = visible_instance(session, reader, ref)
        viewers = session.scalars(
            select(PortalUser.email)
            .join(LibraryViewer, LibraryViewer.user_id == PortalUser.id)
            .where(
                LibraryViewer.connection_id == summary.connection_id,
                LibraryViewer.meeting_uuid == summary.uuid,
            )
            .order_by(PortalUser.email)
        ).all()
        groups = chosen_group_names(session, summary.connection_id, summary.uuid)
    return Sharing(summary.status, summary.visibility, tuple(viewers), tuple(groups))


def save_sharing(
    catalog: Catalog, reader: Reader, ref: str, wanted: Sharing, now: datetime
) -> None:
    """Set who may see the recording. Only its author or a Manager+ may; chosen viewers
    must be portal users and chosen groups must exist (an unknown one is named, and nothing
    is saved). With moderation on, an author's "published" sends it to the moderation
    queue."""
    with catalog.session() as session, session.begin():
        summary = visible_instance(session, reader, ref)
        key = (summary.connection_id, summary.uuid)
        if not may_manage(session, reader, *key):
            raise RecordingNotFound(f"no recording {ref[:80]!r} you may share")
        user_ids = _user_ids(session, wanted.viewers)
        chosen_groups = group_ids(session, wanted.groups)
        moderated = moderation_on(session)  # asked before a new entry joins the session
        entry = session.get(LibraryEntry, key)
        if entry is None:
            entry = LibraryEntry(connection_id=key[0], meeting_uuid=key[1], author_id=None)
            session.add(entry)
        status = next_status(
            entry.status, wanted.status, moderated=moderated, moderator=reader.sees_all
        )
        settle(entry, status, reader.user_id, now)
        entry.visibility = wanted.visibility
        entry.updated_at, entry.updated_by = now, reader.user_id
        _replace_chosen(session, key, user_ids, chosen_groups)


def _replace_chosen(
    session: Session, key: tuple[int, str], user_ids: list[int], groups: list[int]
) -> None:
    """The recording's chosen users and groups become exactly these."""
    for table in (LibraryViewer, LibraryViewerGroup):
        session.execute(
            delete(table).where(table.connection_id == key[0], table.meeting_uuid == key[1])
        )
    session.add_all(
        LibraryViewer(connection_id=key[0], meeting_uuid=key[1], user_id=user_id)
        for user_id in user_ids
    )
    session.add_all(
        LibraryViewerGroup(connection_id=key[0], meeting_uuid=key[1], group_id=group_id)
        for group_id in groups
    )


def _user_ids(session: Session, emails: tuple[str, ...]) -> list[int]:
    wanted = sorted({email.strip().lower() for email in emails if email.strip()})
    if not wanted:
        return []
    found = portal_user_ids(session, wanted)
    return [found[email] for email in wanted]


def readable_hits(
    catalog: Catalog, reader: Reader, query: str, *, limit: int, offset: int = 0, **filters: Any
) -> list[SearchHit]:
    """Search hits in recordings `reader` may see: for readers who do not see everything,
    the engines look only at documents of their recordings (the library's rule)."""
    reader_id = None if reader.sees_all else reader.user_id
    return search(catalog, query, limit=limit, offset=offset, reader_id=reader_id, **filters)
