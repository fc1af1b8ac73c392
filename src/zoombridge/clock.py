"""Every "now" in zoombridge comes from a Clock, so tests can freeze or advance time.

`SystemClock` is the real one. `ManualClock` stands still until told to move; its `sleep`
advances time instead of waiting, which lets tests run a day of rate-limit pacing in
milliseconds. `ShiftedClock` runs at real speed from a chosen moment, so a simulated world
looks the same whatever day it is started.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "ManualClock", "ShiftedClock", "SystemClock", "next_utc_midnight"]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware in UTC."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (for intervals)."""

    async def sleep(self, seconds: float) -> None:
        """Wait (or pretend to wait) `seconds`."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """A clock that moves only when `advance` or `sleep` is called."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start time")
        self._mono = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds

    async def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)


class ShiftedClock(SystemClock):
    """Real time, but starting at `start` (a fixed epoch for reproducible simulations)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ShiftedClock needs a timezone-aware start time")
        self._start = start
        self._began = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._began)


def next_utc_midnight(now: datetime) -> datetime:
    """The next 00:00 UTC after `now`, when Zoom's daily quotas reset."""
    day = now.astimezone(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
