"""The media worker process: a crash in it fails only that call, and the next one works."""

from __future__ import annotations

import asyncio
import operator
import os

import pytest

from zoombridge.archive.media_pool import in_media_process, shutdown_media_process


def test_a_crashed_worker_fails_its_call_and_a_fresh_one_serves_the_next() -> None:
    async def scenario() -> int:
        with pytest.raises(RuntimeError, match="media worker process stopped while running _exit"):
            await in_media_process(os._exit, 3)  # the worker dies, as a crash in FFmpeg would
        return await in_media_process(operator.add, 2, 3)

    try:
        assert asyncio.run(scenario()) == 5
    finally:
        shutdown_media_process()
