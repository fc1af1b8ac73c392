"""Worker processes that import only their own module, and the duplex pipe to each.

multiprocessing's "spawn" re-imports the parent's main module in every child: for the CLI
that is the whole application (DBOS, SQLAlchemy, FastAPI, PyAV), about 100 MB in each
worker that its work never uses. A fresh interpreter running one module imports only what
that module needs: `python -m zoombridge.archive.child_process MODULE FD` calls
`MODULE.serve(pipe)`. ("fork" is not an option either: this process has threads, and a
forked child could inherit a lock one of them held.)

The protocol is small. This process sends `(request id, request)`; the worker sends back
`(request id, False, note)` as often as it likes while it works (progress) and then
`(request id, True, outcome)` once; an error in an outcome goes as itself (portable_error).
When the pipe closes, the worker's end reads EOF: a
worker must end then, so none outlives the process that started it, however that ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import itertools
import os
import pickle
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from zoombridge.errors import ZoomBridgeError

__all__ = ["ChildGone", "ChildProcess", "portable_error", "running_children"]

Notes = Callable[[Any], None]
RUNNER = "zoombridge.archive.child_process"  # this module, as the worker's main
_SOURCE_ROOT = str(Path(__file__).resolve().parents[2])  # where `zoombridge` is imported from
_running: set[ChildProcess] = set()
_running_lock = threading.Lock()


class ChildGone(Exception):
    """The worker process ended (killed, crashed, out of memory) before it answered."""


class ChildProcess:
    """One worker process running `module.serve`, and the requests it has not answered."""

    def __init__(self, module: str, name: str) -> None:
        self.name = name
        ours, theirs = Pipe(duplex=True)
        self.popen = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", RUNNER, module, str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            env=_child_environment(),
        )
        theirs.close()
        self._conn = ours
        self._send_lock = threading.Lock()
        self._ids = itertools.count()
        self._waiting: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Future[Any], Notes]] = {}
        self.alive = True
        with _running_lock:
            _running.add(self)
        threading.Thread(target=self._read_answers, name=f"{name} answers", daemon=True).start()

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def load(self) -> int:
        """Requests sent and not yet answered."""
        return len(self._waiting)

    async def call(self, request: Any, notes: Notes = lambda note: None) -> Any:
        """Send `request`, pass the worker's notes on it to `notes` (on this loop), and return
        its outcome. Raises ChildGone if the worker ends first."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Any] = loop.create_future()
        request_id = next(self._ids)
        self._waiting[request_id] = (loop, answer, notes)
        try:
            with self._send_lock:
                self._conn.send((request_id, request))
        except OSError:
            self._waiting.pop(request_id, None)
            self.alive = False
            raise ChildGone from None
        except BaseException:  # a request that cannot be pickled: nothing was sent
            self._waiting.pop(request_id, None)
            raise
        return await answer

    def _read_answers(self) -> None:
        """In a thread of its own: notes and answers go to the loop of whoever waits."""
        while True:
            try:
                request_id, final, payload = self._conn.recv()
            except (EOFError, OSError):
                break
            entry = self._waiting.pop(request_id, None) if final else self._waiting.get(request_id)
            if entry is None:
                continue
            loop, answer, notes = entry
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits
                if final:
                    loop.call_soon_threadsafe(_settle, answer, payload, False)
                else:
                    loop.call_soon_threadsafe(notes, payload)
        self._ended()

    def _ended(self) -> None:
        self.alive = False
        with _running_lock:
            _running.discard(self)
        while self._waiting:
            loop, answer, _ = self._waiting.popitem()[1]
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, answer, None, True)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(10)  # reap it: its end of the pipe closes as it exits

    def stop(self, grace: float = 0.0) -> None:
        """Close the pipe, let the worker end within `grace` seconds, then kill it."""
        self.alive = False
        # shutdown, not only close: the reader thread's recv holds the socket open
        with (
            contextlib.suppress(OSError),  # the worker's end closed it already
            socket.fromfd(self._conn.fileno(), socket.AF_UNIX, socket.SOCK_STREAM) as end,
        ):
            end.shutdown(socket.SHUT_RDWR)
        self._conn.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(grace)
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(5)


def _settle(answer: asyncio.Future[Any], payload: Any, gone: bool) -> None:
    if answer.done():  # cancelled while the worker still worked on it
        return
    if gone:
        answer.set_exception(ChildGone())
    else:
        answer.set_result(payload)


def portable_error(exc: Exception) -> Exception:
    """`exc` if it survives the pipe, else an error saying the same that does (of our kind
    if it was: an exception whose constructor wants more than its message cannot be rebuilt
    from its pickle, and the reader thread would take that for the worker's end)."""
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 - our own bytes, just made
    except Exception:  # noqa: BLE001 - any failure to round-trip
        kind = ZoomBridgeError if isinstance(exc, ZoomBridgeError) else RuntimeError
        return kind(f"{type(exc).__name__}: {exc}")
    return exc


def _child_environment() -> dict[str, str]:
    """This process's environment, with zoombridge importable however it was found here."""
    environment = dict(os.environ)
    paths = [_SOURCE_ROOT, *filter(None, environment.get("PYTHONPATH", "").split(os.pathsep))]
    environment["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return environment


def running_children() -> list[ChildProcess]:
    """The worker processes of this process that have not ended."""
    with _running_lock:
        return [child for child in _running if child.alive]


def _serve(module: str, fd: int) -> None:
    """A worker's main: `module.serve` with the pipe to the process that started it."""
    importlib.import_module(module).serve(Connection(fd))


if __name__ == "__main__":
    _serve(sys.argv[1], int(sys.argv[2]))
