"""Writing the search index: an instance's documents replace whatever was indexed for it.

Each instance gets one `meeting` document made from its catalog row (topic, host email,
participants, date), so a topic search finds it, plus the documents its files yield
(transcript and caption cues, chat messages, summary sections).

Document ids are not a sequence. An id is `connection | start minute | n` in bits
(14 | 29 | 20), so one connection's documents in a date range are one id range; the
full-text engines can restrict a search to a range and walk it newest first, which is how
the search stays fast on millions of documents (see zoombridge.archive.search).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, text

from zoombridge.archive.transcripts import ChatMessage, Cue, SummarySection, joined_offset
from zoombridge.db import Catalog
from zoombridge.db.models import Meeting, SearchDocument
from zoombridge.errors import InvalidInput

__all__ = [
    "KINDS",
    "PRIVATE_TOKEN",
    "Document",
    "MeetingDocuments",
    "chat_documents",
    "host_token",
    "id_range",
    "index_meeting",
    "index_meetings",
    "indexed_meetings",
    "minute_of",
    "remove_meeting",
    "summary_documents",
    "transcript_documents",
]

KINDS = ("transcript", "caption", "chat", "summary")  # and "meeting", made here
SEQ_BITS, MINUTE_BITS, CONNECTION_BITS = 20, 29, 14
MAX_MINUTE = (1 << MINUTE_BITS) - 1
PRIVATE_TOKEN = "zbpriv"  # noqa: S105 - a filter token, not a secret
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
ALLOCATION_LOCK = 0x7A62_0003  # PostgreSQL advisory lock namespace for id slots

# On SQLite search_fts is an external-content FTS5 table over search_documents, kept in step
# here, one statement per instance (row-by-row triggers halve the build rate). A row leaves
# FTS5 with the very values it was indexed with, so it is told before the row is deleted.
_FTS_ADD = text(
    "INSERT INTO search_fts(rowid, scope, speaker, body)"
    " SELECT id, scope, speaker, body FROM search_documents WHERE id BETWEEN :low AND :high"
)
_FTS_REMOVE = text(
    "INSERT INTO search_fts(search_fts, rowid, scope, speaker, body)"
    " SELECT 'delete', id, scope, speaker, body FROM search_documents"
    " WHERE connection_id = :connection AND meeting_uuid = :meeting"
)


@dataclass(frozen=True)
class Document:
    """One piece of an instance to index. Times are seconds: `start`/`end` in the file's
    own timeline, `joined` on the joined recording when there is one."""

    kind: str
    text: str
    speaker: str | None = None
    start: float | None = None
    end: float | None = None
    joined: float | None = None
    file_id: str | None = None
    private: bool = False
    recipient: str | None = None


@dataclass(frozen=True)
class MeetingDocuments:
    connection_id: int
    meeting_uuid: str
    documents: Sequence[Document]
    participants: Sequence[str] = ()


def transcript_documents(
    cues: Sequence[Cue],
    *,
    kind: str = "transcript",
    file_id: str | None = None,
    file_start: float = 0.0,
    segments: Sequence[tuple[float, float]] | None = None,
) -> list[Document]:
    """Documents for a transcript's (or, with kind="caption", a caption file's) cues.

    `file_start` is the file's recording_start in seconds after the instance's first one;
    with `segments` (see joined_offset) each cue also gets its joined-recording offset."""
    return [
        Document(
            kind,
            cue.text,
            speaker=cue.speaker,
            start=cue.start,
            end=cue.end,
            joined=_joined(segments, file_start + cue.start),
            file_id=file_id,
        )
        for cue in cues
    ]


def chat_documents(
    messages: Sequence[ChatMessage],
    *,
    file_id: str | None = None,
    file_start: float = 0.0,
    segments: Sequence[tuple[float, float]] | None = None,
) -> list[Document]:
    return [
        Document(
            "chat",
            message.text,
            speaker=message.sender,
            start=message.offset,
            joined=_joined(segments, file_start + message.offset),
            file_id=file_id,
            private=message.private,
            recipient=message.recipient,
        )
        for message in messages
    ]


def summary_documents(
    sections: Sequence[SummarySection], *, file_id: str | None = None
) -> list[Document]:
    return [Document("summary", f"{s.label}: {s.text}", file_id=file_id) for s in sections]


def _joined(segments: Sequence[tuple[float, float]] | None, seconds: float) -> float | None:
    return None if segments is None else joined_offset(segments, seconds)


def minute_of(when: datetime | None) -> int:
    if when is None:
        return 0
    return min(MAX_MINUTE, max(0, math.floor(when.timestamp() / 60)))


def id_range(
    connection_id: int, first_minute: int = 0, last_minute: int = MAX_MINUTE
) -> tuple[int, int]:
    """The ids one connection's documents of instances started in these minutes can have."""
    if not 0 <= connection_id < 1 << CONNECTION_BITS:
        raise InvalidInput(f"connection id {connection_id} is beyond what the search index holds")
    slot = connection_id << MINUTE_BITS
    return (slot | first_minute) << SEQ_BITS, (((slot | last_minute) + 1) << SEQ_BITS) - 1


def host_token(email: str) -> str:
    """The filter token for a host: digits only, which no stemmer changes."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return f"zbh{int(digest[:15], 16)}"


def index_meeting(
    catalog: Catalog,
    connection_id: int,
    meeting_uuid: str,
    documents: Sequence[Document],
    *,
    participants: Sequence[str] = (),
) -> int:
    """Replace what is indexed for one instance (in one transaction); the rows written."""
    item = MeetingDocuments(connection_id, meeting_uuid, documents, participants)
    return index_meetings(catalog, [item])


def index_meetings(catalog: Catalog, batch: Iterable[MeetingDocuments]) -> int:
    """Replace what is indexed for each instance, all in one transaction; the rows written.
    An instance missing from the catalog or a malformed document changes nothing."""
    items = [(item, _rows(item.documents)) for item in batch]
    written = 0
    with catalog.engine.begin() as connection:
        for item, rows in items:
            meeting = connection.execute(
                select(Meeting.topic, Meeting.host_email, Meeting.start_time).where(
                    Meeting.connection_id == item.connection_id,
                    Meeting.uuid == item.meeting_uuid,
                )
            ).one_or_none()
            if meeting is None:
                raise InvalidInput(
                    f"instance {item.meeting_uuid!r} of connection {item.connection_id} is not "
                    "in the catalog; record it before indexing it"
                )
            written += _replace(connection, item, rows, *meeting)
    return written


def _replace(
    connection: Connection,
    item: MeetingDocuments,
    rows: list[dict[str, Any]],
    topic: str | None,
    host: str | None,
    start: datetime | None,
) -> int:
    _remove(connection, item.connection_id, item.meeting_uuid)
    summary = _meeting_row(item, rows, topic, host, start)
    rows = ([summary] if summary else []) + rows
    scope = host_token(host) if host else ""
    ids = _allocate(connection, item.connection_id, start, len(rows))
    for row, row_id in zip(rows, ids, strict=True):
        tokens = [scope, PRIVATE_TOKEN if row["private"] else ""]
        row.update(
            id=row_id,
            connection_id=item.connection_id,
            meeting_uuid=item.meeting_uuid,
            scope=" ".join(t for t in tokens if t),
        )
    if rows:
        connection.execute(insert(SearchDocument), rows)
        if connection.dialect.name == "sqlite":
            connection.execute(_FTS_ADD, {"low": ids.start, "high": ids.stop - 1})
    return len(rows)


def _rows(documents: Sequence[Document]) -> list[dict[str, Any]]:
    rows = []
    for doc in documents:
        if doc.kind not in KINDS:
            raise InvalidInput(f"unknown search document kind {doc.kind!r}; use one of {KINDS}")
        body = _clean(doc.text)
        if body:
            rows.append(
                {
                    "kind": doc.kind,
                    "file_id": doc.file_id,
                    "speaker": _clean(doc.speaker or "") or None,
                    "body": body,
                    "start_s": _seconds(doc.start),
                    "end_s": _seconds(doc.end),
                    "joined_s": _seconds(doc.joined),
                    "private": bool(doc.private),
                    "recipient": _clean(doc.recipient or "") or None,
                }
            )
    return rows


def _meeting_row(
    item: MeetingDocuments,
    rows: list[dict[str, Any]],
    topic: str | None,
    host: str | None,
    start: datetime | None,
) -> dict[str, Any] | None:
    people = {_clean(p) for p in [*item.participants, *(r["speaker"] or "" for r in rows)]}
    names = sorted(people - {""}, key=str.casefold)
    lines = [topic or "", host or "", ", ".join(names), start.date().isoformat() if start else ""]
    body = "\n".join(_clean(line) for line in lines if _clean(line))
    if not body:
        return None
    return {
        "kind": "meeting",
        "file_id": None,
        "speaker": None,
        "body": body,
        "start_s": None,
        "end_s": None,
        "joined_s": None,
        "private": False,
        "recipient": None,
    }


def _allocate(
    connection: Connection, connection_id: int, start: datetime | None, count: int
) -> range:
    minute = minute_of(start)
    low, high = id_range(connection_id, minute, minute)
    if connection.dialect.name == "postgresql":
        # Two workers indexing instances that started in the same minute take turns.
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:space, :slot)"),
            {"space": ALLOCATION_LOCK, "slot": (low >> SEQ_BITS) % (1 << 31)},
        )
    top = connection.scalar(
        select(func.max(SearchDocument.id)).where(SearchDocument.id.between(low, high))
    )
    first = low if top is None else top + 1
    if first + count - 1 > high:
        raise InvalidInput(
            f"more than {1 << SEQ_BITS} search documents for instances of connection "
            f"{connection_id} that started in the same minute"
        )
    return range(first, first + count)


def remove_meeting(catalog: Catalog, connection_id: int, meeting_uuid: str) -> int:
    """Take an instance out of the index; the rows removed."""
    with catalog.engine.begin() as connection:
        return _remove(connection, connection_id, meeting_uuid)


def _remove(connection: Connection, connection_id: int, meeting_uuid: str) -> int:
    if connection.dialect.name == "sqlite":
        connection.execute(_FTS_REMOVE, {"connection": connection_id, "meeting": meeting_uuid})
    result = connection.execute(
        delete(SearchDocument).where(
            SearchDocument.connection_id == connection_id,
            SearchDocument.meeting_uuid == meeting_uuid,
        )
    )
    return result.rowcount


def indexed_meetings(catalog: Catalog, connection_id: int) -> set[str]:
    """The instances of a connection that have something in the index."""
    with catalog.engine.connect() as connection:
        found = connection.scalars(
            select(SearchDocument.meeting_uuid)
            .where(SearchDocument.connection_id == connection_id)
            .distinct()
        )
        return set(found)


def _clean(value: str) -> str:
    # Control characters never reach the index: snippets use two of them as match marks.
    return _CONTROL.sub("", value).strip()


def _seconds(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
