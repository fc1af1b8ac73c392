"""`zoombridge serve` as a user runs it: a separate process that Zoom (the emulator, over TCP)
sends webhooks to; a recording that just ended is archived without waiting for a poll."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared_helpers import archived_rows, catalog_url, child_env
from zoombridge.db.models import RecordingFileRow
from zoombridge.emulator import build_world
from zoombridge.emulator.served import Served, free_port, serve_in_thread

SECRET = "serve-test-secret"
METRICS_TOKEN = "serve-test-metrics-token"
STARTUP_SECONDS = 60.0


Service = tuple[Served, str, Path, subprocess.Popen[bytes], dict[str, str]]


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    world = build_world("empty", seed=1)
    with serve_in_thread(world, webhook_url=f"{url}/webhooks/zoom", webhook_secret=SECRET) as zoom:
        env = child_env(
            world,
            zoom.base,
            tmp_path / "home",
            back_days=20,
            webhook_secret=SECRET,
            ZOOMBRIDGE_ARCHIVE__POLL_SECONDS="3600",  # only a webhook can start the work
            ZOOMBRIDGE_METRICS_TOKEN=METRICS_TOKEN,
        )
        command = [sys.executable, "-m", "zoombridge.cli", "serve", "--port", str(port)]
        log = tmp_path / "serve.log"
        with log.open("wb") as stderr:
            process = subprocess.Popen(command, env=env, stderr=stderr)  # noqa: S603 - our own CLI
        try:
            _wait_healthy(url, process, log)
            yield zoom, url, tmp_path / "home", process, env
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"zoombridge serve exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("zoombridge serve did not become healthy")


def _archived(home: Path, uuid: str) -> dict[str, RecordingFileRow]:
    return archived_rows(catalog_url(home), meeting_uuid=uuid)


def test_a_recording_that_just_ended_is_archived_from_its_webhook(service: Service) -> None:
    zoom, _url, home, process, _env = service
    recorded = httpx.post(f"{zoom.base}/_emulator/meetings/record", json={"late_transcript": False})
    assert recorded.status_code == 201
    uuid = recorded.json()["uuid"]
    instance = zoom.world.instances[uuid]
    files = list(instance.all_files())
    expected = {file.id: file for file in files if file.id}

    deadline = time.monotonic() + 30
    archived: dict[str, RecordingFileRow] = {}
    while time.monotonic() < deadline and len(archived) < len(files):
        time.sleep(0.2)
        archived = _archived(home, uuid)
    assert len(archived) == len(files)
    for file_id, file in expected.items():
        assert archived[file_id].sha256 == file.sha256()
    # no listing of the user's recordings was needed after the start-up sync
    listings = [p for m, p, _ in zoom.seen if p.endswith("/recordings") and "/users/" in p]
    assert len(listings) <= 2  # the start-up sync's one window per user, nothing after
    _metrics_tell_what_happened(_url, len(files))

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0


def _metrics_tell_what_happened(url: str, archived: int) -> None:
    """/metrics of the running service: the webhook, the files, the Zoom client's calls."""
    auth = {"authorization": f"Bearer {METRICS_TOKEN}"}
    scraped = httpx.get(f"{url}/metrics", headers=auth, timeout=10)
    assert scraped.status_code == 200
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(scraped.text)
        for s in family.samples
    }
    default = ("connection", "default")
    accepted = (default, ("outcome", "accepted"), ("reason", ""))
    assert samples["zoombridge_webhook_requests_total", accepted] >= 1
    files = samples["zoombridge_recording_files", (default, ("state", "archived"))]
    assert files == archived
    assert samples["zoombridge_zoom_api_calls_total", (default,)] > 0
    assert ("zoombridge_sync_rounds_total", (default, ("outcome", "failed"))) in samples


def test_the_portal_signs_in_a_user_added_by_the_cli_and_shows_sync_status(
    service: Service,
) -> None:
    _zoom, url, _home, process, env = service
    password = "a long enough passphrase"
    add = [sys.executable, "-m", "zoombridge.cli", "user", "add", "ops@example.edu"]
    added = subprocess.run(  # noqa: S603 - our own CLI
        [*add, "--role", "admin", "--json"],
        env=env | {"ZOOMBRIDGE_USER_PASSWORD": password},
        capture_output=True,
        check=True,
    )
    assert json.loads(added.stdout)["role"] == "admin"
    with httpx.Client(base_url=url) as client:
        assert client.get("/status").headers["location"] == "/login?next=%2Fstatus"
        form = client.get("/login")
        assert form.headers["content-security-policy"].startswith("default-src 'self'")
        assert "secure" not in form.headers["set-cookie"].lower()  # plain HTTP here
        # behind a TLS proxy on a trusted address (127.0.0.1 by default): Secure and HSTS
        proxied = httpx.get(f"{url}/login", headers={"x-forwarded-proto": "https"})
        assert "; secure" in proxied.headers["set-cookie"].lower()
        assert proxied.headers["strict-transport-security"].startswith("max-age=")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        data = {"email": "ops@example.edu", "password": password, "csrf_token": token.group(1)}
        signed = client.post("/login", data=data | {"next": "/status"})
        assert (signed.status_code, signed.headers["location"]) == (303, "/status")
        page = client.get("/status")
        statuses = client.get("/api/status").json()
        assert page.status_code == 200
        assert "Sync status" in page.text
        assert [s["connection"] for s in statuses] == ["default"]
        _saving_settings_restarts_the_sync(client, statuses[0]["last_attempt_at"])
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0


def _saving_settings_restarts_the_sync(client: httpx.Client, first_attempt: str) -> None:
    """The poll is an hour: only the saved settings can start another round this soon."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the start-up round has run and finished
        status = client.get("/api/status").json()[0]
        if status["last_attempt_at"] and status["process"] != "running":
            first_attempt = status["last_attempt_at"]
            break
        time.sleep(0.2)
    assert first_attempt
    page = client.get("/connections/default")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    headers = {"x-csrf-token": token.group(1)}
    saved = client.put("/api/connections/default/settings", json={"enabled": True}, headers=headers)
    assert saved.status_code == 200
    deadline = time.monotonic() + 30
    attempt = first_attempt
    while attempt == first_attempt and time.monotonic() < deadline:
        time.sleep(0.2)
        attempt = client.get("/api/status").json()[0]["last_attempt_at"]
    assert attempt != first_attempt


def test_sync_without_once_keeps_syncing_and_stops_cleanly(tmp_path: Path) -> None:
    """A recording made while `zoombridge sync` runs is found by its next round."""
    world = build_world("empty", seed=1)
    home = tmp_path / "home"
    with serve_in_thread(world) as zoom:
        env = child_env(world, zoom.base, home, back_days=20, ZOOMBRIDGE_ARCHIVE__POLL_SECONDS="1")
        command = [sys.executable, "-m", "zoombridge.cli", "sync"]
        log = tmp_path / "sync.log"
        with log.open("wb") as stderr:
            process = subprocess.Popen(command, env=env, stderr=stderr)  # noqa: S603 - our own CLI
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while "Archive sync" not in log.read_text() and time.monotonic() < deadline:
                assert process.poll() is None, log.read_text()
                time.sleep(0.2)
            recorded = httpx.post(
                f"{zoom.base}/_emulator/meetings/record", json={"late_transcript": False}
            )
            uuid = recorded.json()["uuid"]
            files = list(zoom.world.instances[uuid].all_files())
            archived: dict[str, RecordingFileRow] = {}
            while len(archived) < len(files) and time.monotonic() < deadline + 30:
                time.sleep(0.3)
                archived = _archived(home, uuid)
            assert len(archived) == len(files), log.read_text()
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=20) == 0, log.read_text()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
