"""The export's raw records, read from the catalog a page of meetings at a time.

A meeting record is the catalog's row of an instance; participant records are the people
the archive knows in an instance: transcript speakers (talk time and cues, from the search
index, so no file is read back from storage), chat senders (messages; private messages
counted too, their recipients never exported) and the names on per-participant audio files.
Records are raw: they hold names, e-mails and topics, and only leave through the rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zoombridge.db import Catalog
from zoombridge.db.models import FileState, Meeting, RecordingFileRow, SearchDocument

__all__ = ["MEETING_FIELDS", "PARTICIPANT_FIELDS", "meetings", "participants"]

MEETING_FIELDS = (
    "uuid",
    "meeting_id",
    "host_id",
    "host_email",
    "topic",
    "type",
    "start_time",
    "duration",
    "participants_count",
    "recording_count",
    "total_size",
    "archived_files",
    "deleted_in_zoom",
)
PARTICIPANT_FIELDS = (
    "meeting_uuid",
    "participant",
    "transcript_seconds",
    "transcript_cues",
    "chat_messages",
    "audio_file",
)
PAGE = 1_000
Group = list[dict[str, Any]]
Fact = tuple[str, str, str, int, float | None]  # uuid, name, kind, count, seconds


def meetings(catalog: Catalog, connection_id: int) -> Iterator[Group]:
    """Each instance of the connection, oldest first, as a group of one record."""
    archived = (
        select(func.count())
        .where(
            RecordingFileRow.connection_id == Meeting.connection_id,
            RecordingFileRow.meeting_uuid == Meeting.uuid,
            RecordingFileRow.state == FileState.ARCHIVED,
        )
        .scalar_subquery()
    )
    query = (
        select(Meeting, archived)
        .where(Meeting.connection_id == connection_id)
        .order_by(Meeting.start_time, Meeting.uuid)
        .execution_options(yield_per=PAGE)
    )
    with catalog.session() as session:
        for row, files in session.execute(query):
            yield [_meeting(row, files)]


def _meeting(row: Meeting, files: int) -> dict[str, Any]:
    return {
        "uuid": row.uuid,
        "meeting_id": row.meeting_id,
        "host_id": row.host_id,
        "host_email": row.host_email,
        "topic": row.topic,
        "type": row.type,
        "start_time": row.start_time.isoformat() if row.start_time else None,
        "duration": row.duration,
        "participants_count": row.participants_count,
        "recording_count": row.recording_count,
        "total_size": row.total_size,
        "archived_files": files,
        "deleted_in_zoom": row.deleted_in_zoom_at is not None,
    }


def participants(catalog: Catalog, connection_id: int) -> Iterator[Group]:
    """The people of each instance, one group per instance, PAGE instances per query."""
    uuids = (
        select(Meeting.uuid)
        .where(Meeting.connection_id == connection_id)
        .order_by(Meeting.start_time, Meeting.uuid)
    )
    with catalog.session() as session:
        listed = list(session.scalars(uuids))
    for start in range(0, len(listed), PAGE):
        page = listed[start : start + PAGE]
        facts: dict[str, list[Fact]] = {uuid: [] for uuid in page}
        with catalog.session() as session:
            for fact in _spoken(session, connection_id, page):
                facts[fact[0]].append(fact)
            for fact in _audio(session, connection_id, page):
                facts[fact[0]].append(fact)
        for uuid in page:
            if facts[uuid]:
                yield _people(uuid, facts[uuid])


def _spoken(session: Session, connection_id: int, page: list[str]) -> Iterator[Fact]:
    rows = session.execute(
        select(
            SearchDocument.meeting_uuid,
            SearchDocument.speaker,
            SearchDocument.kind,
            func.count(),
            func.sum(SearchDocument.end_s - SearchDocument.start_s),
        )
        .where(
            SearchDocument.connection_id == connection_id,
            SearchDocument.meeting_uuid.in_(page),
            SearchDocument.kind.in_(("transcript", "chat")),
            SearchDocument.speaker.is_not(None),
        )
        .group_by(SearchDocument.meeting_uuid, SearchDocument.speaker, SearchDocument.kind)
    )
    for uuid, name, kind, count, seconds in rows:
        yield uuid, str(name), kind, int(count), seconds


def _audio(session: Session, connection_id: int, page: list[str]) -> Iterator[Fact]:
    rows = session.execute(
        select(RecordingFileRow.meeting_uuid, RecordingFileRow.participant).where(
            RecordingFileRow.connection_id == connection_id,
            RecordingFileRow.meeting_uuid.in_(page),
            RecordingFileRow.participant.is_not(None),
        )
    )
    for uuid, name in rows:
        yield uuid, str(name), "audio", 1, None


def _people(uuid: str, facts: list[Fact]) -> Group:
    people: dict[str, dict[str, Any]] = {}
    for _, name, kind, count, seconds in facts:
        person = name.strip()
        if not person:
            continue
        record = people.setdefault(
            person,
            {
                "meeting_uuid": uuid,
                "participant": person,
                "transcript_seconds": 0.0,
                "transcript_cues": 0,
                "chat_messages": 0,
                "audio_file": False,
            },
        )
        if kind == "transcript":
            record["transcript_cues"] += count
            record["transcript_seconds"] = round(record["transcript_seconds"] + (seconds or 0), 3)
        elif kind == "chat":
            record["chat_messages"] += count
        else:
            record["audio_file"] = True
    return list(people.values())
