"""Every `zoombridge` command loads the CLI package, so it must not load what only some
commands use: the web server, the portal and the emulator's web app come in with `serve`,
`proxy serve`, `emulator` and `demo`, not with `sync` or `status`."""

from __future__ import annotations

import subprocess
import sys

import zoombridge.emulator as emulator

ONLY_WHEN_SERVING = (
    "fastapi",
    "uvicorn",
    "jinja2",
    "prometheus_client",
    "zoombridge.web.auth",
    "zoombridge.web.service",
    "zoombridge.emulator.app",
)


def test_the_cli_loads_no_web_stack() -> None:
    script = (
        "import sys\n"
        "import zoombridge.cli\n"
        f"print(sorted(name for name in {ONLY_WHEN_SERVING!r} if name in sys.modules))\n"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]", out.stderr


def test_every_emulator_name_resolves() -> None:
    assert set(emulator.__all__) == set(emulator._WHERE)
    for name in emulator.__all__:
        assert getattr(emulator, name) is not None, name
