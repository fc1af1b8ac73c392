"""Applying the webhook inbox as events arrive: the path from "Zoom says a recording is ready"
to "its files are being archived" in well under a second, with polling as the safety net.

The receiver stores an event and calls `notify()`; the applier wakes, applies every waiting
event in order, and looks again at least every `idle_seconds` (events stored by another
process, or left waiting because Zoom was busy). Events that are not about recordings go to
`others` when given (the meetings sync, composed by the service: the archive does not know
the meetings part).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from zoombridge.archive import inbox
from zoombridge.archive.events import RECORDING_EVENTS, EventOutcome, apply_recording_event
from zoombridge.archive.runtime import ArchiveRuntime
from zoombridge.errors import RetriableError, ZoomBridgeError
from zoombridge.zoom.webhooks import WebhookEvent

__all__ = ["EventHandler", "InboxApplier"]

EventHandler = Callable[[WebhookEvent], Awaitable[object]]

log = logging.getLogger("zoombridge.archive.live")


class InboxApplier:
    def __init__(
        self, rt: ArchiveRuntime, *, idle_seconds: float = 1.0, others: EventHandler | None = None
    ) -> None:
        self.rt = rt
        self.idle_seconds = idle_seconds
        self.others = others
        self._wake = asyncio.Event()
        self._transfers: set[asyncio.Task[list[dict[str, Any]]]] = set()

    def notify(self) -> None:
        """An event was stored: apply it now instead of at the next look."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                await self.apply_waiting()
                self._wake.clear()
                waiters = [asyncio.ensure_future(e.wait()) for e in (self._wake, stop)]
                await asyncio.wait(
                    waiters, timeout=self.idle_seconds, return_when=asyncio.FIRST_COMPLETED
                )
                for waiter in waiters:
                    waiter.cancel()
        finally:
            # Transfers are DBOS workflows: they go on (or are recovered) without this watch.
            for task in self._transfers:
                task.cancel()

    async def apply_waiting(self) -> int:
        """Apply the stored events in order; returns how many were settled. None while the
        connection is switched off: its events wait, stored."""
        settled = 0
        if not self.rt.enabled:
            return settled
        for item in inbox.waiting(self.rt.catalog, self.rt.connection_id):
            try:
                outcome = await self._apply(item.event)
            except RetriableError as exc:  # Zoom busy or unreachable: keep it for the next look
                log.info("event %s waits: %s", item.event.event, exc)
                break
            except ZoomBridgeError as exc:
                inbox.mark_done(self.rt.catalog, item.id, self.rt.clock.now(), error=str(exc))
            except Exception as exc:  # one event that cannot be applied must not stop the rest
                log.exception("event %s could not be applied", item.event.event)
                error = f"unexpected: {exc!r}"
                inbox.mark_done(self.rt.catalog, item.id, self.rt.clock.now(), error=error)
            else:
                inbox.mark_done(self.rt.catalog, item.id, self.rt.clock.now())
                if isinstance(outcome, EventOutcome) and outcome.transfers is not None:
                    self._watch(outcome.transfers)
            settled += 1
        return settled

    async def _apply(self, event: WebhookEvent) -> object:
        if self.others is not None and event.event not in RECORDING_EVENTS:
            return await self.others(event)
        return await apply_recording_event(self.rt, event)

    def _watch(self, transfers: Awaitable[list[dict[str, Any]]]) -> None:
        task: asyncio.Task[list[dict[str, Any]]] = asyncio.ensure_future(transfers)
        self._transfers.add(task)
        task.add_done_callback(self._transfers.discard)

    async def drain(self) -> None:
        """Wait for the transfers queued so far (tests and one-shot runs)."""
        while self._transfers:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*list(self._transfers))
