"""`zoombridge connection ...`, and sync/status over several connections, against the emulator
on a real socket. No command may print a secret; a refused `add` writes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zoombridge.cli import app
from zoombridge.cli.emulator import settings_for
from zoombridge.clock import SystemClock
from zoombridge.emulator import DEFAULT_CREDENTIALS, build_world
from zoombridge.emulator.served import serve_in_thread
from zoombridge.emulator.world import World

runner = CliRunner()
SECRET = DEFAULT_CREDENTIALS["client_secret"]


@pytest.fixture
def served() -> Iterator[tuple[World, str]]:
    world = build_world("small", seed=2, clock=SystemClock(), users=2, phone=False)
    with serve_in_thread(world) as zoom:
        yield world, zoom.base


def add_args(base: str, name: str = "tenant", *extra: str) -> list[str]:
    start = (SystemClock().now() - timedelta(days=100)).date().isoformat()
    return [
        "connection",
        "add",
        name,
        "--account-id",
        DEFAULT_CREDENTIALS["account_id"],
        "--client-id",
        DEFAULT_CREDENTIALS["client_id"],
        "--plan",
        "business",
        "--api-url",
        f"{base}/v2",
        "--oauth-url",
        base,
        "--start-date",
        start,
        *extra,
    ]


def no_secret_in(home: Path, *outputs: str) -> None:
    for output in outputs:
        assert SECRET not in output
    for path in home.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_add_sync_status_disable_remove(served: tuple[World, str], home: Path) -> None:
    world, base = served
    added = runner.invoke(app, add_args(base), input=SECRET + "\n")  # the hidden prompt
    assert added.exit_code == 0, added.output
    assert "Zoom accepted the credentials" in added.output
    listed = runner.invoke(app, ["connection", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    [info] = json.loads(listed.stdout)
    assert (info["name"], info["source"], info["enabled"]) == ("tenant", "catalog", True)
    assert info["archive"]["start_date"]
    shown = runner.invoke(app, ["connection", "show", "tenant"])
    assert shown.exit_code == 0, shown.output
    assert "tenant" in shown.stdout

    synced = runner.invoke(app, ["sync", "--once", "--json"])  # every enabled connection
    assert synced.exit_code == 0, synced.output
    [summary] = [json.loads(line) for line in synced.stdout.splitlines()]
    assert summary["connection"] == "tenant"
    assert (summary["failed"], summary["error"]) == (0, None)
    completed = [
        f for i in world.instances.values() for f in i.all_files() if f.status == "completed"
    ]
    assert summary["verified"] == len(completed) > 0
    assert len(list((home / "archive" / "tenant").rglob("meeting.json"))) > 0
    status = runner.invoke(app, ["status", "--json"])
    assert status.exit_code == 0, status.output
    [report] = [json.loads(line) for line in status.stdout.splitlines()]
    assert (report["connection"], report["process"]) == ("tenant", "finished")
    assert report["files"]["archived"] == summary["verified"]

    assert runner.invoke(app, ["connection", "disable", "tenant"]).exit_code == 0
    refused = runner.invoke(app, ["sync", "--once"])
    assert refused.exit_code == 2
    assert "connection enable" in refused.output
    removed = runner.invoke(app, ["connection", "remove", "tenant"])
    assert removed.exit_code == 0, removed.output
    assert "archived files and history were kept" in " ".join(removed.output.split())
    empty = runner.invoke(app, ["connection", "list"])
    assert "No connection yet" in empty.stdout
    no_secret_in(home, *(r.output for r in (added, listed, shown, synced, status, removed)))


@pytest.mark.parametrize(
    ("name", "extra", "message"),
    [
        ("tenant", ["--client-secret", "wrong"], "Invalid client"),
        ("tenant", ["--plan", "enterprise"], "--plan"),
        ("tenant", ["--proxy", "proxy.example:3128"], "--proxy"),
        ("tenant", ["--users", "nobody"], "--users"),
        ("tenant", ["--key-template", "{topic}"], "must contain {uuid}"),
        ("tenant", ["--concurrency", "0"], "--concurrency"),
        ("tenant", ["--delete-action", "purge"], "--delete-action"),
        ("tenant", ["--delete-grace-days", "-1"], "--delete-grace-days"),
        ("tenant", ["--start-date", "2026-13-40"], "--start-date"),
        ("default", [], "ZOOMBRIDGE_ZOOM__"),
    ],
)
def test_add_refuses_bad_input_and_writes_nothing(
    served: tuple[World, str], home: Path, name: str, extra: list[str], message: str
) -> None:
    _, base = served
    args = add_args(base, name, *extra)
    if "--client-secret" not in extra:
        args += ["--client-secret", SECRET]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("configuration: ")  # as every command says it
    assert message.lower() in " ".join(result.output.split()).lower()
    assert not home.exists()


def test_add_names_missing_scopes_and_an_unreachable_zoom(
    served: tuple[World, str], home: Path
) -> None:
    world, base = served
    scopes = world.apps[DEFAULT_CREDENTIALS["client_id"]].scopes
    scopes -= {scope for scope in scopes if scope.startswith("user:")}
    result = runner.invoke(app, [*add_args(base), "--client-secret", SECRET])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "lacks scopes: user:read:list_users:admin" in text
    assert "nothing was saved" in text
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens
    result = runner.invoke(app, [*add_args(closed), "--client-secret", SECRET])
    assert result.exit_code == 2, result.output
    assert "--no-check" in result.output
    assert not home.exists()


def test_add_without_check_reads_the_secret_from_stdin(home: Path) -> None:
    args = add_args("http://127.0.0.1:9", "offline", "--client-secret", "-", "--no-check")
    added = runner.invoke(app, args, input=SECRET + "\n")
    assert added.exit_code == 0, added.output
    assert "not checked with Zoom" in added.output
    again = runner.invoke(app, args, input=SECRET + "\n")
    assert again.exit_code == 2
    assert "exists already" in again.output
    (home / "secret.key").chmod(0o644)
    exposed = runner.invoke(app, [*args[:2], "other", *args[3:]], input=SECRET + "\n")
    assert exposed.exit_code == 2
    assert "chmod 600" in " ".join(exposed.output.split())
    assert "other" not in runner.invoke(app, ["connection", "list"]).stdout
    no_secret_in(home, added.output)


@pytest.mark.parametrize(
    ("problem", "message"),
    [("bad secret", "invalid_client"), ("no recording scope", "lacks scopes: cloud_recording")],
)
def test_a_first_sync_with_bad_credentials_or_scopes_writes_nothing(
    served: tuple[World, str],
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    problem: str,
    message: str,
) -> None:
    world, base = served
    for name, value in settings_for(world, base).items():
        monkeypatch.setenv(name, value)
    if problem == "bad secret":
        monkeypatch.setenv("ZOOMBRIDGE_ZOOM__CLIENT_SECRET", "not-the-secret")
    else:
        scopes = world.apps[DEFAULT_CREDENTIALS["client_id"]].scopes
        scopes -= {scope for scope in scopes if "recording" in scope}
    result = runner.invoke(app, ["sync", "--once"])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert not home.exists()
