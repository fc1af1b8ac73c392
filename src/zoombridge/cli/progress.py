"""Rich progress bars: archive transfers (files done, bytes written, rate, time left) and the
integrity check (bytes read back)."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from zoombridge.archive.runtime import Progress as ArchiveProgress

__all__ = ["CountBar", "TransferBars", "VerifyBar"]


class _Bars:
    """Rich bars started and stopped as a context; drawn only when `enabled`."""

    _bars: Progress

    def __enter__(self) -> Self:
        self._bars.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._bars.stop()


class VerifyBar(_Bars):
    """One bar over the bytes read back, drawn on stderr only when it is a terminal."""

    def __init__(self, console: Console, *, enabled: bool) -> None:
        self._bars = Progress(
            TextColumn("verify"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not enabled,
        )
        self._task: TaskID = self._bars.add_task("verify", total=0)

    def start(self, objects: int, size: int) -> None:
        self._bars.update(self._task, total=size)

    def advance(self, size: int) -> None:
        self._bars.advance(self._task, size)


class TransferBars(_Bars, ArchiveProgress):
    """Two bars (files and bytes), drawn on stderr only when it is a terminal."""

    def __init__(self, console: Console, *, enabled: bool) -> None:
        self._bars = Progress(
            TextColumn("{task.description:<6}"),
            BarColumn(),
            MofNCompleteColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not enabled,
            transient=False,
        )
        self._files: TaskID = self._bars.add_task("files", total=0, visible=False)
        self._bytes: TaskID = self._bars.add_task("bytes", total=0, visible=False)

    def discovered(self, files: int, size: int) -> None:
        for task, amount in ((self._files, files), (self._bytes, size)):
            total = (self._bars.tasks[task].total or 0) + amount
            self._bars.update(task, total=total, visible=True)

    def advance(self, size: int) -> None:
        self._bars.advance(self._bytes, size)

    def finished(self, file_id: str, state: str) -> None:
        self._bars.advance(self._files, 1)


class CountBar(_Bars):
    """One bar over a count of items (instances re-indexed, say), on stderr when a terminal."""

    def __init__(self, console: Console, label: str, *, enabled: bool) -> None:
        self._bars = Progress(
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not enabled,
        )
        self._task: TaskID = self._bars.add_task(label, total=0)

    def start(self, total: int) -> None:
        self._bars.update(self._task, total=total)

    def advance(self) -> None:
        self._bars.advance(self._task)
