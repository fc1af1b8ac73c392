"""Start the emulator (or the baseline app) as a separate uvicorn process on loopback, and
ask a served emulator what the benches need besides its API: an access token, its 429 count.

A separate process keeps the load generator and the server from sharing one GIL, as they
would not in real use.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from zoombridge.emulator import DEFAULT_CREDENTIALS
from zoombridge.emulator.served import free_port

__all__ = [
    "access_token",
    "archive_emulator",
    "baseline",
    "emulator",
    "free_port",
    "rate_limit_refusals",
    "server_pid",
]

REPO = Path(__file__).resolve().parent.parent  # so `python -m bench.*` finds the package
_pids: dict[str, int] = {}  # base URL -> the process serving it, while it serves


@contextlib.contextmanager
def _serve(command: list[str], port: int, probe_path: str) -> Iterator[str]:
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + probe_path, timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                detail = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"server did not start: {detail}")
            time.sleep(0.1)
        _pids[base] = process.pid
        yield base
    finally:
        _pids.pop(base, None)
        process.terminate()
        process.wait(10)
        if process.stderr:
            process.stderr.close()


@contextlib.contextmanager
def emulator(scenario: str, *, plan: str = "business", rate_limits: bool = True) -> Iterator[str]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "zoombridge.cli",
        "emulator",
        "--port",
        str(port),
        "--scenario",
        scenario,
        "--plan",
        plan,
        "--rate-limits" if rate_limits else "--no-rate-limits",
    ]
    with _serve(command, port, "/_emulator/state") as base:
        yield base


@contextlib.contextmanager
def archive_emulator(
    scenario: str,
    *,
    plan: str = "business",
    rate_limits: bool = True,
    overrides: dict[str, object] | None = None,
) -> Iterator[str]:
    """The emulator of `bench.archive_server`: scenario overrides, requests counted."""
    port = free_port()
    limits = "on" if rate_limits else "off"
    options = json.dumps(overrides or {})
    command = [sys.executable, "-m", "bench.archive_server", str(port), scenario, plan, limits]
    with _serve([*command, options], port, "/_bench/requests") as base:
        yield base


@contextlib.contextmanager
def baseline(download_bytes: int) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "bench.baseline", str(port), str(download_bytes)]
    with _serve(command, port, "/health") as base:
        yield base


def server_pid(base: str) -> int:
    """The process serving `base` (started by this module), for its CPU time."""
    return _pids[base]


def access_token(base: str) -> str:
    """A token of the emulator's Server-to-Server app, for benches that call its API bare."""
    c = DEFAULT_CREDENTIALS
    answer = httpx.post(
        f"{base}/oauth/token",
        data={"grant_type": "account_credentials", "account_id": c["account_id"]},
        auth=(c["client_id"], c["client_secret"]),
        timeout=10,
    )
    answer.raise_for_status()
    token: str = answer.json()["access_token"]
    return token


def rate_limit_refusals(base: str) -> int:
    """How many requests the emulator has answered with 429."""
    state = httpx.get(f"{base}/_emulator/state", timeout=10).json()
    return int(state["rate_limit_refusals"])
