"""What a running archive needs per connection, reachable from durable workflow code.

DBOS workflows are plain module functions that get only serializable arguments (a connection
id, a file task); the live objects (Zoom client, catalog, store) are registered here when a
process starts serving a connection, and looked up by id when a workflow step runs.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from zoombridge.archive.publishing import HostAuthors
from zoombridge.clock import Clock
from zoombridge.db import Catalog
from zoombridge.settings import ArchiveSettings
from zoombridge.storage import Store
from zoombridge.zoom import ZoomClient

__all__ = ["ArchiveRuntime", "Progress", "bind", "runtime", "unbind"]


class Progress:
    """Progress reports from transfers; the CLI draws them, the default ignores them."""

    def discovered(self, files: int, size: int) -> None:
        """`files` more files, `size` more bytes, are waiting to be transferred."""

    def advance(self, size: int) -> None:
        """`size` bytes were written."""

    def finished(self, file_id: str, state: str) -> None:
        """One file's transfer ended with `state`."""


@dataclass
class ArchiveRuntime:
    connection_id: int
    name: str
    zoom: ZoomClient
    catalog: Catalog
    store: Store
    settings: ArchiveSettings
    clock: Clock
    progress: Progress = field(default_factory=Progress)
    # Switched off (from the portal) while the service runs: no sync rounds, and webhook
    # events wait in the inbox until it is switched on again. Kept by the sync loop.
    enabled: bool = True
    # Who a connection publishing as "Zoom user" makes the author (app wires the accounts'
    # HostAccounts in); None: such recordings get no author.
    authors: HostAuthors | None = None
    # Downloads at once in this process (the queue hands out more workflows than this).
    transfer_slots: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self.transfer_slots = asyncio.Semaphore(self.settings.concurrency)


_RUNTIMES: dict[int, ArchiveRuntime] = {}


def bind(archive: ArchiveRuntime) -> None:
    _RUNTIMES[archive.connection_id] = archive


def unbind(connection_id: int) -> None:
    _RUNTIMES.pop(connection_id, None)


def runtime(connection_id: int) -> ArchiveRuntime:
    try:
        return _RUNTIMES[connection_id]
    except KeyError:
        raise RuntimeError(
            f"connection {connection_id} is not served by this process; "
            "start it with zoombridge sync or zoombridge worker"
        ) from None
