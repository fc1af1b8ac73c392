"""`zoombridge user`: the first admin comes from here; bad input is refused and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zoombridge.accounts import Role
from zoombridge.accounts.users import authenticate
from zoombridge.app import ZoomBridge
from zoombridge.cli import app
from zoombridge.clock import SystemClock
from zoombridge.errors import SignInRefused

runner = CliRunner()
PASSWORD = "a long enough passphrase"


def _users() -> list[dict[str, object]]:
    listed = runner.invoke(app, ["user", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    users: list[dict[str, object]] = json.loads(listed.output)
    return users


def test_add_list_and_change_a_password(home: Path) -> None:
    added = runner.invoke(
        app,
        ["user", "add", "Ada@Example.edu", "--role", "admin", "--name", "Ada", "--password", "-"],
        input=PASSWORD + "\n",
    )
    assert added.exit_code == 0, added.output
    assert _users() == [
        {
            "id": 1,
            "email": "ada@example.edu",
            "name": "Ada",
            "role": "admin",
            "disabled": False,
            "has_password": True,
        }
    ]
    changed = runner.invoke(
        app,
        ["user", "password", "ada@example.edu", "--password", "-"],
        input="another long passphrase\n",
    )
    assert changed.exit_code == 0, changed.output
    catalog = ZoomBridge.from_env().catalog()
    try:
        now = SystemClock().now()
        assert (
            authenticate(catalog, "ada@example.edu", "another long passphrase", "t", now).role
            is Role.ADMIN
        )
        with pytest.raises(SignInRefused):
            authenticate(catalog, "ada@example.edu", PASSWORD, "t", now)
    finally:
        catalog.dispose()


@pytest.mark.parametrize(
    ("arguments", "password", "reason"),
    [
        (["not-an-address"], PASSWORD, "not an e-mail address"),
        (["ada@example.edu"], "short", "12 to 1024 characters"),
        (["ada@example.edu"], "ada@example.edu", "must not be the e-mail address"),
        (["ada@example.edu", "--role", "owner"], PASSWORD, "unknown role 'owner'"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_added(
    home: Path, arguments: list[str], password: str, reason: str
) -> None:
    result = runner.invoke(
        app, ["user", "add", *arguments, "--password", "-"], input=password + "\n"
    )
    assert result.exit_code == 1
    assert reason in result.output
    assert _users() == []


def test_an_address_is_taken_once(home: Path) -> None:
    command = ["user", "add", "ada@example.edu", "--password", "-"]
    assert runner.invoke(app, command, input=PASSWORD + "\n").exit_code == 0
    again = runner.invoke(
        app, [*command[:2], "ADA@example.edu", *command[3:]], input=PASSWORD + "\n"
    )
    assert again.exit_code == 1
    assert "already a user ada@example.edu" in again.output
    assert len(_users()) == 1


def test_role_disable_and_enable(home: Path) -> None:
    command = ["user", "add", "ada@example.edu", "--password", "-"]
    assert runner.invoke(app, command, input=PASSWORD + "\n").exit_code == 0
    assert runner.invoke(app, ["user", "role", "ada@example.edu", "manager"]).exit_code == 0
    assert _users()[0]["role"] == "manager"
    assert runner.invoke(app, ["user", "disable", "ada@example.edu"]).exit_code == 0
    catalog = ZoomBridge.from_env().catalog()
    try:
        with pytest.raises(SignInRefused):
            authenticate(catalog, "ada@example.edu", PASSWORD, "t", SystemClock().now())
        assert runner.invoke(app, ["user", "enable", "ada@example.edu"]).exit_code == 0
        user = authenticate(catalog, "ada@example.edu", PASSWORD, "t", SystemClock().now())
        assert user.role is Role.MANAGER
    finally:
        catalog.dispose()
    unknown = runner.invoke(app, ["user", "role", "bob@example.edu", "admin"])
    assert unknown.exit_code == 1
    assert "there is no user bob@example.edu" in unknown.output
    bad_role = runner.invoke(app, ["user", "role", "ada@example.edu", "root"])
    assert bad_role.exit_code == 1
    assert _users()[0]["role"] == "manager"
