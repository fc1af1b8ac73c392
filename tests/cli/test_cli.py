"""The `zoombridge` command: demo over a real socket, emulator options, clear refusals."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zoombridge.cli import app
from zoombridge.cli.emulator import emulator_settings, settings_for
from zoombridge.emulator import build_world
from zoombridge.settings import load_settings

runner = CliRunner()


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "emulator" in result.output
    assert "demo" in result.output


def test_emulator_check_walks_a_whole_account_over_a_real_socket() -> None:
    result = runner.invoke(app, ["emulator-check", "--scenario", "small", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["problems"] == []
    assert report["files_verified"] > 20
    assert report["users_by_status"]["inactive"] >= 1
    assert report["phone_recordings"] > 0
    assert {"MP4", "M4A", "CC", "TIMELINE", "TRANSCRIPT", "CHAT"} <= set(report["files_by_type"])


def test_unknown_scenario_is_refused_clearly() -> None:
    for command in (["emulator-check", "--scenario", "nope"], ["emulator", "--scenario", "nope"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2
        assert "choose from" in result.output


def test_webhook_url_without_secret_is_refused() -> None:
    result = runner.invoke(
        app, ["emulator", "--webhook-url", "http://127.0.0.1:8000/webhooks/zoom"]
    )
    assert result.exit_code == 2
    assert "--webhook-secret" in result.output


def test_bad_plan_and_port_are_refused() -> None:
    assert runner.invoke(app, ["emulator", "--plan", "enterprise"]).exit_code == 2
    assert runner.invoke(app, ["emulator", "--port", "70000"]).exit_code == 2


def test_printed_settings_point_at_the_emulator() -> None:
    world = build_world("empty", 1)
    values = settings_for(world, "http://127.0.0.1:9000", "whsec")
    assert values["ZOOMBRIDGE_ZOOM__API_URL"] == "http://127.0.0.1:9000/v2"
    assert values["ZOOMBRIDGE_ZOOM__OAUTH_URL"] == "http://127.0.0.1:9000"
    assert values["ZOOMBRIDGE_ZOOM__ACCOUNT_ID"] == "emulator-account"
    assert values["ZOOMBRIDGE_ZOOM__WEBHOOK_SECRET"] == "whsec"


def test_emulator_settings_are_the_printed_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("ZOOMBRIDGE_")]:
        monkeypatch.delenv(name)  # Settings reads them too
    base = "http://127.0.0.1:9000"
    built = emulator_settings(base, plan="free", webhook_secret="whsec", concurrency=2)
    in_process = emulator_settings(None, plan="free")  # for a transport into the app
    for name, value in settings_for(build_world("empty", 1, plan="free"), base, "whsec").items():
        monkeypatch.setenv(name, value)
    assert built.zoom == load_settings().zoom
    assert built.archive.concurrency == 2
    assert str(in_process.zoom.api_url) == "https://api.zoom.us/v2"
    assert in_process.zoom.client_secret == built.zoom.client_secret


def test_demo_archives_the_demo_account_and_a_second_run_finds_nothing_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "demo"
    first = runner.invoke(app, ["demo", "--home", str(home), "--json"])
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["verified"] > 200
    assert (summary["failed"], summary["rate_limited"]) == (0, 0)
    assert len(list((home / "archive").rglob("meeting.json"))) == summary["meetings"]
    second = runner.invoke(app, ["demo", "--home", str(home)])
    assert second.exit_code == 0, second.output
    assert "Nothing new" in second.stdout
    monkeypatch.setenv("ZOOMBRIDGE_HOME", str(home))
    status = runner.invoke(app, ["status", "--json"])
    assert status.exit_code == 0, status.output
    report = json.loads(status.stdout)
    assert report["process"] == "finished"
    assert report["authorization"] == "authorized"
    assert report["files"]["archived"] == summary["verified"]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("ZOOMBRIDGE_STORAGE_URL", "ftp://x/y", "unknown storage scheme"),
        ("ZOOMBRIDGE_DATABASE_URL", "mysql://x/y", "not supported"),
        ("ZOOMBRIDGE_ARCHIVE__KEY_TEMPLATE", "{topic}", "must contain {uuid}"),
        ("ZOOMBRIDGE_ZOOM__CLIENT_SECRET", "", "ZOOMBRIDGE_ZOOM__CLIENT_SECRET"),
    ],
)
def test_sync_refuses_bad_configuration_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("ZOOMBRIDGE_HOME", str(home))
    for name, setting in {
        "ZOOMBRIDGE_ZOOM__ACCOUNT_ID": "acct",
        "ZOOMBRIDGE_ZOOM__CLIENT_ID": "client",
        "ZOOMBRIDGE_ZOOM__CLIENT_SECRET": "secret",
        variable: value,
    }.items():
        monkeypatch.setenv(name, setting)
    result = runner.invoke(app, ["sync", "--once"])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert not home.exists()


def test_sync_refuses_an_unknown_connection() -> None:
    result = runner.invoke(app, ["sync", "--once", "--connection", "other"])
    assert result.exit_code == 2
    assert "no connection named 'other'" in result.output


def test_status_on_a_fresh_machine_says_idle_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("ZOOMBRIDGE_HOME", str(home))
    result = runner.invoke(app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["connection"], report["process"]) == ("default", "idle")
    assert sum(report["files"].values()) == 0
    unknown = runner.invoke(app, ["status", "--connection", "other"])
    assert unknown.exit_code == 2
    assert "no connection named 'other'" in unknown.output
    assert not home.exists()
