"""Every `zoombridge` command loads the CLI package, so it must not load what only some
commands use: the web server, the portal and the emulator's web app come in with `serve`,
`proxy serve`, `emulator` and `demo`, not with `sync` or `status`."""

from __future__ import annotations

from shared_helpers import modules_loaded_by

ONLY_WHEN_SERVING = [
    "fastapi",
    "uvicorn",
    "jinja2",
    "prometheus_client",
    "zoombridge.web.auth",
    "zoombridge.web.service",
    "zoombridge.emulator.app",
]


def test_the_cli_loads_no_web_stack() -> None:
    assert modules_loaded_by("zoombridge.cli", ONLY_WHEN_SERVING) == []
