"""The media worker process's side: calls run one at a time, at a lower CPU priority.

Started by child_process in a fresh interpreter, it imports PyAV and the media modules only
as the calls it receives name them. The archive sends `(id, (MediaWork, args, kwargs))`; the
worker answers `{"value": ...}` or `{"error": exc}`.
"""

from __future__ import annotations

import os
from multiprocessing.connection import Connection
from typing import Any

from zoombridge.archive.child_process import portable_error
from zoombridge.archive.media_pool import MediaWork

__all__ = ["MEDIA_NICENESS", "serve"]

MEDIA_NICENESS = 10  # added to the worker process's nice value


def serve(conn: Connection) -> None:
    """Run the calls that arrive on `conn`, in order, until it closes.

    Media work runs at a lower CPU priority than the archive: when the cores are busy, a
    backfill's transfers go first and the probes and joins of finished instances use what
    is left, instead of halving the transfers' pace."""
    os.nice(MEDIA_NICENESS)
    while True:
        try:
            call_id, (work, args, kwargs) = conn.recv()
        except (EOFError, OSError):  # the archive closed the pipe, or is gone
            return
        try:
            conn.send((call_id, True, _outcome(work, args, kwargs)))
        except OSError:
            return


def _outcome(work: MediaWork[Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    try:
        value = work.function()(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - raised again in the archive's process
        return {"error": portable_error(exc)}
    return {"value": value}
