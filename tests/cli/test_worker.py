"""`zoombridge worker`: refuses bad configuration before touching anything, says how to run it.

Two workers at work on PostgreSQL are tested in tests/archive/test_workers.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from zoombridge.cli import app

runner = CliRunner()
CREDENTIALS = {
    "ZOOMBRIDGE_ZOOM__ACCOUNT_ID": "acct",
    "ZOOMBRIDGE_ZOOM__CLIENT_ID": "client",
    "ZOOMBRIDGE_ZOOM__CLIENT_SECRET": "secret",
}


def test_help_says_how_workers_share_and_that_sqlite_takes_one() -> None:
    result = runner.invoke(app, ["worker", "--help"], terminal_width=200)
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "ZOOMBRIDGE_DATABASE_URL=postgresql://" in text
    assert "ZOOMBRIDGE_WORKER_ID" in text
    assert "On the default SQLite database run exactly one worker" in text


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("ZOOMBRIDGE_ZOOM__CLIENT_SECRET", "", "set ZOOMBRIDGE_ZOOM__CLIENT_SECRET"),
        ("ZOOMBRIDGE_DATABASE_URL", "mysql://db/zb", "use SQLite or PostgreSQL"),
        ("ZOOMBRIDGE_ARCHIVE__POLL_SECONDS", "0", "ZOOMBRIDGE_ARCHIVE__POLL_SECONDS"),
        ("ZOOMBRIDGE_STORAGE_URL", "ftp://host/x", "ftp"),
    ],
)
def test_bad_configuration_is_refused_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("ZOOMBRIDGE_HOME", str(home))
    for name, setting in {**CREDENTIALS, variable: value}.items():
        monkeypatch.setenv(name, setting)
    result = runner.invoke(app, ["worker"])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert not home.exists()


def test_a_negative_grace_period_is_refused() -> None:
    result = runner.invoke(app, ["worker", "--grace-seconds", "-1"])
    assert result.exit_code == 2
    assert "--grace-seconds" in result.output
