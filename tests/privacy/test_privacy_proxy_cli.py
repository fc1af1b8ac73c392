"""`zoombridge proxy key`: a key is shown once, listed without itself, revoked; bad input is
refused and writes nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zoombridge.cli import app
from zoombridge.db import open_catalog
from zoombridge.db.privacy_models import ProxyKey
from zoombridge.privacy.proxy_keys import digest

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("ZOOMBRIDGE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ZOOMBRIDGE_HOME", str(tmp_path))
    return tmp_path


def _listed() -> list[dict[str, object]]:
    listed = runner.invoke(app, ["proxy", "key", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    keys: list[dict[str, object]] = json.loads(listed.output)
    return keys


def test_create_list_and_revoke(home: Path) -> None:
    made = runner.invoke(
        app,
        [
            "proxy",
            "key",
            "create",
            "tableau",
            "--allow-ip",
            "10.1.2.3",
            "--allow-ip",
            "2001:db8::/32",
            "--json",
        ],
    )
    assert made.exit_code == 0, made.output
    created = json.loads(made.output)
    key = created["key"]
    assert key.startswith("zbp_")
    assert len(key) > 40
    assert created["allow_ips"] == ["10.1.2.3/32", "2001:db8::/32"]
    listed = _listed()
    assert [k["name"] for k in listed] == ["tableau"]
    assert "key" not in listed[0]
    assert key not in json.dumps(listed)
    assert listed[0]["prefix"] == key[:10]
    catalog = open_catalog(f"sqlite:///{home / 'zoombridge.sqlite'}")
    try:
        with catalog.session() as session:
            stored = session.query(ProxyKey).one()
            assert stored.key_sha256 == digest(key)  # only the hash is at rest
            assert key not in json.dumps([stored.name, stored.prefix, stored.allow_ips])
    finally:
        catalog.dispose()
    plain = runner.invoke(app, ["proxy", "key", "create", "other"])
    assert plain.exit_code == 0, plain.output
    assert plain.stdout.strip().startswith("zbp_")
    revoked = runner.invoke(app, ["proxy", "key", "revoke", "tableau"])
    assert revoked.exit_code == 0, revoked.output
    assert "Revoked tableau" in revoked.output
    by_name = {k["name"]: k for k in _listed()}
    assert by_name["tableau"]["revoked_at"] is not None
    assert by_name["other"]["revoked_at"] is None
    again = runner.invoke(app, ["proxy", "key", "revoke", "tableau"])
    assert again.exit_code == 1
    assert "no live proxy key" in again.output
    reused = runner.invoke(app, ["proxy", "key", "create", "tableau", "--json"])
    assert reused.exit_code == 0, reused.output  # a revoked key's name may be given again


@pytest.mark.parametrize(
    "arguments",
    [
        ["create", "bad-net", "--allow-ip", "10.0.0.0/33"],
        ["create", "bad-net", "--allow-ip", "somewhere"],
        ["create", "   "],
        ["create", "x" * 101],
    ],
)
def test_bad_input_is_refused_and_writes_nothing(home: Path, arguments: list[str]) -> None:
    refused = runner.invoke(app, ["proxy", "key", *arguments])
    assert refused.exit_code == 1, refused.output
    assert "refused" in refused.output
    assert _listed() == []


def test_a_live_name_is_not_given_twice(home: Path) -> None:
    assert runner.invoke(app, ["proxy", "key", "create", "etl"]).exit_code == 0
    twice = runner.invoke(app, ["proxy", "key", "create", "etl"])
    assert twice.exit_code == 1
    assert "revoke it first" in twice.output
    assert len(_listed()) == 1


def test_bad_rules_file_stops_the_proxy_before_it_listens(home: Path) -> None:
    rules = home / "rules.yaml"
    rules.write_text("version: 1\nendpoints: []\n")
    refused = runner.invoke(app, ["proxy", "--rules", str(rules)])
    assert refused.exit_code == 1
    assert "rules.yaml" in refused.output
