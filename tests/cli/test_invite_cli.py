"""`zoombridge user invite` and `user reset`: by e-mail through a real SMTP server, or the
link printed where there is none; a failing server or bad input leaves nothing behind."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smtp_helpers import PUBLIC_URL, Inbox, free_port, smtp_server
from zoombridge.accounts.links import check_link, use_link
from zoombridge.app import ZoomBridge
from zoombridge.cli import app
from zoombridge.clock import SystemClock

runner = CliRunner()
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def inbox(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A mail server, and the installation's settings pointing at it."""
    with smtp_server() as server:
        _mail_settings(monkeypatch, server.port)
        yield server


def _mail_settings(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    variables = {"HOST": "127.0.0.1", "PORT": str(port), "SENDER": "zb@example.edu"}
    variables |= {"SECURITY": "none", "TIMEOUT": "5"}
    for name, value in variables.items():
        monkeypatch.setenv(f"ZOOMBRIDGE_MAIL__{name}", value)
    monkeypatch.setenv("ZOOMBRIDGE_PUBLIC_URL", PUBLIC_URL)


def _emails() -> list[str]:
    listed = runner.invoke(app, ["user", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    return [user["email"] for user in json.loads(listed.output)]


def _use(token: str) -> str:
    """Set the password through the link; the address it was for."""
    catalog = ZoomBridge.from_env().catalog()
    try:
        now = SystemClock().now()
        assert check_link(catalog, token, now).purpose in ("invite", "reset")
        return use_link(catalog, token, NEW_PASSWORD, now).email
    finally:
        catalog.dispose()


def test_without_mail_the_link_is_printed(home: Path) -> None:
    invited = runner.invoke(app, ["user", "invite", "ada@example.edu", "--role", "manager"])
    assert invited.exit_code == 0, invited.output
    assert "No mail server is set up" in invited.output
    link = next(line for line in invited.output.splitlines() if "/password/" in line)
    assert link.startswith("/password/")
    assert "ZOOMBRIDGE_PUBLIC_URL" in invited.output
    assert _use(link.rsplit("/", 1)[1]) == "ada@example.edu"

    reset = runner.invoke(app, ["user", "reset", "ada@example.edu", "--json"])
    assert reset.exit_code == 0, reset.output
    answer = json.loads(reset.output)
    assert (answer["purpose"], answer["mailed"], answer["role"]) == ("reset", False, "manager")
    assert _use(answer["link"].rsplit("/", 1)[1]) == "ada@example.edu"


def test_with_mail_the_links_go_out_by_mail(inbox: Inbox) -> None:
    invited = runner.invoke(app, ["user", "invite", "ada@example.edu", "--json"])
    assert invited.exit_code == 0, invited.output
    assert json.loads(invited.output) | {"expires_at": None} == {
        "email": "ada@example.edu",
        "role": "viewer",
        "purpose": "invite",
        "expires_at": None,
        "mailed": True,
        "link": None,
    }
    assert _use(inbox.wait_for(1)[0].token()) == "ada@example.edu"
    reset = runner.invoke(app, ["user", "reset", "ADA@example.edu"])
    assert reset.exit_code == 0, reset.output
    assert "was e-mailed to ada@example.edu" in reset.output
    assert inbox.wait_for(2)[1].message["Subject"] == "Set a new password for the zoombridge portal"


def test_a_mail_server_that_is_down_ends_with_code_3_and_keeps_nothing(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _mail_settings(monkeypatch, free_port())
    failed = runner.invoke(app, ["user", "invite", "ada@example.edu"])
    assert failed.exit_code == 3
    assert "mail not sent" in failed.output
    assert "withdrawn" in failed.output
    assert _emails() == []


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["invite", "ada@example.edu", "--role", "emperor"], "unknown role"),
        (["invite", "not an address"], "is not an e-mail address"),
        (["reset", "nobody@example.edu"], "there is no user nobody@example.edu"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    home: Path, arguments: list[str], complaint: str
) -> None:
    refused = runner.invoke(app, ["user", *arguments])
    assert refused.exit_code == 1
    assert complaint in refused.output
    assert _emails() == []
