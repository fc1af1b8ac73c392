"""Searching the archive: every spoken word, chat message and summary, and each instance's
topic, host, participants and date, in the catalog database's own full-text engine.

    hits = search(catalog, '"next quarter" budg*', host_email="ada@example.edu")
    for hit in hits:
        print(hit.topic, hit.speaker, hit.offset, hit.snippet.marked("[", "]"))

How results are chosen and ranked, on both engines:
- The query language is search_query's: words, "phrases", prefix*, -exclusions. Hostile
  input is plain words; only an over-long query raises InvalidInput.
- The engine walks the matches newest first (document ids order by start time, see
  search_index) and keeps the newest CANDIDATES of them, inside the connection, host and
  date filters; a common word costs the same as a rare one. Older matches of a very common
  query are reached by narrowing it (a date range, a host, more words).
- Each match is scored (BM25-style on SQLite, ts_rank_cd on PostgreSQL) and weighted by
  kind; an instance scores the sum of its matches, each further one counting a little
  less, so an instance that says the word five times ranks above one that says it once.
  Hits come grouped by instance, best instance first, best hit first within it.
- Private chat messages are left out unless `include_private`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from zoombridge.archive import search_pg, search_sqlite
from zoombridge.archive.search_index import (
    CONNECTION_BITS,
    MAX_MINUTE,
    MINUTE_BITS,
    SEQ_BITS,
    Document,
    id_range,
    index_meeting,
    index_meetings,
    minute_of,
)
from zoombridge.archive.search_query import (
    MARK_CLOSE,
    MARK_OPEN,
    Candidate,
    Query,
    Window,
    parse_query,
)
from zoombridge.db import Catalog
from zoombridge.db.models import Connection as ConnectionRow
from zoombridge.db.models import Meeting, SearchDocument
from zoombridge.errors import InvalidInput

__all__ = [
    "CANDIDATES",
    "MAX_LIMIT",
    "Document",
    "SearchHit",
    "Snippet",
    "index_meeting",
    "index_meetings",
    "search",
]

CANDIDATES = 1000
MAX_LIMIT = 200
KIND_WEIGHT = {"meeting": 3.0, "summary": 1.5, "transcript": 1.0, "chat": 1.0, "caption": 0.7}
DAMPING = 0.8  # each further match of one instance counts this much of the one before


@dataclass(frozen=True)
class Snippet:
    """Text around the matches, as (text, is_match) parts, for a page or a terminal."""

    parts: tuple[tuple[str, bool], ...]

    @classmethod
    def from_marked(cls, marked: str) -> Snippet:
        parts: list[tuple[str, bool]] = []
        for index, piece in enumerate(marked.split(MARK_OPEN)):
            matched, _, rest = piece.partition(MARK_CLOSE) if index else ("", "", piece)
            parts += [(t, m) for t, m in ((matched, True), (rest, False)) if t]
        return cls(tuple(_joined_matches(parts)))

    def marked(self, start: str = "«", end: str = "»") -> str:
        return "".join(f"{start}{t}{end}" if hit else t for t, hit in self.parts)

    @property
    def matches(self) -> tuple[str, ...]:
        return tuple(t for t, hit in self.parts if hit)

    def __str__(self) -> str:
        return self.marked()


def _joined_matches(parts: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Matches only a space apart are one: PostgreSQL marks a phrase word by word."""
    joined: list[tuple[str, bool]] = []
    for part in parts:
        if (
            part[1]
            and len(joined) >= 2
            and joined[-2][1]
            and not joined[-1][1]
            and not joined[-1][0].strip()
        ):
            space = joined.pop()[0]
            joined[-1] = (joined[-1][0] + space + part[0], True)
        else:
            joined.append(part)
    return joined


@dataclass(frozen=True)
class SearchHit:
    """One matching document. `offset` is where to start playing, in seconds: on the
    joined recording when known (`joined` True), else in the file's own timeline."""

    connection_id: int
    meeting_uuid: str
    topic: str | None
    host_email: str | None
    start_time: datetime | None
    kind: str  # transcript | caption | chat | summary | meeting
    speaker: str | None
    snippet: Snippet
    offset: float | None
    joined: bool
    file_id: str | None
    private: bool
    recipient: str | None
    score: float


def search(
    catalog: Catalog,
    query: str,
    *,
    connection_id: int | None = None,
    host_email: str | None = None,
    date_from: date | datetime | None = None,
    date_to: date | datetime | None = None,
    limit: int = 20,
    offset: int = 0,
    include_private: bool = False,
    candidates: int = CANDIDATES,
    reader_id: int | None = None,
) -> list[SearchHit]:
    """Ranked hits for `query`. Dates are UTC; a `date` covers its whole day.
    InvalidInput for an over-long query, naive datetimes, a reversed date range or a
    limit outside 1..MAX_LIMIT; nothing else about the query can fail."""
    parsed = parse_query(query)
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise InvalidInput(f"limit must be 1..{MAX_LIMIT} and offset 0 or more")
    first, last = _minutes(date_from, date_to)
    if parsed.empty:
        return []
    with catalog.engine.connect() as connection:
        found: list[Candidate] = []
        for conn_id in _connections(connection, connection_id):
            low, high = id_range(conn_id, first, last)
            window = Window(low, high, host_email or None, include_private, candidates, reader_id)
            found += _candidates(connection, parsed, window)
        newest = sorted(found, key=lambda c: (_minute(c.id), c.id), reverse=True)
        page = _ranked(newest[:candidates])[offset : offset + limit]
        return _hits(connection, parsed, page)


def _minutes(date_from: date | datetime | None, date_to: date | datetime | None) -> tuple[int, int]:
    first = 0 if date_from is None else minute_of(_moment(date_from, "date_from"))
    if date_to is None:
        last = MAX_MINUTE
    elif isinstance(date_to, datetime):
        last = minute_of(_moment(date_to, "date_to"))
    else:  # through the end of that day
        last = minute_of(_moment(date_to + timedelta(days=1), "date_to")) - 1
    if first > last:
        raise InvalidInput(f"date_from ({date_from}) is after date_to ({date_to})")
    return first, last


def _moment(value: date | datetime, name: str) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidInput(f"{name} has no time zone; give an aware datetime or a date")
        return value
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _connections(connection: Connection, connection_id: int | None) -> list[int]:
    if connection_id is not None:
        return [connection_id] if 0 <= connection_id < 1 << CONNECTION_BITS else []
    return list(connection.scalars(select(ConnectionRow.id).order_by(ConnectionRow.id)))


def _candidates(connection: Connection, query: Query, window: Window) -> list[Candidate]:
    if connection.dialect.name == "postgresql":
        return search_pg.candidates(connection, query, window)
    return search_sqlite.candidates(connection, query, window)


def _minute(doc_id: int) -> int:
    return (doc_id >> SEQ_BITS) & MAX_MINUTE


def _owner(doc_id: int) -> int:
    return doc_id >> (SEQ_BITS + MINUTE_BITS)


def _ranked(found: Sequence[Candidate]) -> list[tuple[Candidate, float]]:
    score = {c.id: c.relevance * KIND_WEIGHT.get(c.kind, 1.0) for c in found}
    per_meeting: dict[tuple[int, str], list[float]] = defaultdict(list)
    for c in found:
        per_meeting[(_owner(c.id), c.meeting_uuid)].append(score[c.id])
    meeting_score = {
        key: sum(s * DAMPING**n for n, s in enumerate(sorted(scores, reverse=True)))
        for key, scores in per_meeting.items()
    }
    ordered = sorted(
        found,
        key=lambda c: (-meeting_score[(_owner(c.id), c.meeting_uuid)], -score[c.id], -c.id),
    )
    return [(c, score[c.id]) for c in ordered]


def _hits(
    connection: Connection, query: Query, page: list[tuple[Candidate, float]]
) -> list[SearchHit]:
    ids = [c.id for c, _ in page]
    if not ids:
        return []
    if connection.dialect.name == "postgresql":
        marked = search_pg.snippets(connection, query, ids)
    else:
        marked = search_sqlite.snippets(connection, query, ids)
    rows = connection.execute(
        select(*_DETAILS)
        .join(
            Meeting,
            (Meeting.connection_id == SearchDocument.connection_id)
            & (Meeting.uuid == SearchDocument.meeting_uuid),
        )
        .where(SearchDocument.id.in_(ids))
    ).all()
    details = {row.id: row for row in rows}
    return [
        _hit(details[c.id], marked.get(c.id, ""), score) for c, score in page if c.id in details
    ]


_DETAILS = (
    SearchDocument.id,
    SearchDocument.connection_id,
    SearchDocument.meeting_uuid,
    SearchDocument.kind,
    SearchDocument.speaker,
    SearchDocument.body,
    SearchDocument.start_s,
    SearchDocument.joined_s,
    SearchDocument.file_id,
    SearchDocument.private,
    SearchDocument.recipient,
    Meeting.topic,
    Meeting.host_email,
    Meeting.start_time,
)


def _hit(doc: Any, marked: str, score: float) -> SearchHit:
    joined = doc.joined_s is not None
    return SearchHit(
        connection_id=doc.connection_id,
        meeting_uuid=doc.meeting_uuid,
        topic=doc.topic,
        host_email=doc.host_email,
        start_time=doc.start_time,
        kind=doc.kind,
        speaker=doc.speaker,
        snippet=Snippet.from_marked(marked or doc.body),
        offset=doc.joined_s if joined else doc.start_s,
        joined=joined,
        file_id=doc.file_id,
        private=doc.private,
        recipient=doc.recipient,
        score=score,
    )
