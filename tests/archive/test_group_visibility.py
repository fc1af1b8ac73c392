"""Who may see a recording, on SQLite and PostgreSQL alike: the library's list, a single
recording and the search answer the same, for readers chosen by name, through a group,
as authors or as everyone signed in; leaving a group takes access away at once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from search_helpers import ENGINES, connection, opened_catalog

from shared_helpers import EPOCH, meeting
from zoombridge.accounts import Role
from zoombridge.accounts.users import create_user
from zoombridge.archive.library import (
    LibraryFilter,
    Reader,
    RecordingNotFound,
    Sharing,
    library_page,
    make_ref,
    readable_hits,
    save_sharing,
    visible_instance,
)
from zoombridge.archive.search import Document, index_meeting
from zoombridge.archive.viewer_groups import (
    add_members,
    create_group,
    delete_group,
    remove_member,
)
from zoombridge.db import Catalog, FileState
from zoombridge.db.models import LibraryEntry, RecordingFileRow

RECORDINGS = ("grouped", "named", "draft_grouped", "everyone", "own")


@pytest.fixture(params=ENGINES)
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    yield from opened_catalog(request, tmp_path)


def _archived(catalog: Catalog, conn: int, uuid: str, day: int) -> None:
    """An instance with one archived file, whose transcript says "budget"."""
    start = EPOCH + timedelta(days=day)
    meeting(catalog, conn, uuid, start=start)
    with catalog.session() as session, session.begin():
        session.add(
            RecordingFileRow(
                connection_id=conn,
                file_id=f"file-{uuid}",
                meeting_uuid=uuid,
                state=FileState.ARCHIVED,
                storage_key=f"{uuid}/audio.m4a",
                updated_at=start,
            )
        )
    index_meeting(catalog, conn, uuid, [Document("transcript", f"the budget of {uuid}")])


@dataclass(frozen=True)
class Shared:
    readers: dict[str, Reader]
    group_id: int


@pytest.fixture
def world(catalog: Catalog) -> Shared:
    """Five recordings shared five ways; readers ann (in group G), bob (chosen by name),
    eve (author of "own") and zed (nobody in particular)."""
    conn = connection(catalog)
    users = {
        name: create_user(catalog, f"{name}@example.edu", Role.VIEWER, EPOCH).id
        for name in ("ann", "bob", "eve", "zed")
    }
    admin = Reader(create_user(catalog, "admin@example.edu", Role.ADMIN, EPOCH).id, True)
    group = create_group(catalog, "G", admin.user_id, EPOCH)
    add_members(catalog, group.id, ["ann@example.edu"], EPOCH)
    for day, uuid in enumerate(RECORDINGS):
        _archived(catalog, conn, uuid, day)
    shares = {
        "grouped": Sharing("published", "chosen", groups=("g",)),
        "named": Sharing("published", "chosen", viewers=("bob@example.edu",)),
        "draft_grouped": Sharing("draft", "chosen", groups=("G",)),
        "everyone": Sharing("published", "signed_in"),
        "own": Sharing("draft", "author"),
    }
    for uuid, sharing in shares.items():
        save_sharing(catalog, admin, make_ref(conn, uuid), sharing, EPOCH)
    eve = Reader(users["eve"], False)
    # eve authors "own": an author's draft is theirs (an Admin made the entry above)
    with catalog.session() as session, session.begin():
        entry = session.get(LibraryEntry, (conn, "own"))
        assert entry is not None
        entry.author_id = eve.user_id
    readers = {name: Reader(user_id, False) for name, user_id in users.items()}
    return Shared({**readers, "admin": admin}, group.id)


def _seen(catalog: Catalog, reader: Reader) -> dict[str, set[str]]:
    """What the reader may see, asked three ways: the library list, each recording's own
    page (visible_instance), and the search."""
    listed = {item.uuid for item in library_page(catalog, reader, LibraryFilter()).items}
    opened = set()
    with catalog.session() as session:
        for uuid in RECORDINGS:
            try:
                visible_instance(session, reader, make_ref(1, uuid))
            except RecordingNotFound:
                continue
            opened.add(uuid)
    found = {hit.meeting_uuid for hit in readable_hits(catalog, reader, "budget", limit=50)}
    return {"library": listed, "page": opened, "search": found}


def _all_ways(*uuids: str) -> dict[str, set[str]]:
    return {way: set(uuids) for way in ("library", "page", "search")}


def test_every_door_answers_the_same_for_every_reader(catalog: Catalog, world: Shared) -> None:
    readers = world.readers
    assert _seen(catalog, readers["ann"]) == _all_ways("grouped", "everyone")
    assert _seen(catalog, readers["bob"]) == _all_ways("named", "everyone")
    assert _seen(catalog, readers["eve"]) == _all_ways("own", "everyone")
    assert _seen(catalog, readers["zed"]) == _all_ways("everyone")
    assert _seen(catalog, readers["admin"]) == _all_ways(*RECORDINGS)


def test_joining_and_leaving_a_group_grants_and_revokes_at_once(
    catalog: Catalog, world: Shared
) -> None:
    readers, group_id = world.readers, world.group_id
    add_members(catalog, group_id, ["zed@example.edu"], EPOCH)
    assert _seen(catalog, readers["zed"]) == _all_ways("grouped", "everyone")
    remove_member(catalog, group_id, readers["ann"].user_id)
    assert _seen(catalog, readers["ann"]) == _all_ways("everyone")
    assert _seen(catalog, readers["zed"]) == _all_ways("grouped", "everyone")
    delete_group(catalog, group_id)
    assert _seen(catalog, readers["zed"]) == _all_ways("everyone")
    # a group made again under the same name is a new group: the old grant does not return
    again = create_group(catalog, "G", None, EPOCH)
    add_members(catalog, again.id, ["zed@example.edu"], EPOCH)
    assert _seen(catalog, readers["zed"]) == _all_ways("everyone")
