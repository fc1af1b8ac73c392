"""Indexing: an instance's documents replace what was indexed for it, on SQLite and
PostgreSQL; the emulator's text files go in and come out as hits with speakers and offsets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from search_helpers import ENGINES, connection, document_count, opened_catalog
from sqlalchemy import insert, inspect

from shared_helpers import EPOCH, meeting
from zoombridge.archive.search import Document, search
from zoombridge.archive.search_index import (
    MeetingDocuments,
    chat_documents,
    id_range,
    index_meeting,
    index_meetings,
    indexed_meetings,
    minute_of,
    remove_meeting,
    summary_documents,
    transcript_documents,
)
from zoombridge.archive.transcripts import parse_chat, parse_summary, parse_vtt
from zoombridge.db import Catalog, open_catalog
from zoombridge.db.engine import MIGRATIONS, upgrade
from zoombridge.db.models import SearchDocument
from zoombridge.emulator.content import Script
from zoombridge.errors import InvalidInput

SPEAKERS = ("Ada Lovelace", "Grace Hopper", "Alan Turing")


@pytest.fixture(params=ENGINES)
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    yield from opened_catalog(request, tmp_path)


def test_reindexing_replaces_the_instances_rows(catalog: Catalog) -> None:
    conn = connection(catalog)
    uuid = meeting(catalog, conn, "m1", topic="Budget review")
    docs = [Document("transcript", f"budget line {n}", speaker="Ada Lovelace") for n in range(3)]
    assert index_meeting(catalog, conn, uuid, docs) == 4  # and the instance's own document
    first = search(catalog, "budget")
    assert index_meeting(catalog, conn, uuid, docs) == 4
    assert document_count(catalog) == 4
    again = search(catalog, "budget")
    assert [(h.kind, h.snippet) for h in again] == [(h.kind, h.snippet) for h in first]
    assert index_meeting(catalog, conn, uuid, docs[:1]) == 2
    assert [h.kind for h in search(catalog, "line")] == ["transcript"]


def test_an_unknown_instance_or_kind_changes_nothing(catalog: Catalog) -> None:
    conn = connection(catalog)
    uuid = meeting(catalog, conn, "m1")
    index_meeting(catalog, conn, uuid, [Document("chat", "kept as it was")])
    replacement = [Document("chat", "would replace it")]
    batch = [
        MeetingDocuments(conn, uuid, replacement),
        MeetingDocuments(conn, "not-recorded", replacement),
    ]
    with pytest.raises(InvalidInput, match="not-recorded"):
        index_meetings(catalog, batch)
    with pytest.raises(InvalidInput, match="kind"):
        index_meeting(catalog, conn, uuid, [Document("poll", "what is this")])
    assert document_count(catalog) == 2
    assert [h.snippet.marked() for h in search(catalog, "kept")] == ["«kept» as it was"]
    assert search(catalog, "replace") == []


def test_removing_an_instance_and_listing_what_is_indexed(catalog: Catalog) -> None:
    conn = connection(catalog)
    for uuid in ("m1", "m2"):
        index_meeting(catalog, conn, meeting(catalog, conn, uuid), [Document("chat", uuid)])
    assert indexed_meetings(catalog, conn) == {"m1", "m2"}
    assert remove_meeting(catalog, conn, "m1") == 2
    assert indexed_meetings(catalog, conn) == {"m2"}
    assert search(catalog, "m1") == []
    assert remove_meeting(catalog, conn, "m1") == 0


def test_the_instances_own_document_has_topic_host_participants_and_date(
    catalog: Catalog,
) -> None:
    conn = connection(catalog)
    uuid = meeting(catalog, conn, "m1", topic="Quarterly Planning", host="host@example.edu")
    docs = [Document("transcript", "hello", speaker="Grace Hopper")]
    index_meeting(catalog, conn, uuid, docs, participants=["Alan Turing"])
    for query in ("quarterly planning", "host@example.edu", "turing", "grace", "2026-03-02"):
        (hit,) = [h for h in search(catalog, query) if h.kind == "meeting"]
        assert (hit.topic, hit.host_email, hit.start_time) == (
            "Quarterly Planning",
            "host@example.edu",
            EPOCH,
        )


def test_the_emulators_text_files_found_with_speakers_and_joined_offsets(
    catalog: Catalog,
) -> None:
    """Two recording segments (0-120 s and 300-420 s after the first start): the second
    segment's files are shifted onto the joined recording."""
    conn = connection(catalog)
    uuid = meeting(catalog, conn, "m1", topic="Budget review")
    segments = [(0.0, 120.0), (300.0, 120.0)]
    documents: list[Document] = []
    cues_by_file = {}
    for file_id, file_start, seed in (("t1", 0.0, 21), ("t2", 300.0, 22)):
        script = Script(seed=seed, seconds=120.0, speakers=SPEAKERS, topic="Budget review")
        cues = parse_vtt(script.transcript()).items
        cues_by_file[file_id] = (file_start, cues)
        documents += transcript_documents(
            cues, file_id=file_id, file_start=file_start, segments=segments
        )
        documents += transcript_documents(
            parse_vtt(script.captions()).items, kind="caption", file_id=f"cc-{file_id}"
        )
        documents += chat_documents(parse_chat(script.chat()).items, file_id=f"chat-{file_id}")
    documents += summary_documents(parse_summary(script.summary()).items, file_id="s1")
    index_meeting(catalog, conn, uuid, documents)

    hits = search(catalog, '"budget for next quarter"', limit=200)
    spoken = [h for h in hits if h.kind == "transcript"]
    expected = {
        (file_id, (120.0 if file_start else 0.0) + cue.start, cue.speaker)
        for file_id, (file_start, cues) in cues_by_file.items()
        for cue in cues
        if "budget for next quarter" in cue.text
    }
    assert spoken
    assert {(h.file_id, h.offset, h.speaker) for h in spoken} == expected
    assert all(h.joined and h.speaker in SPEAKERS for h in spoken)
    assert all(h.snippet.matches for h in spoken)
    captions = [h for h in hits if h.kind == "caption"]
    assert captions
    assert not any(h.joined for h in captions)  # no segments given: the file's own time


@pytest.mark.parametrize("engine", ENGINES)
def test_the_search_migration_goes_down_and_up(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'c.sqlite'}"
        if engine == "sqlite"
        else str(request.getfixturevalue("postgres_url"))
    )
    catalog = open_catalog(url)
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with catalog.engine.begin() as connection_:
            config.attributes["connection"] = connection_
            command.downgrade(config, "0002")
        assert "search_documents" not in inspect(catalog.engine).get_table_names()
        upgrade(catalog.engine)
        conn = connection(catalog)
        uuid = meeting(catalog, conn, "m1", start=EPOCH + timedelta(days=1))
        index_meeting(catalog, conn, uuid, [Document("chat", "returned safely")])
        assert len(search(catalog, "returned")) == 1
    finally:
        catalog.dispose()


def test_sqlites_full_text_rows_stay_in_step_through_replace_and_remove(tmp_path: Path) -> None:
    """search_fts is written by the indexer (migration 0005 dropped the triggers): FTS5's own
    integrity check compares it with search_documents after every kind of change, including
    rows that 0004's triggers indexed and the indexer replaces after the upgrade."""
    catalog = open_catalog(f"sqlite:///{tmp_path / 'c.sqlite'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with catalog.engine.begin() as connection_:
            config.attributes["connection"] = connection_
            command.downgrade(config, "0004")
        conn = connection(catalog)
        first_id = id_range(conn, minute_of(EPOCH), minute_of(EPOCH))[0]
        for n, uuid in enumerate(("m1", "m2", "m3")):
            meeting(catalog, conn, uuid)
            with catalog.engine.begin() as connection_:
                connection_.execute(
                    insert(SearchDocument),  # as 0004 had it: its trigger indexes the row
                    {
                        "id": first_id + n,
                        "connection_id": conn,
                        "meeting_uuid": uuid,
                        "kind": "transcript",
                        "body": f"{uuid} said budget",
                        "private": False,
                        "scope": "",
                    },
                )
        _fts5_integrity_check(catalog)
        upgrade(catalog.engine)
        index_meeting(catalog, conn, "m1", [Document("chat", "only this now")])
        remove_meeting(catalog, conn, "m2")
        _fts5_integrity_check(catalog)
        assert {h.meeting_uuid for h in search(catalog, "budget")} == {"m3"}
        assert [h.meeting_uuid for h in search(catalog, "only this")] == ["m1"]
    finally:
        catalog.dispose()


def _fts5_integrity_check(catalog: Catalog) -> None:
    with catalog.engine.begin() as connection_:
        # Raises (SQLITE_CORRUPT_VTAB) when the index and its content table disagree.
        connection_.exec_driver_sql(
            "INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)"
        )
