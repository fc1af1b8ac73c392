"""`zoombridge library backfill`: recordings archived before a connection's publishing was
saved get exactly the entries they lack, as the connection publishes now; a second run
changes nothing, and a refusal changes nothing either."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import exists, select
from typer.testing import CliRunner

from zoombridge.accounts import Role
from zoombridge.accounts.users import create_user
from zoombridge.app import ZoomBridge
from zoombridge.archive.moderation import set_moderation
from zoombridge.archive.publishing import save_publishing
from zoombridge.cli import app
from zoombridge.clock import SystemClock
from zoombridge.db import Catalog, FileState
from zoombridge.db.models import LibraryEntry, Meeting, PortalUser, RecordingFileRow

runner = CliRunner()


def _copy(archive_home: Path, home: Path) -> None:
    """A copy of the module's archive in this test's ZOOMBRIDGE_HOME."""
    shutil.copytree(archive_home, home)


def _with_catalog(work: Any) -> Any:
    catalog = ZoomBridge.from_env().catalog()
    try:
        return work(catalog)
    finally:
        catalog.dispose()


def _archived_instances(catalog: Catalog) -> list[str]:
    archived = exists().where(
        RecordingFileRow.meeting_uuid == Meeting.uuid,
        RecordingFileRow.state == FileState.ARCHIVED,
    )
    with catalog.session() as session:
        return sorted(session.scalars(select(Meeting.uuid).where(archived)).all())


def _entries(catalog: Catalog) -> dict[str, tuple[Any, ...]]:
    with catalog.session() as session:
        rows = session.scalars(select(LibraryEntry)).all()
        return {
            e.meeting_uuid: (e.author_id, e.status, e.visibility, e.updated_at, e.submitted_at)
            for e in rows
        }


def _backfill(*args: str) -> tuple[int, Any]:
    done = runner.invoke(app, ["library", "backfill", *args])
    if "--json" in args and done.exit_code == 0:
        return done.exit_code, json.loads(done.stdout)
    return done.exit_code, done.output


def test_backfill_adds_exactly_the_missing_entries_once(home: Path, archive_home: Path) -> None:
    _copy(archive_home, home)
    archived = _with_catalog(_archived_instances)
    assert len(archived) > 2
    kept = archived[0]
    now = SystemClock().now()

    def prepare(catalog: Catalog) -> int:
        admin = create_user(catalog, "it@example.edu", Role.ADMIN, now).id
        # one recording was entered by hand before: it must stay exactly as it is
        with catalog.session() as session, session.begin():
            session.add(
                LibraryEntry(
                    connection_id=1,
                    meeting_uuid=kept,
                    author_id=None,
                    status="draft",
                    visibility="author",
                    updated_at=now,
                )
            )
        save_publishing(catalog, 1, "zoom_user", "published", admin, now, "author")
        set_moderation(catalog, True, admin, now)
        return admin

    _with_catalog(prepare)
    before = _with_catalog(_entries)

    code, reports = _backfill("--json")
    assert code == 0, reports
    missing = len(archived) - 1
    assert reports == [
        {"connection": "default", "missing": missing, "added": missing, "skipped": None}
    ]
    after = _with_catalog(_entries)
    assert sorted(after) == archived
    assert after[kept] == before[kept]
    made = [after[uuid] for uuid in archived if uuid != kept]
    # published with moderation on: waiting for review, seen by its author only meanwhile
    assert {(status, visibility) for _, status, visibility, _, _ in made} == {
        ("pending_review", "author")
    }
    assert all(submitted is not None for *_, submitted in made)

    def hosts(catalog: Catalog) -> dict[int, tuple[str, str]]:
        with catalog.session() as session:
            users = session.execute(select(PortalUser.id, PortalUser.email, PortalUser.role))
            return {user_id: (email, role) for user_id, email, role in users}

    users = _with_catalog(hosts)
    authors = {users[author][0] for author, *_ in made}
    assert authors  # the hosts, made portal users as Contributors
    assert "it@example.edu" not in authors
    assert {users[author][1] for author, *_ in made} == {Role.CONTRIBUTOR.label}

    again, second = _backfill("--json")
    assert again == 0
    assert second == [{"connection": "default", "missing": 0, "added": 0, "skipped": None}]
    assert _with_catalog(_entries) == after


def test_without_publishing_nothing_is_entered(home: Path, archive_home: Path) -> None:
    _copy(archive_home, home)
    code, reports = _backfill("--json")
    assert code == 0
    assert reports[0]["added"] == 0
    assert "publishing" in reports[0]["skipped"]
    named, output = _backfill("--connection", "default")
    assert named == 1
    assert "publishing" in output
    unknown, output = _backfill("--connection", "nowhere", "--json")
    assert unknown == 1
    assert "no connection named 'nowhere'" in output
    assert _with_catalog(_entries) == {}


def test_the_text_report_says_what_was_added(home: Path, archive_home: Path) -> None:
    _copy(archive_home, home)
    now = SystemClock().now()

    def prepare(catalog: Catalog) -> None:
        admin = create_user(catalog, "it@example.edu", Role.ADMIN, now).id
        save_publishing(catalog, 1, "me", "draft", admin, now)

    _with_catalog(prepare)
    archived = _with_catalog(_archived_instances)
    code, output = _backfill("--connection", "default")
    assert code == 0, output
    assert f"default: {len(archived)} entries added ({len(archived)} archived" in output
    entries = _with_catalog(_entries)
    assert {(status, visibility) for _, status, visibility, _, _ in entries.values()} == {
        ("draft", "signed_in")
    }
