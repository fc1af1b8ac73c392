"""Worker processes: what crosses their pipe, and how they end."""

from __future__ import annotations

import pickle
import time
from datetime import UTC, datetime

from zoombridge.archive.child_process import ChildProcess, portable_error, running_children
from zoombridge.errors import DailyLimitReached, SizeMismatch, ZoomBridgeError


def test_an_error_that_pickles_crosses_the_pipe_as_itself() -> None:
    error = SizeMismatch("f1: Zoom announced 10 bytes and sent 9")
    assert portable_error(error) is error


def test_an_error_that_cannot_be_rebuilt_crosses_as_one_saying_the_same() -> None:
    """DailyLimitReached wants more than its message: its pickle does not load again."""
    ours = DailyLimitReached("daily limit", category="heavy", resume_at=datetime.now(UTC))
    theirs = KeyError("a bug")
    theirs.unpicklable = lambda: None  # type: ignore[attr-defined]
    for error, kind in ((ours, ZoomBridgeError), (theirs, RuntimeError)):
        sent = portable_error(error)
        assert type(sent) is kind
        assert str(sent) == f"{type(error).__name__}: {error}"
        assert str(pickle.loads(pickle.dumps(sent))) == str(sent)  # noqa: S301 - our own bytes


def test_stopping_an_idle_worker_ends_it_at_once_not_after_the_grace() -> None:
    """The reader thread's recv kept the socket open, so closing it alone sent no EOF: the
    worker waited out the whole grace period and was killed."""
    child = ChildProcess("zoombridge.archive.media_process", "zoombridge-test")
    assert child in running_children()
    began = time.monotonic()
    child.stop(grace=30.0)
    assert time.monotonic() - began < 10.0
    assert child.popen.returncode == 0  # it ended on its own, on EOF: not killed
    assert child not in running_children()
