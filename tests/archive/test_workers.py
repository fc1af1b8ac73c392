"""Two `zoombridge worker` processes on one PostgreSQL database against one emulated account.

The emulator runs on a loopback socket in this process, on the real clock, at Zoom's Free plan
(Medium calls: 2 a second per account), and logs every request it receives. Two workers with
distinct ids sync it. Listing is spread over both, so without the shared rate budget their
combined pace would be twice what the account allows and Zoom would answer 429.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from archive_helpers import served_files, sha256
from dbos import DBOSClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared_helpers import archived_rows, child_env
from zoombridge.db.models import RecordingFileRow
from zoombridge.emulator import build_world
from zoombridge.emulator.served import serve_in_thread
from zoombridge.emulator.world import World

ARCHIVE_SECONDS = 60.0
STOP_SECONDS = 15.0
ROUND_SECONDS = 20.0
# The Free plan's per-account limits (calls, window seconds), from Zoom's rate-limit page.
FREE_LIMITS = {"Light": (4, 1.0), "Medium": (2, 1.0), "Heavy": (1, 1.0)}


@dataclass(frozen=True)
class Seen:
    at: float  # when the emulator received it (monotonic)
    method: str
    path: str
    category: str | None  # the rate-limit label Zoom's answer named
    bearer: str | None
    status: int


@dataclass
class RequestLog:
    seen: list[Seen] = field(default_factory=list)

    def middleware(self, app: ASGIApp) -> ASGIApp:
        async def logged(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            at = time.monotonic()
            headers = dict(scope["headers"])
            bearer = headers.get(b"authorization", b"").decode().removeprefix("Bearer ") or None

            async def answer(message: Message) -> None:
                if message["type"] == "http.response.start":
                    sent = dict(message.get("headers", []))
                    category = sent.get(b"x-ratelimit-category")
                    self.seen.append(
                        Seen(
                            at,
                            scope["method"],
                            scope["path"],
                            category.decode() if category else None,
                            bearer,
                            message["status"],
                        )
                    )
                await send(message)

            await app(scope, receive, answer)

        return logged

    def api_calls(self) -> list[Seen]:
        return [s for s in self.seen if s.path.startswith("/v2/")]


@pytest.fixture
def world() -> World:
    world = build_world("small", seed=5, plan="free")  # on the real clock
    world.rate_headers = "always"  # every answer names its rate-limit category
    return world


@pytest.fixture
def emulator(world: World) -> Iterator[tuple[str, RequestLog]]:
    log = RequestLog()
    with serve_in_thread(world, wrap=log.middleware) as served:
        yield served.base, log


def worker_env(world: World, base: str, database_url: str, tmp: Path, name: str) -> dict[str, str]:
    return child_env(
        world,
        base,
        tmp / name,
        back_days=85,  # the world's recordings go 80 days back
        ZOOMBRIDGE_DATABASE_URL=database_url,
        ZOOMBRIDGE_STORAGE_URL=(tmp / "archive").as_uri(),
        ZOOMBRIDGE_WORKER_ID=name,
        ZOOMBRIDGE_ARCHIVE__POLL_SECONDS="2",
        ZOOMBRIDGE_ARCHIVE__CONCURRENCY="2",
    )


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture
def workers(
    world: World, emulator: tuple[str, RequestLog], postgres_url: str, tmp_path: Path
) -> Iterator[list[Worker]]:
    base, _ = emulator
    started = []
    for name in ("worker-a", "worker-b"):
        log = tmp_path / f"{name}.log"
        with log.open("w") as output:  # the child keeps its own copy of the file
            process = subprocess.Popen(
                [sys.executable, "-m", "zoombridge.cli", "worker", "--grace-seconds", "3"],
                env=worker_env(world, base, postgres_url, tmp_path, name),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        started.append(Worker(name, process, log))
    yield started
    for worker in started:  # a failed test must not leave workers behind
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait()


def wait_for_archive(
    workers: list[Worker], database_url: str, expected: set[str]
) -> dict[str, RecordingFileRow]:
    deadline = time.monotonic() + ARCHIVE_SECONDS
    rows: dict[str, RecordingFileRow] = {}
    while time.monotonic() < deadline:
        for worker in workers:
            if worker.process.poll() is not None:
                pytest.fail(
                    f"{worker.name} exited with {worker.process.returncode}:\n{worker.output()}"
                )
        try:
            rows = archived_rows(database_url)
        except Exception:  # noqa: BLE001 - the workers may still be creating the schema
            rows = {}
        if set(rows) >= expected:
            return rows
        time.sleep(0.5)
    pytest.fail(f"after {ARCHIVE_SECONDS} s, {len(expected - set(rows))} files not archived")


def busiest_window(times: list[float], window: float) -> int:
    """The most calls the log shows inside any one `window` seconds."""
    times = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_two_workers_share_the_archive_and_the_rate_budget(
    world: World,
    emulator: tuple[str, RequestLog],
    workers: list[Worker],
    postgres_url: str,
    tmp_path: Path,
) -> None:
    _, log = emulator
    expected = served_files(world)
    rows = wait_for_archive(workers, postgres_url, set(expected))

    # Every file archived, byte for byte.
    assert set(rows) == set(expected)
    for file_id, file in expected.items():
        stored = (tmp_path / "archive" / rows[file_id].storage_key).read_bytes()
        assert len(stored) == file.size, rows[file_id].storage_key
        assert sha256(stored) == rows[file_id].sha256 == file.sha256()

    # Each file downloaded exactly once, whichever worker did it.
    downloads = Counter(s.path for s in log.seen if s.path.startswith("/rec/download/"))
    assert downloads == Counter(f"/rec/download/{file.token}" for file in expected.values())

    # Both workers transferred files (DBOS records the executor of each workflow).
    done_by = finished_transfers(postgres_url, len(expected))
    assert set(done_by) == {"worker-a", "worker-b"}, done_by
    assert sum(done_by.values()) == len(expected)

    assert_rate_limits_kept(world, log)
    wait_for_a_round(workers)
    stop(workers)


def finished_transfers(postgres_url: str, expected: int) -> Counter[str]:
    """Successful transfer workflows by executor, once there are `expected` of them: a file
    is marked archived inside its workflow, which DBOS records finished a moment later."""
    client = DBOSClient(system_database_url=postgres_url)
    deadline = time.monotonic() + 30
    try:
        while True:
            transfers = client.list_workflows(workflow_id_prefix="zb-file:", load_output=False)
            done_by = Counter(s.executor_id for s in transfers if s.status == "SUCCESS")
            if sum(done_by.values()) >= expected or time.monotonic() > deadline:
                return done_by
            time.sleep(0.2)
    finally:
        client.destroy()


def wait_for_a_round(workers: list[Worker]) -> None:
    """The loop logs each finished round; the first one ends once the listing is settled."""
    deadline = time.monotonic() + ROUND_SECONDS
    while time.monotonic() < deadline:
        rounds = [w for w in workers if "sync of default (slot " in w.output()]
        if rounds:
            assert "0 failed" in rounds[0].output()
            return
        time.sleep(0.2)
    pytest.fail("no worker logged a finished round:\n" + workers[0].output())


def assert_rate_limits_kept(world: World, log: RequestLog) -> None:
    calls = log.api_calls()
    assert world.limiter.refusals == 0
    assert [s for s in calls if s.status == 429] == []
    by_category: dict[str, list[float]] = defaultdict(list)
    for call in calls:
        assert call.category, f"{call.path} answered without its rate-limit category"
        by_category[call.category].append(call.at)
    for category, times in by_category.items():
        limit, window = FREE_LIMITS[category]
        assert busiest_window(times, window) <= limit, category
    # The budget really bound: Medium calls ran at the account's limit for a while ...
    assert busiest_window(by_category["Medium"], 1.0) == 2
    assert len(by_category["Medium"]) >= 10
    # ... and both workers made them (each worker process holds its own access token).
    assert len({call.bearer for call in calls if call.category == "Medium"}) == 2


def stop(workers: list[Worker]) -> None:
    began = time.monotonic()
    for worker in workers:
        worker.process.send_signal(signal.SIGTERM)
    for worker in workers:
        assert worker.process.wait(timeout=STOP_SECONDS) == 0, worker.output()
        assert "worker stopped" in worker.output()
    assert time.monotonic() - began < STOP_SECONDS
