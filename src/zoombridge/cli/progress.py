"""Rich progress bars for archive transfers: files done, bytes written, rate, time left."""

from __future__ import annotations

from types import TracebackType

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

__all__ = ["TransferBars"]


class TransferBars(ArchiveProgress):
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

    def __enter__(self) -> TransferBars:
        self._bars.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._bars.stop()

    def discovered(self, files: int, size: int) -> None:
        for task, amount in ((self._files, files), (self._bytes, size)):
            total = (self._bars.tasks[task].total or 0) + amount
            self._bars.update(task, total=total, visible=True)

    def advance(self, size: int) -> None:
        self._bars.advance(self._bytes, size)

    def finished(self, file_id: str, state: str) -> None:
        self._bars.advance(self._files, 1)
