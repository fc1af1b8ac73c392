"""`zoombridge archive verify`: exit codes, the JSON report, the table, clear refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zoombridge.cli import app
from zoombridge.db import open_catalog

runner = CliRunner()


def verify(home: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("ZOOMBRIDGE_HOME", str(home))
    result = runner.invoke(app, ["archive", "verify", *args])
    return result.exit_code, result.stdout


def test_a_clean_archive_is_all_ok_then_damage_is_reported_with_exit_1(
    archive_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = verify(archive_home, monkeypatch, "--json")
    assert code == 0, out
    clean = json.loads(out)
    assert set(clean) >= {"checked", "ok", "missing", "corrupt", "bytes", "problems"}
    assert clean["checked"] == clean["ok"] > 0
    assert (clean["missing"], clean["corrupt"], clean["problems"]) == (0, 0, [])
    assert clean["bytes"] > 0

    archive = archive_home / "archive"
    media = sorted(p for p in archive.rglob("*") if p.is_file() and p.name != "meeting.json")
    tampered, removed = media[0], media[1]
    data = bytearray(tampered.read_bytes())
    data[0] ^= 0x01
    tampered.write_bytes(bytes(data))
    removed.unlink()
    left = sorted(archive.rglob("*"))

    code, out = verify(archive_home, monkeypatch, "--json")
    assert code == 1
    report = json.loads(out)
    assert (report["corrupt"], report["missing"]) == (1, 1)
    kinds = {problem["key"]: problem["kind"] for problem in report["problems"]}
    assert kinds == {
        str(tampered.relative_to(archive)): "corrupt",
        str(removed.relative_to(archive)): "missing",
    }
    assert sorted(archive.rglob("*")) == left  # nothing removed or rewritten away

    code, out = verify(archive_home, monkeypatch)
    assert code == 1
    assert "corrupt" in out
    assert "missing" in out


def test_verify_refuses_a_home_without_an_archive_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "nothing-here"
    monkeypatch.setenv("ZOOMBRIDGE_HOME", str(home))
    result = runner.invoke(app, ["archive", "verify"])
    assert result.exit_code == 2
    assert "no archive catalog" in " ".join(result.output.split())
    assert not home.exists()


def test_verify_refuses_an_unknown_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    open_catalog(f"sqlite:///{home / 'zoombridge.sqlite'}").dispose()
    monkeypatch.setenv("ZOOMBRIDGE_HOME", str(home))
    result = runner.invoke(app, ["archive", "verify", "--connection", "other"])
    assert result.exit_code == 2
    assert "no connection named 'other'" in " ".join(result.output.split())
