"""The media worker process: a crash in it fails only that call, and the next one works; media
functions named to it run there, and the archive's process never imports PyAV."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from shared_helpers import modules_loaded_by
from zoombridge.archive.instance_media import MEDIA_WORK, PROBE_MEDIA
from zoombridge.archive.media_pool import MediaWork, in_media_process, shutdown_media_process
from zoombridge.archive.media_results import MediaProbe


def test_a_crashed_worker_fails_its_call_and_a_fresh_one_serves_the_next() -> None:
    async def scenario() -> int:
        with pytest.raises(RuntimeError, match="media worker process stopped while running _exit"):
            await in_media_process(
                MediaWork[None]("os", "_exit"), 3
            )  # the worker dies, as a crash in FFmpeg would
        return await in_media_process(MediaWork[int]("operator", "add"), 2, 3)

    try:
        assert asyncio.run(scenario()) == 5
    finally:
        shutdown_media_process()


def test_named_media_work_runs_in_the_worker_and_its_errors_come_back() -> None:
    missing = MediaWork[str]("zoombridge.archive.media_files", "no_such_function")

    async def scenario() -> None:
        with pytest.raises(AttributeError, match="no_such_function"):
            await in_media_process(missing)
        probe = await in_media_process(PROBE_MEDIA, Path("/nonexistent/recording.mp4"))
        assert isinstance(probe, MediaProbe)
        assert probe.problem

    try:
        asyncio.run(scenario())
    finally:
        shutdown_media_process()


def test_every_named_media_function_exists() -> None:
    for work in MEDIA_WORK:
        assert callable(work.function()), work


def test_the_archive_process_never_imports_pyav() -> None:
    """The archive hands media work to the worker by name: PyAV stays out of its memory."""
    imports = "zoombridge.cli, zoombridge.archive.service, zoombridge.archive.instance_media"
    assert modules_loaded_by(imports, ["av"]) == []
