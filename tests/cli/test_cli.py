"""The `zoombridge` command: demo over a real socket, emulator options, clear refusals."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from zoombridge.cli import app
from zoombridge.cli.emulator import settings_for
from zoombridge.emulator import build_world

runner = CliRunner()


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "emulator" in result.output
    assert "demo" in result.output


def test_demo_checks_a_whole_account_over_a_real_socket() -> None:
    result = runner.invoke(app, ["demo", "--scenario", "small", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["problems"] == []
    assert report["files_verified"] > 20
    assert report["users_by_status"]["inactive"] >= 1
    assert report["phone_recordings"] > 0
    assert {"MP4", "M4A", "CC", "TIMELINE", "TRANSCRIPT", "CHAT"} <= set(report["files_by_type"])


def test_unknown_scenario_is_refused_clearly() -> None:
    for command in (["demo", "--scenario", "nope"], ["emulator", "--scenario", "nope"]):
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
