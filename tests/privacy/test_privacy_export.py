"""`zoombridge privacy export` over a real archive: the `small` emulated account synced
once, its catalog exported. No topic, e-mail or name may leave; the pseudonyms join (the
participants' meetings are the meetings' UUIDs, one person one pseudonym) and stay the same
from one export to the next; bad folders and rules are refused with nothing written."""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from privacy_helpers import SALT
from sqlalchemy import select
from typer.testing import CliRunner

from shared_helpers import archive_settings
from zoombridge.app import ZoomBridge
from zoombridge.archive.service import sync_once
from zoombridge.cli import app
from zoombridge.cli.emulator import settings_for
from zoombridge.clock import ManualClock
from zoombridge.db import Catalog, open_catalog
from zoombridge.db.models import Meeting, RecordingFileRow, SearchDocument
from zoombridge.emulator import DEMO_EPOCH, build_world, create_app
from zoombridge.emulator.transport import EmulatorTransport
from zoombridge.emulator.world import World
from zoombridge.errors import InvalidInput, RulesInvalid
from zoombridge.privacy import Pseudonymizer
from zoombridge.privacy.export import default_export_rules, export, load_export_rules

Archive = tuple[Path, World, Catalog]


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    home = tmp_path_factory.mktemp("export") / "home"
    clock = ManualClock(DEMO_EPOCH)
    world = build_world("small", seed=3, clock=clock)
    settings = archive_settings(home, world)
    bridge = ZoomBridge(settings, transport=EmulatorTransport(create_app(world)), clock=clock)

    async def sync() -> None:
        async with bridge.archive() as runtime:
            assert (await sync_once(runtime)).verified > 0

    asyncio.run(sync())
    catalog = open_catalog(settings.effective_database_url())
    try:
        yield home, world, catalog
    finally:
        catalog.dispose()


def _secrets(catalog: Catalog) -> tuple[set[str], set[str]]:
    """(topics and e-mails, people's names) the catalog holds."""
    with catalog.session() as session:
        meetings = session.scalars(select(Meeting)).all()
        speakers = session.scalars(
            select(SearchDocument.speaker).where(SearchDocument.speaker.is_not(None))
        ).all()
        audio = session.scalars(
            select(RecordingFileRow.participant).where(RecordingFileRow.participant.is_not(None))
        ).all()
    private = {m.topic for m in meetings if m.topic} | {
        m.host_email for m in meetings if m.host_email
    }
    return private, {name.strip() for name in [*speakers, *audio] if name.strip()}


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_export_holds_no_topic_email_or_name(
    archived: Archive, tmp_path: Path, zoombridge_format: Pseudonymizer
) -> None:
    _, _, catalog = archived
    result = export(
        catalog, 1, tmp_path / "out", default_export_rules(), zoombridge_format, now=DEMO_EPOCH
    )
    private, names = _secrets(catalog)
    assert private, "the small account has topics and e-mails"
    assert names, "the small account has transcript speakers"
    text = "\n".join(p.read_text() for p in (tmp_path / "out").iterdir())
    leaked = sorted(value for value in private | names if value in text)
    assert leaked == []
    meetings = _records(tmp_path / "out" / "meetings.ndjson")
    people = _records(tmp_path / "out" / "participants.ndjson")
    assert result.rows == {"meetings": len(meetings), "participants": len(people)}
    assert len(people) >= len(names)
    assert "topic" not in meetings[0]
    hosts = {zoombridge_format.pseudonymize(email) for email in private if "@" in email}
    assert {m["host_email"] for m in meetings} <= hosts
    assert {p["participant"] for p in people} == {zoombridge_format.pseudonymize(n) for n in names}
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["salt_fingerprint"] == zoombridge_format.fingerprint()
    assert manifest["rules_version"] == default_export_rules().sha256()
    assert manifest["files"]["participants.ndjson"]["rows"] == len(people)
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")] == []


def test_two_exports_join_and_match(
    archived: Archive, tmp_path: Path, zoombridge_format: Pseudonymizer
) -> None:
    _, _, catalog = archived
    rules = default_export_rules()
    export(catalog, 1, tmp_path / "a", rules, zoombridge_format, now=DEMO_EPOCH)
    export(catalog, 1, tmp_path / "b", rules, zoombridge_format, file_format="csv", now=DEMO_EPOCH)
    meetings = _records(tmp_path / "a" / "meetings.ndjson")
    people = _records(tmp_path / "a" / "participants.ndjson")
    assert {p["meeting_uuid"] for p in people} <= {m["uuid"] for m in meetings}
    with (tmp_path / "b" / "participants.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["meeting_uuid"], r["participant"]) for r in rows] == [
        (p["meeting_uuid"], p["participant"]) for p in people
    ]
    export(catalog, 1, tmp_path / "a2", rules, zoombridge_format, now=DEMO_EPOCH)
    for name in ("meetings.ndjson", "participants.ndjson"):
        assert (tmp_path / "a2" / name).read_bytes() == (tmp_path / "a" / name).read_bytes()


def test_bad_folders_and_rules_write_nothing(
    archived: Archive, tmp_path: Path, zoombridge_format: Pseudonymizer
) -> None:
    _, _, catalog = archived
    rules = default_export_rules()
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(InvalidInput, match="is a file"):
        export(catalog, 1, afile, rules, zoombridge_format, now=DEMO_EPOCH)
    with pytest.raises(InvalidInput, match="does not exist"):
        export(catalog, 1, tmp_path / "no" / "out", rules, zoombridge_format, now=DEMO_EPOCH)
    bad = tmp_path / "rules.yaml"
    bad.write_text("meetings: {columnsToInclude: [uuid, topik]}\nparticipants: {}\n")
    with pytest.raises(RulesInvalid, match="no column topik"):
        load_export_rules(bad)
    # a rule that fails on the data half-way: the target folder is left as it was
    bad.write_text(
        "meetings: {}\nparticipants: {columnsToPseudonymize: [participant, audio_file]}\n"
    )
    previous = tmp_path / "previous"
    previous.mkdir()
    (previous / "meetings.ndjson").write_text("earlier export\n")
    with pytest.raises(InvalidInput, match="audio_file"):
        export(catalog, 1, previous, load_export_rules(bad), zoombridge_format, now=DEMO_EPOCH)
    assert [p.name for p in previous.iterdir()] == ["meetings.ndjson"]
    assert (previous / "meetings.ndjson").read_text() == "earlier export\n"
    with pytest.raises(InvalidInput):
        export(
            catalog,
            1,
            tmp_path / "fresh",
            load_export_rules(bad),
            zoombridge_format,
            now=DEMO_EPOCH,
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "previous", "rules.yaml"]


def test_cli_export(archived: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, world, _ = archived
    for name, value in settings_for(world, "http://127.0.0.1:9").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ZOOMBRIDGE_HOME", str(home))
    monkeypatch.setenv("ZOOMBRIDGE_PRIVACY__SALT", SALT)
    runner = CliRunner()
    done = runner.invoke(app, ["privacy", "export", "--out", str(tmp_path / "x"), "--json"])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    assert summary["files"]["meetings.ndjson"]["rows"] > 0
    assert (tmp_path / "x" / "manifest.json").exists()
    refused = runner.invoke(
        app, ["privacy", "export", "--out", str(tmp_path / "x" / "manifest.json")]
    )
    assert refused.exit_code == 1
    assert "is a file" in " ".join(refused.output.split())  # wrapped where the path ends
    unknown = runner.invoke(
        app, ["privacy", "export", "--out", str(tmp_path / "y"), "--connection", "nope"]
    )
    assert unknown.exit_code == 2
    assert not (tmp_path / "y").exists()
