"""`zoombridge meetings` against an emulated Zoom served over HTTP: hosts synced, a pool saved,
meetings created, listed, changed, moved and cancelled; refusals exit 1 saying why."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from zoombridge.cli import app
from zoombridge.cli.emulator import settings_for
from zoombridge.clock import ManualClock
from zoombridge.emulator import build_world
from zoombridge.emulator.served import serve_in_thread
from zoombridge.emulator.world import EmuUser, World

runner = CliRunner()
START = "2027-01-04T10:00:00Z"  # ahead of both the emulator's clock and the real one
HOSTS = ["host0@example.edu", "host1@example.edu", "host2@example.edu"]


@pytest.fixture
def world(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """Hosts 0 and 2 licensed, host 1 Basic, served at a local port the CLI is pointed at."""
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    emulated = build_world("empty", seed=7, clock=ManualClock(now))
    for index, email in enumerate(HOSTS):
        user = EmuUser(
            id=emulated.new_user_id(),
            email=email,
            first_name="Host",
            last_name=str(index),
            type=1 if index == 1 else 2,
            created_at=now - timedelta(days=30),
        )
        emulated.users[user.id] = user
    with serve_in_thread(emulated) as served:
        for name, value in settings_for(emulated, served.base).items():
            monkeypatch.setenv(name, value)
        yield emulated


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["meetings", *args])
    assert result.exit_code == code, result.output
    return result.output


def as_json(*args: str) -> Any:
    return json.loads(run(*args, "--json"))


def synced_with_pool() -> None:
    hosts = as_json("hosts", "--sync")
    assert {h["email"]: h["capacity"] for h in hosts if h["email"] in HOSTS} == {
        HOSTS[0]: 2,
        HOSTS[1]: 1,
        HOSTS[2]: 2,
    }
    assert as_json("pool", "P", *HOSTS) == {"name": "P", "hosts": HOSTS}


def test_a_pool_meeting_is_created_listed_shown_changed_and_cancelled(world: World) -> None:
    synced_with_pool()
    made = as_json("create", "--topic", "Thermodynamics", "--start", START, "--pool", "P")
    zoom = world.meetings[made["zoom_id"]]
    assert made["host_email"] == world.users[zoom.host_id].email != HOSTS[1]  # licensed first
    assert made["created_by"] == "cli"
    assert [m["id"] for m in as_json("list")] == [made["id"]]
    table = run("list")
    assert str(made["zoom_id"]) in table
    assert "Thermodyn" in table
    assert "…" not in table  # folded in a narrow terminal, never cut
    shown = as_json("show", str(made["id"]))
    assert shown["links"] == []
    assert "start_url" not in json.dumps(shown)
    assert zoom.password not in json.dumps(shown)
    changed = as_json("update", str(made["id"]), "--topic", "Thermodynamics II")
    assert changed["sent"] == ["topic"]
    assert zoom.topic == "Thermodynamics II"
    assert "nothing (no change)" in run("update", str(made["id"]), "--topic", "Thermodynamics II")
    cancelled = as_json("cancel", str(made["id"]))
    assert cancelled["state"] == "cancelled"
    assert zoom.deleted_at is not None
    assert as_json("list") == []
    assert [m["state"] for m in json.loads(run("list", "--all", "--json"))] == ["cancelled"]


def test_a_busy_host_and_bad_input_exit_1_saying_why_and_make_nothing(world: World) -> None:
    synced_with_pool()
    first = as_json("create", "--topic", "Budget review", "--start", START, "--host", HOSTS[1])
    before = set(world.meetings)
    busy = run("create", "--topic", "Seminar", "--start", START, "--host", HOSTS[1], code=1)
    flat = " ".join(busy.split())
    assert "host1@example.edu is not free" in flat
    assert f"Budget review (Zoom meeting {first['zoom_id']})" in flat
    bad_zone = run(
        "create", "--topic", "T", "--start", START, "--host", HOSTS[0], "--timezone", "Mars/X",
        code=1,
    )  # fmt: skip
    assert "not an IANA time zone" in " ".join(bad_zone.split())
    both = run(
        "create", "--topic", "T", "--start", START, "--host", HOSTS[0], "--pool", "P", code=1
    )
    assert "either a host" in " ".join(both.split())
    unknown = run("pool", "Q", "nobody@example.edu", code=1)
    assert "no Zoom user with nobody@example.edu" in " ".join(unknown.split())
    assert set(world.meetings) == before
    assert [m["topic"] for m in as_json("list")] == ["Budget review"]


def test_transfer_dry_run_names_what_is_missing_and_a_refusal_exits_1(world: World) -> None:
    synced_with_pool()
    made = as_json("create", "--topic", "Lab", "--start", START, "--host", HOSTS[0])
    check = as_json("transfer", str(made["id"]), "--to", HOSTS[1], "--dry-run")
    assert check["possible_in_place"] is False
    assert any("host1@example.edu is not licensed" in m for m in check["in_place_missing"])
    said = " ".join(run("transfer", str(made["id"]), "--to", HOSTS[1], "--dry-run").split())
    assert "missing: host1@example.edu is not licensed" in said
    refused = run("transfer", str(made["id"]), "--to", HOSTS[1], code=1)
    assert "ask again with recreate" in " ".join(refused.split())
    moved = as_json("transfer", str(made["id"]), "--to", HOSTS[1], "--recreate")
    assert moved["host_email"] == HOSTS[1]
    assert moved["zoom_id"] != made["zoom_id"]  # a new meeting and link: chosen explicitly
    assert world.meetings[made["zoom_id"]].deleted_at is not None


def test_the_meetings_commands_include_the_reconcile() -> None:
    listed = runner.invoke(app, ["meetings", "--help"])
    for command in ("hosts", "pool", "create", "list", "show", "update", "transfer", "cancel"):
        assert command in listed.output
    assert "reconcile" in listed.output
