"""Media work (probes, joins, poster frames) in a worker process, not beside the event loop.

PyAV's demux/remux loops run in Python and hold the GIL for most of their time: in a thread
they slowed the transfers' event loop (which reads the sockets) as much as they ran. A
worker process has its own interpreter, so a backfill's downloads and the media work of the
instances already archived go on side by side on two cores. One process: the transfers keep
the other core. It is started on first use, as a fresh interpreter that imports only the
media code (child_process says why), and reused. A crash of the worker (a damaged file can
crash FFmpeg) starts a fresh one for the next call.
"""

from __future__ import annotations

import atexit
import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from zoombridge.archive.child_process import ChildGone, ChildProcess

__all__ = ["MEDIA_NAME", "MediaWork", "in_media_process", "shutdown_media_process"]

T = TypeVar("T")
MEDIA_NAME = "zoombridge-media"
STOP_GRACE_SECONDS = 30.0  # a call under way may finish before the worker is killed


@dataclass(frozen=True)
class MediaWork(Generic[T]):
    """A media function named by its module, returning T: the archive's process never
    imports it, nor PyAV with it; the media worker imports it when it runs the call."""

    module: str
    name: str

    def function(self) -> Callable[..., T]:
        work: Callable[..., T] = getattr(importlib.import_module(self.module), self.name)
        return work


_lock = threading.Lock()
_child: ChildProcess | None = None


def _media_child() -> ChildProcess:
    global _child
    with _lock:
        if _child is None or not _child.alive:
            _child = ChildProcess("zoombridge.archive.media_process", MEDIA_NAME)
        return _child


async def in_media_process(work: MediaWork[T], *args: Any, **kwargs: Any) -> T:
    """`work(*args, **kwargs)` in the media worker process (arguments and result pickled)."""
    try:
        outcome = await _media_child().call((work, args, kwargs))
    except ChildGone:
        raise RuntimeError(
            f"the media worker process stopped while running {work.name} "
            "(a damaged file can crash FFmpeg); the next sync tries again"
        ) from None
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value


def shutdown_media_process() -> None:
    """Stop the worker process (at exit, or when a test wants a clean slate)."""
    global _child
    with _lock:
        child, _child = _child, None
    if child is not None:
        child.stop(STOP_GRACE_SECONDS)


atexit.register(shutdown_media_process)
