"""Media work (probes, joins, poster frames) in a worker process, not beside the event loop.

PyAV's demux/remux loops run in Python and hold the GIL for most of their time: in a thread
they slowed the transfers' event loop (which reads the sockets) as much as they ran. A
worker process has its own interpreter, so a backfill's downloads and the media work of the
instances already archived go on side by side on two cores. One process: the transfers
keep the other core. It is started on first use ("spawn", never "fork": this process has
threads, and a forked child could inherit a lock held by one of them) and reused; a crash
of the worker (a damaged file can crash FFmpeg) starts a fresh one for the next call.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

__all__ = ["in_media_process", "shutdown_media_process"]

T = TypeVar("T")
MEDIA_PROCESSES = 1
MEDIA_NICENESS = 10  # added to the worker process's nice value

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            context = multiprocessing.get_context("spawn")
            _pool = ProcessPoolExecutor(
                max_workers=MEDIA_PROCESSES, mp_context=context, initializer=_lower_priority
            )
        return _pool


def _lower_priority() -> None:
    """Media work runs at a lower CPU priority than the archive: when the cores are busy, a
    backfill's transfers go first and the probes and joins of finished instances use what
    is left, instead of halving the transfers' pace."""
    os.nice(MEDIA_NICENESS)


async def in_media_process(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`work(*args, **kwargs)` in the media worker process (arguments and result pickled)."""
    pool = _executor()
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(pool, functools.partial(work, *args, **kwargs))
    except BrokenProcessPool:
        _forget(pool)
        raise RuntimeError(
            f"the media worker process stopped while running {work.__name__} "
            "(a damaged file can crash FFmpeg); the next sync tries again"
        ) from None


def _forget(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def shutdown_media_process() -> None:
    """Stop the worker process (at exit, or when a test wants a clean slate)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_media_process)
